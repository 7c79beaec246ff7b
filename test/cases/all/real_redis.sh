#!/usr/bin/env bash
# timeout: 240
# redis-server and redis-benchmark, both under the shim: a server on
# 127.0.0.1 (a random free port, no persistence, its directory the case's)
# with lazy freeing on, and `redis-benchmark -c 20 -P 4 -d 200` over the
# usual commands while a plain redis-cli builds big sets, hashes and sorted
# sets and unlinks them, so that the server's lazyfree thread frees them as
# the main thread serves the clients. Then FLUSHALL ASYNC and a clean
# SHUTDOWN. Every benchmark must complete, every script must return what
# it computed, the lazyfree thread must have freed what was unlinked, and
# the server must exit with status 0, with no heap error in any report.
#
# Debian's redis links libjemalloc: the program's malloc is the shim's, but
# jemalloc's own functions (mallctl, malloc_stats_print) stay in the
# process. Under the libc backend the shim once asked jemalloc, not glibc,
# the usable size of glibc's blocks, and both programs died of SIGSEGV.
source "$HS_ROOT/test/lib.sh"
source "$HS_ROOT/test/data/real_common.sh"
for p in redis-server redis-benchmark redis-cli; do
    command -v "$p" >/dev/null 2>&1 || skip "$p is not installed (scripts/install-test-deps installs it)"
done

# Requests per benchmark: the page backend maps every block (~50 times
# slower here), debug checks and records every one.
case ${HS_BACKEND:-page} in
    page) requests=200 ;;
    debug) requests=3000 ;;
    *) requests=10000 ;;
esac
tests=ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset

launcher=  # the background job that runs the server
server=    # the server's process id, once it answers
churn=
stop_all() {
    [[ -n $churn ]] && kill -KILL "$churn" 2>/dev/null
    [[ -n $server ]] && kill -KILL "$server" 2>/dev/null
    [[ -n $launcher ]] && pkill -KILL -P "$launcher"   # a server that wrote no pid file
    wait 2>/dev/null
}
trap stop_all EXIT

cli() { timeout -k 5 30 redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# start_server: on a random port; another port if that one is taken. The
# server answering must be ours (the process id in its pid file), not one
# bound before it.
start_server() {
    local try i pid
    for try in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        rm -f server.log server.pid
        shim redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --dir "$HS_TMP" --logfile "$HS_TMP/server.log" --pidfile "$HS_TMP/server.pid" \
            --daemonize no --lazyfree-lazy-user-del yes --lazyfree-lazy-server-del yes \
            --lazyfree-lazy-user-flush yes --lazyfree-lazy-expire yes </dev/null &
        launcher=$!
        for ((i = 0; i < 300; i++)); do
            kill -0 "$launcher" 2>/dev/null || break
            pid=$(cat server.pid 2>/dev/null)
            server=${pid:-$server}
            [[ -n $pid && $(cli info server 2>/dev/null | tr -d '\r' |
                            sed -n 's/^process_id://p') == "$pid" ]] && return 0
            sleep 0.1
        done
        kill -0 "$launcher" 2>/dev/null && fail "redis-server did not answer on port $port in 30 s"
        wait "$launcher"
        local status=$?
        server=
        grep -q 'Address already in use' server.log || {
            tail -n 20 server.log; fail "redis-server exited with status $status at start"; }
    done
    fail "no free port found in 8 tries"
}

# churn ROUNDS: big keys built by a script and unlinked, freed by the
# lazyfree thread (each has far more than 64 elements).
churn() {
    local round
    for ((round = 1; round <= $1; round++)); do
        cli eval "for i = 1, 2000 do
                      redis.call('sadd', KEYS[1], 'member:' .. i)
                      redis.call('hset', KEYS[2], 'field:' .. i, i)
                      redis.call('zadd', KEYS[3], i, 'z' .. i)
                  end
                  return redis.call('scard', KEYS[1]) + redis.call('hlen', KEYS[2]) + redis.call('zcard', KEYS[3])" \
            3 "big:set:$round" "big:hash:$round" "big:zset:$round"
        cli unlink "big:set:$round" "big:hash:$round" "big:zset:$round"
    done
}

info_field() { cli info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }

start_server
churn 5 >churn.out 2>&1 &
churn=$!
shim timeout -k 5 150 redis-benchmark -h 127.0.0.1 -p "$port" -q -n "$requests" -c 20 -P 4 -d 200 \
    -t "$tests" >bench.raw 2>bench.err </dev/null
status=$?
tr '\r' '\n' <bench.raw | grep 'requests per second' >bench.out
[[ $status == 0 ]] || { tail -n 5 bench.out bench.err; fail "redis-benchmark: status $status"; }
wait "$churn"
churn=
for name in PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET SPOP ZADD ZPOPMIN \
            'LRANGE_100 (first 100 elements)' 'MSET (10 keys)'; do
    grep -q "^$name: [0-9.]* requests per second" bench.out ||
        { cat bench.out; fail "no result for $name"; }
done
[[ $(grep -cx '6000' churn.out) == 5 && $(grep -cx '3' churn.out) == 5 ]] ||
    { cat churn.out; fail "the churn scripts did not build and unlink 5 times 3 keys of 2000"; }

[[ $(cli flushall async) == OK ]] || fail "FLUSHALL ASYNC"
for ((i = 0; i < 300; i++)); do
    [[ $(info_field memory lazyfree_pending_objects) == 0 ]] && break
    sleep 0.1
done
[[ $(info_field memory lazyfree_pending_objects) == 0 ]] || fail "the lazyfree thread did not finish"
freed=$(info_field memory lazyfreed_objects)
((${freed:-0} >= 15)) || fail "the lazyfree thread freed $freed objects, not the 15 unlinked"
[[ $(cli dbsize) == 0 ]] || fail "keys left after FLUSHALL"

cli shutdown nosave >/dev/null 2>&1
for ((i = 0; i < 300; i++)); do
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$launcher" 2>/dev/null && fail "redis-server did not exit after SHUTDOWN"
wait "$launcher"
status=$?
server=
[[ $status == 0 ]] || { tail -n 20 server.log; fail "redis-server exited with status $status"; }
[[ $(grep -l 'exit report for pid' "$HS_REPORTS"/* | wc -l) -ge 2 ]] ||
    fail "no exit reports from the server and the benchmark"
no_heap_errors
exit 0
