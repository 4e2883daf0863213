#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The mutant tests (mutants/*.mut), deterministic: nothing here is timed, and
nothing passes or fails by luck.

  test_mutant.py check MUT --tree TREE --copy DIR --replay BIN --explore BIN --clean-replay BIN
      one mutant (ctest mutant-NAME): (a) its stored reproducer, corpus/mutants/NAME,
      replays on the mutated copy to the mutant's class, twice with the same trace,
      and gives no finding on the unmodified tree nor under its clean-under: models;
      (b) its search: line, a bounded seeded search of fuzz/explore.c, reaches the
      class (twice: the same execution, the same bytes), its input replays to it twice
      with the same trace, and the same search under a clean-under: model runs its
      whole budget without a finding.
  test_mutant.py unmodified pre|post --explore BIN [--runs N]
      the unmodified tree of a generation: each strategy, seeded and bounded, under
      every mode its mutants use, finds nothing (ctest clean-search-LABEL).
  test_mutant.py choose MUT --explore BIN [--seeds N] [--strategies S,...] [--cap N]
      measures the executions each strategy needs over seeds 1..N and proposes a
      search: line (the runs 20 times the median, the seed's own count at most a
      fifth of them); BIN is the mutant's explorer (build/test/busfuzz-explore-m-NAME).
  test_mutant.py tree MUT TREE OUT       applies a mutant to a copy (a step of the build)
  test_mutant.py build BUILD_DIR TARGET  builds the mutants (ninja -k 0, tools/build.py): ctest mutants-build

The explorer is deterministic for a seed (the same seed gives the same
executions), so a search: line that reaches the finding once always does, on
any machine at any load, until the code changes; its margin (runs several
times what the seed needs) is for that change.
"""
import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import build as buildlayer  # noqa: E402
import findings  # noqa: E402
import mutate  # noqa: E402
from test_corpus_mutants import CORPUS, failed_mutants, fmt_mode, parse_mode, recorded_mode  # noqa: E402

FINDING_RE = findings.FINDING_RE
REPRO_RE = re.compile(r"^reproducer written to (\S+) \(\d+ bytes, execution (\d+)\)$", re.M)
DONE_RE = re.compile(r"^#(\d+) elapsed .* done$", re.M)
STRATEGIES = mutate.SEARCH_STRATEGIES
fails = []


def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        fails.append(what)
    return ok


def run(argv):
    """(exit status, stdout, stderr).  Generous safety timeout: a hang, not a slow machine."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=1800)
    except subprocess.TimeoutExpired:
        return None, "", "ran past 1800 s"
    return r.returncode, r.stdout, r.stderr


def verdict(rc, out, err):
    """The class of a run's finding, "" for none, or "(...)" when it is neither: a crash,
    another exit status, a FINDING with the wrong status.  Never a crash read as clean."""
    f = FINDING_RE.search(out)
    if rc == 1 and f:
        return f.group(1)
    if rc == 0 and not f:
        return ""
    tail = (err.strip().splitlines() or out.strip().splitlines() or [""])[-1]
    return "(exit status %s%s: %s)" % (rc, ", with a FINDING line" if f else "", tail[:300])


def mode_words(mode, model=None):
    m = dict(mode)
    if model:
        m["--model"] = model
    return fmt_mode(m).split()


def mutant_info(path):
    h, _ = mutate.parse(path)
    if h.get("generation") not in ("pre", "post"):
        raise mutate.MutantError("generation: '%s' is not pre or post" % h.get("generation"))
    if not h.get("expect"):
        raise mutate.MutantError("no 'expect: CLASS' line")
    mode = parse_mode(h.get("mode", "").split(), "mode:")
    return h, mode


# ---- one mutant -------------------------------------------------------------------------------

def replay(binary, path, mode, model=None, quiet=False):
    rc, out, err = run([binary] + (["--quiet"] if quiet else []) + mode_words(mode, model) + [path])
    return verdict(rc, out, err), out


def search(explore, argv, mode, out_dir, model=None):
    """One search: (verdict, execution that found it or None, reproducer or None, executions run)."""
    os.makedirs(out_dir, exist_ok=True)
    full = [explore] + argv + mode_words(mode, model) + ["--out", out_dir]
    rc, out, err = run(full)
    v = verdict(rc, out, err)
    m = REPRO_RE.search(out)
    done = DONE_RE.findall(err)
    return v, int(m.group(2)) if m else None, m.group(1) if m else None, int(done[-1]) if done else None, full


