# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz check PATCH...: what a patch to the bus paths changes, before it is merged.

The base tree and a copy with the patches applied (tools/patches.py) are built
in a folder of the check's own, then fuzzed for the same budget with the same
seeds under each mode the mutant matrix uses for that generation.  Findings are
told apart by replaying each one on the other tree: a finding of the patched
tree whose input gives no finding of that class on the base is new; one of the
base whose input is clean on the patched tree is fixed.  The patch's changed
lines are mapped to the extracted functions (the extraction's manifest), and
libFuzzer's coverage of the patched tree's corpus says which of them ran.
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time

import cost
import engines
import findings
from build import build, needs, provenance, resolve_tree, tree_generation, write_provenance
from common import Fail, ROOT, say
from fuzz import Interruption, run_libfuzzer
from minimize import Shrinker
from mutants import Mutant
import patches as patchlib


# Changed functions are "reached" by their own coverage: none inlined into another (CMakeLists.txt).
NO_INLINE = ("-DBUSFUZZ_NO_INLINE=ON",)


class Report:
    def __init__(self):
        self.data = {"patches": [], "applied": [], "touched": [], "changed_functions": [],
                     "outside_extracted": [], "modes": [], "runs": [], "new": [], "fixed": [],
                     "unchanged": [], "litmus": None, "cost": None, "verdict": None}


def mutant_modes(gen):
    """The (model, srcu) pairs the mutant matrix uses for a generation: its default and each mutant's
    own mode: line and clean-under models."""
    modes = {("lkmm", "doc")}
    for path in sorted(os.listdir(os.path.join(ROOT, "mutants"))):
        if not path.endswith(".mut"):
            continue
        m = Mutant(os.path.join(ROOT, "mutants", path))
        if m.error or m.gen != gen:
            continue
        model, srcu = m.mode.get("model", "lkmm"), m.mode.get("srcu", "doc")
        modes.add((model, srcu))
        for cm in m.clean_under:
            modes.add((cm, srcu))
    return sorted(modes)


def manifest(bdir):
    with open(os.path.join(bdir, "gen-t", "manifest.json")) as f:
        return json.load(f)


def extracted_ranges(man):
    """(file, first, last, names) of every item busfuzz compiles from the tree."""
    out = []
    for key in ("items", "host_items", "caller_items"):
        for it in man.get(key, ()):
            f, _, lines = it["where"].rpartition(":")
            a, _, b = lines.partition("-")
            out.append((f, int(a), int(b or a), it["names"], it["kind"]))
    return out


def changed_functions(man, changed):
    """Which extracted items the changed lines fall in, and which changed lines of files busfuzz reads
    fall outside every extracted item (busfuzz does not run them)."""
    ranges = extracted_ranges(man)
    hit, outside = {}, {}
    for path, lines in sorted(changed.items()):
        for n in sorted(lines):
            inside = [r for r in ranges if r[0] == path and r[1] <= n <= r[2]]
            for r in inside:
                hit.setdefault((r[3][0], r[4], "%s:%d-%d" % (r[0], r[1], r[2])), []).append(n)
            if not inside:
                outside.setdefault(path, []).append(n)
    return hit, outside


def fuzz_tree(bdir, mode, secs, runs, seed, jobs, findings, intr):
    """One keep-going libFuzzer campaign on bdir's build; returns (executions, Campaign)."""
    model, srcu = mode
    camp = engines.Campaign([os.path.join(bdir, "busfuzz-replay-t"), "--quiet", "--model", model, "--srcu", srcu],
                            findings, model, srcu, known_file=os.path.join(bdir, "known-bugs"),
                            provenance=provenance(bdir))
    arts = os.path.join(bdir, "artifacts")
    shutil.rmtree(arts, ignore_errors=True)     # a check's findings are its own runs'
    os.makedirs(arts)
    ns = argparse.Namespace(sanitizer="asan", model=model, srcu=srcu, seed=seed, jobs=jobs, runs=runs,
                            time=None if runs else secs, keep_going=True)
    state = {"execs": 0, "cov": None, "corp": None}
    rc, text = run_libfuzzer(ns, bdir, arts, state, intr)
    for f in sorted(os.listdir(arts)):
        camp.add(os.path.join(arts, f))
    if rc != 0 and intr.signum is None:
        raise Fail("the fuzzer exited with status %d on %s: %s" % (
            rc, bdir, (text.strip().splitlines() or ["no output"])[-1]))
    return state["execs"], camp


def replay_on(bdir, path, mode):
    """(class, message, bug) of a reproducer replayed on another tree's plain build; (None,)*3 if clean."""
    r = subprocess.run([os.path.join(bdir, "busfuzz-replay-t"), "--quiet", "--model", mode[0], "--srcu", mode[1],
                        path], capture_output=True, text=True, errors="replace")
    m, b = engines.FINDING_RE.search(r.stdout), engines.BUG_RE.search(r.stdout)
    return (m.group(1), m.group(2), b.group(1) if b else None) if m else (None, None, None)


def covered_functions(bdir, corpus):
    # An input that ends in a finding would leave libFuzzer's crash file in the user's folder.
    arts = os.path.join(bdir, "coverage-artifacts")
    os.makedirs(arts, exist_ok=True)
    r = subprocess.run([os.path.join(bdir, "busfuzz-fuzz-t"), "-runs=0", "-print_coverage=1", "-detect_leaks=0",
                        "-artifact_prefix=" + arts + "/", corpus], capture_output=True, text=True, errors="replace")
    return {l.split()[5] for l in (r.stdout + r.stderr).splitlines() if l.startswith("COVERED_FUNC:")}


def minimize(bdir, path, mode, secs, work):
    """The reproducer shrunk with the minimizer, and its full trace."""
    sh = Shrinker(os.path.join(bdir, "busfuzz-replay-t"), ["--model", mode[0], "--srcu", mode[1]],
                      work, time.monotonic() + secs)
    data = open(path, "rb").read()
    want = sh.result(data)[0]
    small = sh.shrink(data, want) if want else data
    out = path + ".min"
    with open(out, "wb") as f:
        f.write(small)
    findings.write_mode(out, *mode)
    write_provenance(out, bdir)
    r = subprocess.run([os.path.join(bdir, "busfuzz-replay-t"), "--model", mode[0], "--srcu", mode[1], out],
                       capture_output=True, text=True, errors="replace")
    with open(out + ".trace", "w") as f:
        f.write(r.stdout)
    return out


def run(args):
    try:
        series = [p for f in args.patches for p in patchlib.parse(f)]
    except patchlib.PatchError as e:
        raise Fail(str(e))
    base_tree, label, _ = resolve_tree(args)
    ident = hashlib.sha1((base_tree + "\0" + "\0".join(open(f, "rb").read().decode("latin-1")
                                                      for f in args.patches)).encode("latin-1")).hexdigest()[:12]
    root = os.path.join(os.environ.get("BUSFUZZ_BUILD") or os.path.join(ROOT, "build"), "check-" + ident)
    # Every tree first (the whole series, or each step of it): a patch that does not apply is bad
    # input, before anything is built.
    ends = list(range(1, len(series) + 1)) if args.each and len(series) > 1 else [len(series)]
    trees = {0: base_tree}
    notes = {}
    for k in ends:
        t = os.path.join(root, "patched-tree" if k == len(series) else "step-%d-tree" % k)
        shutil.rmtree(t, ignore_errors=True)
        shutil.copytree(base_tree, t, symlinks=True)
        notes[k] = []
        try:
            changed = patchlib.apply(series[:k], t, notes[k], skip_missing=True)
        except patchlib.PatchError as e:
            raise Fail(str(e))
        trees[k] = (t, changed)
    targets = needs("check")
    # The base's build is shared by every check of that tree (the folder is per tree); its corpus is not.
    base_bdir = build(argparse.Namespace(tree=base_tree, kernel=None),
                          root=os.path.join(os.path.dirname(root), "check-base"), targets=targets,
                          cmake_args=NO_INLINE)[0]
    shutil.rmtree(os.path.join(base_bdir, "corpus"), ignore_errors=True)
    steps, prev, prev_bdir, worse = [], 0, base_bdir, False
    for k in ends:
        first = series[:k] if len(ends) == 1 else series[k - 1:k]
        d, bdir = compare(args, os.path.join(root, "step-%d" % k), trees[prev][0] if prev else base_tree,
                          prev_bdir, trees[k][0], first, trees[k][1], notes[k], label,
                          "" if len(ends) == 1 else "step %d of %d: " % (k, len(series)))
        steps.append(d)
        worse |= d["verdict"] == "worse"
        if bdir is None:        # a step touching nothing busfuzz reads: the next one starts from the base build
            continue
        prev, prev_bdir = k, bdir
    if len(steps) > 1:
        print("verdict of the series: %s" % ("WORSE at step %s" % ", ".join(
            str(i + 1) for i, d in enumerate(steps) if d["verdict"] == "worse") if worse else "nothing got worse"))
    write_json(args, steps[0] if len(steps) == 1 else {"steps": steps, "verdict": "worse" if worse else
                                                       "not worse"})
    return 1 if worse else 0


def compare(args, root, base_tree, base_bdir, patched, series, changed, notes, label, head):
    """base (built in base_bdir) against patched (series applied, changing changed); the report and the
    patched tree's build folder (None when the series touches nothing busfuzz reads)."""
    rep = Report()
    d = rep.data
    d["patches"] = [p.subject for p in series]
    work = os.path.join(root, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    d["applied"] = notes
    touched = sorted({fp.path for p in series for fp in p.files})
    d["touched"] = touched
    targets = needs("check")
    reads = set(manifest(base_bdir)["inputs"])
    if not (set(touched) & reads) and not any(t.startswith("tools/memory-model/") for t in touched):
        print("busfuzz: check: %sthe patch touches no file busfuzz reads (%s); busfuzz reads %s: "
              "nothing to check" % (head, ", ".join(touched), ", ".join(sorted(reads))))
        d["verdict"] = "untouched"
        return d, None
    try:
        pat_bdir = build(argparse.Namespace(tree=patched, kernel=None), root=os.path.join(root, "patched"),
                             targets=targets, cmake_args=NO_INLINE)[0]
    except Fail as e:
        raise Fail("%sthe patched tree does not build against the shim: %s" % (
            head, str(e).split(":", 1)[-1].strip()), 1)
    shutil.rmtree(os.path.join(pat_bdir, "corpus"), ignore_errors=True)
    man = manifest(pat_bdir)
    hit, outside = changed_functions(man, {k: v for k, v in changed.items() if k in reads})
    gen = tree_generation(base_bdir)
    modes = mutant_modes(gen)
    d["modes"] = ["--model %s --srcu %s" % m for m in modes]
    secs = max(1, args.time // len(modes))
    say("check: %s%d patch(es) on %s: %d changed function(s) busfuzz compiles; fuzzing base and patched, "
            "%s each under %s" % (head, len(series), label, len(hit),
                                  "%d executions" % args.runs if args.runs else "%d s" % secs, ", ".join(d["modes"])))
    with Interruption() as intr:
        camps = {}
        for which, bdir in (("base", base_bdir), ("patched", pat_bdir)):
            for mode in modes:
                execs, camp = fuzz_tree(bdir, mode, secs, args.runs, args.seed, args.jobs,
                                        os.path.join(root, "findings", which, "%s-%s" % mode), intr)
                camps[which, mode] = camp
                d["runs"].append({"tree": which, "mode": "--model %s --srcu %s" % mode,
                                  "seconds": None if args.runs else secs,
                                  "executions": execs, "findings": len(camp.kept)})
                say("check: %s under --model %s --srcu %s: %d executions, %d finding(s)" % (
                    which, mode[0], mode[1], execs, len(camp.kept)))
    # Each finding replayed on the other tree; one entry per bug, with every mode that found it.
    seen = {}
    for which, other_bdir, key_other in (("patched", base_bdir, "on_base"), ("base", pat_bdir, "on_patched")):
        for mode in modes:
            for (cls, bug), (path, msg) in camps[which, mode].kept.items():
                mtext = "--model %s --srcu %s" % mode
                if (which, cls, bug) in seen:
                    seen[which, cls, bug]["modes"].append(mtext)
                    continue
                other = replay_on(other_bdir, path, mode)
                entry = {"class": cls, "bug": bug, "message": msg, "modes": [mtext], "reproducer": path,
                         key_other: "%s: %s" % other[:2] if other[0] else "no finding",
                         "decided_by": "its input replayed on the %s tree" % ("base" if which == "patched"
                                                                             else "patched")}
                seen[which, cls, bug] = entry
                if other[0] == cls:
                    if which == "patched":      # the base's own run lists it once
                        d["unchanged"].append(entry)
                elif which == "patched":
                    entry["minimized"] = minimize(pat_bdir, path, mode, args.minimize_time, work)
                    entry["trace"] = entry["minimized"] + ".trace"
                    d["new"].append(entry)
                else:
                    d["fixed"].append(entry)
    covered = covered_functions(pat_bdir, os.path.join(pat_bdir, "corpus"))
    before = {n for r in extracted_ranges(manifest(base_bdir)) for n in r[3]}
    for (name, kind, where), lines in sorted(hit.items()):
        d["changed_functions"].append({"name": name, "kind": kind, "where": where, "lines": lines,
                                       "added": name not in before,
                                       "reached": name in covered if kind == "function" else None})
    d["outside_extracted"] = [{"file": f, "lines": ls} for f, ls in sorted(outside.items())]
    if any(t.startswith("tools/memory-model/") for t in touched):
        d["litmus"] = litmus_compare(base_tree, patched)
    d["cost"] = cost_compare(base_tree, patched, args.max_cost_ms)
    worse = bool(d["new"]) or bool(isinstance(d["cost"], dict) and d["cost"]["regressions"])
    d["verdict"] = "worse" if worse else "not worse"
    print_report(d, label, head)
    return d, pat_bdir




COST_HZ = (100, 1000)


def cost_of(tree):
    """busfuzz cost's rows for a tree at COST_HZ (tools/cost.py's measure(), the default micro-VM):
    ({(step, ioctl, hz): row}, None) or (None, why)."""
    try:
        rows = cost.measure(tree, COST_HZ)
    except Fail as e:
        return None, str(e)
    return {(o["step"], cost.step_name(o), o["hz"]): o for o in rows}, None


def cost_compare(base, patched, max_ms):
    """The grace-period cost of the same VM start-up on both trees (busfuzz cost), per ioctl and HZ:
    a dict, or a string saying why it was not measured."""
    a, why = cost_of(base)
    b, why = (None, why) if a is None else cost_of(patched)
    if b is None:
        return "not measured: %s" % why.removeprefix("busfuzz: ")
    rows, regressions = [], []
    for key in sorted(set(a) | set(b), key=lambda k: (k[0], k[2])):
        x, y = a.get(key), b.get(key)
        row = {"step": key[0], "ioctl": key[1], "hz": key[2],
               "base_ms": x["ms"] if x else None, "patched_ms": y["ms"] if y else None,
               "base_waits": x["waits"] if x else None, "patched_waits": y["waits"] if y else None}
        if x and y:
            row["change_ms"] = round(y["ms"] - x["ms"], 3)
            if row["change_ms"] > max_ms:
                regressions.append(row)
        rows.append(row)
    return {"hz": list(COST_HZ), "max_cost_ms": max_ms, "rows": rows, "regressions": regressions}


def print_cost(p, rep):
    if not isinstance(rep, dict):
        p("cost: %s" % rep)
        return
    p("cost: grace-period waits of a VM start-up (busfuzz cost, simulated time), base -> patched; "
      "steps that wait in either tree:")
    steps = {}
    for r in rep["rows"]:
        steps.setdefault((r["step"], r["ioctl"]), {})[r["hz"]] = r
    fmt = lambda v: "-" if v is None else "%.2f ms" % v
    for (step, ioctl), by in sorted(steps.items()):
        r0 = by[min(by)]
        before, after = ("?" if w is None else cost.wait_summary({"waits": w})
                         for w in (r0["base_waits"], r0["patched_waits"]))
        if before == after == "-":
            continue
        cells = ["HZ=%d %s -> %s%s" % (hz, fmt(by[hz]["base_ms"]), fmt(by[hz]["patched_ms"]),
                                        " WORSE" if by[hz] in rep["regressions"] else "")
                 for hz in rep["hz"] if hz in by]
        p("  step %-3d %-30s waits %s -> %s;  %s" % (step, ioctl, before, after, ";  ".join(cells)))
    if rep["regressions"]:
        p("  a step waits more than --max-cost-ms %.2f ms longer after the patch" % rep["max_cost_ms"])


def litmus_compare(base, patched):
    out = {}
    for which, tree in (("base", base), ("patched", patched)):
        r = subprocess.run([os.path.join(ROOT, "busfuzz"), "litmus", "--tree", tree], capture_output=True,
                           text=True, errors="replace")
        out[which] = {"status": r.returncode, "tail": r.stdout.strip().splitlines()[-1:] or [""]}
    return out


def write_json(args, d):
    if args.json:
        with open(args.json, "w") as f:
            json.dump(d, f, indent=1)


def print_report(d, label, head=""):
    p = print
    p("== busfuzz check on %s%s" % (label, ", " + head.rstrip(": ") if head else ""))
    for s in d["patches"]:
        p("patch: %s" % s)
    for n in d["applied"]:
        p("  applied: %s" % n)
    p("changed code busfuzz compiles and runs (new: not in the base tree):")
    for f in d["changed_functions"]:
        reached = {True: "reached", False: "NOT REACHED by the fuzzing", None: "(not a function)"}[f["reached"]]
        p("  %-30s %-15s %-36s %s" % (f["name"], f["kind"] + (" (new)" if f.get("added") else ""),
                                     f["where"], reached))
    if not d["changed_functions"]:
        p("  (none: the patch changes no code busfuzz compiles; clean here says nothing about it)")
    for o in d["outside_extracted"]:
        p("  not compiled by busfuzz: %s lines %s" % (o["file"], ",".join(map(str, o["lines"][:12]))
                                                       + (" ..." if len(o["lines"]) > 12 else "")))
    for r in d["runs"]:
        p("run: %-8s %-26s %6s %9d executions %3d finding(s)" % (
            r["tree"], r["mode"], "%d s" % r["seconds"] if r["seconds"] else "", r["executions"], r["findings"]))
    for title, key in (("NEW findings (in the patched tree, not in the base)", "new"),
                       ("fixed findings (in the base, not after the patch)", "fixed"),
                       ("unchanged findings (in both)", "unchanged")):
        p("%s: %d" % (title, len(d[key])))
        for e in d[key]:
            p("  FINDING %s: %s" % (e["class"], e["message"]))
            p("    bug: %s; found under %s; decided by %s" % (e["bug"], ", ".join(e["modes"]), e["decided_by"]))
            if "minimized" in e:
                p("    reproducer: %s (trace: %s)" % (e["minimized"], e["trace"]))
            else:
                p("    reproducer: %s" % e["reproducer"])
    if d["litmus"]:
        p("litmus: base %s, patched %s" % (d["litmus"]["base"]["tail"][0], d["litmus"]["patched"]["tail"][0]))
    print_cost(p, d["cost"])
    why = [w for w, c in (("a new finding", d["new"]),
                          ("a cost regression", isinstance(d["cost"], dict) and d["cost"]["regressions"])) if c]
    p("verdict: %s" % ("WORSE: " + " and ".join(why) if d["verdict"] == "worse" else "nothing got worse"))
