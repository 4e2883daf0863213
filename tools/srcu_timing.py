#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Reads Tree SRCU's timing rules from a tree's kernel/rcu/srcutree.c for busfuzz cost.

sim/srcu_timing.c models srcutree.c; this finds, in the tree measured, the line
of each rule that model follows (so a report cites the tree's own lines) and
the parameters where trees differ (SRCU_INTERVAL, srcu_get_delay()'s growth,
srcu_gp_end()'s cbdelay, ...).  A rule it cannot find means the model does not
know this tree's SRCU: one line on stderr, exit 2.

    srcu_timing.py TREE [-o PARAMS]     the "key value" and "rule ..." lines
"""
import argparse
import os
import re
import sys

SRCUTREE = "kernel/rcu/srcutree.c"


class Untakeable(Exception):
    pass


def functions(text):
    """{name: (first line number, body lines)} of the file's top-level functions."""
    out = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(?:static\s+|inline\s+|noinline\s+)*[a-z_][\w\s\*]*?\b(\w+)\(", lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            j = i
            while j < len(lines) and lines[j] != "{" and not lines[j].endswith("{"):
                if lines[j].rstrip().endswith(";"):
                    break
                j += 1
            if j < len(lines) and (lines[j] == "{" or lines[j].endswith("{")):
                k = j
                while k < len(lines) and lines[k] != "}":
                    k += 1
                out.setdefault(m.group(1), (i + 1, lines[i:k + 1]))
                i = k
        i += 1
    return out


# (rule, function, what it says, regex of the line) -- the first function of a
# tuple of alternatives that has the line wins.  `required`: the model needs it.
RULES = [
    ("snap", ("srcu_gp_start_if_needed", "srcu_gp_start_if_needed"),
     "a request needs the grace period rcu_seq_snap() names: the next one if none runs, "
     "else the one after the current one", r"=\s*rcu_seq_snap\(", True),
    ("funnel_start", ("srcu_funnel_gp_start",),
     "a request that finds SRCU idle starts the grace period at once", r"\bsrcu_gp_start\(ssp\)", True),
    ("kick", ("srcu_irq_work", "srcu_funnel_gp_start"),
     "the new grace period's first process_srcu() runs after !!srcu_get_delay() jiffies "
     "(1 for a normal one, 0 when expedited)", r"queue_delayed_work\(", True),
    ("exp_start", ("srcu_funnel_exp_start",),
     "an expedited request for a grace period already requested only records the need: "
     "it does not requeue the pending work", r"srcu_gp_seq_needed_exp,\s*s\)", True),
    ("get_delay", ("srcu_get_delay",),
     "0 when an expedited grace period is pending, else SRCU_INTERVAL", r"SRCU_INTERVAL|jbase\s*=\s*0", True),
    ("get_delay_growth", ("srcu_get_delay",),
     "plus the jiffies since srcu_gp_start(), at most SRCU_MAX_INTERVAL", r"jbase\s*\+=\s*j\s*-\s*gpstart", False),
    ("try_check_zero", ("try_check_zero",),
     "a scan with no reader inside succeeds at once", r"srcu_readers_active_idx_check\(", True),
    ("advance", ("srcu_advance_state",),
     "one process_srcu() with no readers runs SCAN1, the flip, SCAN2 and srcu_gp_end()", r"srcu_gp_end\(ssp\)", True),
    ("gp_end_cbdelay", ("srcu_gp_end",),
     "callbacks are invoked after cbdelay: 0 if an expedited grace period is pending, else 1 jiffy",
     r"cbdelay\s*=\s*(0|srcu_get_delay)", True),
    ("gp_end_next", ("srcu_gp_end",),
     "the next needed grace period starts at once: srcu_reschedule(ssp, 0)", r"srcu_reschedule\(ssp,\s*0\)", True),
    ("process_reschedule", ("process_srcu",),
     "after a pass, process_srcu() requeues itself after srcu_get_delay() if a grace period is still needed",
     r"srcu_reschedule\(ssp,", True),
    ("reschedule", ("srcu_reschedule",),
     "with no grace period needed, SRCU goes idle", r"queue_delayed_work\(", True),
    ("cb_queue", ("srcu_queue_delayed_work_on",),
     "callback work: at once for no delay, else a timer (timer_reduce())", r"timer_reduce\(|queue_delayed_work_on\(", False),
    ("invoke", ("srcu_invoke_callbacks",),
     "callbacks whose grace period is done run in order", r"rhp->func\(rhp\)", True),
    ("barrier", ("srcu_barrier_one_cpu", "srcu_barrier"),
     "srcu_barrier() waits for the last callback queued (entrained after it), nothing if none",
     r"rcu_segcblist_entrain\(", True),
    ("should_expedite", ("srcu_should_expedite", "srcu_might_be_idle"),
     "synchronize_srcu() is expedited when SRCU looks idle and exp_holdoff has passed since the last grace period",
     r"exp_holdoff", True),
    ("sync_exp", ("synchronize_srcu_expedited",),
     "synchronize_srcu_expedited() is an expedited request (rcu_gp_is_normal() false)",
     r"__synchronize_srcu\(ssp,\s*rcu_gp_is_normal\(\)\)", True),
]


def define(text, name):
    m = re.search(r"^#define\s+%s\s+\(?(\d+)(?:UL|U|L)?\b" % name, text, re.M)
    return int(m.group(1)) if m else None


def read(tree):
    path = os.path.join(tree, SRCUTREE)
    if not os.path.isfile(path):
        raise Untakeable("%s has no %s (Tree SRCU): its grace-period timing cannot be taken" % (tree, SRCUTREE))
    with open(path, errors="replace") as f:
        text = f.read()
    fns = functions(text)
    rules = []
    for rule, cands, what, pat, required in RULES:
        found = None
        for fn in cands:
            if fn not in fns:
                continue
            first, body = fns[fn]
            for k, line in enumerate(body):
                if re.search(pat, line):
                    found = (fn, first + k)
                    break
            if found:
                break
        if not found:
            if required:
                raise Untakeable("%s: no %s in %s(): this tree's Tree SRCU cannot be taken by the timing model"
                                 % (SRCUTREE, pat.replace("\\", ""), "/".join(cands)))
            continue
        rules.append((rule, found[0], found[1], what))
    names = {r[0] for r in rules}
    interval = define(text, "SRCU_INTERVAL")
    if interval is None:
        raise Untakeable("%s: no SRCU_INTERVAL: this tree's Tree SRCU cannot be taken by the timing model" % SRCUTREE)
    body = "\n".join(fns["srcu_gp_end"][1])
    params = {
        "interval": interval,
        "max_interval": define(text, "SRCU_MAX_INTERVAL") or interval,
        "grows": int("get_delay_growth" in names),
        "nodelay": int("srcu_n_exp_nodelay" in "\n".join(fns["srcu_get_delay"][1])),
        "retry_delay": define(text, "SRCU_DEFAULT_RETRY_CHECK_DELAY") or 5,
        "phase_lo": define(text, "SRCU_DEFAULT_MAX_NODELAY_PHASE_LO") or 3,
        "phase_hi": define(text, "SRCU_DEFAULT_MAX_NODELAY_PHASE_HI") or 1000,
        "reschedule_count": int("reschedule_count" in "\n".join(fns["process_srcu"][1])),
        "cbdelay_get_delay": int(bool(re.search(r"cbdelay\s*=\s*srcu_get_delay", body))),
    }
    holdoff = re.search(r"^#define\s+DEFAULT_SRCU_EXP_HOLDOFF\s+\((\d+)\s*\*\s*(\d+)\)", text, re.M)
    params["exp_holdoff_ns"] = int(holdoff.group(1)) * int(holdoff.group(2)) if holdoff else \
        (define(text, "DEFAULT_SRCU_EXP_HOLDOFF") or 0)
    return params, rules


def render(params, rules):
    out = ["# Tree SRCU's timing, read from %s" % SRCUTREE]
    out += ["%s %d" % kv for kv in params.items()]
    out += ["rule %s %s %s:%d %s" % (r, fn, SRCUTREE, line, what) for r, fn, line, what in rules]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tree")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    try:
        text = render(*read(a.tree))
    except Untakeable as e:
        print("busfuzz: cost: %s" % e, file=sys.stderr)
        return 2
    if a.output:
        with open(a.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
