#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`replay --perfetto` writes valid Chrome trace JSON: one named track per
simulated thread, every step an event on its thread's track, read sections
and lock holds as slices that end after they start.

  test_perfetto.py REPLAY_BINARY SEED_DIR"""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyrunner  # noqa: E402

REPLAY, SEEDS = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp()


def trace_of(seed):
    out = os.path.join(TMP, "t.json")
    r = subprocess.run([REPLAY, "--perfetto", out, seed], capture_output=True, text=True)
    # The seeds replay clean: a crash (or a finding) is a failure, whatever JSON it left behind.
    if r.returncode != 0:
        raise AssertionError("%s: the replay exited with %d: %s" % (seed, r.returncode, r.stderr.strip()[-300:]))
    with open(out) as f:
        return json.load(f), r.stdout


def test_every_seed_gives_valid_trace_json():
    seeds = sorted(glob.glob(os.path.join(SEEDS, "*")))
    for seed in seeds:
        d, _ = trace_of(seed)
        if not isinstance(d.get("traceEvents"), list) or not d["traceEvents"]:
            return False
    return len(seeds) > 0


def test_one_named_track_per_thread():
    seed = sorted(glob.glob(os.path.join(SEEDS, "*")))[0]
    d, text = trace_of(seed)
    ev = d["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    used = {e["tid"] for e in ev if e["ph"] != "M"}
    # Every track used has a name, and the text trace's threads are the tracks.
    steps = [l.split()[1] for l in text.splitlines() if l.strip() and l.strip().split()[0].isdigit()]
    return used <= set(names) and set(steps) == set(names.values())


def test_slices_are_well_formed():
    d, text = trace_of(sorted(glob.glob(os.path.join(SEEDS, "*")))[-1])
    nsteps = sum(1 for l in text.splitlines() if l.strip() and l.strip().split()[0].isdigit())
    slices = [e for e in d["traceEvents"] if e["ph"] == "X" and e["dur"] > 1]
    return (all(0 <= e["ts"] and e["ts"] + e["dur"] <= nsteps for e in slices) and
            any("read section" in e["name"] for e in slices) and
            any(e["name"].startswith("holds ") for e in slices))


if __name__ == "__main__":
    sys.exit(pyrunner.run(globals(), sys.argv[3:], tmp=TMP))
