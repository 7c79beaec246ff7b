# A python3 workload for the benchmarks: dictionaries, lists, strings and
# json round trips, deterministic.
import json

records = []
for i in range(60000):
    records.append({"id": i, "name": "item-%d" % i, "tags": [str(i % 7), str(i % 11)],
                    "score": (i * 2654435761) % 1000 / 10.0})
text = json.dumps(records)
back = json.loads(text)
index = {}
for r in back:
    index.setdefault(r["tags"][0], []).append(r["name"].upper())
print(len(text), sum(len(v) for v in index.values()))
