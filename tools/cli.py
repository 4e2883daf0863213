# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz: a deterministic concurrency fuzzer of the Linux KVM I/O bus paths.

  busfuzz fuzz   [--tree DIR | --kernel VER] [--time S] [--runs N] [--seed N] [--jobs N] [--keep-going]
                 [--strategy libfuzzer|random|pct|exhaustive] [--depth D] [--preemptions B]
                 [--model lkmm|tso|sc] [--srcu doc|impl]
  busfuzz replay FILE [--tree DIR | --kernel VER] [--quiet] [--model M] [--srcu S] [--perfetto OUT.json]
                 [--litmus OUT.litmus]
  busfuzz minimize FILE [--tree DIR | --kernel VER] [--model M] [--srcu S] [-o OUT] [--time S]
                 the smallest input with the same finding (class and site)
  busfuzz build  [--tree DIR | --kernel VER]
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
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import check  # noqa: E402
import cost  # noqa: E402
import kernels  # noqa: E402
import litmus  # noqa: E402
import mutate  # noqa: E402
import engines  # noqa: E402
import findings  # noqa: E402
import inputdef  # noqa: E402

APT_PACKAGES = ["clang-14", "libclang-rt-14-dev", "cmake", "ninja-build", "python3", "xz-utils"]
MODELS = ["lkmm", "tso", "sc"]
SRCU_MODES = ["doc", "impl"]
# The libFuzzer build of each --sanitizer (none: the plain one, the fastest).
FUZZ_BINARY = {"asan": "busfuzz-fuzz-t", "tsan": "busfuzz-fuzz-tsan-t", "none": "busfuzz-fuzz-plain-t"}
SANITIZERS = list(FUZZ_BINARY)
TEST_KERNELS = [("v6_1", "6.1"), ("v6_12", "6.12"), ("v7", "7")]
# The ends of the range, built for replay and the explorer only, with a short clean search each:
# left out (with a line) when they cannot be fetched.
EDGE_KERNELS = [("v5_10", "5.10"), ("v7_3", "7.3")]


class Fail(Exception):
    def __init__(self, msg, status=2):
        super().__init__(msg)
        self.status = status


class OneLineParser(argparse.ArgumentParser):
    """Usage errors are one line and exit 2, like every other bad input."""

    def error(self, message):
        where = self.prog.removeprefix("busfuzz").strip()
        print("busfuzz: %s%s (see %s --help)" % (where + ": " if where else "", message, self.prog),
              file=sys.stderr)
        sys.exit(2)


def say(msg):
    print("busfuzz: " + msg, file=sys.stderr, flush=True)


def max_jobs():
    """What this machine can take: two workers a CPU, and 512 MiB of available memory each
    (an ASan worker peaks at a few hundred MiB)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limit = 2 * cpus
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    limit = min(limit, int(line.split()[1]) // (512 * 1024))
    except (OSError, ValueError, IndexError):
        pass
    return max(1, limit)


def int_arg(lo, hi=None, why=""):
    """An argparse type: a whole number in [lo, hi]; every command checks --seed, --jobs, ... alike."""
    def conv(text):
        try:
            v = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError("'%s' is not a whole number" % text)
        if v < lo:
            raise argparse.ArgumentTypeError("must be at least %d, not %d" % (lo, v))
        top = hi() if callable(hi) else hi
        if top is not None and v > top:
            raise argparse.ArgumentTypeError("must be at most %d%s, not %d" % (top, why, v))
        return v
    return conv


def ms_arg(text):
    """An argparse type: milliseconds, a finite number of 0 or more."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number of milliseconds" % text)
    if not (v >= 0 and v != float("inf")):
        raise argparse.ArgumentTypeError("must be a finite number of 0 or more, not %s" % text)
    return v


SEED = int_arg(0)
JOBS = int_arg(1, max_jobs, " on this machine (two a CPU, 512 MiB of free memory each)")
POSITIVE = int_arg(1)
DEPTH = int_arg(1, 16)


# ---- machine set-up -----------------------------------------------------------

def have_libfuzzer(cc):
    try:
        out = subprocess.run([cc, "-print-resource-dir"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return False
    return bool(glob.glob(os.path.join(out, "lib", "linux", "libclang_rt.fuzzer-x86_64.a")))


def find_clang():
    for cc in ("clang", "clang-14"):
        if shutil.which(cc):
            return cc
    return None


def ensure_tools():
    """Installs what busfuzz needs from Debian's packages when it is missing."""
    cc = find_clang()
    missing = [t for t in ("cmake", "ninja", "xz") if not shutil.which(t)]
    if cc is None or missing or not have_libfuzzer(cc):
        say("installing build tools: " + " ".join(APT_PACKAGES))
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for argv in (sudo + ["apt-get", "update", "-qq"],
                     sudo + ["apt-get", "install", "-y", "-qq"] + APT_PACKAGES):
            r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                raise Fail("could not install %s: %s" % (" ".join(APT_PACKAGES), r.stderr.strip().splitlines()[-1:]))
        cc = find_clang()
    if cc is None or not have_libfuzzer(cc):
        raise Fail("clang with libFuzzer (libclang-rt-14-dev) is not available")
    return cc


# ---- building the harness for a tree -----------------------------------------------

def resolve_tree(args):
    try:
        tree, label = kernels.resolve(getattr(args, "kernel", None), getattr(args, "tree", None))
    except kernels.KernelError as e:
        raise Fail(str(e).removeprefix("busfuzz: "), e.status)
    if label.startswith("tree:"):
        key = "tree-" + hashlib.sha1(tree.encode()).hexdigest()[:10]
    else:
        key = "k" + label
    return tree, label, key


def needs_work(bdir, targets):
    """Whether building targets in bdir would do anything (ninja's dry run; no build folder yet: yes)."""
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        return True
    r = subprocess.run(["ninja", "-n", "-C", bdir] + list(targets), capture_output=True, text=True)
    return r.returncode != 0 or "no work to do" not in r.stdout


def build(args, root=None, sanitizer="asan", targets=None, quiet=False, cmake_args=()):
    """Extracts the tree's bus code and builds the harness; returns (bindir, label, key).
    root: the build folder (default: $BUSFUZZ_BUILD, else build/); sanitizer: which libFuzzer build;
    targets: what to build (default: that libFuzzer build, the replay and the explorer); quiet: the
    caller says what it builds itself (the mutant matrix); cmake_args: for a new folder (a folder is
    always built with the same ones by its one user).
    One build at a time per folder: concurrent runs on one tree wait for each other (a lock file
    beside the folder) instead of configuring it twice.  A build that has work to do says so first."""
    cc = ensure_tools()
    tree, label, key = resolve_tree(args)
    bdir = os.path.join(root or os.environ.get("BUSFUZZ_BUILD") or os.path.join(ROOT, "build"), key)
    if targets is None:
        targets = (FUZZ_BINARY[sanitizer], "busfuzz-replay-t", "busfuzz-explore-t")
    os.makedirs(os.path.dirname(bdir), exist_ok=True)
    with kernels.locked(bdir + ".lock"):
        fresh = not os.path.exists(os.path.join(bdir, "build.ninja"))
        if not (fresh or needs_work(bdir, targets)):
            return bdir, label, key     # nothing changed since the last build: no extraction either
        if not quiet:
            say("building %s for %s%s ..." % (", ".join(targets), label,
                                              " (a new build folder: about half a minute)" if fresh else ""))
        # Extract first, on its own, so a bad tree gives its one-line error.
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "extract.py"), "--tree", tree,
                            "--out", os.path.join(bdir, "gen-t"), "--stubs",
                            os.path.join(ROOT, "kernel-shim", "stubs.def")], capture_output=True, text=True)
        if r.returncode != 0:
            msg = (r.stderr.strip().splitlines() or ["extraction failed"])[-1]
            raise Fail(msg.removeprefix("busfuzz: "), 2)
        for line in r.stderr.splitlines():
            if line.startswith("busfuzz: note: ") and not quiet:
                say(line.removeprefix("busfuzz: "))
        if fresh:
            r = subprocess.run(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + cc,
                                "-DBUSFUZZ_TREES=t=" + tree] + list(cmake_args), capture_output=True, text=True)
            if r.returncode != 0:
                raise Fail("cmake failed for %s:\n%s" % (tree, r.stdout[-2000:] + r.stderr[-2000:]))
        r = subprocess.run(["ninja", "-C", bdir] + list(targets), capture_output=True, text=True)
    if r.returncode != 0:
        # A callee nothing provides is an error of the kernel line that calls it (KERNEL_WARN in CMakeLists.txt).
        m = UNDECLARED_RE.search(r.stdout)
        if m:
            raise Fail("%s: %s() is neither shimmed (kernel-shim/), stubbed (kernel-shim/stubs.def) nor extracted"
                       % (m.group(1), m.group(2)), 2)
        errs = [l for l in r.stdout.splitlines() if "error:" in l][:5]
        raise Fail("the bus code of %s does not build against the shim:\n  %s" %
                   (tree, "\n  ".join(errs) or r.stdout[-3000:]))
    return bdir, label, key