def why_not_built(mut, tree):
    """A stale mutant says which edit no longer applies; else the build failed."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        try:
            mutate.apply(mut, tree, os.path.join(tmp, "tree"))
        except mutate.MutantError as e:
            return "the mutant does not apply (stale): %s" % e
    return "the mutated copy did not build: see the output of the mutants-build test"


def check_mutant(args):
    name = os.path.basename(args.mut)[:-len(".mut")]
    try:
        h, mode = mutant_info(args.mut)
        argv = mutate.search(h, "%s.mut search:" % name)
    except (mutate.MutantError, ValueError) as e:
        check(False, str(e).replace(ROOT + "/", ""))
        return 1
    expect, clean_under = h["expect"], h.get("clean-under", "").split()
    # A failed build leaves the binaries of the last good one: never test those.
    bdir = os.path.dirname(os.path.dirname(os.path.dirname(args.copy)))     # BUILD/mutants/NAME/tree
    if name in failed_mutants(bdir) or not all(os.path.isfile(b) for b in (args.replay, args.explore)):
        check(False, "%s: %s" % (name, why_not_built(args.mut, args.tree)))
        return 1
    print("mutant %s: expect %s under %s%s" % (name, expect, fmt_mode(mode),
                                               ", clean under " + " ".join(clean_under) if clean_under else ""))

    # (a) the stored, minimized reproducer
    repro = os.path.join(CORPUS, name)
    if check(os.path.isfile(repro), "corpus/mutants/%s exists (make one: README, Tests)" % name):
        try:
            rec = recorded_mode(repro)
            check(rec == mode, "its mode record (%s) is the mode: line's (%s)" % (fmt_mode(rec), fmt_mode(mode)))
        except ValueError as e:
            check(False, str(e).replace(ROOT + "/", ""))
        v1, t1 = replay(args.replay, repro, mode)
        v2, t2 = replay(args.replay, repro, mode)
        check(v1 == expect, "the reproducer gives %s on the mutated copy: %s" % (expect, v1 or "no finding"))
        check(v1 == v2 and t1 == t2, "twice, with the same trace")
        v, _ = replay(args.clean_replay, repro, mode, quiet=True)
        check(v == "", "no finding on the unmodified tree: %s" % (v or "none"))
        for m in clean_under:
            v, _ = replay(args.replay, repro, mode, model=m, quiet=True)
            check(v == "", "no finding under --model %s (clean-under): %s" % (m, v or "none"))

    # (b) the bounded, seeded search
    runs = int(argv[argv.index("--runs") + 1])
    with tempfile.TemporaryDirectory(prefix="mutant-%s-" % name) as tmp:
        v, e, path, _, full = search(args.explore, argv, mode, os.path.join(tmp, "a"))
        print("search: %s" % " ".join(full[1:-2]))
        if not check(v == expect and path is not None,
                     "the search finds %s within %d executions: %s" % (expect, runs, v or "no finding")):
            print("    the mutated tree: %s; choose another search: line with: %s choose %s --explore %s" %
                  (args.copy, os.path.relpath(__file__, ROOT), os.path.relpath(args.mut, ROOT), args.explore))
        else:
            print("    found in execution %d of %d (%.0fx margin)" % (e + 1, runs, runs / (e + 1)))
            v2, e2, path2, _, _ = search(args.explore, argv, mode, os.path.join(tmp, "b"))
            same = path2 is not None and open(path, "rb").read() == open(path2, "rb").read()
            check(v2 == v and e2 == e and same,
                  "deterministic: the same execution (%s, %s) and the same bytes again" % (e, e2))
            r1, t1 = replay(args.replay, path, mode)
            r2, t2 = replay(args.replay, path, mode)
            check(r1 == expect, "its input replays to %s: %s" % (expect, r1 or "no finding"))
            check(r1 == r2 and t1 == t2, "twice, with the same trace")
        for m in clean_under:
            v, _, _, n, _ = search(args.explore, argv, mode, os.path.join(tmp, "clean-" + m), model=m)
            check(v == "" and n == runs,
                  "the same search under --model %s (clean-under) runs all %d executions clean: %s, %s run" %
                  (m, runs, v or "no finding", n))
    print("%s: %d failure(s)" % (name, len(fails)))
    return 1 if fails else 0


# ---- the unmodified trees ---------------------------------------------------------------------

def check_unmodified(args):
    modes = {("lkmm", "doc")}
    for path in sorted(glob.glob(os.path.join(ROOT, "mutants", "*.mut"))):
        try:
            h, mode = mutant_info(path)
        except (mutate.MutantError, ValueError):
            continue            # corpus-mutants and its own test fail for it
        if h["generation"] != args.gen:
            continue
        for model in [mode["--model"]] + h.get("clean-under", "").split():
            modes.add((model, mode["--srcu"]))
    with tempfile.TemporaryDirectory(prefix="clean-search-") as tmp:
        for model, srcu in sorted(modes):
            for st in STRATEGIES:
                argv = ["--strategy", st, "--seed", "1", "--runs", str(args.runs)]
                v, _, _, n, full = search(args.explore, argv, {"--model": model, "--srcu": srcu},
                                          os.path.join(tmp, "%s-%s-%s" % (st, model, srcu)))
                check(v == "" and n == args.runs, "%s: %d executions clean: %s, %s run" %
                      (" ".join(full[1:-2]), args.runs, v or "no finding", n))
    print("%d failure(s)" % len(fails))
    return 1 if fails else 0


# ---- choosing a search: line ------------------------------------------------------------------

def nice(n):
    """n rounded up to 1, 2 or 5 times a power of ten."""
    p = 1
    while True:
        for k in (1, 2, 5):
            if k * p >= n:
                return k * p
        p *= 10


def choose(args):
    name = os.path.basename(args.mut)[:-len(".mut")]
    h, mode = mutant_info(args.mut)
    expect = h["expect"]
    best = None
    with tempfile.TemporaryDirectory(prefix="choose-") as tmp:
        for st in args.strategies.split(","):
            needed = {}
            for seed in range(1, args.seeds + 1):
                v, e, _, _, _ = search(args.explore, ["--strategy", st, "--seed", str(seed), "--runs", str(args.cap)],
                                       mode, os.path.join(tmp, "%s-%d" % (st, seed)))
                needed[seed] = e + 1 if v == expect else None
            found = [n for n in needed.values() if n is not None]
            med = statistics.median([n if n is not None else float("inf") for n in needed.values()])
            print("%-10s found %d/%d, executions: median %s, max %s  (%s)" % (
                st, len(found), args.seeds, med, max(found) if found else "-",
                " ".join("%s" % (n if n else "-") for n in needed.values())))
            if len(found) < args.seeds:
                continue
            runs = nice(max(20 * med, 3 * max(found), 1000))
            seed = next((s for s, n in needed.items() if n <= runs // 5), None)
            if seed is not None and (best is None or runs < best[2]):
                best = (st, seed, runs, needed[seed])
    if not best:
        print("%s: no strategy found %s on every seed within %d executions" % (name, expect, args.cap))
        return 1
    st, seed, runs, n = best
    print("search: %s --seed %d --runs %d" % (st, seed, runs))
    print("    (seed %d needs %d executions: %.0fx margin)" % (seed, n, runs / n))
    return 0


# ---- the build's steps --------------------------------------------------------------------------

def make_tree(args):
    try:
        mutate.apply(args.mut, args.tree, args.out)
    except mutate.MutantError as e:
        print("busfuzz: mutant: %s" % str(e).replace(ROOT + "/", ""), file=sys.stderr)
        return 2
    return 0


def build(args):
    rc, out = buildlayer.ninja(args.build_dir, [args.target], keep_going=True)
    bad = [l for l in out.splitlines() if l.startswith("FAILED:") or "error:" in l or "busfuzz: " in l]
    for l in bad[:60]:
        print(l)
    # Which mutants failed (a stale edit, a copy that does not compile): their tests must not
    # run the binaries an earlier build left.
    names = [os.path.basename(m)[:-4] for m in glob.glob(os.path.join(ROOT, "mutants", "*.mut"))]
    failed = sorted({n for l in out.splitlines() if l.startswith("FAILED:") for n in names
                     if re.search(r"(?:-m-|mutants/)%s(?:[./ ]|$)" % re.escape(n), l)})
    os.makedirs(os.path.join(args.build_dir, "mutants"), exist_ok=True)
    with open(os.path.join(args.build_dir, "mutants", "failed.txt"), "w") as f:
        f.write("".join(n + "\n" for n in failed))
    built = sorted(glob.glob(os.path.join(args.build_dir, "busfuzz-*-m-*")))
    print("%d mutant binaries built%s" % (len(built), "" if rc == 0 else
                                           "; the build failed for %s (above): their tests fail" %
                                           (", ".join(failed) or "some")))
    # The mutants that did not build fail their own tests; this fails only when nothing could build.
    return 0 if built else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("mut")
    for a in ("--tree", "--copy", "--replay", "--explore", "--clean-replay"):
        c.add_argument(a, required=True)
    u = sub.add_parser("unmodified")
    u.add_argument("gen", choices=("pre", "post"))
    u.add_argument("--explore", required=True)
    u.add_argument("--runs", type=int, default=20000)
    ch = sub.add_parser("choose")
    ch.add_argument("mut")
    ch.add_argument("--explore", required=True)
    ch.add_argument("--seeds", type=int, default=10)
    ch.add_argument("--strategies", default=",".join(STRATEGIES))
    ch.add_argument("--cap", type=int, default=2000000, help="executions at most per try")
    t = sub.add_parser("tree")
    t.add_argument("mut")
    t.add_argument("tree")
    t.add_argument("out")
    b = sub.add_parser("build")
    b.add_argument("build_dir")
    b.add_argument("target")
    args = p.parse_args()
    return {"check": check_mutant, "unmodified": check_unmodified, "choose": choose, "tree": make_tree,
            "build": build}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
