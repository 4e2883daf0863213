# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz stress: the scenarios on native threads."""
import os
import re
import subprocess
import sys

import findings
from common import Fail, say
from build import build, needs, stress_base, target
from findings import classify


# ---- stress: native threads ----------------------------------------------------

STRESS_FIRST_RE = re.compile(r"^stress: first finding after ([\d.]+) s, in execution (\d+)", re.M)
STRESS_DONE_RE = re.compile(r"^stress: [\d.]+ s, (\d+) executions", re.M)


def stress_target(tsan):
    return target(stress_base(tsan))


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
    bdir, label, key = build(args, targets=needs("stress", tsan=args.tsan))
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