# clang's and gcc's words for a call to a function no header declares.
UNDECLARED_RE = re.compile(r"^(\S+:\d+):\d+: error: (?:implicit declaration of function|call to undeclared function) "
                           r"['‘](\w+)['’]", re.M)


# ---- fuzzing ------------------------------------------------------------------

CLASS_OF_REPORT = [
    ("heap-use-after-free", "use-after-free"), ("use-after-poison", "use-after-free"),
    ("attempting double-free", "double-free"), ("SEGV on unknown address", "crash"),
    ("runtime error: null pointer", "crash"), ("runtime error: member access within null pointer", "crash"),
    ("runtime error: load of null pointer", "crash"), ("runtime error: store to null pointer", "crash"),
    ("runtime error:", "ub"), ("ERROR: libFuzzer: timeout", "hang"), ("out-of-memory", "oom"),
    ("ERROR: LeakSanitizer", "leak"), ("ERROR: AddressSanitizer", "memory"),
    ("WARNING: ThreadSanitizer: data race", "race"), ("ThreadSanitizer: SEGV", "crash"),
    ("deadly signal", "crash"),
]

# The fuzzer's options, the same for `fuzz` and `mutants`.
LIBFUZZER_FLAGS = ["-max_len=256", "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1", "-detect_leaks=0"]

STATUS_RE = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+)(?: ft: \d+)?(?: corp: (\d+)/\S+)?.*?exec/s: (\d+)")
FORK_RE = re.compile(r"#(\d+): cov: (\d+) ft: \d+ corp: (\d+) exec/s:? (\d+)")


# ASan's default quarantine (256 MiB) is most of a run's memory.  An execution
# allocates a few KiB and the simulator's slab keeps its own frees until the
# execution ends, so 16 MiB still catches every reuse; 8 frames per stack.
# The user's ASAN_OPTIONS come after ours and win.
ASAN_DEFAULTS = "quarantine_size_mb=16:malloc_context_size=8"


def fuzz_env(model, srcu):
    user = os.environ.get("ASAN_OPTIONS")
    return dict(os.environ, BUSFUZZ_MODEL=model, BUSFUZZ_SRCU=srcu,
                ASAN_OPTIONS=ASAN_DEFAULTS + (":" + user if user else ""))


def seed_corpus(env):
    """The corpus folders libFuzzer gets besides its own, and env: the structure-aware mutator takes
    the seeds itself (BUSFUZZ_SEEDS), between generated inputs, instead of libFuzzer running them all
    first; libFuzzer's own mutations alone (BUSFUZZ_MUTATOR=0) get them as a corpus folder."""
    seeds = os.path.join(ROOT, "corpus", "seeds")
    if env.get("BUSFUZZ_MUTATOR") == "0":
        return [seeds]
    env["BUSFUZZ_SEEDS"] = seeds
    return []


def classify(text):
    cls, msg = findings.parse(text)
    if cls:
        return cls, msg
    for needle, cls in CLASS_OF_REPORT:
        if needle in text:
            line = next((l for l in text.splitlines() if needle in l), needle)
            return cls, line.strip()
    return None, None


