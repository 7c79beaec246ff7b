#!/usr/bin/env python3
"""make bench: every workload under every allocator installed.

The fast allocators (glibc; jemalloc, tcmalloc and mimalloc where their
Debian libraries are installed; heapshim's arena backend, and its batch mode
heapshim-arena-nofree) run every workload BENCH_ROUNDS times, interleaved so
that the load of the machine falls on all of them alike, and the tables give
the median of the rounds. The checking tools (heapshim's debug and page
backends, valgrind's memcheck) are from twice to hundreds of times slower: they
run once, on less work, beside glibc on that same work. A run that exits
non-zero (every benchmark program checks its own results), prints something
other than glibc's run did, or outlasts BENCH_TIMEOUT counts as failed and
shows as FAIL, WRONG or TIMEOUT instead of a number. Installs nothing:
scripts/install-bench-deps installs the peers.

Environment:
  HS_BACKENDS        heapshim backends built (the Makefile's BACKENDS)
  HS_LIB             the shim measured (default build/libheapshim.so)
  BENCH_ROUNDS=N     rounds of the fast allocators (default 3)
  BENCH_VALGRIND=0   leave memcheck out
  BENCH_ONLY=A,B     only the workloads named
  BENCH_TARGET=NAME  the allocator held to the targets (default heapshim-arena)
  BENCH_TIMEOUT=S    seconds a run may take (default 60)
Writes the tables to build/bench/results.txt as well as stdout.
"""

import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "bench")
LIB = os.environ.get("HS_LIB") or os.path.join(ROOT, "build", "libheapshim.so")
LIBDIR = "/usr/lib/x86_64-linux-gnu"
PEERS = (("jemalloc", "libjemalloc.so.2"), ("tcmalloc", "libtcmalloc_minimal.so.4"),
         ("mimalloc", "libmimalloc.so.2"))
CHECKING_BACKENDS = ("debug", "page")
PAIR_SIZES = ("16", "64", "256", "mix")
# The wrappers' cost: each alone and all four, over the fastest backends, on
# a one-thread and a four-thread workload, one run each.
WRAPPER_SETTINGS = (
    ("bare", {}),
    ("stats", {"HEAPSHIM_STATS": "1"}),
    ("limit", {"HEAPSHIM_LIMIT": "1T"}),
    ("fail", {"HEAPSHIM_FAIL_AT": "1000000000000"}),
    ("trace", {"HEAPSHIM_TRACE": "/dev/null"}),
    ("all four", {"HEAPSHIM_STATS": "1", "HEAPSHIM_LIMIT": "1T",
                  "HEAPSHIM_FAIL_AT": "1000000000000", "HEAPSHIM_TRACE": "/dev/null"}),
)
WRAPPER_WORKLOADS = ("pairs", "threads-4")
WRAPPER_BACKENDS = ("libc", "arena")
STARTUP_EXECS = 200


@dataclass
class Allocator:
    name: str
    env: dict
    prefix: list = field(default_factory=list)
    peer: bool = False
    only: str = ""  # a workload flag: runs only the workloads that have it


@dataclass
class Workload:
    name: str
    command: list  # the work of the fast allocators
    light: list    # less work, for the checking tools
    flags: str     # "memcheck": valgrind runs it; "nofree": so does heapshim-arena-nofree


def workload(name, command, light, flags=""):
    def argv(text):
        words = text.split()
        program = os.path.join(BIN, words[0])
        return [program if os.path.exists(program) else words[0]] + words[1:]
    return Workload(name, argv(command), argv(light), flags)


