#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every mutant of mutants/ has a stored, minimized reproducer in corpus/mutants/,
and it still works: on the mutated tree of its generation it gives the mutant's
class, on the unmodified tree no finding (and none under a clean-under: model).

  test_corpus_mutants.py --pre TREE --post TREE --replay-pre BIN --replay-post BIN [--cc CC] [MUTANT...]

TREE: the pre-series (6.12) and post-series (7.x) trees the mutant tests use;
BIN: the plain replay binaries of those unmodified trees.  The mutated copies
are built in one CMake build folder (replay targets only: no ASan, no
libFuzzer), under $BUSFUZZ_BUILD if set, thrown away at the end.
Unlike the fuzzing tests, nothing here is random: the same input on the same
tree is the same execution, so a failure is a change of the code, the tree or
the reproducer, never luck.
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
import mutate  # noqa: E402

CORPUS = os.path.join(ROOT, "corpus", "mutants")
MODELS, SRCU_MODES = ("lkmm", "tso", "sc"), ("doc", "impl")
HOW = "make one: tools/mutate.py, busfuzz fuzz --tree COPY, busfuzz minimize -o corpus/mutants/NAME (README, Tests)"


def parse_mode(words, where):
    """{'--model': M, '--srcu': S} from '--model M --srcu S' words; a bad one is a failure."""
    mode = {"--model": "lkmm", "--srcu": "doc"}
    if len(words) % 2:
        raise ValueError("%s: '%s' has no value" % (where, words[-1]))
    for k, v in zip(words[0::2], words[1::2]):
        if k not in mode or v not in (MODELS if k == "--model" else SRCU_MODES):
            raise ValueError("%s: '%s %s' is not --model M or --srcu S" % (where, k, v))
        mode[k] = v
    return mode


def fmt_mode(mode):
    return " ".join(w for kv in sorted(mode.items()) for w in kv)


def replay(binary, path, mode):
    """(exit status, the FINDING line or the last line)."""
    argv = [binary, "--quiet"] + fmt_mode(mode).split() + [path]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        return None, "the replay ran past 120 s"
    m = re.search(r"^FINDING .*$", r.stdout, re.M)
    last = (r.stdout + r.stderr).strip().splitlines() or [""]
    return r.returncode, m.group(0) if m else last[-1]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pre", required=True)
    p.add_argument("--post", required=True)
    p.add_argument("--replay-pre", required=True)
    p.add_argument("--replay-post", required=True)
    p.add_argument("--cc", default=os.environ.get("CC", "cc"))
    p.add_argument("names", nargs="*", metavar="MUTANT")
    args = p.parse_args()
    trees = {"pre": args.pre, "post": args.post}
    clean_bins = {"pre": args.replay_pre, "post": args.replay_post}
    start = time.monotonic()

    paths = sorted(glob.glob(os.path.join(ROOT, "mutants", "*.mut")))
    names = [os.path.basename(x)[:-4] for x in paths]
    fails, ok = [], 0

    def fail(name, why):
        fails.append(name)
        print("FAIL %s: %s" % (name, why), flush=True)

    # A reproducer whose mutant is gone tests nothing: say so rather than keep it silently.
    if not args.names:
        for f in sorted(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else []:
            if f.removesuffix(".mode") not in names:
                fail(f, "corpus/mutants/%s has no mutants/%s.mut" % (f, f.removesuffix(".mode")))
    chosen = [(n, x) for n, x in zip(names, paths) if not args.names or n in args.names]
    if args.names and len(chosen) != len(set(args.names)):
        print("test_corpus_mutants: no such mutant among %s" % " ".join(args.names), file=sys.stderr)
        return 2

    broot = os.environ.get("BUSFUZZ_BUILD") or None
    if broot:
        os.makedirs(broot, exist_ok=True)
    work = tempfile.mkdtemp(prefix="corpus-mutants-", dir=broot)
    try:
        # Apply every mutant first, then one CMake configure for all the copies
        # and one ninja run for their replay binaries: the simulator library is
        # built once, the copies in parallel.
        todo, specs = [], []
        for name, path in chosen:
            repro = os.path.join(CORPUS, name)
            if not os.path.isfile(repro):
                fail(name, "no reproducer corpus/mutants/%s; %s" % (name, HOW))
                continue
            try:
                h, _ = mutate.parse(path)
                gen = h.get("generation")
                if gen not in trees:
                    raise mutate.MutantError("generation: '%s' is not pre or post" % gen)
                if not h.get("expect"):
                    raise mutate.MutantError("no 'expect: CLASS' line")
                want = parse_mode(h.get("mode", "").split(), "%s.mut mode:" % name)
                side = repro + ".mode"
                mode = parse_mode(open(side).read().split(), side) if os.path.exists(side) else \
                    parse_mode([], "")
                if mode != want:
                    raise ValueError("the reproducer's mode (%s) is not the mutant's mode: line (%s)" %
                                     (fmt_mode(mode), fmt_mode(want)))
                label = "m_" + re.sub(r"\W", "_", name)
                mutate.apply(path, trees[gen], os.path.join(work, "trees", name))
            except (mutate.MutantError, ValueError, OSError) as e:
                fail(name, str(e).replace(ROOT + "/", ""))
                continue
            todo.append((name, h, gen, mode, repro, label))
            specs.append("%s=%s" % (label, os.path.join(work, "trees", name)))
        bdir = os.path.join(work, "build")
        built = time.monotonic()
        if todo:
            r = subprocess.run(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + args.cc,
                                "-DBUSFUZZ_TREES=" + ";".join(specs)], capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stdout[-2000:] + r.stderr[-2000:])
                print("FAIL: cmake failed for the mutated copies")
                return 1
            # -k 0: a mutant that does not build fails alone, the others are still checked.
            r = subprocess.run(["ninja", "-C", bdir, "-k", "0"] + ["busfuzz-replay-" + t[5] for t in todo],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print("\n".join(l for l in r.stdout.splitlines() if "error" in l.lower())[:3000])
        built = time.monotonic() - built
        for name, h, gen, mode, repro, label in todo:
            binary = os.path.join(bdir, "busfuzz-replay-" + label)
            expect = h["expect"]
            if not os.path.isfile(binary):
                fail(name, "the mutated %s tree does not build (above)" % gen)
                continue
            rc, line = replay(binary, repro, mode)
            if rc != 1 or not line.startswith("FINDING %s: " % expect):
                fail(name, "expected FINDING %s on the mutated tree, got exit %s: %s" % (expect, rc, line))
                continue
            rc, line2 = replay(clean_bins[gen], repro, mode)
            if rc != 0:
                fail(name, "the unmodified %s tree should give no finding, got exit %s: %s" % (gen, rc, line2))
                continue
            bad = None
            for m in h.get("clean-under", "").split():
                rc3, line3 = replay(binary, repro, dict(mode, **{"--model": m}))
                if rc3 != 0:
                    bad = "clean under --model %s by its clean-under: line, got exit %s: %s" % (m, rc3, line3)
            if bad:
                fail(name, bad)
                continue
            ok += 1
            print("ok   %s (%s, %d bytes): %s" % (name, gen, os.path.getsize(repro), line), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d mutant(s): %d ok, %d failure(s); build %.0f s, %.0f s in all" %
          (len(chosen), ok, len(fails), built, time.monotonic() - start))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