class Interruption:
    """SIGINT and SIGTERM end a fuzzing run early, with its summary and its findings kept: the workers are
    told (SIGINT, as a terminal's Ctrl-C tells the whole process group) and the run winds down as if its
    time had run out.  A second signal stops at once."""

    def __init__(self):
        self.signum = None
        self.on_fire = []       # what stops the workers

    def __enter__(self):
        self.old = {sig: signal.signal(sig, self.handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc):
        for sig, h in self.old.items():
            signal.signal(sig, h)

    def handler(self, signum, frame):
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        say("%s: stopping the workers, then the summary (again to stop at once)" % signal.Signals(signum).name)
        for fn in list(self.on_fire):
            fn()

    def status(self):
        return 128 + self.signum


def process_tree_rss_mib(pid):
    """The resident memory of pid and its descendants, in MiB (from /proc; 0 where it cannot be read)."""
    kids, rss = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            kids.setdefault(int(fields[1]), []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += kids.get(p, [])
    return total // (1 << 20)


def fuzz(args):
    with Interruption() as intr:
        return fuzz_run(args, intr)


def fuzz_run(args, intr):
    if args.strategy != "libfuzzer" and args.sanitizer != "asan":
        raise Fail("--sanitizer is for the libfuzzer strategy; %s runs on the plain build" % args.strategy)
    bdir, label, key = build(args, sanitizer=args.sanitizer, targets=(
        (FUZZ_BINARY[args.sanitizer], "busfuzz-replay-t") if args.strategy == "libfuzzer"
        else ("busfuzz-explore-t", "busfuzz-replay-t")) + (("busfuzz-fuzz-tsan-t",) if args.sanitizer == "tsan" else ()))
    findings = os.path.join(ROOT, "findings", key)
    arts = os.path.join(bdir, "artifacts")
    os.makedirs(arts, exist_ok=True)
    if args.strategy == "libfuzzer" and args.sanitizer == "tsan":
        # A race only TSan sees replays in the TSan build (plain replay would not see it).
        camp = engines.Campaign([os.path.join(bdir, FUZZ_BINARY["tsan"]), "-detect_leaks=0"], findings,
                                args.model, args.srcu, fuzz_env(args.model, args.srcu), sanitizer_flag("tsan"),
                                known_file=os.path.join(bdir, "known-bugs"), provenance=provenance(bdir))
    else:
        camp = engines.Campaign([os.path.join(bdir, "busfuzz-replay-t"), "--quiet", "--model", args.model,
                                 "--srcu", args.srcu], findings, args.model, args.srcu,
                                mode_extra=sanitizer_flag(args.sanitizer) if args.strategy == "libfuzzer" else "",
                                known_file=os.path.join(bdir, "known-bugs"), provenance=provenance(bdir))
    say("fuzzing %s with %s under --model %s --srcu %s%s (%s%s), findings go to %s" % (
        label, args.strategy, args.model, args.srcu,
        " --sanitizer " + args.sanitizer if args.strategy == "libfuzzer" else "",
        "%d s" % args.time if args.time else "%s runs" % args.runs if args.runs else "until stopped",
        ", keep going" if args.keep_going else "", findings))
    # Reproducers an earlier run left behind (it was killed before it could keep them) are kept now.
    for f in sorted(glob.glob(os.path.join(arts, "*"))):
        camp.add(f)
    start = time.time()
    state = {"execs": 0, "cov": None, "corp": None, "eps": 0, "rss": 0}
    tty = sys.stderr.isatty()

    def show(final=False):
        # Executions over wall time: libFuzzer's own exec/s is per worker in fork mode.
        el = time.time() - start
        state["eps"] = int(state["execs"] / el) if el > 0.05 else 0
        line = "[%4ds] %10d execs %8d/s" % (el, state["execs"], state["eps"])
        if state["cov"] is not None:
            line += "  cov %4d  corpus %4d" % (state["cov"], state["corp"] or 0)
        counts = camp.by_class()
        line += "  findings %s" % (", ".join("%s %d" % kv for kv in sorted(counts.items())) or "0")
        rss = process_tree_rss_mib(os.getpid())
        state["rss"] = max(state["rss"], rss)
        line += "  rss %d MiB" % rss
        if tty:
            sys.stderr.write("\r" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    stop = threading.Event()

    def ticker():
        while not stop.wait(1.0 if tty else 10.0):
            if explorers:
                state["execs"] = explorers.execs()
            elif args.keep_going:
                for f in sorted(glob.glob(os.path.join(arts, "*"))):
                    camp.add(f)
            show()

    explorers, errors = None, []
    if args.strategy != "libfuzzer":
        def on_finding(path, cls, msg, text):
            if path is None:
                errors.append((msg, text))
                return
            camp.add(path, cls, msg)
            if args.verbose:
                sys.stdout.write(text)
        explorers = engines.Explorers(os.path.join(bdir, "busfuzz-explore-t"), args.strategy, args, arts,
                                      on_finding)
        intr.on_fire.append(explorers.stop.set)
    t = threading.Thread(target=ticker, daemon=True)
    t.start()
    if explorers:
        explorers.run(args.time or 10 ** 9)
        state["execs"] = explorers.execs()
    else:
        rc, text = run_libfuzzer(args, bdir, arts, state, intr)
    stop.set()
    t.join()
    if explorers:
        if errors and not camp.kept:
            sys.stdout.write(errors[0][1][-4000:])
            raise Fail(errors[0][0])
    else:
        cls, msg = classify(text)
        for f in sorted(glob.glob(os.path.join(arts, "*"))):
            camp.add(f, *((None, None) if args.keep_going else (cls, msg)))
        if rc != 0 and not camp.kept and not (cls and args.keep_going) and intr.signum is None:
            sys.stdout.write(text[-4000:])
            raise Fail("the fuzzer exited with status %d and no finding" % rc)
        if args.verbose and camp.kept:
            sys.stdout.write(text)
    show(final=True)
    elapsed = time.time() - start
    summary = "%s: %.0f s, %d executions (%d/s)" % (label, elapsed, state["execs"], state["eps"])
    if state["cov"] is not None:
        summary += ", coverage %d, corpus %d" % (state["cov"], state["corp"] or 0)
    # The largest process's peak (a worker's), and the most the whole run held at once (sampled).
    summary += ", peak RSS %d MiB (a process), %d MiB (all)" % (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, state["rss"])
    if intr.signum is not None:
        summary += ", stopped by %s" % signal.Signals(intr.signum).name
    if not camp.kept:
        print("busfuzz: %s: no finding" % summary)
        return intr.status() if intr.signum is not None else 0
    print("busfuzz: %s: %d finding(s), one per bug%s" % (
        summary, len(camp.kept), ", %d duplicate(s) dropped" % camp.dups if camp.dups else ""))
    for (cls, bug), (path, msg) in camp.kept.items():     # in the order found
        print("FINDING %s: %s" % (cls, msg))
        print("bug: %s" % (bug if bug and bug.startswith(cls) else "%s at %s" % (cls, bug or "?")))
        print("reproducer: %s" % path)
    print("replay with: %s replay %s %s" % (os.path.join(ROOT, "busfuzz"), next(iter(camp.kept.values()))[0],
                                            (tree_flag(args) + mode_flags(args)).strip()))
    return 1


def libfuzzer_process(argv, env, cwd, intr, on_line):
    """One libFuzzer process; on_line(line) for each line of its output; returns (status, output tail)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", cwd=cwd, env=env)
    # libFuzzer stops on SIGINT (and its fork mode stops its jobs); its artifacts are kept after.
    intr.on_fire.append(lambda: proc.poll() is None and proc.send_signal(signal.SIGINT))
    if intr.signum is not None:
        proc.send_signal(signal.SIGINT)
    out_lines = []
    for line in proc.stdout:
        out_lines.append(line)
        if len(out_lines) > 5000:
            del out_lines[:1000]
        on_line(line)
    return proc.wait(), "".join(out_lines)


def run_libfuzzer(args, bdir, arts, state, intr):
    """libFuzzer on the --sanitizer build; returns (exit status, its output).
    --keep-going: the fuzz binary keeps each new bug's input itself and goes on (BUSFUZZ_KEEP_GOING);
    only a sanitizer's report ends a process, and that worker starts again on the shared corpus, so
    throughput stays that of a plain run."""
    binary = os.path.join(bdir, FUZZ_BINARY[args.sanitizer])
    work = os.path.join(bdir, "corpus")
    os.makedirs(work, exist_ok=True)
    env = fuzz_env(args.model, args.srcu)
    base = [binary] + LIBFUZZER_FLAGS + ["-artifact_prefix=" + arts + "/"]
    dirs = [work] + seed_corpus(env)
    if not args.keep_going:
        argv = base + ["-seed=%d" % args.seed]
        if args.runs is not None:
            argv.append("-runs=%d" % args.runs)
        if args.time is not None:
            argv.append("-max_total_time=%d" % args.time)
        if args.jobs > 1:
            argv += ["-fork=%d" % args.jobs, "-ignore_crashes=0"]

        def on_line(line):
            m = STATUS_RE.search(line) or FORK_RE.search(line)
            if m:
                state["execs"], state["cov"] = int(m.group(1)), int(m.group(2))
                state["corp"] = int(m.group(3) or state["corp"] or 0)
        rc, text = libfuzzer_process(argv + dirs, env, bdir, intr, on_line)
        m = re.search(r"stat::number_of_executed_units: (\d+)", text)
        if m:
            state["execs"] = int(m.group(1))
        return rc, text

    env.update(BUSFUZZ_KEEP_GOING=arts, BUSFUZZ_KNOWN_BUGS=os.path.join(bdir, "known-bugs"))
    deadline = time.monotonic() + args.time if args.time else None
    lock = threading.Lock()
    done = [0] * args.jobs          # executions of each worker's finished processes
    live = [0] * args.jobs          # and of its running one
    failure = []

    def update():
        state["execs"] = sum(done) + sum(live)

    def worker(j):
        for restart in range(10 ** 6):
            left = deadline - time.monotonic() if deadline else None
            runs = None
            if args.runs is not None:
                with lock:
                    runs = -(-args.runs // args.jobs) - done[j]
            if intr.signum is not None or (left is not None and left < 1) or (runs is not None and runs < 1):
                return
            argv = base + ["-seed=%d" % (args.seed * 1000003 + j * 7919 + restart)]
            argv += ["-max_total_time=%d" % left] if left is not None else []
            argv += ["-runs=%d" % runs] if runs is not None else []

            def on_line(line):
                m = STATUS_RE.search(line)
                if m:
                    with lock:
                        live[j] = int(m.group(1))
                        state["cov"] = max(state["cov"] or 0, int(m.group(2)))
                        state["corp"] = max(state["corp"] or 0, int(m.group(3) or 0))
                        update()
            rc, text = libfuzzer_process(argv + dirs, env, bdir, intr, on_line)
            m = re.search(r"stat::number_of_executed_units: (\d+)", text)
            with lock:
                done[j] += int(m.group(1)) if m else live[j]
                live[j] = 0
                update()
            if rc == 0 or intr.signum is not None:
                return
            if "Test unit written to" not in text:      # no sanitizer's crash: something is wrong
                failure.append((rc, text))
                return

    ts = [threading.Thread(target=worker, args=(j,), daemon=True) for j in range(args.jobs)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return failure[0] if failure else (0, "")


def tree_flag(args):
    if getattr(args, "tree", None):
        return "--tree " + args.tree
    if getattr(args, "kernel", None):
        return "--kernel " + args.kernel
    return ""


def sanitizer_flag(sanitizer):
    return "" if sanitizer == "asan" else " --sanitizer " + sanitizer


def mode_flags(args):
    return " --model %s --srcu %s%s" % (args.model, args.srcu, sanitizer_flag(getattr(args, "sanitizer", "asan")))


def mode_record(path):
    """The options recorded beside a reproducer (FILE.mode), {} without one."""
    side = path + ".mode"
    if not os.path.isfile(side):
        return {}
    words = open(side).read().split()
    rec = dict(zip(words[0::2], words[1::2]))
    allowed = {"--model": MODELS, "--srcu": SRCU_MODES, "--sanitizer": SANITIZERS}
    for k, v in rec.items():
        if v not in allowed.get(k, ()):
            raise Fail("%s: not a mode record (%s %s)" % (side, k, v))
    return rec


def replay_mode(args):
    """--model/--srcu given, else the ones recorded beside the reproducer, else the defaults."""
    rec = mode_record(args.file)
    model = args.model or rec.get("--model", "lkmm")
    srcu = args.srcu or rec.get("--srcu", "doc")
    return ["--model", model, "--srcu", srcu]


def replay_in_sanitizer_build(args, bdir, sanitizer, mode):
    """The libFuzzer build of --sanitizer runs the input once and traces it, as the replay build does."""
    env = dict(os.environ, BUSFUZZ_TRACE="0" if args.quiet else "1", BUSFUZZ_MODEL=mode[1], BUSFUZZ_SRCU=mode[3])
    r = subprocess.run([os.path.join(bdir, FUZZ_BINARY[sanitizer]), "-detect_leaks=0", args.file],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", env=env)
    found = findings.FINDING_RE.search(r.stdout)
    if args.quiet:
        sys.stdout.write("".join(l + "\n" for l in r.stdout.splitlines() if l.startswith("FINDING ")))
    else:
        sys.stdout.write(r.stdout)
    if found:
        return 1
    if r.returncode != 0:
        cls, msg = classify(r.stderr)
        if cls:
            print("FINDING %s: %s" % (cls, msg))
            return 1
        sys.stderr.write(r.stderr[-3000:])
        raise Fail("the %s build exited with status %d and no finding" % (sanitizer, r.returncode))
    print("no finding")
    return 0


# ---- provenance: which kernel a reproducer came from ----------------------------------

def provenance(bdir):
    """"VERSION SOURCES": the tree's version and a hash of the bus code extracted from it (what the
    input drives; two trees with the same extracted code replay alike)."""
    gen = os.path.join(bdir, "gen-t")
    h = hashlib.sha256()
    for dirpath, dirs, files in sorted(os.walk(gen)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".c", ".h")) and not name.startswith("."):
                p = os.path.join(dirpath, name)
                h.update(os.path.relpath(p, gen).encode() + b"\0")
                with open(p, "rb") as f:
                    h.update(f.read())
    try:
        with open(os.path.join(gen, "manifest.json")) as f:
            version = json.load(f).get("tree_version") or "unknown"
    except (OSError, ValueError):
        version = "unknown"
    return "%s %s" % (version, h.hexdigest()[:16])


def write_provenance(path, bdir):
    with open(path + ".kernel", "w") as f:
        f.write(provenance(bdir) + "\n")


def check_provenance(args, bdir, label):
    """A reproducer replayed on another kernel than the one that found it: a warning (--strict: exit 2)."""
    side = args.file + ".kernel"
    if not os.path.isfile(side):
        return
    words = open(side, errors="replace").read().split()
    if len(words) != 2:
        raise Fail("%s: not a kernel record (want 'VERSION SOURCES-HASH')" % side)
    here = provenance(bdir)
    if words == here.split():
        return
    msg = "%s was found on kernel %s (sources %s), replayed on %s (sources %s)" % (
        args.file, words[0], words[1], here.split()[0] + ("" if label == here.split()[0] else " = " + label),
        here.split()[1])
    if getattr(args, "strict", False):
        raise Fail(msg + "; --strict")
    say("warning: " + msg + ": its decisions may mean something else here")


def replay(args):
    if not os.path.isfile(args.file):
        raise Fail("%s: no such reproducer file" % args.file)
    try:
        with open(args.file, "rb") as f:
            f.read()
    except OSError as e:
        raise Fail("%s: cannot read the reproducer (%s)" % (args.file, e.strerror))
    sanitizer = args.sanitizer or mode_record(args.file).get("--sanitizer", "none")
    for opt in ("perfetto", "litmus"):
        if sanitizer != "none" and getattr(args, opt):
            raise Fail("--%s needs the plain replay build (--sanitizer none)" % opt)
    bdir, label, key = build(args, targets=(FUZZ_BINARY[sanitizer],) if sanitizer != "none" else ("busfuzz-replay-t",))
    check_provenance(args, bdir, label)
    if sanitizer != "none":
        rc = replay_in_sanitizer_build(args, bdir, sanitizer, replay_mode(args))
        if rc == 1:
            print("reproducer: %s" % os.path.abspath(args.file))
        return rc
    argv = ([os.path.join(bdir, "busfuzz-replay-t")] + (["--quiet"] if args.quiet else []) +
            (["--perfetto", args.perfetto] if args.perfetto else []) +
            (["--litmus", args.litmus] if args.litmus else []) + replay_mode(args) + [args.file])
    r = subprocess.run(argv)
    if r.returncode == 1:
        print("reproducer: %s" % os.path.abspath(args.file))
    return r.returncode if r.returncode in (0, 1, 2) else 1


# ---- minimizing a reproducer -------------------------------------------------------

# A finding is the same while minimizing when its class, primitive and kernel line are
# (finding_of()): the thread may change (fewer vCPUs renumber them).
# A step of the replay's trace: its number, then the thread.
STEP_RE = re.compile(r"^\s*\d+  \S")


def finding_of(text):
    """(class, primitive, FILE:LINE) of the replay's FINDING line, None without one."""
    cls, msg = findings.parse(text)
    if not cls:
        return None
    return (cls,) + findings.site(msg)


def describe(sig):
    return sig[0] + (" at %s %s" % (sig[1], sig[2]) if sig[1] else "")


def scenario_cuts(data):
    """Inputs with one part of the scenario header less (see drop_scenario_parts): tools/inputdef.py's, from
    fuzz/input.h."""
    return inputdef.scenario_cuts(data)


class Shrinker:
    """Runs candidates through the plain replay binary (a few ms each) and keeps the
    best input with the same finding: the shortest, then the one with the fewest
    steps in its trace (what a reader goes through), then the lowest bytes.
    Deterministic: no randomness, the order of the tries depends only on the input."""

    def __init__(self, binary, mode, work, deadline):
        self.binary, self.mode, self.deadline = binary, mode, deadline
        self.path = os.path.join(work, "candidate")
        self.cache, self.runs, self.timed_out, self.by_steps = {}, 0, False, False

    def run(self, data):
        """(exit status, the trace) of one replay."""
        with open(self.path, "wb") as f:
            f.write(data)
        try:
            r = subprocess.run([self.binary] + self.mode + [self.path], capture_output=True, text=True,
                               errors="replace", timeout=60)
        except subprocess.TimeoutExpired:
            return None, ""
        if r.returncode == 2:
            raise Fail("the replay binary rejected an input: %s" % (r.stderr.strip() or "exit 2"))
        return r.returncode, r.stdout

    def result(self, data):
        """(finding or None, steps in the trace), each input run once."""
        if data not in self.cache:
            self.runs += 1
            rc, out = self.run(data)
            self.cache[data] = (finding_of(out) if rc == 1 else None,
                                sum(1 for l in out.splitlines() if STEP_RE.match(l)))
        return self.cache[data]

    def key(self, data):
        if self.by_steps:
            return len(data), self.result(data)[1], data
        return len(data), data

    def better(self, cand, best, want):
        return self.result(cand)[0] == want and self.key(cand) < self.key(best)

    def out_of_time(self):
        self.timed_out = self.timed_out or time.monotonic() > self.deadline
        return self.timed_out

    def shrink(self, data, want):
        # Two fixpoints: the shortest input first, whatever its trace (a byte lowered
        # at the cost of a few steps may let more bytes go later); then, at that
        # size or less, the shortest trace.
        best = data
        for self.by_steps in (False, True):
            while not self.out_of_time():
                before = best
                for step in (self.truncate, self.drop_scenario_parts, self.remove_chunks, self.change_bytes):
                    best = step(best, want)
                if best == before:
                    break
        return best

    def truncate(self, data, want):
        # Bytes past what the execution consumes change nothing: the shortest
        # prefix with the finding drops them all in one pass.
        for n in range(len(data)):
            if self.out_of_time():
                break
            if self.better(data[:n], data, want):
                return data[:n]
        return data

    def drop_scenario_parts(self, data, want):
        # The scenario's counts and the bytes they count go together (decode() in
        # fuzz/harness.c: vCPUs, ioctl ops, ops per vCPU, then the ops): one ioctl
        # op, one vCPU or one op of every vCPU less, with its count lowered in the
        # same edit, keeps the rest of the input where it was.  Removing bytes one
        # at a time cannot: the count and the bytes would have to change at once.
        # Only a guide: each candidate is judged by its replay like any other.
        while not self.out_of_time():
            for cand in scenario_cuts(data):
                if self.out_of_time():
                    return data
                if self.better(cand, data, want):
                    data = cand
                    break
            else:
                return data
        return data

    def remove_chunks(self, data, want):
        # Delta debugging: chunks of half the input, then quarters, ... single bytes.
        # From the end: the tail is the decision stream, the head the scenario.
        n = max(len(data) // 2, 1)
        while n >= 1 and data:
            end = len(data)
            while end > 0 and not self.out_of_time():
                start = max(end - n, 0)
                cand = data[:start] + data[end:]
                if self.better(cand, data, want):
                    data = cand
                end = start
            n //= 2
        return data

    def change_bytes(self, data, want):
        # Lower values are simpler: 0 is fewer vCPUs and ops in the scenario, no
        # preemption and the newest store in the decision stream; a choice among k
        # takes the byte modulo k, so b % k is the same choice, lower.  Any value
        # below 16 (every budget, every choice among up to 16) and single bit
        # flips (the scenario's flags) may also shorten the trace: a longer run
        # budget saves the decisions after it.  The best value of each byte wins.
        for i in range(len(data)):
            b = data[i]
            vals = set(range(16)) | {b >> 1} | {b ^ (1 << k) for k in range(8)} | {b % k for k in range(2, 17)}
            best = data
            for v in sorted(vals - {b}):
                if self.out_of_time():
                    return best
                cand = data[:i] + bytes([v]) + data[i + 1:]
                if self.better(cand, best, want):
                    best = cand
            data = best
        return data


def minimize(args):
    if args.time < 1:
        raise Fail("--time must be at least 1")
    if not os.path.isfile(args.file):
        raise Fail("%s: no such reproducer file" % args.file)
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Fail("%s: cannot read the reproducer (%s)" % (args.file, e.strerror))
    mode = replay_mode(args)
    out = args.output or args.file + ".min"
    if os.path.isdir(out):
        raise Fail("%s: the output is a folder" % out)
    bdir, label, key = build(args, targets=("busfuzz-replay-t",))
    check_provenance(args, bdir, label)
    start = time.monotonic()
    work = tempfile.mkdtemp(prefix="busfuzz-minimize-")
    try:
        sh = Shrinker(os.path.join(bdir, "busfuzz-replay-t"), mode, work, start + args.time)
        want = sh.result(data)[0]
        if want is None:
            print("busfuzz: %s gives no finding on %s under %s: nothing to minimize" %
                  (args.file, label, " ".join(mode)))
            return 1
        say("minimizing %s (%d bytes, %s) on %s under %s" %
            (args.file, len(data), describe(want), label, " ".join(mode)))
        small = sh.shrink(data, want)
        steps0, steps1 = sh.result(data)[1], sh.result(small)[1]
        text = sh.run(small)[1]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    try:
        with open(out, "wb") as f:
            f.write(small)
        with open(out + ".mode", "w") as f:
            f.write("%s %s %s %s\n" % tuple(mode))
        write_provenance(out, bdir)
    except OSError as e:
        raise Fail("%s: cannot write the minimized reproducer (%s)" % (out, e.strerror))
    m = findings.FINDING_RE.search(text)
    print(m.group(0) if m else "FINDING %s" % describe(want))
    print("size: %d -> %d bytes" % (len(data), len(small)))
    # busfuzz replay prints the binary's output and one line more, the reproducer's path.
    print("steps: %d -> %d (busfuzz replay prints %d lines)" % (steps0, steps1, len(text.splitlines()) + 1))
    print("runs: %d in %.1f s%s" % (sh.runs, time.monotonic() - start,
                                    ", stopped by --time %d before a fixpoint" % args.time
                                    if sh.timed_out else ""))
    print("minimized: %s" % os.path.abspath(out))
    print("replay with: %s replay %s %s" % (os.path.join(ROOT, "busfuzz"), os.path.abspath(out),
                                            (tree_flag(args) + " " + " ".join(mode)).strip()))
    return 0


# ---- litmus tests ----------------------------------------------------------------

def litmus_cmd(args):
    """C litmus tests (herd7 format) explored exhaustively on the simulator (tools/litmus.py)."""
    try:
        litmus.check_options(args)
        files = args.files
        if files and (args.tree or args.kernel) and not args.oracle:
            raise Fail("give FILE... or --tree/--kernel, not both (with --oracle, they name herd7's LKMM)")
        if args.oracle:     # herd7 runs the LKMM of this tree (default: the 7.x one)
            args.oracle_tree = resolve_tree(args)[0]
        if not files:
            tree, label, _ = resolve_tree(args)
            files = sorted(glob.glob(os.path.join(tree, "tools", "memory-model", "litmus-tests", "*.litmus")))
            if not files:
                raise Fail("%s: no tools/memory-model/litmus-tests/*.litmus in this tree" % tree)
        for f in files:         # bad input first, before any set-up
            litmus.load(f)
        ensure_tools()
        return litmus.run(files, args)
    except litmus.LitmusError as e:
        raise Fail(str(e))
    except BrokenPipeError:     # `busfuzz litmus | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


# ---- the mutant matrix -----------------------------------------------------------

# Without --kernel/--tree: each generation's mutants on the kernel its ctests use.
MUTANT_KERNELS = [("pre", "6.12"), ("post", "7")]
MUTANT_OK = ("KILLED", "SURVIVED")      # SURVIVED is right only for a mutant clean under the model


class Mutant:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len(".mut")]
        self.error = None
        self.gen = self.expect = None
        self.clean_under, self.mode = [], {}
        try:
            h, _ = mutate.parse(path)
        except mutate.MutantError as e:
            self.error = str(e)
            return
        self.gen, self.expect = h.get("generation"), h.get("expect")
        self.clean_under = h.get("clean-under", "").split()
        words = h.get("mode", "").split()
        for k, v in zip(words[0::2], words[1::2]):
            if k in ("--model", "--srcu") and v in (MODELS if k == "--model" else SRCU_MODES):
                self.mode[k[2:]] = v
            else:
                self.error = "mode: '%s %s' is not --model M or --srcu S" % (k, v)
        if len(words) % 2:
            self.error = "mode: '%s' has no value" % words[-1]
        if self.gen not in ("pre", "post"):
            self.error = "generation: '%s' is not pre or post" % self.gen
        elif not self.expect:
            self.error = "no 'expect: CLASS' line"


def tree_generation(bdir):
    """'post' when the tree's readers use kvm_get_bus_srcu() (the 6.18 series), else 'pre'.
    The extraction's manifest lists it only if the bus code calls it."""
    with open(os.path.join(bdir, "gen-t", "manifest.json")) as f:
        names = {n for it in json.load(f)["items"] for n in it["names"]}
    return "post" if "kvm_get_bus_srcu" in names else "pre"


def fuzz_once(binary, work, seed, secs, model, srcu):
    """One libFuzzer run from an empty corpus: (class or None, message, seconds, executions, reproducer).
    The seconds count from the fuzzer's start: the build is not in them."""
    corpus, arts = os.path.join(work, "corpus-%d" % seed), os.path.join(work, "artifacts-%d" % seed)
    os.makedirs(corpus)
    os.makedirs(arts)
    env = fuzz_env(model, srcu)
    argv = ([binary, "-seed=%d" % seed] + LIBFUZZER_FLAGS +
            ["-artifact_prefix=" + arts + "/", "-max_total_time=%d" % secs, corpus] + seed_corpus(env))
    start = time.monotonic()
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", cwd=work, env=env, timeout=2 * secs + 120)
    except subprocess.TimeoutExpired:
        return "error", "the fuzzer ran past its time budget", None, None, None
    took = time.monotonic() - start
    m = re.search(r"stat::number_of_executed_units: (\d+)", r.stdout)
    execs = int(m.group(1)) if m else None
    if r.returncode == 0:
        return None, None, took, execs, None
    repro = re.findall(r"Test unit written to (\S+)", r.stdout)
    cls, msg = classify(r.stdout)
    if cls or repro:
        return cls or "crash", msg, took, execs, repro[-1] if repro else None
    tail = (r.stdout.strip().splitlines() or [""])[-1]
    return "error", "the fuzzer exited with status %d and no finding: %s" % (r.returncode, tail), None, None, None


def matrix_run(bdir, work, seed, model, srcu, args, strategy):
    """One run of the kill matrix with one strategy (fuzz_once's result)."""
    if strategy == "libfuzzer":
        return fuzz_once(os.path.join(bdir, "busfuzz-fuzz-t"), work, seed, args.time, model, srcu)
    if strategy == "stress":
        return stress_once(os.path.join(bdir, stress_target(args.tsan)), args.time, seed,
                           ["--classic"] if args.classic else [])
    return engines.explore_once(os.path.join(bdir, "busfuzz-explore-t"), work, strategy, seed, args.time,
                                model, srcu, args.depth, args.preemptions)


def keep_reproducer(path, dest, stem, model, srcu):
    """Moves a reproducer out of the temporary folder; returns where it is now."""
    os.makedirs(dest, exist_ok=True)
    out = os.path.join(dest, "%s-%s" % (stem, os.path.basename(path).split("-")[-1]))
    shutil.copyfile(path, out)
    with open(out + ".mode", "w") as f:
        f.write("--model %s --srcu %s\n" % (model, srcu))
    return out


def judge(expect, runs):
    """The status of one matrix row from its runs (one per seed)."""
    found = [r[0] for r in runs]
    if "error" in found:
        return "ERROR"
    if any(c is not None and c != expect for c in found):
        return "WRONG-CLASS"
    if expect is None:
        return "SURVIVED"
    return "KILLED" if None not in found else "SURVIVED"


def median_of(runs, i):
    """Median over the seeds of a run's column i; a seed with no finding counts as never."""
    vals = [r[i] if r[0] is not None and r[i] is not None else float("inf") for r in runs]
    return statistics.median(vals) if vals else float("inf")


def strategy_mode(args, strategy, model, srcu):
    """The mode column: the model for the simulator, native threads and their checks for stress."""
    if strategy == "stress":
        return "native/%s%s" % ("tsan" if args.tsan else "asan", "/classic" if args.classic else "")
    return "%s/%s" % (model, srcu)


def engine_targets(args):
    """What the chosen strategies need built."""
    need = {"libfuzzer": "busfuzz-fuzz-t", "random": "busfuzz-explore-t", "pct": "busfuzz-explore-t",
            "exhaustive": "busfuzz-explore-t", "stress": stress_target(args.tsan)}
    return tuple(sorted({need[st] for st in args.strategies} | {"busfuzz-replay-t"}))


def run_mutant(m, target, args, tmp):
    """The mutant's rows, one per strategy: it is built once for all of them."""
    tree, label = target[0], target[1]
    model, srcu = m.mode.get("model", args.model), m.mode.get("srcu", args.srcu)
    # expect: a STALE or ERROR row's too (the matrix prints it)
    base = {"name": m.name, "gen": m.gen, "kernel": label, "runs": [], "note": None, "expect": m.expect or "none"}
    work = tempfile.mkdtemp(prefix=m.name + "-", dir=tmp)
    try:
        copy = os.path.join(work, "tree")
        try:
            mutate.apply(m.path, tree, copy)
        except mutate.MutantError as e:
            return [dict(base, strategy=st, status="STALE", note=str(e).replace(ROOT + "/", ""),
                         mode=strategy_mode(args, st, model, srcu)) for st in args.strategies]
        try:
            bdir = build(argparse.Namespace(tree=copy, kernel=None), quiet=True,
                         root=os.path.join(work, "build"), targets=engine_targets(args))[0]
        except Fail as e:
            note = "the mutant does not build: " + " ".join(l.strip() for l in str(e).splitlines())[:400]
            return [dict(base, strategy=st, status="ERROR", note=note, mode=strategy_mode(args, st, model, srcu))
                    for st in args.strategies]
        rows = []
        for st in args.strategies:
            # Native threads have the machine's memory model: every mutant's own class is the one to find.
            expect = m.expect if st == "stress" else None if model in m.clean_under else m.expect
            row = dict(base, strategy=st, runs=[], expect=expect or "none", mode=strategy_mode(args, st, model, srcu))
            for seed in range(1, args.seeds + 1):
                row["runs"].append(matrix_run(bdir, work, seed, model, srcu, args, st))
            row["status"] = judge(expect, row["runs"])
            bad = next((r for r in row["runs"] if r[0] not in (None, expect)), None)
            if bad:
                row["note"] = bad[1]
                if bad[4]:
                    kept = keep_reproducer(bad[4], os.path.join(ROOT, "findings", "mutants"),
                                           "%s-%s" % (m.name, bad[0]), model, srcu)
                    row["note"] = "%s\n    reproducer: %s (replay on the mutant: tools/mutate.py %s %s DIR, " \
                                  "then busfuzz replay it --tree DIR)" % (bad[1], kept, m.path, tree)
            rows.append(row)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_unmodified(target, model, srcu, args, tmp):
    tree, label, key, gen, bdir = target
    rows = []
    work = tempfile.mkdtemp(prefix="unmodified-", dir=tmp)
    try:
        for st in args.strategies:
            if st == "stress" and (model, srcu) != (args.model, args.srcu):
                continue        # native threads have one mode: the machine's
            row = {"name": "(unmodified)", "gen": gen, "kernel": label, "mode": strategy_mode(args, st, model, srcu),
                   "expect": "none", "note": None, "strategy": st}
            row["runs"] = [matrix_run(bdir, work, 1, model, srcu, args, st)]
            r = row["runs"][0]
            row["status"] = "ERROR" if r[0] == "error" else "CLEAN" if r[0] is None else "FINDING"
            if r[0] is not None:
                row["note"] = r[1]
            if r[4]:
                kept = keep_reproducer(r[4], os.path.join(ROOT, "findings", key), r[0], model, srcu)
                row["note"] = "%s\n    reproducer: %s" % (r[1], kept)
            rows.append(row)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mutants_cmd(args):
    args.strategies = args.strategy.split(",")
    for st in args.strategies:
        if st not in engines.STRATEGIES + ["stress"]:
            raise Fail("unknown strategy '%s' (%s, stress)" % (st, ", ".join(engines.STRATEGIES)))
    if (args.tsan or args.classic) and "stress" not in args.strategies:
        raise Fail("--tsan and --classic go with --strategy stress")
    all_mutants = [Mutant(p) for p in sorted(glob.glob(os.path.join(ROOT, "mutants", "*.mut")))]
    by_name = {m.name: m for m in all_mutants}
    for n in args.names:
        if n.removesuffix(".mut") not in by_name:
            raise Fail("no mutant '%s' in mutants/ (%s)" % (n, ", ".join(sorted(by_name))))
    chosen = [by_name[n.removesuffix(".mut")] for n in args.names] or all_mutants
    ensure_tools()
    # The unmodified trees first: a bad tree is a one-line error before anything runs.
    if args.tree or args.kernel:
        specs = [(None, args)]
    else:
        specs = [(gen, argparse.Namespace(tree=None, kernel=ver)) for gen, ver in MUTANT_KERNELS]
    targets = {}
    for want, a in specs:
        tree, label, key = resolve_tree(a)
        bdir = build(a, targets=engine_targets(args))[0]
        gen = tree_generation(bdir)
        if want and gen != want:
            raise Fail("kernel %s (%s) is not a %s-series tree, as its mutants need" % (a.kernel, label, want))
        targets[gen] = (tree, label, key, gen, bdir)
    rows, jobs = [], []
    for m in chosen:
        if m.error:
            rows += [{"name": m.name, "gen": m.gen or "?", "kernel": "-", "mode": "-", "strategy": st,
                      "expect": m.expect or "?", "status": "ERROR", "runs": [], "note": m.error}
                     for st in args.strategies]
        elif m.gen in targets:
            jobs.append(("mutant", m, targets[m.gen]))
        elif args.names:
            raise Fail("mutant '%s' is for %s-series trees; %s is not one" %
                       (m.name, m.gen, next(iter(targets.values()))[1]))
    # The unmodified tree under every mode its mutants run in: a kill means
    # something only where the tree itself is clean.
    for t in targets.values():
        if args.names and not any(tt is t for _, _, tt in jobs):
            continue
        modes = {(args.model, args.srcu)}
        modes |= {(m.mode.get("model", args.model), m.mode.get("srcu", args.srcu))
                  for _, m, tt in jobs if tt is t}
        jobs[:0] = [("tree", md, t) for md in sorted(modes)]   # the longest runs go first
    n_mut = sum(1 for j in jobs if j[0] == "mutant")
    other = sum(1 for m in chosen if not m.error and m.gen not in targets)
    say("%d mutant(s) and %d unmodified run(s), %d s per seed, %d seed(s), %d at a time%s" %
        (n_mut, len(jobs) - n_mut, args.time, args.seeds, args.jobs,
         "; %d mutant(s) of the other generation left out" % other if other else ""))
    broot = os.environ.get("BUSFUZZ_BUILD") or os.path.join(ROOT, "build")
    os.makedirs(broot, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="mutants-", dir=broot)
    start = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futs = {(pool.submit(run_mutant, j[1], j[2], args, tmp) if j[0] == "mutant" else
                 pool.submit(run_unmodified, j[2], j[1][0], j[1][1], args, tmp)): j for j in jobs}
        for i, f in enumerate(concurrent.futures.as_completed(futs), 1):
            try:
                got = f.result()
            except (OSError, subprocess.SubprocessError) as e:    # one row's trouble, not the matrix's
                kind, what, t = futs[f]
                got = [{"name": what.name if kind == "mutant" else "(unmodified)", "gen": t[3],
                        "kernel": t[1], "mode": "-", "expect": "?", "status": "ERROR", "runs": [],
                        "note": str(e), "strategy": st} for st in args.strategies]
            rows += got
            for row in got:
                found = [r[0] for r in row["runs"] if r[0] is not None]
                say("[%d/%d] %s (%s, %s, %s%s): %s%s" % (
                    i, len(futs), row["name"], row["gen"], row["kernel"], row["mode"],
                    ", " + row["strategy"] if len(args.strategies) > 1 else "", row["status"],
                    " %s in %s" % (found[0], fmt_secs(median_of(row["runs"], 2), args.time))
                    if found else ""))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return print_matrix(rows, args, time.monotonic() - start)


def reference_tree(row):
    """Whether the row's tree is of the series its generation's mutants are written for (6.12, 7.x):
    there a STALE edit is a failure; on another (5.10, your own tree) it only names code that tree lacks."""
    ref = dict(MUTANT_KERNELS).get(row["gen"])
    return ref is not None and (row["kernel"] == ref or row["kernel"].startswith(ref + "."))


def fmt_secs(v, budget):
    return ">%d s" % budget if v == float("inf") else "%.1f s" % v


def print_matrix(rows, args, elapsed):
    order = {"pre": 0, "post": 1}
    rank = {st: i for i, st in enumerate(args.strategies)}
    rows.sort(key=lambda r: (order.get(r["gen"], 2), r["name"] == "(unmodified)", r["name"], r["mode"],
                             rank.get(r.get("strategy"), 0)))
    several = len(args.strategies) > 1
    table = [("mutant", "gen", "kernel", "mode") + (("strategy",) if several else ()) +
             ("expect", "status", "found", "time", "spread", "execs")]
    for r in rows:
        found = [c or "-" for c, *_ in r["runs"]]
        shown = found[0] if found and len(set(found)) == 1 else \
            ",".join("%s(%d)" % (c, found.count(c)) for c in sorted(set(found))) or "-"
        t = median_of(r["runs"], 2) if r["runs"] else float("inf")
        e = median_of(r["runs"], 3) if r["runs"] else float("inf")
        secs = [x[2] for x in r["runs"] if x[0] not in (None, "error") and x[2] is not None]
        spread = "%.1f-%.1f" % (min(secs), max(secs)) if len(secs) > 1 else "-"
        table.append((r["name"], r["gen"], r["kernel"], r["mode"]) + ((r.get("strategy", "-"),) if several else ()) +
                     (r["expect"], r["status"], shown, fmt_secs(t, args.time) if r["runs"] else "-", spread,
                      "-" if e == float("inf") else "%d" % e))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"time": args.time, "seeds": args.seeds, "strategies": args.strategies,
                       "rows": [{k: r.get(k) for k in ("name", "gen", "kernel", "mode", "strategy", "expect",
                                                       "status")} |
                                {"runs": [{"class": x[0], "seconds": x[2], "executions": x[3]} for x in r["runs"]]}
                                for r in rows]}, f, indent=1)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    notes = [r for r in rows if r.get("note") and r["status"] not in MUTANT_OK + ("CLEAN",)]
    for r in notes:
        print("%s (%s, %s): %s" % (r["name"], r["kernel"], r["mode"], r["note"]))
    muts = [r for r in rows if r["name"] != "(unmodified)"]
    trees = [r for r in rows if r["name"] == "(unmodified)"]
    count = lambda rs, s: sum(1 for r in rs if r["status"] == s)  # noqa: E731
    # Under stress a survivor is what the benchmark measures, not a failure.
    ok = all((r["status"] in MUTANT_OK and (r.get("strategy") == "stress" or
                                            (r["status"] == "KILLED") == (r["expect"] != "none"))) or
             (r["status"] == "STALE" and not reference_tree(r)) for r in muts) and \
        all(r["status"] == "CLEAN" for r in trees)
    if "stress" in args.strategies:
        never = [r["name"] for r in muts if r.get("strategy") == "stress" and r["status"] == "SURVIVED"]
        print("stress (%s) never found: %s" % (strategy_mode(args, "stress", None, None), ", ".join(never) or "none"))
    stale_elsewhere = sum(1 for r in muts if r["status"] == "STALE" and not reference_tree(r))
    if stale_elsewhere:
        print("%d stale: their edits name code this tree does not have (not a failure off the mutants' "
              "own series)" % stale_elsewhere)
    print("summary: %d mutant(s): %d killed, %d survived, %d wrong class, %d stale, %d error; "
          "unmodified: %d clean of %d; %s, %d s per seed, %d seed(s), %.0f s in all: %s" % (
              len(muts), count(muts, "KILLED"), count(muts, "SURVIVED"), count(muts, "WRONG-CLASS"),
              count(muts, "STALE"), count(muts, "ERROR"), count(trees, "CLEAN"), len(trees),
              args.strategy, args.time, args.seeds, elapsed, "OK" if ok else "FAILED"))
    return 0 if ok else 1


