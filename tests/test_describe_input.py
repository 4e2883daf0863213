#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The replay binary's --describe-input and tools/inputdef.py read the input alike.

For every input of corpus/ and bench/inputs/: one entry per byte, in order; the
scenario bytes' parts are inputdef.parts()'s and the counts inputdef's; the
stream's bytes are read as choices (among two threads or more, the current
one's index in range), budgets, data choices of a known kind, or not read past
the point the execution stopped reading; with failslab on and a stream that
outlasts the execution, the fault choices are the trace's allocations, and
the ones that fail its injected faults.  The dictionary's scenario words decode in C to
the fields inputdef wrote them for; a missing input is exit 2.

  test_describe_input.py REPLAY
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import inputdef  # noqa: E402

fails = 0


def check(ok, what):
    global fails
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    fails += not ok


DATA_KINDS = ("fault", "message", "coherence-place", "waited-for", "other")


def faults_as_traced(replay, data):
    """A failslab input with zeros appended, so that every allocation reads a byte: its fault choices
    against the trace's allocations in number, and the failing ones (current 7 of 8) against the trace's
    injected faults."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input")
        open(path, "wb").write(data + bytes(2048))
        trace = subprocess.run([replay, path], capture_output=True, text=True).stdout.splitlines()
        b = inputdef.describe(replay, path)["bytes"]
    allocs = sum(1 for t in trace if re.search(r" obj#\d+ = \d+ bytes$| fails \(injected\)$", t))
    failed = sum(1 for t in trace if t.endswith("fails (injected)"))
    faults = [x for x in b if x.get("kind") == "fault"]
    got = (len(faults), sum(1 for x in faults if x["current"] == 7))
    return [] if got == (allocs, failed) and b[-1]["role"] == "unread" else [
        "fault choices (all, failing) %s, the trace's allocations %s" % (got, (allocs, failed))]


def main():
    replay = sys.argv[1]
    files = sorted(f for f in glob.glob(os.path.join(ROOT, "corpus", "*", "*")) +
                   glob.glob(os.path.join(ROOT, "bench", "inputs", "*")) if "." not in os.path.basename(f))
    bad, nbytes, roles, kinds, traced = [], 0, {}, {}, 0
    for f in files:
        data = open(f, "rb").read()
        d = inputdef.describe(replay, f)
        b = d["bytes"]
        want = inputdef.parts(data)
        got = [(x["part"], x.get("index") if x["part"] != "vcpu-op" else (x["vcpu"], x["index"]))
               for x in b[:len(want)]]
        got = [(p, i if p != "scenario" else k) for k, (p, i) in enumerate(got)]
        h = (list(data[:3]) + [0] * 3)[:3]
        errs = []
        if [x["at"] for x in b] != list(range(len(data))) or [x["value"] for x in b] != list(data):
            errs.append("not one entry per byte, in order")
        if got != want:
            errs.append("scenario parts %s, inputdef says %s" % (got, want))
        if (d["vcpus"], d["ioctl_ops"], d["vcpu_ops"]) != (inputdef.nvcpus(h[0]), inputdef.nioctl(h[1]),
                                                          inputdef.nvops(h[2])):
            errs.append("counts differ from inputdef's")
        for x in b[len(want):]:
            r = x.get("role")
            roles[r] = roles.get(r, 0) + 1
            if x["part"] != "decision" or r not in ("choice", "budget", "data", "unread"):
                errs.append("byte %d: %s" % (x["at"], x))
            elif r == "choice" and not (x["among"] >= 2 and -1 <= x["current"] < x["among"]):
                errs.append("byte %d: a choice %s" % (x["at"], x))
            elif (r == "unread") != (x["at"] >= d["read"]):
                errs.append("byte %d: %s, but the execution read %d bytes" % (x["at"], r, d["read"]))
            elif r == "data" and not (x.get("kind") in DATA_KINDS and 0 <= x["current"] < x["among"]):
                errs.append("byte %d: a data choice %s" % (x["at"], x))
            if r == "data":
                kinds[x["kind"]] = kinds.get(x["kind"], 0) + 1
        if b and b[0]["bits"]["failslab"]:
            errs += faults_as_traced(replay, data)
            traced += 1
        nbytes += len(data)
        if errs:
            bad.append("%s: %s" % (os.path.relpath(f, ROOT), "; ".join(errs[:3])))
    check(not bad and len(files) > 20, "%d inputs, %d bytes: the binary's roles agree with inputdef (%s)%s" % (
        len(files), nbytes, ", ".join("%s %d" % kv for kv in sorted(roles.items())),
        "".join("\n     " + e for e in bad[:5])))
    check(roles.get("choice", 0) > 0 and roles.get("budget", 0) > 0, "the corpus has choices and budgets")
    check(all(kinds.get(k, 0) > 0 for k in ("fault", "message")) and traced >= 3,
          "the corpus has data choices of these kinds: %s; the fault choices of %d failslab inputs are their "
          "traces' allocations" % (", ".join("%s %d" % kv for kv in sorted(kinds.items())), traced))

    with tempfile.TemporaryDirectory() as tmp:
        ok = []
        for name, w in inputdef.dictionary():
            if not name.startswith("scenario_"):
                continue
            p = os.path.join(tmp, name)
            open(p, "wb").write(w)
            bits = inputdef.describe(replay, p)["bytes"][0]["bits"]
            want = {"vcpus": inputdef.nvcpus(w[0])}
            for k in ("vgic", "failslab", "x86"):
                if k in name:
                    want[k] = 1
            ok.append(all(bits[k] == v for k, v in want.items()) or name)
        check(all(x is True for x in ok) and len(ok) >= 8,
              "the dictionary's %d scenario words decode in C to their names' fields%s" % (
                  len(ok), "".join(" " + x for x in ok if x is not True)))
        r = subprocess.run([replay, "--describe-input", os.path.join(tmp, "missing")], capture_output=True, text=True)
    check(r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot read" in r.stderr,
          "a missing input: one line on stderr, exit 2 (%d: %s)" % (r.returncode, r.stderr.strip()))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
