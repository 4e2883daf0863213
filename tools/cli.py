# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz: a deterministic concurrency fuzzer of the Linux KVM I/O bus paths.

  busfuzz fuzz   [--tree DIR | --kernel VER] [--time S] [--runs N] [--seed N] [--jobs N] [--keep-going]
                 [--strategy libfuzzer|random|pct|exhaustive] [--blind N] [--depth D] [--preemptions B]
                 [--model lkmm|tso|sc] [--srcu doc|impl]
  busfuzz replay FILE [--tree DIR | --kernel VER] [--quiet] [--model M] [--srcu S] [--perfetto OUT.json]
                 [--litmus OUT.litmus]
  busfuzz minimize FILE [--tree DIR | --kernel VER] [--model M] [--srcu S] [-o OUT] [--time S]
                 the smallest input with the same finding (class and site)
  busfuzz build  [--tree DIR | --kernel VER] [--target NAME...]
  busfuzz litmus [--tree DIR | --kernel VER] [--model M] [--srcu S] [--oracle herd7] [--verbose] [FILE...]
  busfuzz mutants [--tree DIR | --kernel VER] [--time S] [--seeds N] [--jobs N] [--model M]
                 [--srcu S] [--strategy S[,S...]] [--tsan] [--classic] [--json OUT] [MUTANT...]
                 the kill matrix of mutants/ (0: all killed, trees clean; stress: trees clean)
  busfuzz stress [--tree DIR | --kernel VER] [--time S] [--tsan] [--classic] [--seed N]
                 [--scenario HEX] [--delay PCT]   the same scenarios on real threads (stress testing)
  busfuzz check  PATCH... [--tree DIR | --kernel VER] [--time S] [--jobs N] [--seed N] [--each] [--json OUT]
                 what a patch changes: new, fixed and unchanged findings, the changed code reached
  busfuzz test   [-R REGEX] [--long] [-j N]
                 set up this machine and run the test suite (ctest; the long label only with --long)

Exit status: 0 nothing found, 1 a finding, 2 a usage or set-up error.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check  # noqa: E402
import cost  # noqa: E402
import engines  # noqa: E402
import litmus  # noqa: E402
from common import Fail, MODELS, SRCU_MODES, SANITIZERS, SEED, JOBS, POSITIVE, DEPTH, int_arg, ms_arg  # noqa: E402
from build import build  # noqa: E402
from fuzz import fuzz  # noqa: E402
from replay import replay  # noqa: E402
from minimize import minimize  # noqa: E402
from litmus_cmd import litmus_cmd  # noqa: E402
from mutants import mutants_cmd  # noqa: E402
from stress import stress  # noqa: E402
from suite import test  # noqa: E402


class OneLineParser(argparse.ArgumentParser):
    """Usage errors are one line and exit 2, like every other bad input."""

    def error(self, message):
        where = self.prog.removeprefix("busfuzz").strip()
        print("busfuzz: %s%s (see %s --help)" % (where + ": " if where else "", message, self.prog),
              file=sys.stderr)
        sys.exit(2)


