# A python3 workload for the benchmarks: dictionaries, lists, strings and
# json round trips, deterministic. Argument: the number of records (default
# 60000).
import json
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
records = []
for i in range(count):
    records.append({"id": i, "name": "item-%d" % i, "tags": [str(i % 7), str(i % 11)],
                    "score": (i * 2654435761) % 1000 / 10.0})
text = json.dumps(records)
back = json.loads(text)
if back != records:
    sys.exit("json round trip changed the records")
index = {}
for r in back:
    index.setdefault(r["tags"][0], []).append(r["name"].upper())
print(len(text), sum(len(v) for v in index.values()))
