# SPDX-License-Identifier: GPL-2.0-only
"""What every command of busfuzz shares: the repository's root, bad input as Fail (one line,
exit 2), the argument types, the modes and the flags that replay a finding."""
import argparse
import os
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))


MODELS = ["lkmm", "tso", "sc"]
SRCU_MODES = ["doc", "impl"]
# The libFuzzer build of each --sanitizer (none: the plain one, the fastest).
FUZZ_BINARY = {"asan": "busfuzz-fuzz-t", "tsan": "busfuzz-fuzz-tsan-t", "none": "busfuzz-fuzz-plain-t"}
SANITIZERS = list(FUZZ_BINARY)


class Fail(Exception):
    def __init__(self, msg, status=2):
        super().__init__(msg)
        self.status = status


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
