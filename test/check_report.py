#!/usr/bin/env python3
"""Checks heapshim JSON reports against the schema of the interface and
against expectations given as words:

  definite B N            exactly B bytes in N blocks definitely lost (arena:
                          N blocks of B bytes rounded up to size classes)
  definite-at-least B N   at least that many (likewise indirect, possible,
  indirect B N            reachable, with or without -at-least)
  site NAME FUNC [I]      (backends with stacks) a leak whose stack has, at
                          frame I (default 0), FUNC at the source line marked
                          "SITE NAME" in --source

With --per-process, each report must match one of the expectations given
(the words are then one expectation per report, each 'kind B N'). With
--each, every report must meet all of them (one run's report per file).
Exits 1 with a message on the first mismatch.
"""
import argparse
import json
import os
import re
import sys

KINDS = {"definite": "definitely_lost", "indirect": "indirectly_lost",
         "possible": "possibly_lost", "reachable": "still_reachable"}
ERROR_KINDS = {"double-free", "invalid-free", "mismatched-free", "overflow", "underflow",
               "use-after-free", "invalid-realloc", "out-of-memory", "reentrant-call"}
FRAME_KEYS = {"pc", "module", "offset", "function", "file", "line"}


def fail(message):
    print("check_report:", message, file=sys.stderr)
    sys.exit(1)


def check_hex(value, what):
    if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-f]+", value):
        fail(f"{what} is not a hex string: {value!r}")


def check_stack(stack, what):
    if not isinstance(stack, list):
        fail(f"{what} is not a list")
    for frame in stack:
        missing = FRAME_KEYS - set(frame)
        if missing:
            fail(f"{what}: frame lacks {sorted(missing)}: {frame}")
        check_hex(frame["pc"], f"{what} pc")
        if frame["offset"] is not None:
            check_hex(frame["offset"], f"{what} offset")
        if frame["line"] is not None and not isinstance(frame["line"], int):
            fail(f"{what}: line is not a number: {frame}")


CALLS = ["malloc", "calloc", "realloc", "aligned", "new", "new[]", "free", "delete", "delete[]"]


def check_counts(value, what, keys):
    if not isinstance(value, dict) or list(value) != keys or \
            not all(isinstance(n, int) and n >= 0 for n in value.values()):
        fail(f"{what} is {value!r}")


def check_wrappers(doc, path):
    """The wrappers' objects: always present, null when the wrapper is off."""
    for key in ("stats", "limit", "fail"):
        if key not in doc:
            fail(f"{path}: no key {key!r}")
    stats = doc["stats"]
    if stats is not None:
        check_counts(stats["calls"], f"{path} stats.calls", CALLS)
        check_counts(stats["failed"], f"{path} stats.failed", CALLS[:6])
        for key in ("realloc_moved", "bytes_requested"):
            if not isinstance(stats[key], int):
                fail(f"{path}: stats.{key} is {stats[key]!r}")
        check_counts(stats["peak"], f"{path} stats.peak", ["bytes", "blocks"])
        for bucket in stats["sizes"]:
            check_counts(bucket, f"{path} stats.sizes", ["from", "to", "calls"])
        if stats["top_sites"] is not None:
            for order in ("by_bytes", "by_peak", "by_calls"):
                for site in stats["top_sites"][order]:
                    check_stack(site["stack"], f"{path} stats site")
    limit = doc["limit"]
    if limit is not None and limit["first_refused"] is not None:
        check_stack(limit["first_refused"]["stack"], f"{path} limit first_refused")
    failures = doc["fail"]
    if failures is not None:
        for failure in failures["failures"]:
            if failure["call"] not in CALLS[:6]:
                fail(f"{path}: injected failure of {failure['call']!r}")
            check_stack(failure["stack"], f"{path} injected failure")


