#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The shape of the suite: every test a full configuration registers is there.

A configure without clang drops the sanitizer tests, one without kernel trees
drops every tree test, and ctest still said 100% passed.  This test lists the
build's tests (ctest --show-only=json-v1) and fails, naming what is missing
and the likely cause, unless the whole suite is there: the trees `busfuzz
test` configures (6.1, 6.12, 7.x), clang with its sanitizers and libFuzzer,
every mutant of mutants/, and a label on every test.

  test_suite_shape.py BUILD_DIR
"""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ("unit", "tree", "sanitizer", "mutant", "long")
TEST_TREES = ("v6_1", "v6_12", "v7")        # tools/suite.py's TEST_KERNELS
GENERATIONS = ("v6_12", "v7")               # the pre- and post-series trees of the mutants
EDGE_TREES = ("v5_10", "v7_3")              # tools/suite.py's EDGE_KERNELS, when they could be had


def expected(edge=EDGE_TREES):
    """{test name: the label it must carry}: the full suite (edge: the edge trees configured)."""
    want = {"seeds-" + t: "tree" for t in edge}
    want.update({"clean-search-" + t: "tree" for t in edge})
    want.update({n: "unit" for n in ("sim", "extract", "kernels", "suite-shape", "litmus-unit", "litmus-ours",
                                     "primitives", "findings", "shim-warn", "cli-logic", "build-plan",
                                     "litmus-state-cache", "litmus-store-no-dep", "litmus-load-buffering",
                                     "litmus-deref-relaxed")})
    want.update({n: "sanitizer" for n in ("sim-tsan", "tsan-hb")})
    for kind in ("asan", "tsan"):
        for t in ("srcu", "callbacks", "locks", "inversion", "exited-holder", "unlock"):
            want["native-%s-%s" % (t, kind)] = "sanitizer"
    for t in TEST_TREES:
        want["seeds-" + t] = "tree"
        want["memslots-" + t] = "tree"
        for n in ("fuzz-smoke-", "stress-", "stress-tsan-"):
            want[n + t] = "sanitizer"
    for t in GENERATIONS:
        want["fuzz-smoke-plain-" + t] = "sanitizer"
        for m in ("lkmm", "tso"):
            want["fuzz-smoke-tsan-%s-%s" % (m, t)] = "sanitizer"
        want["clean-search-" + t] = "mutant"
    want.update({n: "tree" for n in ("strategies", "perfetto", "describe-input", "bad-input", "minimize", "litmus-v7", "check",
                                                    "created-vcpus-patch", "primitives-tree", "cost")})
    want.update({n: "sanitizer" for n in ("oss-fuzz", "tsan-mutant", "build-matrix", "stress-mutant-double-free",
                                          "stress-mutant-leak-classic")})
    want.update({n: "mutant" for n in ("mutants-build", "corpus-mutants", "litmus-export")})
    want.update({n: "long" for n in ("mutants-matrix", "stress-mutant-race-tsan", "replay-identical")})
    for p in glob.glob(os.path.join(ROOT, "mutants", "*.mut")):
        want["mutant-" + os.path.basename(p)[:-4]] = "mutant"
    return want


def registered(bdir):
    r = subprocess.run(["ctest", "--test-dir", bdir, "--show-only=json-v1"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("FAIL: ctest --show-only failed: %s" % r.stderr.strip())
    tests = {}
    for t in json.loads(r.stdout)["tests"]:
        labels = next((p["value"] for p in t.get("properties", []) if p["name"] == "LABELS"), [])
        tests[t["name"]] = set(labels)
    return tests


def cache(bdir, key):
    try:
        for line in open(os.path.join(bdir, "CMakeCache.txt")):
            if line.startswith(key + ":"):
                return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bdir = sys.argv[1]
    # The edge trees (5.10, a 7.3 release candidate) are there when busfuzz test could fetch them;
    # it says so when it could not.
    edge = [t for t in EDGE_TREES if t in cache(bdir, "BUSFUZZ_EDGE_TREES").split(";")]
    tests, want = registered(bdir), expected(edge)
    fails = []
    missing = sorted(n for n in want if n not in tests)
    if missing:
        fails.append("%d test(s) missing: %s" % (len(missing), " ".join(missing)))
    for n, label in sorted(want.items()):
        if n in tests and label not in tests[n]:
            fails.append("%s lacks its label %s (has: %s)" % (n, label, " ".join(sorted(tests[n])) or "none"))
    for n, labels in sorted(tests.items()):
        if not labels & set(LABELS):
            fails.append("%s has no label among %s" % (n, ", ".join(LABELS)))
    counts = {lab: sum(1 for ls in tests.values() if lab in ls) for lab in LABELS}
    print("%d tests; by label: %s" % (len(tests), ", ".join("%s %d" % kv for kv in counts.items())))
    if missing:
        compiler = cache(bdir, "CMAKE_C_COMPILER")
        if not counts["sanitizer"] or any(n.startswith("native-") for n in missing):
            fails.append("the sanitizer tests need clang with ASan, TSan and libFuzzer; this build's compiler is "
                         "%s: configure with -DCMAKE_C_COMPILER=clang (busfuzz test does)" % (compiler or "unknown"))
        if any(n.startswith(("seeds-", "mutant-", "clean-search-")) for n in missing):
            fails.append("the tree tests need BUSFUZZ_TREES (labels v6_1, v6_12, v7) and BUSFUZZ_TEST_TREES; this "
                         "build has BUSFUZZ_TREES='%s' (busfuzz test sets both)" % cache(bdir, "BUSFUZZ_TREES"))
    for f in fails:
        print("FAIL " + f)
    print("suite shape: %s" % ("OK" if not fails else "%d problem(s)" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
