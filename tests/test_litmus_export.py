#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`busfuzz replay --litmus OUT`: the ordering finding of the get-bus-srcu-no-mb
mutant's stored reproducer, exported as a herd7 C litmus test, is checked by
our own `busfuzz litmus` (tools/litmus.py): its outcome is allowed (Sometimes)
under the model, and with the mutant's missing smp_mb__after_srcu_read_lock()
put back into the test it is forbidden (Never).  herd7's LKMM has no
smp_mb__after_srcu_read_lock() (it says "Unknown macro"), so it goes back as
what it means there, smp_mb(), as the exporter itself writes it.  The files
whose verdicts this test claims are kept in $BUSFUZZ_BUILD/exported/ for the
herd7-labelled ctest litmus-export-herd7, which checks them against herd7.  Other classes, no finding and
bad options are one-line errors with exit status 2.

  test_litmus_export.py --bindir BUILD_DIR

BUILD_DIR: the test build (build/test), where the mutants-build test built the
mutated copies' replay binaries (busfuzz-replay-m-NAME).  Nothing is built
here; busfuzz litmus builds under $BUSFUZZ_BUILD.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import litmus  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "tests"))
from test_corpus_mutants import failed_mutants  # noqa: E402

ORDERING, OTHER = "get-bus-srcu-no-mb", "unregister-no-sync"   # the latter: a use-after-free
# A second ordering mutant, found under --srcu impl (its .mode): Tree SRCU's
# barriers written out; the missing smp_rmb() goes back between the two loads.
EMULATION = "emulation-loop-no-rmb"
fails = []


def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        fails.append(what)


