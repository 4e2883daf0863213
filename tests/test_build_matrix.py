#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Replays are deterministic across builds: every input of corpus/seeds (on the
unmodified 6.12 and 7.x trees) and every reproducer of corpus/mutants (on its
mutated tree) gives the same finding class and the same trace, step by step,
in the plain replay build, the ASan libFuzzer build and the TSan libFuzzer
build (BUSFUZZ_TRACE=1).  Only the sanitizers' own report text may differ.
A mutant whose bug TSan sees first as the data race it also is says so with
a 'tsan-first: race' line: the TSan build must then report that class, at a
step of the same interleaving (its trace a prefix of the plain build's).
Likewise 'asan-first: CLASS' for a bug ASan sees first, at the kernel code's
own access to a freed object, before the harness's check of it.

  test_build_matrix.py BUILD_DIR [MUTANT...]

BUILD_DIR is the test build (build/test): it holds the unmodified trees'
binaries (busfuzz-{replay,fuzz,fuzz-tsan}-v6_12 and -v7, built by `all`) and
the mutants' (busfuzz-*-m-NAME, built by the mutants-build test).  Nothing is
built here; the replays run in parallel, one per core.
"""
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import findings  # noqa: E402
from test_corpus_mutants import CORPUS, failed_mutants, parse_mode, recorded_mode  # noqa: E402
import mutate  # noqa: E402

BUILDS = (("plain", "busfuzz-replay-"), ("asan", "busfuzz-fuzz-"), ("tsan", "busfuzz-fuzz-tsan-"))
# What must be the same: the scenario line, the trace's steps, the finding's class.
TRACE_RE = re.compile(r"^(scenario: .*|interleaving \(\d+ steps\):|\s+\d+  .*)$", re.M)
CLASS_RE = findings.FINDING_RE    # group 1: the class
TREES = {"pre": "v6_12", "post": "v7"}


def run(build, binary, path, mode):
    """(finding class, "" for none, or "(...)" for a run that is neither; trace lines)."""
    env = dict(os.environ, BUSFUZZ_TRACE="1", BUSFUZZ_MODEL=mode["--model"], BUSFUZZ_SRCU=mode["--srcu"])
    # -detect_leaks=0: else libFuzzer runs a clean input twice, looking for leaks.
    argv = [binary, "-detect_leaks=0", path] if build != "plain" else \
        [binary, "--model", mode["--model"], "--srcu", mode["--srcu"], path]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, errors="replace", env=env, timeout=600)
    except subprocess.TimeoutExpired:
        return "(ran past 600 s)", []
    m = CLASS_RE.search(r.stdout)
    # A finding ends the replay build with 1, a libFuzzer build with its crash status (77);
    # a clean run exits 0.  Anything else is a crash, never "no finding".
    if m and r.returncode != 0:
        cls = m.group(1)
    elif not m and r.returncode == 0:
        cls = ""
    else:
        tail = (r.stderr.strip().splitlines() or [""])[-1]
        cls = "(exit status %d%s: %s)" % (r.returncode, " after a FINDING" if m else "", tail[:200])
    return cls, TRACE_RE.findall(r.stdout)


def compare(binaries, path, mode, first=None):
    """None if the three builds agree, else why not.  first: {build: the class that sanitizer
    reports first} (a mutant's 'tsan-first:'/'asan-first:' lines), earlier in the same interleaving."""
    first = first or {}
    res = {b: run(b, binaries[b], path, mode) for b, _ in BUILDS}
    cls = {b: r[0] for b, r in res.items()}
    same = [b for b, _ in BUILDS if b not in first]
    if len({cls[b] for b in same}) != 1 or any(c.startswith("(") for c in cls.values()) or \
            any(cls[b] != c for b, c in first.items()):
        return "classes differ: %s%s" % (", ".join("%s %s" % (b, c or "none") for b, c in cls.items()),
                                         "".join(" (%s-first: %s)" % bc for bc in first.items()))
    base = res["plain"][1]
    if not base:
        return "the plain build printed no trace"
    for b, _ in BUILDS[1:]:
        t = res[b][1]
        if b in first:
            steps = [l for l in t if not l.startswith("interleaving")]
            if not steps or steps != [l for l in base if not l.startswith("interleaving")][:len(steps)]:
                return "the %s trace is not a prefix of the plain build's" % b
            continue
        if t != base:
            k = next((i for i, (x, y) in enumerate(zip(base, t)) if x != y), min(len(base), len(t)))
            return "%s trace differs from plain at line %d:\n    plain: %s\n    %s: %s" % (
                b, k, base[k] if k < len(base) else "(end)", b, t[k] if k < len(t) else "(end)")
    return None


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    bdir, names = sys.argv[1], sys.argv[2:]
    fails, ok = [], 0
    failed = failed_mutants(bdir)
    # (what, binaries, input, mode): the unmodified trees with every seed, then the mutants.
    jobs = []
    seeds = sorted(glob.glob(os.path.join(ROOT, "corpus", "seeds", "*")))
    for label in TREES.values():
        bins = {b: os.path.join(bdir, pre + label) for b, pre in BUILDS}
        jobs += [("unmodified-%s %s" % (label, os.path.relpath(s, ROOT)), bins, s, parse_mode([], ""))
                 for s in seeds]
    for path in sorted(glob.glob(os.path.join(ROOT, "mutants", "*.mut"))):
        name = os.path.basename(path)[:-4]
        repro = os.path.join(CORPUS, name)
        if (names and name not in names) or not os.path.isfile(repro):
            continue            # corpus-mutants and mutant-NAME fail for a missing one
        try:
            mode = recorded_mode(repro)
        except ValueError as e:
            fails.append(name)
            print("FAIL %s: %s" % (name, e))
            continue
        if name in failed:
            fails.append(name)
            print("FAIL %s: the mutated copy did not build (see the mutants-build test)" % name)
            continue
        bins = {b: os.path.join(bdir, pre + "m-" + name) for b, pre in BUILDS}
        h = mutate.parse(path)[0]
        first = {b: h[b + "-first"] for b in ("asan", "tsan") if h.get(b + "-first")}
        jobs.append(("%s %s" % (name, os.path.relpath(repro, ROOT)), bins, repro, mode, first))

    def one(job):
        what, bins, path, mode = job[:4]
        missing = [b for b, x in bins.items() if not os.path.isfile(x)]
        if missing:
            return what, "the %s build(s) are missing (see the mutants-build test)" % ", ".join(missing)
        return what, compare(bins, path, mode, job[4] if len(job) > 4 else None)

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for what, why in pool.map(one, jobs):
            if why:
                fails.append(what)
                print("FAIL %s: %s" % (what, why), flush=True)
            else:
                ok += 1
    print("%d passed, %d failed" % (ok, len(fails)))
    return 1 if fails or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