# ---- stress: native threads ----------------------------------------------------

STRESS_FIRST_RE = re.compile(r"^stress: first finding after ([\d.]+) s, in execution (\d+)", re.M)
STRESS_DONE_RE = re.compile(r"^stress: [\d.]+ s, (\d+) executions", re.M)


def stress_target(tsan):
    return "busfuzz-stress-tsan-t" if tsan else "busfuzz-stress-t"


def stress_argv(binary, secs, seed, extra=()):
    return [binary, "--time", str(secs), "--seed", str(seed)] + list(extra)


def stress_once(binary, secs, seed, extra=()):
    """One stress run: (class or None, message, seconds to the finding, executions, None),
    the shape of fuzz_once()'s rows (stress keeps no reproducer: the OS made the interleaving)."""
    try:
        r = subprocess.run(stress_argv(binary, secs, seed, ["--quiet"] + list(extra)), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=2 * secs + 120)
    except subprocess.TimeoutExpired:
        return "error", "stress ran past its time budget", None, None, None
    done = STRESS_DONE_RE.search(r.stdout)
    if r.returncode == 0 and done:
        return None, None, float(secs), int(done.group(1)), None
    cls, msg = classify(r.stdout)
    first = STRESS_FIRST_RE.search(r.stdout)
    if cls:
        return cls, msg, float(first.group(1)) if first else None, int(first.group(2)) if first else None, None
    tail = (r.stdout.strip().splitlines() or [""])[-1]
    return "error", "stress exited with status %d and no finding: %s" % (r.returncode, tail), None, None, None


