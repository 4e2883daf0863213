#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Replays are deterministic across builds: every input of corpus/seeds (on the
unmodified 6.12 and 7.x trees) and every reproducer of corpus/mutants (on its
mutated tree) gives the same finding class and the same trace, step by step,
in the plain replay build, the ASan libFuzzer build and the TSan libFuzzer
build (BUSFUZZ_TRACE=1).  Only the sanitizers' own report text may differ.

  test_build_matrix.py --pre TREE --post TREE [--cc CC] [MUTANT...]

The copies and the unmodified trees are built in one CMake build folder (three
targets each), under $BUSFUZZ_BUILD if set, thrown away at the end.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import mutate  # noqa: E402
from test_corpus_mutants import CORPUS, parse_mode  # noqa: E402

BUILDS = (("plain", "busfuzz-replay-"), ("asan", "busfuzz-fuzz-"), ("tsan", "busfuzz-fuzz-tsan-"))
# What must be the same: the scenario line, the trace's steps, the finding's class.
TRACE_RE = re.compile(r"^(scenario: .*|interleaving \(\d+ steps\):|\s+\d+  .*)$", re.M)
CLASS_RE = re.compile(r"^FINDING ([\w-]+):", re.M)


def run(build, binary, path, mode):
    """(finding class or None, trace lines, whole output)."""
    env = dict(os.environ, BUSFUZZ_TRACE="1", BUSFUZZ_MODEL=mode["--model"], BUSFUZZ_SRCU=mode["--srcu"])
    # -detect_leaks=0: else libFuzzer runs a clean input twice, looking for leaks.
    argv = [binary, "-detect_leaks=0", path] if build != "plain" else \
        [binary, "--model", mode["--model"], "--srcu", mode["--srcu"], path]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, errors="replace", env=env, timeout=120)
    except subprocess.TimeoutExpired:
        return "timeout", [], ""
    m = CLASS_RE.search(r.stdout)
    return (m.group(1) if m else None), TRACE_RE.findall(r.stdout), r.stdout + r.stderr


def compare(name, binaries, path, mode):
    """None if the three builds agree, else why not."""
    res = {b: run(b, binaries[b], path, mode) for b, _ in BUILDS}
    cls = {b: r[0] for b, r in res.items()}
    if len(set(cls.values())) != 1:
        return "classes differ: %s" % ", ".join("%s %s" % (b, c or "none") for b, c in cls.items())
    base = res["plain"][1]
    if not base:
        return "the plain build printed no trace"
    for b, _ in BUILDS[1:]:
        t = res[b][1]
        if t != base:
            k = next((i for i, (x, y) in enumerate(zip(base, t)) if x != y), min(len(base), len(t)))
            return "%s trace differs from plain at line %d:\n    plain: %s\n    %s: %s" % (
                b, k, base[k] if k < len(base) else "(end)", b, t[k] if k < len(t) else "(end)")
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pre", required=True)
    p.add_argument("--post", required=True)
    p.add_argument("--cc", default=os.environ.get("CC", "clang"))
    p.add_argument("names", nargs="*", metavar="MUTANT")
    args = p.parse_args()
    trees = {"pre": args.pre, "post": args.post}
    start = time.monotonic()
    broot = os.environ.get("BUSFUZZ_BUILD") or None
    if broot:
        os.makedirs(broot, exist_ok=True)
    work = tempfile.mkdtemp(prefix="build-matrix-", dir=broot)
    fails, ok = [], 0
    try:
        # (name, label, input paths, mode): the unmodified trees with every seed, then the mutants.
        seeds = sorted(glob.glob(os.path.join(ROOT, "corpus", "seeds", "*")))
        jobs = [("unmodified-%s" % g, "u_" + g, seeds, parse_mode([], "")) for g in ("pre", "post")]
        specs = ["u_pre=" + args.pre, "u_post=" + args.post]
        for path in sorted(glob.glob(os.path.join(ROOT, "mutants", "*.mut"))):
            name = os.path.basename(path)[:-4]
            repro = os.path.join(CORPUS, name)
            if args.names and name not in args.names:
                continue
            if not os.path.isfile(repro):
                continue	# test_corpus_mutants.py fails for it
            h, _ = mutate.parse(path)
            side = repro + ".mode"
            mode = parse_mode(open(side).read().split() if os.path.exists(side) else [], side)
            label = "m_" + re.sub(r"\W", "_", name)
            mutate.apply(path, trees[h["generation"]], os.path.join(work, "trees", name))
            jobs.append((name, label, [repro], mode))
            specs.append("%s=%s" % (label, os.path.join(work, "trees", name)))
        bdir = os.path.join(work, "build")
        r = subprocess.run(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + args.cc,
                            "-DBUSFUZZ_TREES=" + ";".join(specs)], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout[-2000:] + r.stderr[-2000:])
            print("FAIL: cmake failed")
            return 1
        targets = [pre + j[1] for j in jobs for _, pre in BUILDS]
        r = subprocess.run(["ninja", "-C", bdir, "-k", "0"] + targets, capture_output=True, text=True)
        if r.returncode != 0:
            print("\n".join(l for l in r.stdout.splitlines() if "error" in l.lower())[:3000])
        built = time.monotonic() - start
        for name, label, inputs, mode in jobs:
            binaries = {b: os.path.join(bdir, pre + label) for b, pre in BUILDS}
            missing = [b for b, x in binaries.items() if not os.path.isfile(x)]
            if missing:
                fails.append(name)
                print("FAIL %s: the %s build(s) did not build" % (name, ", ".join(missing)))
                continue
            for path in inputs:
                why = compare(name, binaries, path, mode)
                what = "%s %s" % (name, os.path.relpath(path, ROOT))
                if why:
                    fails.append(what)
                    print("FAIL %s: %s" % (what, why), flush=True)
                else:
                    ok += 1
        print("%d passed, %d failed (built in %.0f s, %.0f s in all)" %
              (ok, len(fails), built, time.monotonic() - start))
        return 1 if fails or not ok else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
