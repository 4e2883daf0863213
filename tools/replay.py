# SPDX-License-Identifier: GPL-2.0-only
"""busfuzz replay: one input again, its interleaving; the records beside a reproducer."""
import os
import subprocess
import sys

import findings
from common import Fail, FUZZ_BINARY, MODELS, SRCU_MODES, SANITIZERS, say
from build import build, needs, provenance
from findings import classify


def mode_record(path):
    """The options recorded beside a reproducer (FILE.mode), {} without one."""
    side = path + ".mode"
    try:
        rec = findings.read_mode(path)
    except ValueError as e:
        raise Fail(str(e))
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
    bdir, label, key = build(args, targets=needs("replay", sanitizer))
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
