# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz fuzz: libFuzzer or an explorer on a tree, findings kept once per bug."""
import argparse
import glob
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time

import engines
from findings import classify
from common import Fail, ROOT, FUZZ_BINARY, say, tree_flag, mode_flags, sanitizer_flag
from build import build, needs, provenance


# ---- fuzzing ------------------------------------------------------------------


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


def blind_workers(args):
    """How many blind random workers run beside libFuzzer's: they find in seconds the bugs that need a
    scenario and a schedule no coverage points to, at the plain build's speed (bench/README.md), and
    findings of either end the run.  By default one, on a core libFuzzer's --jobs leave free, under ASan
    (TSan's runs look for the races only it sees), for a run bounded by time."""
    if args.strategy != "libfuzzer":
        if args.blind:
            raise Fail("--blind is for the libfuzzer strategy")
        return 0
    if args.blind is not None:
        return args.blind
    # --runs asks for so many executions of libFuzzer's: no others beside them.
    return 1 if args.sanitizer == "asan" and args.runs is None and (os.cpu_count() or 1) > args.jobs else 0


def fuzz(args):
    with Interruption() as intr:
        return fuzz_run(args, intr)


def fuzz_run(args, intr):
    if args.strategy != "libfuzzer" and args.sanitizer != "asan":
        raise Fail("--sanitizer is for the libfuzzer strategy; %s runs on the plain build" % args.strategy)
    args.blind = blind_workers(args)
    bdir, label, key = build(args, targets=needs("fuzz", args.sanitizer,
                                                 (args.strategy,) + (("random",) if args.blind else ())))
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
        label, args.strategy + (" and %d blind random worker(s)" % args.blind if args.blind else ""),
        args.model, args.srcu,
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
            if explorers and args.strategy != "libfuzzer":
                state["execs"] = explorers.execs()
            elif args.keep_going:
                for f in sorted(glob.glob(os.path.join(arts, "*"))):
                    camp.add(f)
            show()

    explorers, errors = None, []
    if args.strategy != "libfuzzer" or args.blind:
        def on_finding(path, cls, msg, text):
            if path is None:
                errors.append((msg, text))
                return
            camp.add(path, cls, msg)
            if args.verbose:
                sys.stdout.write(text)
            if args.strategy == "libfuzzer" and not args.keep_going:
                blind_found.set()       # libFuzzer's workers stop too
        wargs = args if args.strategy != "libfuzzer" else argparse.Namespace(**dict(
            vars(args), jobs=args.blind, runs=None, depth=3, preemptions=2))
        explorers = engines.Explorers(os.path.join(bdir, "busfuzz-explore-t"),
                                      args.strategy if args.strategy != "libfuzzer" else "random", wargs, arts,
                                      on_finding)
        intr.on_fire.append(explorers.stop.set)
    blind_found = threading.Event()
    t = threading.Thread(target=ticker, daemon=True)
    t.start()
    if args.strategy != "libfuzzer":
        explorers.run(args.time or 10 ** 9)
        state["execs"] = explorers.execs()
    elif explorers:
        rc, text = run_with_blind(args, bdir, arts, state, intr, explorers, blind_found)
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


def run_with_blind(args, bdir, arts, state, intr, explorers, blind_found):
    """libFuzzer's workers with the blind ones beside them: the first finding of either ends both (unless
    --keep-going); the executions are both's.  Returns run_libfuzzer()'s result."""
    lf_state = dict(state)
    stop_lf = []        # libFuzzer's processes are told as a Ctrl-C tells them, without it being one
    sub = Interruption()
    sub.on_fire = stop_lf
    blind = threading.Thread(target=explorers.run, args=(args.time or 10 ** 9,), daemon=True)
    blind.start()

    def watch():
        while not blind_found.wait(0.1):
            if done.is_set():
                return
        sub.signum = signal.SIGINT      # the keep-going loop's and the workers' own stop test
        for fn in list(stop_lf):
            fn()
    done = threading.Event()
    w = threading.Thread(target=watch, daemon=True)
    w.start()

    def interrupted():
        sub.signum = intr.signum
        for fn in list(stop_lf):
            fn()
    intr.on_fire.append(interrupted)

    def count():
        while not done.wait(0.5):
            state.update(lf_state, execs=lf_state["execs"] + explorers.execs())
    c = threading.Thread(target=count, daemon=True)
    c.start()
    rc, text = run_libfuzzer(args, bdir, arts, lf_state, sub)
    done.set()
    if not blind_found.is_set() and not args.keep_going:
        explorers.stop.set()
    blind.join()
    w.join()
    c.join()
    state.update(lf_state, execs=lf_state["execs"] + explorers.execs())
    return rc, text


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
