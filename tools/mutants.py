# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz mutants: the kill matrix of mutants/."""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

import engines
import mutate
from common import Fail, ROOT, MODELS, SRCU_MODES, say
from install import ensure_tools
import kernels
from build import (STRATEGY_BASE, build, build_root, build_trees, needs, resolve_tree, stress_base, sync_tree,
                   target as target_name, tree_generation, tree_label)
from fuzz import LIBFUZZER_FLAGS, fuzz_env, seed_corpus
from findings import classify, write_mode
from stress import stress_once


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
        self.clean_under, self.also, self.mode = [], [], {}
        try:
            h, _ = mutate.parse(path)
        except mutate.MutantError as e:
            self.error = str(e)
            return
        self.gen, self.expect = h.get("generation"), h.get("expect")
        self.clean_under = h.get("clean-under", "").split()
        self.also = h.get("also", "").split()
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


def default_once(fuzz_bin, explore_bin, work, seed, secs, model, srcu):
    """What busfuzz fuzz runs by default: libFuzzer (as fuzz_once) and one blind random worker at once,
    the first finding of either ends both; fuzz_once's result, with the executions of both (the one
    stopped counts what it had printed or, libFuzzer, its final stats on SIGINT)."""
    corpus, arts = os.path.join(work, "default-corpus-%d" % seed), os.path.join(work, "default-artifacts-%d" % seed)
    barts = os.path.join(work, "default-artifacts-blind-%d" % seed)
    for d in (corpus, arts, barts):
        os.makedirs(d)
    env = fuzz_env(model, srcu)
    lf = subprocess.Popen([fuzz_bin, "-seed=%d" % seed] + LIBFUZZER_FLAGS +
                          ["-artifact_prefix=" + arts + "/", "-max_total_time=%d" % secs, corpus] + seed_corpus(env),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", cwd=work,
                          env=env)
    ex = subprocess.Popen(engines.explore_argv(explore_bin, "random", seed * 1000003, secs, model, srcu, barts),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    out = {}
    readers = [concurrent.futures.ThreadPoolExecutor(2)]
    fut = {name: readers[0].submit(lambda p: p.stdout.read(), p) for name, p in (("lf", lf), ("ex", ex))}
    start = time.monotonic()
    first = None
    found = {"lf": lambda rc: rc not in (0, 72), "ex": lambda rc: rc != 0}     # 72: libFuzzer interrupted
    while first is None:
        for name, p in (("lf", lf), ("ex", ex)):
            if p.poll() is not None and found[name](p.returncode) and first is None:
                first = name        # a finding, or a failure: either ends both
        if first is None and lf.poll() is not None and ex.poll() is not None:
            first = "both"
        if time.monotonic() - start > 2 * secs + 120:
            first = "timeout"
        time.sleep(0.02)
    took = time.monotonic() - start
    if lf.poll() is None:
        lf.send_signal(2)       # SIGINT: libFuzzer prints its final stats
    if ex.poll() is None:
        ex.kill()
    for name, p in (("lf", lf), ("ex", ex)):
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        out[name] = fut[name].result()
    readers[0].shutdown()
    if first == "timeout":
        return "error", "the default's workers ran past their time budget", None, None, None
    m = re.search(r"stat::number_of_executed_units: (\d+)", out["lf"])
    execs = int(m.group(1)) if m else 0
    prog = engines.EXPLORE_RE.findall(out["ex"])
    brepro = engines.EXPLORE_REPRO_RE.search(out["ex"])
    execs += int(brepro.group(2)) + 1 if brepro else int(prog[-1][0]) if prog else 0
    if first == "ex" and ex.returncode == 1 and brepro:
        f = engines.FINDING_RE.search(out["ex"])
        if f:
            return f.group(1), f.group(2), took, execs, brepro.group(1)
    if first == "lf" and lf.returncode not in (0, 72):
        repro = re.findall(r"Test unit written to (\S+)", out["lf"])
        cls, msg = classify(out["lf"])
        if cls or repro:
            return cls or "crash", msg, took, execs, repro[-1] if repro else None
    if lf.returncode == 0 and ex.returncode == 0:
        return None, None, took, execs, None
    bad = ("libFuzzer", lf.returncode, out["lf"]) if first == "lf" else ("the explorer", ex.returncode, out["ex"])
    tail = (bad[2].strip().splitlines() or [""])[-1]
    return "error", "%s exited with status %d and no finding: %s" % (bad[0], bad[1], tail), None, None, None


def matrix_run(bins, work, seed, model, srcu, args, strategy):
    """One run of the kill matrix with one strategy (fuzz_once's result); bins: the tree's binaries
    by target base (Built.binaries)."""
    if strategy == "libfuzzer":
        return fuzz_once(bins[STRATEGY_BASE["libfuzzer"]], work, seed, args.time, model, srcu)
    if strategy == "default":
        return default_once(bins[STRATEGY_BASE["libfuzzer"]], bins[STRATEGY_BASE["random"]], work, seed, args.time,
                            model, srcu)
    if strategy == "stress":
        return stress_once(bins[stress_base(args.tsan)], args.time, seed, ["--classic"] if args.classic else [])
    return engines.explore_once(bins[STRATEGY_BASE[strategy]], work, strategy, seed, args.time,
                                model, srcu, args.depth, args.preemptions)


def keep_reproducer(path, dest, stem, model, srcu):
    """Moves a reproducer out of the temporary folder; returns where it is now."""
    os.makedirs(dest, exist_ok=True)
    out = os.path.join(dest, "%s-%s" % (stem, os.path.basename(path).split("-")[-1]))
    shutil.copyfile(path, out)
    write_mode(out, model, srcu)
    return out


def judge(expect, runs, also=()):
    """The status of one matrix row from its runs (one per seed).  also: other classes the same
    bug shows as (the mutant's 'also:' line), kills too."""
    found = [r[0] if r[0] not in also or expect is None else expect for r in runs]
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


def build_mutants(muts, args, broot, tmp):
    """Every mutant on a copy of its tree, all built in one folder (broot/mutants: the simulator once,
    each copy's bus code and binaries) with the targets the strategies need; {name: binaries by base,
    or (STALE or ERROR, why)}.  The copies stay in broot/mutant-trees, rewritten only where a file
    changes, so that the next matrix rebuilds only what its mutants changed."""
    folder, copies = os.path.join(broot, "mutants"), os.path.join(broot, "mutant-trees")
    labels, trees, out = {}, {}, {}
    with kernels.locked(copies + ".lock"):
        for m, t in muts:
            label = labels[m.name] = tree_label(m.name, labels.values())
            stage = os.path.join(tmp, "stage-" + label)
            try:
                mutate.apply(m.path, t[0], stage)
            except mutate.MutantError as e:
                out[m.name] = ("STALE", str(e).replace(ROOT + "/", ""))
                continue
            trees[label] = os.path.join(copies, label)
            sync_tree(stage, trees[label])
            shutil.rmtree(stage, ignore_errors=True)
        if not trees:       # nothing to build (ninja without targets would build the whole folder)
            return out
        built = build_trees(folder, trees, needs("mutants", strategies=args.strategies, tsan=args.tsan),
                            quiet=True, keep_going=True)
    for m, t in muts:
        label = labels[m.name]
        if m.name in out:
            continue
        if label in built.failed:
            out[m.name] = ("ERROR", "the mutant does not build: " +
                           " ".join(l.strip() for l in built.failed[label].splitlines())[:400])
        else:
            out[m.name] = built.binaries[label]
    return out


def run_mutant(m, target, args, tmp, bins):
    """The mutant's rows, one per strategy: it is built once for all of them (bins: its binaries,
    or (STALE or ERROR, why))."""
    tree, label = target[0], target[1]
    model, srcu = m.mode.get("model", args.model), m.mode.get("srcu", args.srcu)
    # expect: a STALE or ERROR row's too (the matrix prints it)
    base = {"name": m.name, "gen": m.gen, "kernel": label, "runs": [], "note": None, "expect": m.expect or "none"}
    if isinstance(bins, tuple):
        return [dict(base, strategy=st, status=bins[0], note=bins[1], mode=strategy_mode(args, st, model, srcu))
                for st in args.strategies]
    work = tempfile.mkdtemp(prefix=m.name + "-", dir=tmp)
    try:
        rows = []
        for st in args.strategies:
            # Native threads have the machine's memory model: every mutant's own class is the one to find.
            expect = m.expect if st == "stress" else None if model in m.clean_under else m.expect
            row = dict(base, strategy=st, runs=[], expect=expect or "none", mode=strategy_mode(args, st, model, srcu))
            for seed in range(1, args.seeds + 1):
                row["runs"].append(matrix_run(bins, work, seed, model, srcu, args, st))
            row["status"] = judge(expect, row["runs"], m.also)
            bad = next((r for r in row["runs"] if r[0] not in (None, expect) and (expect is None or r[0] not in m.also)),
                       None)
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
            bins = {b: os.path.join(bdir, target_name(b)) for b in needs("mutants", strategies=args.strategies,
                                                                         tsan=args.tsan)}
            row["runs"] = [matrix_run(bins, work, 1, model, srcu, args, st)]
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
        if st not in engines.STRATEGIES + ["default", "stress"]:
            raise Fail("unknown strategy '%s' (%s, default, stress)" % (st, ", ".join(engines.STRATEGIES)))
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
        bdir = build(a, targets=needs("mutants", strategies=args.strategies, tsan=args.tsan))[0]
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
    broot = build_root()
    os.makedirs(broot, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="mutants-", dir=broot)
    start = time.monotonic()
    try:
        built = build_mutants([(j[1], j[2]) for j in jobs if j[0] == "mutant"], args, broot, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futs = {(pool.submit(run_mutant, j[1], j[2], args, tmp, built[j[1].name]) if j[0] == "mutant" else
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