# Sized for glibc to take 0.3 to 1.5 s on the 2-core machine the project is
# measured on. "nofree" marks the workloads that allocate little enough in
# all for an allocator that never frees small blocks.
WORKLOADS = [
    workload("pairs", "churn pairs 16000000", "churn pairs 30000", "memcheck"),
    workload("batches", "churn batch 6000000", "churn batch 30000", "memcheck"),
    workload("threads-2", "churn window 3500000 2", "churn window 15000 2", "memcheck"),
    workload("threads-4", "churn window 1800000 4", "churn window 8000 4", "memcheck"),
    workload("larson", "larson 1500000 4", "larson 6000 4", "memcheck"),
    workload("prodcons", "prodcons 4000000", "prodcons 20000", "memcheck"),
    workload("false-sharing", "falseshare 50000 1000 2", "falseshare 1000 1000 2",
             "nofree memcheck"),
    workload("realloc", "realloc 1000000", "realloc 10000", "memcheck"),
    workload("large", "large 150", "large 20", "nofree memcheck"),
    workload("fragment", "fragment 8 16384", "fragment 2 2048", "nofree memcheck"),
    workload("short-threads", "shortthreads 4000", "shortthreads 100", "nofree memcheck"),
    workload("python3-json", "/usr/bin/python3 workload.py", "/usr/bin/python3 workload.py 10000",
             "nofree"),
    workload("gcc-compile", "gcc -O2 -c compile.c -o compile.o", "gcc -fsyntax-only compile.c",
             "nofree"),
]


def allocators(backends):
    """The fast allocators and the checking tools installed, in table order."""
    fast = [Allocator("glibc", {}, peer=True)]
    fast += [Allocator(name, {"LD_PRELOAD": os.path.join(LIBDIR, lib)}, peer=True)
             for name, lib in PEERS if os.path.exists(os.path.join(LIBDIR, lib))]
    tools = []
    for backend in backends:
        env = {"LD_PRELOAD": LIB, "HEAPSHIM_BACKEND": backend, "HEAPSHIM_REPORT": "/dev/null"}
        (tools if backend in CHECKING_BACKENDS else fast).append(Allocator("heapshim-" + backend, env))
        if backend == "arena":
            fast.append(Allocator("heapshim-arena-nofree", dict(env, HEAPSHIM_ARENA_FREE="0"),
                                  only="nofree"))
    if os.environ.get("BENCH_VALGRIND", "1") != "0" and shutil.which("valgrind"):
        tools.append(Allocator("memcheck", {}, ["valgrind", "-q", "--leak-check=full",
                                                "--log-file=/dev/null"], only="memcheck"))
    return fast, tools


@dataclass
class Run:
    status: str  # "ok", or FAIL, WRONG, TIMEOUT
    seconds: float = 0.0
    rss_kib: int = 0
    output: str = ""
    why: str = ""


def run(argv, allocator, cwd, timeout):
    """Runs ARGV under ALLOCATOR: wall time, peak resident size of the
    largest process of the tree, and stdout. The peak comes from
    /usr/bin/time, a small process: a child of this one would count the
    memory of the Python interpreter it was forked from."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("HEAPSHIM_")}
    killed = []

    def kill(pid):
        killed.append(pid)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        command = ["/usr/bin/time", "-f", "%M", "-o", peak.name, "env"] + \
            [f"{k}={v}" for k, v in allocator.env.items()] + allocator.prefix + argv
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, kill, (proc.pid,))
        timer.start()
        code = proc.wait()
        seconds = time.perf_counter() - start
        timer.cancel()
        out.seek(0)
        err.seek(0)
        output = out.read().decode(errors="replace")
        complaint = (err.read().decode(errors="replace").strip().splitlines() or [""])[-1]
        timing = peak.read().splitlines() or [""]
    if killed:
        return Run("TIMEOUT", why=f"killed after {timeout:.0f} s")
    if code:
        return Run("FAIL", why=f"{timing[0].lower() if len(timing) > 1 else code}: {complaint[:160]}")
    return Run("ok", seconds, int(timing[-1]), output)


def seconds(r):
    return r.seconds


def peak_mib(r):
    return r.rss_kib / 1024


def printed(r):
    """What spawn and pair print: their own measure."""
    return float(r.output)


def comparable(output):
    """The lines of a workload's output that must not depend on the allocator."""
    return [line for line in output.splitlines() if not line.startswith("resident-kib")]