def stress(args):
    if args.scenario is not None and not re.fullmatch(r"[0-9a-fA-F]{1,16}", args.scenario):
        raise Fail("--scenario wants the hex scenario seed a finding printed, not '%s'" % args.scenario)
    target = stress_target(args.tsan)
    bdir, label, key = build(args, targets=(target,))
    extra = (["--delay", str(args.delay)] + (["--scenario", args.scenario] if args.scenario else []) +
             (["--classic"] if args.classic else []))
    say("stress on %s: native threads, %s, %d s" % (label, "TSan" if args.tsan else "ASan+UBSan", args.time))
    # The binary's output as it comes, kept to classify (a sanitizer reports on stderr).
    proc = subprocess.Popen(stress_argv(os.path.join(bdir, target), args.time, args.seed, extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    out = []
    for line in proc.stdout:
        out.append(line)
        sys.stdout.write(line)
        sys.stdout.flush()
    rc = proc.wait()
    text = "".join(out)
    if rc == 0:
        return 0
    if rc == 2:
        return 2
    cls, msg = classify(text)
    if rc == 1 or cls:
        if not findings.FINDING_RE.search(text):
            print("FINDING %s: %s" % (cls or "crash", msg or "exit status %d" % rc))
        return 1
    raise Fail("stress exited with status %d and no finding" % rc)


# ---- the test suite ------------------------------------------------------------

def test(args):
    cc = ensure_tools()
    trees = []
    for lab, ver in TEST_KERNELS:
        try:
            tree, label = kernels.resolve(ver, None)
        except kernels.KernelError as e:
            raise Fail(str(e).removeprefix("busfuzz: "), e.status)
        trees.append("%s=%s" % (lab, tree))
        say("kernel %s: %s" % (ver, label))
    edge = []
    for lab, ver in EDGE_KERNELS:
        try:
            tree, label = kernels.resolve(ver, None)
        except kernels.KernelError as e:
            say("kernel %s: left out, its tests too (%s)" % (ver, str(e).removeprefix("busfuzz: ")))
            continue
        trees.append("%s=%s" % (lab, tree))
        edge.append(lab)
        say("kernel %s: %s (replay and explorer only)" % (ver, label))
    bdir = os.path.join(ROOT, "build", "test")
    # Another compiler in the cache makes CMake start over and drop this run's -D values (the trees):
    # start over first.
    try:
        with open(os.path.join(bdir, "CMakeCache.txt")) as f:
            old = next((l.split("=", 1)[1].strip() for l in f if l.startswith("CMAKE_C_COMPILER:")), cc)
        if old not in (cc, shutil.which(cc)):
            os.remove(os.path.join(bdir, "CMakeCache.txt"))
    except OSError:
        pass
    r = subprocess.run(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + cc,
                        "-DBUSFUZZ_TREES=" + ";".join(trees),
                        "-DBUSFUZZ_TEST_TREES=" + ";".join(l for l, _ in TEST_KERNELS),
                        "-DBUSFUZZ_EDGE_TREES=" + ";".join(edge)])
    if r.returncode != 0:
        raise Fail("cmake failed")
    if subprocess.run(["ninja", "-C", bdir]).returncode != 0:
        raise Fail("the build failed")
    # No test is timed: the timeout only ends a hang, so it is generous.  A filter
    # that selects nothing is an error, not a pass.  The long label (timed or
    # luck-dependent runs) only with --long.
    argv = ["ctest", "--test-dir", bdir, "--output-on-failure", "-j", str(args.jobs or os.cpu_count() or 2),
            "--timeout", "3600", "--no-tests=error"]
    if args.regex:
        argv += ["-R", args.regex]
    if not args.long:
        argv += ["-LE", "long"]
    return subprocess.run(argv).returncode and 1


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
                    help="how decisions are made, as for fuzz (default libfuzzer), or stress (native threads, "
                         "busfuzz stress); several, comma-separated, run on each mutant's one build")
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
            bdir, label, _ = build(args)
            print(bdir)
            return 0
        if args.cmd == "test":
            return test(args)
        if args.cmd == "litmus":
            return litmus_cmd(args)
        if args.cmd == "mutants":
            return mutants_cmd(args)
        if args.cmd == "check":
            return check.run(sys.modules[__name__], args)
        if args.cmd == "stress":
            return stress(args)
        if args.cmd == "cost":
            return cost.run(sys.modules[__name__], args)
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
