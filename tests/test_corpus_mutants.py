#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""mutants/ and corpus/mutants/ agree: every mutant has a stored, minimized
reproducer (corpus/mutants/NAME, with NAME.mode when its mode: line is not the
default, the same mode) and a search: line (a bounded, seeded search, see
tools/mutate.py), and no reproducer is left without its mutant.  What each
reproducer and search give is checked by the mutant's own ctest,
mutant-NAME (tests/test_mutant.py); this file also holds the helpers they share.

  test_corpus_mutants.py
"""
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import findings  # noqa: E402
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


def recorded_mode(repro):
    """The mode record beside a stored reproducer (REPRO.mode, read by tools/findings.py as every
    command reads it), checked as parse_mode() checks words; the defaults without one."""
    rec = findings.read_mode(repro)
    return parse_mode([w for kv in rec.items() for w in kv], repro + ".mode")


def failed_mutants(bdir):
    """The mutants the last mutants-build could not build (BUILD/mutants/failed.txt): the binaries
    they have are an earlier build's, which no test may use."""
    try:
        return set(open(os.path.join(bdir, "mutants", "failed.txt")).read().split())
    except OSError:
        return set()


def fmt_mode(mode):
    return " ".join(w for kv in sorted(mode.items()) for w in kv)


def main():
    paths = sorted(glob.glob(os.path.join(ROOT, "mutants", "*.mut")))
    names = [os.path.basename(x)[:-4] for x in paths]
    fails, ok = [], 0

    def fail(name, why):
        fails.append(name)
        print("FAIL %s: %s" % (name, why), flush=True)

    # A reproducer whose mutant is gone tests nothing: say so rather than keep it silently.
    for f in sorted(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else []:
        if f.removesuffix(".mode") not in names:
            fail(f, "corpus/mutants/%s has no mutants/%s.mut" % (f, f.removesuffix(".mode")))
    for name, path in zip(names, paths):
        repro = os.path.join(CORPUS, name)
        try:
            h, _ = mutate.parse(path)
            if h.get("generation") not in ("pre", "post"):
                raise mutate.MutantError("generation: '%s' is not pre or post" % h.get("generation"))
            if not h.get("expect"):
                raise mutate.MutantError("no 'expect: CLASS' line")
            if mutate.search(h) is None:
                raise mutate.MutantError("no 'search: STRATEGY --seed N --runs N' line (tests/test_mutant.py choose "
                                         "proposes one)")
            want = parse_mode(h.get("mode", "").split(), "%s.mut mode:" % name)
            if not os.path.isfile(repro):
                raise ValueError("no reproducer corpus/mutants/%s; %s" % (name, HOW))
            mode = recorded_mode(repro)
            if mode != want:
                raise ValueError("the reproducer's mode (%s) is not the mutant's mode: line (%s)" %
                                 (fmt_mode(mode), fmt_mode(want)))
        except (mutate.MutantError, ValueError, OSError) as e:
            fail(name, str(e).replace(ROOT + "/", ""))
            continue
        ok += 1
    print("%d mutant(s): %d ok, %d failure(s)" % (len(paths), ok, len(fails)))
    return 1 if fails or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