class Measurements:
    """Runs, keyed by (kind, row, allocator name); the first failure of a
    pair stops its later rounds."""

    def __init__(self, cwd, timeout):
        self.cwd, self.timeout = cwd, timeout
        self.runs = {}
        self.failures = {}  # (allocator, status, why): the rows it failed on

    def measure(self, kind, row, allocator, argv, reference=None):
        key = (kind, row, allocator.name)
        runs = self.runs.setdefault(key, [])
        if runs and runs[-1].status != "ok":
            return runs[-1]
        r = run(argv, allocator, self.cwd, self.timeout)
        if r.status == "ok" and reference and reference.status == "ok" and \
                comparable(r.output) != comparable(reference.output):
            r = Run("WRONG", why="output differs from glibc's: " + " | ".join(comparable(r.output))[:160])
        if r.status != "ok":
            self.failures.setdefault((allocator.name, r.status, r.why), []).append(row)
        runs.append(r)
        return r

    def value(self, kind, row, name, of=seconds):
        """The median over the rounds, or the failure's status, or None when
        never run."""
        runs = self.runs.get((kind, row, name))
        if not runs:
            return None
        bad = [r for r in runs if r.status != "ok"]
        return bad[0].status if bad else statistics.median(of(r) for r in runs)


def number(x):
    return isinstance(x, float) or isinstance(x, int)


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def table(title, rows, columns, value, digits, base=None, extra=()):
    """Lines of a table: each cell is value(row, column), with its ratio to
    column BASE when given, then a geometric mean row of those ratios; EXTRA
    are (heading, function of the row) columns added at the right."""
    def show(v, b):
        if v is None:
            return "-"
        if not number(v):
            return v
        text = f"{v:.{digits}f}"
        return f"{text} ({v / b:.2f})" if number(b) and b > 0 else text
    width = max(len(r) for r in rows + ["geomean ratio"]) + 1
    heads = list(columns) + [h for h, _ in extra]
    widths = [max(len(h), 12 + digits) for h in heads]
    lines = ["", f"== {title} ==", "".ljust(width) + " ".join(h.rjust(w) for h, w in zip(heads, widths))]
    for r in rows:
        b = value(r, base) if base else None
        cells = [show(value(r, c), b) for c in columns] + [f(r) for _, f in extra]
        lines.append(r.ljust(width) + " ".join(c.rjust(w) for c, w in zip(cells, widths)))
    if base:
        means = []
        for c in columns:
            ratios = [value(r, c) / value(r, base) for r in rows
                      if number(value(r, c)) and number(value(r, base)) and value(r, base) > 0]
            g = geomean(ratios)
            means.append("-" if g is None else f"{g:.2f}" + ("" if len(ratios) == len(rows) else "*"))
        lines.append("geomean ratio".ljust(width) + " ".join(m.rjust(w) for m, w in zip(means, widths)))
    return lines


