# HEAPSHIM_ARENA_FREE=0: small frees only mark the block, nothing is reused,
# and real programs still run unchanged; the exit report still tells freed
# blocks from leaked ones.
# timeout: 200
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
cd "$HS_TMP"
export HEAPSHIM_ARENA_FREE=0

HEAPSHIM_REPORT_FORMAT=json HEAPSHIM_REPORT="$HS_TMP/batch.json" \
    shim "$HS_TESTBIN/arena_stress" batch >out 2>&1 || { cat out; fail "batch: status $?"; }
python3 - "$HS_TMP/batch.json" <<'PY' || fail "batch: report is wrong"
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["summary"]
live = sum(s[k]["blocks"] for k in s)
# 100,000 blocks were freed; only the program's few live ones may remain.
assert live < 1000, f"{live} blocks reported live"
assert s["definitely_lost"]["blocks"] <= 1, s
PY

same_as_plain sort_batch sort /etc/services
cat >prog.c <<'C'
#include <stdio.h>
int main(void) { for (int i = 0; i < 3; i++) printf("%d\n", i * i); return 0; }
C
same_as_plain gcc_batch gcc -O2 -c prog.c -o prog.o
same_as_plain python_batch /usr/bin/python3 -c 'import json; print(len(json.dumps([{"a": i} for i in range(100000)])))'
