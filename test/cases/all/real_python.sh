#!/usr/bin/env bash
# timeout: 120
# /usr/bin/python3 (the system interpreter, not a pyenv shim from PATH) under
# the shim: 4 threads each building dicts and lists, JSON round trips,
# hashing, regexes, zlib and a queue between the threads; the results are
# sorted before printing so the output is deterministic. Also an uncaught
# exception and sys.exit(4) to check that the exit status passes through.
# Python's own small-object allocator serves most objects from arenas it maps
# itself; PYTHONMALLOC=malloc would route every object through the shim, but
# that is millions of calls and tens of thousands of live blocks, too much for
# the page backend (one mapping per block, vm.max_map_count is 65530).
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
py=/usr/bin/python3
need "$py"

cat >threads.py <<'PY_EOF'
import hashlib, json, queue, re, sys, threading, zlib
from concurrent.futures import ThreadPoolExecutor

ROUNDS = 400
sys.setswitchinterval(0.0005)  # interleave the threads finely
results = {}
results_lock = threading.Lock()
work = queue.Queue()

def build(tid, i):
    d = {"thread": tid, "round": i,
         "name": "t%d-r%d" % (tid, i) * (1 + i % 5),
         "values": [j * j % (97 + tid) for j in range(40 + i % 30)],
         "nested": {"k%03d" % k: {"x": k * tid, "s": str(k) * (k % 7)} for k in range(i % 25)},
         "float": (i * 3 + tid) / 8.0,
         "flags": [bool((i >> b) & 1) for b in range(8)],
         "text": "ünïcödé €%d" % i}
    return d

def worker(tid):
    h = hashlib.sha256()
    total = 0
    keys = set()
    for i in range(ROUNDS):
        d = build(tid, i)
        s = json.dumps(d, sort_keys=True)
        back = json.loads(s)
        if back != d:
            raise AssertionError("round trip mismatch in thread %d round %d" % (tid, i))
        s2 = json.dumps(back, sort_keys=True, indent=1, ensure_ascii=False)
        h.update(s.encode()); h.update(s2.encode("utf-8"))
        total += sum(back["values"]) + len(s2)
        keys.update(back["nested"])
        if i % 50 == 0:
            work.put((tid, i, zlib.compress(s2.encode("utf-8"), 6)))
        # grow and shrink a list of strings to churn the allocator
        junk = [("%d:%d" % (i, j)) * (j % 9) for j in range(200)]
        total += len("".join(junk[::7]))
        del junk
    words = re.findall(r"[a-z]+\d*", " ".join(sorted(keys)) + " thread%d" % tid)
    with results_lock:
        results[tid] = {"total": total, "sha": h.hexdigest()[:16], "keys": len(keys),
                        "words": len(words)}

threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()

for tid in sorted(results):
    r = results[tid]
    print("thread %d total=%d keys=%d words=%d sha=%s" % (tid, r["total"], r["keys"], r["words"], r["sha"]))

blobs = []
while not work.empty():
    blobs.append(work.get())
for tid, i, blob in sorted(blobs):
    text = zlib.decompress(blob).decode("utf-8")
    print("blob t%d r%d %d bytes %s" % (tid, i, len(text), hashlib.md5(text.encode()).hexdigest()[:8]))

def square_map(n):
    return {str(k): [k] * (k % 4) for k in range(n)}

with ThreadPoolExecutor(max_workers=4) as ex:
    maps = list(ex.map(square_map, range(0, 400, 20)))
print("pool", [len(m) for m in maps], sum(len(json.dumps(m)) for m in maps))
print("combined", hashlib.sha256(json.dumps(results, sort_keys=True).encode()).hexdigest())
PY_EOF

same_as_plain python_threads "$py" -I threads.py
{ [[ $(grep -c '^thread ' python_threads.plain) == 4 ]] && grep -q '^combined ' python_threads.plain; } \
    || fail "unexpected plain output:"$'\n'"$(cat python_threads.plain python_threads.plain.err)"

# Exit statuses pass through: sys.exit(4) and an uncaught exception (1).
same_as_plain python_exit4 "$py" -I -c 'import sys; print("bye"); sys.exit(4)'
same_as_plain python_raise "$py" -I -c 'print("before"); d = {i: str(i) for i in range(1000)}; raise ValueError(len(d))'
grep -q '^ValueError: 1000$' python_raise.plain.err || fail "plain run did not raise"
exit 0