def run(argv, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=300, env=env)
    return r.returncode, r.stdout, r.stderr


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bindir", required=True)
    args = p.parse_args()
    broot = os.environ.get("BUSFUZZ_BUILD") or None
    if broot:
        os.makedirs(broot, exist_ok=True)
    work = tempfile.mkdtemp(prefix="litmus-export-", dir=broot)
    kept = os.path.join(broot or work, "exported")
    shutil.rmtree(kept, ignore_errors=True)
    os.makedirs(kept)

    def keep(path, name):
        shutil.copyfile(path, os.path.join(kept, name))
    try:
        mutated, other, emulation = (os.path.join(args.bindir, "busfuzz-replay-m-" + n)
                                     for n in (ORDERING, OTHER, EMULATION))
        failed = failed_mutants(args.bindir)
        for n, b in zip((ORDERING, OTHER, EMULATION), (mutated, other, emulation)):
            if not os.path.isfile(b) or n in failed:
                print("FAIL: %s was not built (see the mutants-build test)" % b)
                return 1
        repro = os.path.join(ROOT, "corpus", "mutants", ORDERING)
        out = os.path.join(work, "export.litmus")
        env = dict(os.environ, BUSFUZZ_BUILD=os.path.join(work, "litmus-build"))

        rc, so, se = run([mutated, "--quiet", "--litmus", out, repro])
        check(rc == 1 and "FINDING ordering: " in so and os.path.isfile(out),
              "the reproducer's ordering finding is exported (exit %d: %s)" % (rc, se.strip()))
        if not os.path.isfile(out):
            return 1
        text = open(out).read()
        t = litmus.parse(text, out)
        check(len(t.threads) == 2 and t.quant == "exists", "the export parses: two threads, an exists clause")
        check(re.search(r"^exists \(1:r0=1 /\\ 1:r1=0\)$", text, re.M) is not None,
              "its outcome: the reader saw the publication (r0=1) and the old bus (r1=0)")
        check(re.search(r"^C busfuzz-%s$" % re.escape(ORDERING), text, re.M) is not None, "its name")
        check("rcu_assign_pointer(*x, 1);\n\tsmp_store_release(y, 1);" in text,
              "the writer: the bus published, then the registration")
        check(re.search(r"r0 = READ_ONCE\(\*y\);\n\tidx0 = srcu_read_lock\(s\);\n\tr1 = READ_ONCE\(\*x\);", text)
              is not None, "the reader: the observation, srcu_read_lock(), the load of the bus")
        check("virt/kvm/kvm_main.c:" in text and "call_srcu" in text and "left out" in text,
              "the comment names the kernel lines and what is left out")

        def verdict(path):
            rc, so, se = run([sys.executable, os.path.join(ROOT, "tools", "litmus.py"), path], env=env)
            return rc, (so + se).strip()

        rc, v = verdict(out)
        check(rc == 0 and "observed=Sometimes OK" in v, "the export gives Sometimes under our model: %s" % v)
        mb = re.sub(r"^(\tidx0 = srcu_read_lock\(s\);)$", r"\1\n\tsmp_mb();", text, count=1, flags=re.M)
        check(mb != text, "the barrier goes in after srcu_read_lock()")
        fixed = os.path.join(work, "fixed.litmus")
        open(fixed, "w").write(mb)
        rc, v = verdict(fixed)
        check(rc == 1 and "observed=Never MISMATCH" in v, "with the barrier, Never (against its Result: line): %s" % v)
        open(fixed, "w").write(mb.replace("Result: Sometimes", "Result: Never"))
        rc, v = verdict(fixed)
        check(rc == 0 and "observed=Never OK" in v, "with the barrier and Result: Never, OK: %s" % v)
        keep(out, "export.litmus")
        keep(fixed, "export-mb.litmus")

        erepro = os.path.join(ROOT, "corpus", "mutants", EMULATION)
        eout = os.path.join(work, "emulation.litmus")
        rc, so, se = run([emulation, "--quiet"] + open(erepro + ".mode").read().split() + ["--litmus", eout, erepro])
        check(rc == 1 and "FINDING ordering: " in so and os.path.isfile(eout),
              "%s: exported (exit %d: %s)" % (EMULATION, rc, se.strip()))
        etext = open(eout).read() if os.path.isfile(eout) else ""
        check(re.search(r"idx0 = srcu_read_lock\(s\);\n\tsmp_mb\(\);\n\tr0 = READ_ONCE\(\*y\);\n"
                        r"\tr1 = READ_ONCE\(\*x\);", etext) is not None,
              "%s: the read section opened before the observation, Tree SRCU's smp_mb() written out, "
              "the empty smp_mb__after_srcu_read_lock() left out" % EMULATION)
        rc, v = verdict(eout)
        check(rc == 0 and "observed=Sometimes OK" in v, "%s: Sometimes: %s" % (EMULATION, v))
        keep(eout, "emulation.litmus")
        fixed = re.sub(r"^(\tr0 = READ_ONCE\(\*y\);)$", r"\1\n\tsmp_rmb();", etext, count=1, flags=re.M)
        open(eout, "w").write(fixed.replace("Result: Sometimes", "Result: Never"))
        rc, v = verdict(eout)
        check(fixed != etext and rc == 0 and "observed=Never OK" in v, "%s: Never with the smp_rmb(): %s" % (EMULATION, v))
        keep(eout, "emulation-rmb.litmus")

        # One-line errors, exit 2, no file.
        def refused(argv, want, what):
            gone = os.path.join(work, "refused.litmus")
            rc, so, se = run(argv[:1] + ["--quiet", "--litmus", gone] + argv[1:])
            lines = se.strip().splitlines()
            check(rc == 2 and len(lines) == 1 and want in lines[0] and not os.path.exists(gone),
                  "%s: exit 2, one line (%d, %s)" % (what, rc, se.strip()))
        refused([other, os.path.join(ROOT, "corpus", "mutants", OTHER)], "only an ordering finding",
                "a use-after-free")
        refused([os.path.join(args.bindir, "busfuzz-replay-v7"), repro], "no finding",
                "no finding (the unmodified tree)")
        refused([mutated, repro, repro], "one input", "two inputs")
        rc, so, se = run([mutated, "--quiet", "--litmus", os.path.join(work, "no", "such", "dir.litmus"), repro])
        check(rc == 2 and "cannot write" in se and len(se.strip().splitlines()) == 1,
              "an unwritable OUT: exit 2, one line (%s)" % se.strip())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d failure(s)" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
