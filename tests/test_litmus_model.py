#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Regression tests of the lkmm model as the litmus explorer runs it, one
behaviour per ctest (each fails when its fix is reverted):

  state-cache      the explorer's state cache prunes executions, never an outcome
  store-no-dep     a store proven independent of every load is not ordered after them
  load-buffering   such a store may run before the loads above it (LB)
  deref-relaxed    rcu_dereference() orders only what depends on the pointer

    test_litmus_model.py BEHAVIOUR

The litmus tests are ours (tests/litmus/, with herd7's verdicts in their
Result: lines, which ctest -L herd7 checks); each is run on `busfuzz litmus`
(tools/litmus.py) and must give its Result: line.  The build goes to
$BUSFUZZ_BUILD (ctest: the litmus-build folder).
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))

import litmus  # noqa: E402

OURS = os.path.join(HERE, "litmus")
LINE = re.compile(r"^(\S+) expected=(\S+) observed=(\S+) (\S+).*\((\d+) executions")


def run(files, *opts):
    """{name: (observed, status, executions)} of `tools/litmus.py opts files`."""
    r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "litmus.py"), "--jobs", "1"] + list(opts) +
                       [os.path.join(OURS, f) for f in files], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if m:
            out[m.group(1)] = (m.group(3), m.group(4), int(m.group(5)))
    if len(out) != len(files):
        raise AssertionError("not one verdict per file:\n" + r.stdout + r.stderr)
    return out


def all_ok(files):
    got = run(files)
    bad = ["%s: %s %s" % (n, o, s) for n, (o, s, _) in got.items() if s != "OK"]
    if bad:
        raise AssertionError("\n".join(bad))
    return got


def state_cache():
    files = sorted(f for f in os.listdir(OURS) if f.endswith(".litmus"))
    cached = all_ok(files)
    # Four threads with two RMWs that may read older stores: over 10 million
    # executions without the cache, 14,000 with it.
    big = {"WW+gp+mb+release-xchgrelaxed+poonceonce.litmus"}
    plain = run([f for f in files if f not in big], "--no-state-cache")
    for n, (o, s, execs) in cached.items():
        if n + ".litmus" in big:
            continue
        if plain[n][0] != o:
            raise AssertionError("%s: %s with the state cache, %s without" % (n, o, plain[n][0]))
    # Three threads with release/acquire and a full fence: thousands of
    # interleavings, a few hundred states.
    n = "ISA2+mb+xchgrelease+acquire"
    if not cached[n][2] * 3 < plain[n][2]:
        raise AssertionError("%s: %d executions with the cache, %d without" % (n, cached[n][2], plain[n][2]))


def translated(name):
    path = os.path.join(OURS, name + ".litmus")
    with open(path) as f:
        return litmus.parse(f.read(), path)


def store_no_dep():
    all_ok(["S+pooncerelease+poonce.litmus", "S+pooncerelease+dataonce.litmus", "S+pooncerelease+ctrlonce.litmus"])
    # The proof: only P1's store of the test without a dependency.
    for name, want in (("S+pooncerelease+poonce", 1), ("S+pooncerelease+dataonce", 0),
                       ("S+pooncerelease+ctrlonce", 0)):
        t = translated(name)
        got = len(litmus.independent_stores(t, t.threads[1]))
        if got != want:
            raise AssertionError("%s: %d independent stores in P1, want %d" % (name, got, want))


def load_buffering():
    all_ok(["LB+poonce+poonce.litmus", "LB+dataonce+ctrlonce.litmus", "LB+rcu-poonce+sync.litmus"])
    t = translated("LB+rcu-poonce+sync")
    indep = set(litmus.independent_stores(t, t.threads[0]))
    if not indep or litmus.early_stores(t, t.threads[0], indep):
        raise AssertionError("LB+rcu-poonce+sync: a store crosses a read section in a test with a grace period")


def deref_relaxed():
    all_ok(["S+assign+deref-poonce.litmus", "MP+assign+deref-addr.litmus", "MP+onceassign+onceonce.litmus"])
    # The translator marks the load through the loaded pointer as address-dependent.
    src = litmus.generate(translated("MP+assign+deref-addr"), "/gen/t.c")
    if "(sim_load_dep(), READ_ONCE(*r1))" not in src:
        raise AssertionError("MP+assign+deref-addr: no sim_load_dep() before the load through r1")


TESTS = {"state-cache": state_cache, "store-no-dep": store_no_dep, "load-buffering": load_buffering,
         "deref-relaxed": deref_relaxed}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in TESTS:
        print("usage: test_litmus_model.py %s" % "|".join(TESTS), file=sys.stderr)
        return 2
    try:
        TESTS[sys.argv[1]]()
    except AssertionError as e:
        print("FAIL %s: %s" % (sys.argv[1], e))
        return 1
    print("PASS %s" % sys.argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
