# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz cost: how long each ioctl of a VM's start-up and shutdown waits for SRCU grace periods.

The sequence runs through the tree's own kvm_vm_ioctl() on one thread, with no
preemption, in the cost build (fuzz/cost.c, fuzz/cost_vmm.c), while
sim/srcu_timing.c keeps Tree SRCU's clock with the rules tools/srcu_timing.py
reads from the tree's kernel/rcu/srcutree.c.  One run per HZ.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import srcu_timing
from build import build, needs, resolve_tree
from common import Fail

# step name -> (needs a count, what it does)
STEPS = {
    "ioeventfd": "KVM_IOEVENTFD: assign COUNT ioeventfds (one ioctl each)",
    "coalesced": "KVM_REGISTER_COALESCED_MMIO: COUNT zones",
    "deassign": "KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_DEASSIGN: the COUNT latest ioeventfds",
    "vcpu": "KVM_CREATE_VCPU: COUNT vCPUs",
    "memslot": "KVM_SET_USER_MEMORY_REGION: COUNT memory slots",
    "run": "every vCPU writes to every device once (SRCU readers; no grace period), COUNT times",
    "wait": "userspace sleeps COUNT ms (time passes, SRCU's work runs)",
}
LIMITS = {"ioeventfd": 8, "vcpu": 4, "coalesced": 64, "memslot": 16, "run": 16, "wait": 60000}
LIMIT_WHY = {"ioeventfd": "ioeventfds open at once (the shim's file table)", "vcpu": "vCPUs (KVM_MAX_VCPUS)",
             "coalesced": "zones", "memslot": "memory slots", "run": "runs", "wait": "ms"}

# The default: a micro-VM (a few devices, then two vCPUs, then a memslot), run, shut down.
DEFAULT_SEQUENCE = """\
# a micro-VM: a few devices, two vCPUs, a memory slot
ioeventfd 4
coalesced 2
vcpu 2
memslot 1
run 1
# the guest's virtio driver starts: its queues' ioeventfds, registered with vCPUs up
ioeventfd 2
"""
DEFAULT_HZ = "100,250,1000"


class BadInput(Exception):
    pass


def parse_sequence(text, name):
    """[(op, count)] of a sequence file; BadInput naming FILE:LINE."""
    steps, alive, totals = [], 0, {}
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        op = words[0]
        if op not in STEPS:
            raise BadInput("%s:%d: unknown step '%s' (%s)" % (name, n, op, ", ".join(STEPS)))
        if len(words) > 2:
            raise BadInput("%s:%d: '%s' takes one count, not '%s'" % (name, n, op, " ".join(words[1:])))
        text_count = words[1] if len(words) == 2 else ("1" if op == "run" else None)
        if text_count is None:
            raise BadInput("%s:%d: '%s' needs a count" % (name, n, op))
        if not re.fullmatch(r"\d+", text_count) or int(text_count) < 1:
            raise BadInput("%s:%d: bad count '%s' for '%s' (a whole number, at least 1)" % (name, n, text_count, op))
        count = int(text_count)
        if op == "deassign":
            if count > alive:
                raise BadInput("%s:%d: bad count %d for 'deassign': only %d ioeventfd(s) assigned" %
                               (name, n, count, alive))
            alive -= count
        else:
            total = totals.get(op, 0) + count if op not in ("run", "wait") else count
            if op == "ioeventfd":
                total = alive + count
                alive += count
            if total > LIMITS[op]:
                raise BadInput("%s:%d: bad count %d for '%s': at most %d %s" %
                               (name, n, count, op, LIMITS[op], LIMIT_WHY[op]))
            totals[op] = total
        steps.append((op, count))
    if not steps:
        raise BadInput("%s: no step" % name)
    return steps


def parse_hz(text):
    out = []
    for part in text.split(","):
        if not re.fullmatch(r"\d+", part.strip()):
            raise BadInput("--hz: '%s' is not a whole number (e.g. --hz 100,250,1000)" % part.strip())
        v = int(part)
        if v < 1 or v > 10000:
            raise BadInput("--hz: %d is not a tick rate (1 to 10000)" % v)
        if v not in out:
            out.append(v)
    return out