def check_schema(doc, path, backend):
    for key in ("tool", "version", "pid", "backend", "summary", "leaks", "errors"):
        if key not in doc:
            fail(f"{path}: no key {key!r}")
    if doc["tool"] != "heapshim":
        fail(f"{path}: tool is {doc['tool']!r}")
    if not re.fullmatch(r"\d+\.\d+\.\d+", doc["version"]):
        fail(f"{path}: version {doc['version']!r}")
    if doc["backend"] != backend:
        fail(f"{path}: backend {doc['backend']!r}, wanted {backend!r}")
    if not path.endswith(f".{doc['pid']}"):
        fail(f"{path}: pid {doc['pid']} does not match the file name")
    for key in KINDS.values():
        tally = doc["summary"].get(key)
        if not isinstance(tally, dict) or set(tally) != {"bytes", "blocks"}:
            fail(f"{path}: summary.{key} is {tally!r}")
        if not all(isinstance(v, int) and v >= 0 for v in tally.values()):
            fail(f"{path}: summary.{key} is {tally!r}")
    listed = {k: [0, 0] for k in KINDS}
    for leak in doc["leaks"]:
        if leak.get("kind") not in KINDS:
            fail(f"{path}: leak kind {leak.get('kind')!r}")
        for key in ("bytes", "blocks", "stack"):
            if key not in leak:
                fail(f"{path}: leak lacks {key!r}")
        check_stack(leak["stack"], f"{path} leak stack")
        if backend in ("page", "arena") and leak["stack"]:
            fail(f"{path}: the {backend} backend records no stacks, yet a leak has one")
        listed[leak["kind"]][0] += leak["bytes"]
        listed[leak["kind"]][1] += leak["blocks"]
    for kind in ("definite", "indirect", "possible"):
        tally = doc["summary"][KINDS[kind]]
        if listed[kind] != [tally["bytes"], tally["blocks"]]:
            fail(f"{path}: leaks of kind {kind} add up to {listed[kind]}, summary says {tally}")
    check_wrappers(doc, path)
    for error in doc["errors"]:
        if error.get("kind") not in ERROR_KINDS:
            fail(f"{path}: error kind {error.get('kind')!r}")
        check_hex(error.get("address"), f"{path} error address")
        check_stack(error.get("stack"), f"{path} error stack")
        block = error.get("block", "missing")
        if block == "missing":
            fail(f"{path}: error lacks 'block'")
        if block is not None:
            for key in ("bytes", "alloc_stack", "free_stack"):
                if key not in block:
                    fail(f"{path}: error block lacks {key!r}")
            check_stack(block["alloc_stack"], f"{path} alloc_stack")
            check_stack(block["free_stack"], f"{path} free_stack")


def site_line(source, name):
    with open(source) as f:
        for number, text in enumerate(f, 1):
            if f"SITE {name} " in text or text.rstrip().endswith(f"SITE {name} */"):
                return number
    fail(f"no 'SITE {name}' marker in {source}")


def tally_matches(doc, words, backend):
    kind, at_least = words[0], False
    if kind.endswith("-at-least"):
        kind, at_least = kind[: -len("-at-least")], True
    want = (int(words[1]), int(words[2]))
    tally = doc["summary"][KINDS[kind]]
    have = (tally["bytes"], tally["blocks"])
    if at_least:
        ok = have[0] >= want[0] and have[1] >= want[1]
    elif backend == "arena":
        # The arena keeps no per-block size: it reports each block's size
        # class, at most 15 bytes or 12.5% above the request.
        ok = have[1] == want[1] and want[0] <= have[0] <= want[0] * 1.125 + 15 * want[1]
    else:
        ok = have == want
    return ok, f"{kind}: {have[0]} bytes in {have[1]} blocks, wanted {'at least ' if at_least else ''}{want[0]} in {want[1]}"


def check_site(doc, words, source, backend):
    if backend in ("page", "arena"):
        return
    name, function = words[1], words[2]
    index = int(words[3]) if len(words) > 3 else 0
    line = site_line(source, name)
    stacks = [leak["stack"] for leak in doc["leaks"]]
    for stack in stacks:
        if len(stack) > index:
            frame = stack[index]
            if (frame["function"] == function and frame["line"] == line and
                    (frame["file"] or "").endswith(os.path.basename(source))):
                return
    frames = [s[index] if len(s) > index else None for s in stacks]
    fail(f"no leak allocated at {function} {os.path.basename(source)}:{line} (frame {index}); "
         f"frames seen: {frames}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--reports", nargs="+", required=True)
    parser.add_argument("--per-process", action="store_true")
    parser.add_argument("--each", action="store_true")
    parser.add_argument("words", nargs="*")
    args = parser.parse_args()

    docs = []
    for path in args.reports:
        with open(path) as f:
            text = f.read()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            fail(f"{path} is not one JSON object: {e}")
        check_schema(doc, path, args.backend)
        docs.append(doc)

    expectations = [w.split() for w in args.words]
    if args.per_process:
        if len(docs) != len(expectations):
            fail(f"{len(docs)} reports, wanted {len(expectations)}")
        remaining = list(docs)
        for words in expectations:
            match = next((d for d in remaining if tally_matches(d, words, args.backend)[0]), None)
            if match is None:
                fail(f"no report with {' '.join(words)}")
            remaining.remove(match)
        return
    if args.each:
        for path, doc in zip(args.reports, docs):
            check_all(doc, expectations, args, path)
        return
    if len(docs) != 1:
        fail(f"{len(docs)} reports, wanted one")
    check_all(docs[0], expectations, args, args.reports[0])


def check_all(doc, expectations, args, path):
    """Every expectation against one report; the failure names the file."""
    for words in expectations:
        if words[0] == "site":
            check_site(doc, words, args.source, args.backend)
        else:
            ok, message = tally_matches(doc, words, args.backend)
            if not ok:
                fail(f"{path}: {message}")


if __name__ == "__main__":
    main()
