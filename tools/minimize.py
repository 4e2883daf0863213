# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz minimize: the smallest input with the same finding."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import findings
import inputdef
from common import Fail, ROOT, say, tree_flag
from build import build, needs, write_provenance
from replay import check_provenance, replay_mode


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
    bdir, label, key = build(args, targets=needs("minimize"))
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
        findings.write_mode(out, mode[1], mode[3])
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