class Report:
    def __init__(self, m, fast, tools, rounds, target):
        self.m, self.fast, self.tools, self.rounds = m, fast, tools, rounds
        self.names = [a.name for a in fast]
        self.target = target if target in self.names else None
        self.peers = [a.name for a in fast if a.peer and a.name != self.target]
        self.base = "mimalloc" if "mimalloc" in self.names else "glibc"

    def best(self, kind, row, names, of):
        scored = [(v, n) for n in names if number(v := self.m.value(kind, row, n, of))]
        return min(scored) if scored else (None, None)

    def versus_peer(self, kind, of):
        """The column: the target's value over the best peer's on each row."""
        def ratio(row):
            v, (b, who) = self.m.value(kind, row, self.target, of), self.best(kind, row, self.peers, of)
            return f"{v / b:.2f} {who}" if number(v) and b else "-"
        return (f"{self.target}/best peer", ratio)

    def workload_table(self, rows, title, of, digits):
        extra = [("best", lambda r: self.best("work", r, self.names, of)[1] or "-")]
        if self.target:
            extra.append(self.versus_peer("work", of))
        return table(title, rows, self.names, lambda r, c: self.m.value("work", r, c, of), digits,
                     self.base, extra)

    def lines(self, workloads):
        rows = [w.name for w in workloads]
        out = table(f"start-up: /bin/true run {STARTUP_EXECS} times (microseconds per run, ratio to glibc)",
                    ["start-up"], self.names + [t.name for t in self.tools if not t.prefix],
                    lambda r, c: self.m.value("start", r, c, printed), 0, "glibc")[:-1]
        pair_extra = []
        if self.target:
            def over(size):
                v = self.m.value("pair", size, self.target, printed)
                b, who = self.best("pair", size, self.peers, printed)
                return f"{v - b:+.2f} {who}" if number(v) and b else "-"
            pair_extra = [(f"{self.target} - fastest peer", over)]
        out += table("malloc/free pair, one thread: nanoseconds per pair (fastest of 5 runs on each core)",
                     list(PAIR_SIZES), [a.name for a in self.fast if not a.only],
                     lambda r, c: self.m.value("pair", r, c, printed), 2, None, pair_extra)
        out += self.workload_table(rows, f"time in seconds, median of {self.rounds} (ratio to {self.base})",
                                   seconds, 2)
        out += self.workload_table(rows, f"peak resident memory in MiB (ratio to {self.base})", peak_mib, 1)
        if "fragment" in rows:
            out += self.fragment_table()
        if self.tools:
            light = [w.name for w in workloads]
            names = ["glibc"] + [t.name for t in self.tools]
            out += table("checking tools: one run with less work, time in seconds (ratio to glibc)",
                         light, names, lambda r, c: self.m.value("light", r, c), 2, "glibc")
            out += table("checking tools: peak resident memory in MiB (ratio to glibc)",
                         light, names, lambda r, c: self.m.value("light", r, c, peak_mib), 1, "glibc")
        if self.target:
            out += self.targets(rows)
        if self.m.failures:
            out += ["", "== failed runs =="]
            out += [f"{name}: {status} on {', '.join(rows)}: {why}"
                    for (name, status, why), rows in self.m.failures.items()]
        return out

    def fragment_table(self):
        def resident(which):
            return lambda r: int(r.output.split("resident-kib")[1].split()[which]) / 1024
        live = self.m.value("work", "fragment", "glibc", lambda r: int(r.output.split()[4]) / 2**20)
        rows = {"at the end": resident(0), "after malloc_trim": resident(1)}
        title = "fragmentation: resident MiB with {} MiB live (ratio to {})".format(
            f"{live:.1f}" if number(live) else "?", self.base)
        return table(title, list(rows), self.names,
                     lambda r, c: self.m.value("work", "fragment", c, rows[r]), 1, self.base)[:-1]

    def targets(self, rows):
        """The issue's targets for the target allocator, each met or missed."""
        def verdict(ok):
            return "met" if ok else "MISSED"
        t, out = self.target, ["", f"== targets for {self.target} =="]
        value = self.m.value
        common = [r for r in rows if all(number(value("work", r, n)) for n in self.peers + [t])]
        if common:
            per_peer = {p: geomean([value("work", r, t) / value("work", r, p) for r in common])
                        for p in self.peers}
            fastest = max(per_peer, key=per_peer.get)
            g = per_peer[fastest]
            out.append(f"time, geomean over {len(common)} workloads: {g:.2f} of the fastest peer's "
                       f"({fastest}), target <= 0.90: {verdict(g <= 0.9)}")
            over_best = {r: value("work", r, t) / self.best("work", r, self.peers, seconds)[0] for r in common}
            worst = max(over_best, key=over_best.get)
            out.append(f"time, worst workload: {worst} at {over_best[worst]:.2f} of its best peer, "
                       f"target <= 1.20: {verdict(over_best[worst] <= 1.2)}")
            m = geomean([value("work", r, t, peak_mib) / value("work", r, "glibc", peak_mib) for r in common])
            out.append(f"peak resident memory, geomean: {m:.2f} of glibc's, target <= 1.00: "
                       f"{verdict(m <= 1.0)}")
        missing = [r for r in rows if r not in common]
        if missing:
            out.append("left out (a run failed): " + ", ".join(missing))
        for size in PAIR_SIZES:
            v, (b, who) = value("pair", size, t, printed), self.best("pair", size, self.peers, printed)
            if number(v) and b:
                out.append(f"pair, size {size}: {v:.2f} ns, {v - b:+.2f} over the fastest peer ({who}), "
                           f"target <= +1: {verdict(v - b <= 1)}")
        return out