def main():
    p = OneLineParser(prog="busfuzz", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def tree_args(sp):
        g = sp.add_mutually_exclusive_group()
        g.add_argument("--tree", help="a Linux tree (full or sparse: virt/, include/, arch/ parts)")
        g.add_argument("--kernel", help="a Debian linux-source version: 6.1, 6.12, 7 (newest 7.x), ...")

    f = sub.add_parser("fuzz", help="fuzz the bus code of a kernel")
    tree_args(f)
    f.add_argument("--time", type=POSITIVE, help="seconds to fuzz")
    f.add_argument("--runs", type=POSITIVE, help="executions to run")
    f.add_argument("--seed", type=SEED, default=1)
    f.add_argument("--jobs", type=JOBS, default=1)
    f.add_argument("--verbose", action="store_true", help="show the fuzzer's own output on a finding")
    f.add_argument("--strategy", choices=engines.STRATEGIES, default="libfuzzer",
                   help="libfuzzer (coverage-guided, default), random, pct or exhaustive")
    f.add_argument("--blind", type=SEED, default=None,
                   help="libfuzzer: blind random workers beside libFuzzer's on the plain build, on cores --jobs "
                        "leaves free (default 1 when one is free under ASan, else 0)")
    f.add_argument("--depth", type=DEPTH, default=3, help="pct: the bug depth d (default 3)")
    f.add_argument("--preemptions", type=SEED, default=2,
                   help="exhaustive: at most this many preemptions per execution (default 2)")
    f.add_argument("--keep-going", action="store_true",
                   help="go on after a finding until --time/--runs; findings are kept once per class and site")
    f.add_argument("--model", choices=MODELS, default="lkmm",
                   help="memory model: lkmm (default), tso (x86), sc")
    f.add_argument("--srcu", choices=SRCU_MODES, default="doc",
                   help="SRCU barriers: doc (documented guarantees, default) or impl (Tree SRCU)")
    f.add_argument("--sanitizer", choices=SANITIZERS, default="asan",
                   help="asan (ASan+UBSan, default), tsan (ThreadSanitizer on fibers: plain-access races), "
                        "none (the fastest: the simulator's own checks only)")
    r = sub.add_parser("replay", help="rerun one input and print its interleaving")
    r.add_argument("file")
    tree_args(r)
    r.add_argument("--quiet", action="store_true", help="only the verdict, no interleaving")
    r.add_argument("--perfetto", metavar="OUT.json",
                   help="also write the trace as Chrome trace events (ui.perfetto.dev): a track per thread, "
                        "read sections and lock holds as slices, stale loads marked")
    r.add_argument("--litmus", metavar="OUT.litmus",
                   help="for an ordering finding, also write its shared accesses as a herd7 C litmus test")
    r.add_argument("--model", choices=MODELS, help="default: the one that found it (FILE.mode), else lkmm")
    r.add_argument("--srcu", choices=SRCU_MODES, help="default: the one that found it (FILE.mode), else doc")
    r.add_argument("--strict", action="store_true",
                   help="exit 2 when the reproducer was found on another kernel (its FILE.kernel)")
    r.add_argument("--sanitizer", choices=SANITIZERS,
                   help="the build to replay in: default the one that found it (FILE.mode), else none (plain)")
    mi = sub.add_parser("minimize", help="shrink a reproducer to the smallest input with the same finding")
    mi.add_argument("file")
    tree_args(mi)
    mi.add_argument("--model", choices=MODELS, help="default: the one that found it (FILE.mode), else lkmm")
    mi.add_argument("--srcu", choices=SRCU_MODES, help="default: the one that found it (FILE.mode), else doc")
    mi.add_argument("-o", "--output", metavar="OUT", help="where to write it (default FILE.min, and OUT.mode)")
    mi.add_argument("--time", type=POSITIVE, default=60, help="seconds at most (default 60)")
    b = sub.add_parser("build", help="build the harness for a kernel and print where")
    tree_args(b)
    b.add_argument("--target", action="append", default=[], metavar="NAME",
                   help="also this target of the folder (a ninja target: busfuzz-fuzz-tsan-t, bench_switch)")
    te = sub.add_parser("test", help="set up this machine and run the test suite")
    te.add_argument("-R", dest="regex", metavar="REGEX", help="only the tests whose name matches (ctest -R)")
    te.add_argument("--long", action="store_true",
                    help="also the tests labelled long (timed fuzzing matrices: pass or fail by the machine)")
    te.add_argument("-j", "--jobs", type=POSITIVE, help="tests at a time (default: the machine's cores)")
    st = sub.add_parser("stress", help="run the scenarios on real threads (native stress test)")
    tree_args(st)
    st.add_argument("--time", type=POSITIVE, default=30, help="seconds (default 30)")
    st.add_argument("--tsan", action="store_true", help="under ThreadSanitizer (default: ASan and UBSan)")
    st.add_argument("--seed", type=SEED, default=1, help="seed of the scenarios (default 1)")
    st.add_argument("--scenario", metavar="HEX", help="rerun only this scenario (as a finding printed it)")
    st.add_argument("--classic", action="store_true",
                    help="only the checks a kernel debug build has (KASAN, lockdep, kmemleak, WARN_ON): "
                         "kfree() frees at once, no accounting of what readers hold")
    st.add_argument("--delay", type=int_arg(0, 100), default=10,
                    help="percent of preemption points that yield or spin to widen windows (default 10)")
    lt = sub.add_parser("litmus", help="run C litmus tests (herd7 format) on the simulator and check their Result")
    tree_args(lt)
    litmus.add_options(lt)
    lt.add_argument("files", nargs="*", metavar="FILE",
                    help="litmus files (default: the tree's tools/memory-model/litmus-tests/*.litmus)")
    ck = sub.add_parser("check", help="what a patch changes: base and patched tree fuzzed alike, findings compared")
    ck.add_argument("patches", nargs="+", metavar="PATCH",
                    help="a unified diff, a git format-patch mail or mbox (a series, in order), or a quoted one")
    tree_args(ck)
    ck.add_argument("--time", type=POSITIVE, default=60, help="seconds of fuzzing per tree, split over the modes "
                    "the mutant matrix uses (default 60)")
    ck.add_argument("--runs", type=POSITIVE, help="instead of --time: executions per tree and mode (with one job "
                    "and a fixed --seed, the same search every time)")
    ck.add_argument("--jobs", type=JOBS, default=1, help="libFuzzer workers per run (default 1)")
    ck.add_argument("--seed", type=SEED, default=1, help="the same for both trees (default 1)")
    ck.add_argument("--minimize-time", type=POSITIVE, default=30, help="seconds to minimize each new finding")
    ck.add_argument("--max-cost-ms", type=ms_arg, default=1.0, metavar="MS",
                    help="a step of the VM start-up waiting more than MS ms longer (simulated, at HZ=100 or 1000) "
                    "is a regression (default 1)")
    ck.add_argument("--each", action="store_true", help="a series: check each patch against the tree before it "
                    "(step by step), not only the whole series against the base")
    ck.add_argument("--json", metavar="OUT.json", help="also write the whole report as JSON")
    co = sub.add_parser("cost", help="grace-period waits per ioctl of a VM's start-up and shutdown, on Tree "
                        "SRCU's clock")
    tree_args(co)
    co.add_argument("--hz", default=cost.DEFAULT_HZ, metavar="HZ[,HZ...]",
                    help="the kernel's tick rates to measure at (default %s)" % cost.DEFAULT_HZ)
    co.add_argument("--sequence", metavar="FILE", help="the VMM's steps, one a line: %s (default: a micro-VM)"
                    % ", ".join(cost.STEPS))
    co.add_argument("--json", action="store_true", help="JSON lines, one per ioctl and HZ")
    co.add_argument("--compare", metavar="TREE2", help="a second tree (a folder or a --kernel version): both, "
                    "side by side, with the change")
    mu = sub.add_parser("mutants", help="fuzz each mutant of mutants/ on a copy of a tree: the kill matrix")
    tree_args(mu)
    mu.add_argument("--time", type=POSITIVE, default=60, help="seconds per fuzz run (default 60)")
    mu.add_argument("--seeds", type=POSITIVE, default=1, help="runs per mutant, seeds 1..N (default 1)")
    mu.add_argument("--jobs", type=JOBS, default=min(2, os.cpu_count() or 1),
                    help="mutants fuzzed at once (default 2)")
    mu.add_argument("--model", choices=MODELS, default="lkmm", help="memory model (default lkmm)")
    mu.add_argument("--srcu", choices=SRCU_MODES, default="doc",
                    help="SRCU barriers (default doc); a mutant's own mode: line overrides both")
    mu.add_argument("--strategy", default="libfuzzer", metavar="S[,S...]",
                    help="how decisions are made, as for fuzz (default libfuzzer: libFuzzer alone), default (what "
                         "busfuzz fuzz runs: libfuzzer and a blind random worker at once), or stress (native "
                         "threads, busfuzz stress); several, comma-separated, run on each mutant's one build")
    mu.add_argument("--json", metavar="OUT.json", help="also write the rows and every run as JSON")
    mu.add_argument("--depth", type=DEPTH, default=3, help="pct: the bug depth d (default 3)")
    mu.add_argument("--preemptions", type=SEED, default=2, help="exhaustive: the preemption bound (default 2)")
    mu.add_argument("--tsan", action="store_true", help="with --strategy stress: under TSan (default ASan)")
    mu.add_argument("--classic", action="store_true",
                    help="with --strategy stress: only a kernel debug build's checks (see busfuzz stress)")
    mu.add_argument("names", nargs="*", metavar="MUTANT", help="only these (default: all of mutants/)")

    args = p.parse_args()
    try:
        if args.cmd == "fuzz":
            if args.time is None and args.runs is None:
                args.time = 60
            return fuzz(args)
        if args.cmd == "replay":
            return replay(args)
        if args.cmd == "minimize":
            return minimize(args)
        if args.cmd == "build":
            bdir, label, _ = build(args, extra=args.target)
            print(bdir)
            return 0
        if args.cmd == "test":
            return test(args)
        if args.cmd == "litmus":
            return litmus_cmd(args)
        if args.cmd == "mutants":
            return mutants_cmd(args)
        if args.cmd == "check":
            return check.run(args)
        if args.cmd == "stress":
            return stress(args)
        if args.cmd == "cost":
            return cost.run(args)
    except Fail as e:
        print("busfuzz: %s" % e, file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # the reader of our output went away (`busfuzz cost --json | head`): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