def run_tree(args, kernel, tree, steps, hzs):
    """The report of one tree: {"label", "rules", "rows": [{step, ioctl, nth, by_hz: {hz: (jiffies, waits)}}]}."""
    class A:
        pass
    a = A()
    a.kernel, a.tree = kernel, tree
    path, label, _ = resolve_tree(a)
    try:
        params, rules = srcu_timing.read(path)
    except srcu_timing.Untakeable as e:
        raise Fail(str(e))
    bdir, label, _ = build(a, targets=needs("cost"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="busfuzz-cost-") as tmp:
        pfile, sfile = os.path.join(tmp, "params"), os.path.join(tmp, "steps")
        with open(pfile, "w") as f:
            f.write(srcu_timing.render(params, rules))
        with open(sfile, "w") as f:
            f.write("".join("%s %d\n" % s for s in steps))
        for hz in hzs:
            r = subprocess.run([os.path.join(bdir, "busfuzz-cost-t"), "--hz", str(hz), "--params", pfile,
                                "--steps", sfile], capture_output=True, text=True)
            if r.returncode != 0:
                msg = (r.stderr.strip().splitlines() or r.stdout.strip().splitlines() or
                       ["the cost run failed (status %d)" % r.returncode])
                finding = [l for l in r.stdout.splitlines() if l.startswith("FINDING")]
                if finding:     # the sequence itself hit a bug of the tree (or of busfuzz): not bad input
                    raise Fail("the cost sequence on %s at HZ=%d: %s" % (label, hz, finding[0]), 1)
                raise Fail(msg[-1].removeprefix("busfuzz: "), 2)
            rows = merge(rows, parse_output(r.stdout), hz)
    return {"label": label, "tree": path, "rules": rules, "params": params, "rows": rows}


def parse_output(text):
    rows = []
    for line in text.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "IOCTL":
            rows.append({"step": int(w[1]), "ioctl": w[2], "nth": int(w[3]), "t0": int(w[4]), "t1": int(w[5]),
                         "waits": []})
        elif w[0] == "WAIT":
            rows[-1]["waits"].append({"kind": w[1], "site": w[2], "behind": None if w[3] == "-" else w[3],
                                      "behind_call": None if w[4] == "-" else w[4], "gps": int(w[5]),
                                      "t0": int(w[6]), "t1": int(w[7]), "rules": int(w[8])})
    return rows


def merge(rows, new, hz):
    if not rows:
        rows = [{k: r[k] for k in ("step", "ioctl", "nth")} | {"by_hz": {}} for r in new]
    if [(r["step"], r["ioctl"]) for r in rows] != [(r["step"], r["ioctl"]) for r in new]:
        raise RuntimeError("the sequence ran differently at HZ=%d" % hz)
    for r, n in zip(rows, new):
        r["by_hz"][hz] = n
    return rows


# The rules that armed a timer a wait's clock advanced to (sim.h's SIM_COST_R_*), by srcutree.c rule.
WHY_RULES = ["kick", "process_reschedule", "gp_end_next", "gp_end_cbdelay"]


def ms(jiffies, hz):
    return round(jiffies * 1000.0 / hz, 3)


def json_lines(rep, hzs):
    rules = {r[0]: r for r in rep["rules"]}
    out = []
    for row in rep["rows"]:
        for hz in hzs:
            run = row["by_hz"][hz]
            waits = []
            for w in run["waits"]:
                why = []
                for bit, name in enumerate(WHY_RULES):
                    if w["rules"] & (1 << bit) and name in rules:
                        _, fn, line, _ = rules[name]
                        why.append("%s %s:%d" % (fn, srcu_timing.SRCUTREE, line))
                waits.append({"kind": w["kind"], "site": w["site"], "ms": ms(w["t1"] - w["t0"], hz),
                              "jiffies": w["t1"] - w["t0"], "gps": w["gps"], "behind": w["behind"],
                              "behind_call": w["behind_call"], "why": why})
            out.append({"tree": rep["label"], "step": row["step"], "ioctl": row["ioctl"], "nth": row["nth"],
                        "hz": hz, "waits": waits, "ms": ms(run["t1"] - run["t0"], hz)})
    return out


def step_name(row):
    """'KVM_IOEVENTFD #2'; the VM's own create and close have no number."""
    return row["ioctl"] + (" #%d" % row["nth"] if row["ioctl"] not in ("KVM_CREATE_VM", "close(VM)") else "")


def wait_summary(run):
    """'1 expedited' / '2 expedited, 1 barrier' / '-'."""
    kinds = {}
    for w in run["waits"]:
        kinds[w["kind"]] = kinds.get(w["kind"], 0) + 1
    return ", ".join("%d %s" % (n, k) for k, n in kinds.items()) or "-"


def behind_summary(run, own_site=True):
    out = []
    for w in run["waits"]:
        if not w["behind"]:
            b = "nothing"
        elif w["behind"] == w["site"]:
            b = "its own"
        else:
            b = "%s at %s" % (w["behind_call"], w["behind"])
        if b not in out:
            out.append(b)
    return "; ".join(out) or ""


def print_table(rep, hzs):
    print("busfuzz cost: %s: grace-period waits per ioctl on Tree SRCU's clock (ms at each HZ)" % rep["label"])
    hdr = "%4s  %-32s %-22s" % ("step", "ioctl", "waits") + "".join("%10s" % ("HZ=%d" % h) for h in hzs)
    print(hdr + "  behind")
    for row in rep["rows"]:
        first = row["by_hz"][hzs[0]]
        print("%4d  %-32s %-22s" % (row["step"], step_name(row), wait_summary(first)) +
              "".join("%10.2f" % ms(row["by_hz"][h]["t1"] - row["by_hz"][h]["t0"], h) for h in hzs) +
              "  " + behind_summary(first))
    print("waits: each synchronize_srcu*()/srcu_barrier(), with the call that started the first grace period it "
          "waited for ('its own': none was running); the clock advanced on:")
    seen = set()
    rules = {r[0]: r for r in rep["rules"]}
    for row in rep["rows"]:
        for w in row["by_hz"][hzs[0]]["waits"]:
            for bit, name in enumerate(WHY_RULES):
                if w["rules"] & (1 << bit) and name not in seen and name in rules:
                    seen.add(name)
                    _, fn, line, what = rules[name]
                    print("  %s (%s:%d): %s" % (fn, srcu_timing.SRCUTREE, line, what))
    if not seen:
        print("  nothing: no wait took a jiffy")


def key(row):
    return (row["ioctl"], row["nth"])


def print_compare(a, b, hzs):
    print("busfuzz cost: %s -> %s: grace-period waits per ioctl (ms at each HZ, then the change)" %
          (a["label"], b["label"]))
    hdr = "%-32s %-16s %-16s" % ("ioctl", "waits before", "waits after")
    for h in hzs:
        hdr += "%16s" % ("HZ=%d b/a" % h)
    print(hdr + "  change (b/a: before/after)")
    rows_b = {key(r): r for r in b["rows"]}
    order = [key(r) for r in a["rows"]] + [key(r) for r in b["rows"] if key(r) not in {key(x) for x in a["rows"]}]
    rows_a = {key(r): r for r in a["rows"]}
    for k in order:
        ra, rb = rows_a.get(k), rows_b.get(k)
        name = step_name({"ioctl": k[0], "nth": k[1]})
        line = "%-32s %-16s %-16s" % (name, wait_summary(ra["by_hz"][hzs[0]]) if ra else "(none)",
                                      wait_summary(rb["by_hz"][hzs[0]]) if rb else "(none)")
        change = []
        wa = wait_summary(ra["by_hz"][hzs[0]]) if ra else "-"
        wb = wait_summary(rb["by_hz"][hzs[0]]) if rb else "-"
        if wa != wb:
            change.append("waits: %s -> %s" % (wa, wb))
        for h in hzs:
            va = ms(ra["by_hz"][h]["t1"] - ra["by_hz"][h]["t0"], h) if ra else 0.0
            vb = ms(rb["by_hz"][h]["t1"] - rb["by_hz"][h]["t0"], h) if rb else 0.0
            line += "%16s" % ("%.2f/%.2f" % (va, vb))
            if va != vb:
                change.append("%+.2f ms at HZ=%d" % (vb - va, h))
        ba = behind_summary(ra["by_hz"][hzs[0]]) if ra else ""
        bb = behind_summary(rb["by_hz"][hzs[0]]) if rb else ""
        if ba != bb:
            change.append("behind: %s -> %s" % (ba or "-", bb or "-"))
        print(line + "  " + ("; ".join(change) or "="))


def measure(tree, hzs=(100, 1000), sequence=None):
    """For other commands (busfuzz check): the JSON-line dicts of `busfuzz cost --tree TREE --json` for the
    default sequence (or sequence, a file's text).  Raises Fail as the command would exit 2."""
    try:
        steps = parse_sequence(sequence or DEFAULT_SEQUENCE, "(sequence)")
    except BadInput as e:
        raise Fail(str(e))
    return json_lines(run_tree(None, None, tree, steps, list(hzs)), list(hzs))


def run(args):
    try:
        hzs = parse_hz(args.hz)
        if args.sequence:
            try:
                with open(args.sequence, errors="strict") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError) as e:
                raise BadInput("%s: cannot read the sequence (%s)" % (args.sequence, getattr(e, "strerror", None) or
                                                                      "not text"))
            steps = parse_sequence(text, args.sequence)
        else:
            steps = parse_sequence(DEFAULT_SEQUENCE, "(default sequence)")
    except BadInput as e:
        raise Fail(str(e))
    rep = run_tree(args, args.kernel, args.tree, steps, hzs)
    other = None
    if args.compare:
        if os.path.isdir(args.compare):
            other = run_tree(args, None, args.compare, steps, hzs)
        elif os.sep in args.compare or args.compare.startswith("."):
            raise Fail("--compare %s: no such tree" % args.compare)
        else:
            other = run_tree(args, args.compare, None, steps, hzs)
    if args.json:
        for r in [rep] + ([other] if other else []):
            for obj in json_lines(r, hzs):
                print(json.dumps(obj, sort_keys=False))
        return 0
    print_table(rep, hzs)
    if other:
        print()
        print_table(other, hzs)
        print()
        print_compare(rep, other, hzs)
    return 0