def wrapper_rows(m, workloads, backends):
    """Measures each wrapper setting over the fast backends built (libc is
    always built); returns the table's rows, "WORKLOAD BACKEND"."""
    rows = []
    for w in (w for w in workloads if w.name in WRAPPER_WORKLOADS):
        print(f"wrappers: {w.name}", file=sys.stderr, flush=True)
        m.measure("wrap", w.name, Allocator("glibc", {}), w.command)
        for backend in (b for b in WRAPPER_BACKENDS if b == "libc" or b in backends):
            row = f"{w.name} {backend}"
            for name, settings in WRAPPER_SETTINGS:
                env = dict(settings, LD_PRELOAD=LIB, HEAPSHIM_BACKEND=backend,
                           HEAPSHIM_REPORT="/dev/null")
                m.measure("wrap", row, Allocator(name, env), w.command)
            rows.append(row)
    return rows


def main():
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("make bench needs /usr/bin/time (the Debian package time)")
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    timeout = float(os.environ.get("BENCH_TIMEOUT", "60"))
    fast, tools = allocators(os.environ.get("HS_BACKENDS", "debug page").split())
    only = os.environ.get("BENCH_ONLY")
    workloads = [w for w in WORKLOADS if not only or w.name in only.split(",")]
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="heapshim-bench.") as work:
        for name in ("workload.py", "compile.c"):
            shutil.copy(os.path.join(ROOT, "test", "bench", name), work)
        m = Measurements(work, timeout)
        glibc = fast[0]
        spawn = [os.path.join(BIN, "spawn"), str(STARTUP_EXECS), "/bin/true"]
        for i in range(rounds):
            print(f"round {i + 1} of {rounds}: start-up, pairs", file=sys.stderr, flush=True)
            for a in fast + [t for t in tools if not t.prefix]:
                m.measure("start", "start-up", a, spawn)
            for size in PAIR_SIZES:
                for a in fast:
                    if not a.only:
                        m.measure("pair", size, a, [os.path.join(BIN, "pair"), size])
            for w in workloads:
                print(f"round {i + 1} of {rounds}: {w.name}", file=sys.stderr, flush=True)
                reference = m.measure("work", w.name, glibc, w.command)
                for a in fast[1:]:
                    if not a.only or a.only in w.flags:
                        m.measure("work", w.name, a, w.command, reference)
        for w in workloads:
            print(f"checking tools: {w.name}", file=sys.stderr, flush=True)
            reference = m.measure("light", w.name, glibc, w.light)
            for t in tools:
                if not t.only or t.only in w.flags:
                    m.measure("light", w.name, t, w.light, reference)
        wrapped = wrapper_rows(m, workloads, os.environ.get("HS_BACKENDS", "").split())
    report = Report(m, fast, tools, rounds, os.environ.get("BENCH_TARGET", "heapshim-arena"))
    head = [f"heapshim benchmarks, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end, "
            f"took {(time.time() - started) / 60:.1f} min",
            "fast allocators: " + " ".join(a.name for a in fast),
            "checking tools: " + (" ".join(t.name for t in tools) or "none"),
            "a ratio is to the column named in the title; * = geomean over fewer workloads; "
            "- = not run"]
    lines = report.lines(workloads)
    if wrapped:
        settings = [name for name, _ in WRAPPER_SETTINGS]
        lines += table("wrappers: time in seconds, one run (ratio to the bare backend; "
                       "glibc: no shim at all)", wrapped, ["glibc"] + settings,
                       lambda r, c: m.value("wrap", r.split()[0] if c == "glibc" else r, c),
                       2, "bare")
    text = "\n".join(head + lines) + "\n"
    os.makedirs(BIN, exist_ok=True)
    with open(os.path.join(BIN, "results.txt"), "w") as f:
        f.write(text)
    print(text + f"written to {os.path.join(BIN, 'results.txt')}")


if __name__ == "__main__":
    main()
