# SPDX-License-Identifier: GPL-2.0-only
"""The engines behind `busfuzz fuzz` and `busfuzz mutants`, and what they share.

An engine runs workers and reports two things: progress (executions, and for
libFuzzer coverage and corpus) and reproducers.  A Campaign takes each
reproducer, replays it on the plain build to learn its class and its bug (the
"bug: CLASS at FILE:LINE" line the simulator prints after a FINDING: the site
that identifies the bug, such as a use-after-free's kfree(), not the check
that fired), keeps the first of every bug in the findings folder and drops
the rest: the deduplication the progress line and the summary count.

Engines:
  libfuzzer   coverage-guided (ASan+UBSan build); --jobs N is libFuzzer's fork
              mode, which shares the corpus; --keep-going also uses fork mode
              (-ignore_crashes=1), so a finding does not end the run.
  random, pct, exhaustive
              fuzz/explore.c on the plain build: N independent workers with
              distinct seeds; each drops the findings it already knows.
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import findings

STRATEGIES = ["libfuzzer", "random", "pct", "exhaustive"]

# The finding lines' grammar is tools/findings.py's (the classes of sim/findings.def).
FINDING_RE, BUG_RE, SITE_RE = findings.FINDING_RE, findings.BUG_RE, findings.SITE_RE
EXPLORE_RE = re.compile(r"^#(\d+) elapsed [\d.]+ exec/s (\d+)", re.M)
# fuzz/explore.c's line for a new finding: the reproducer, and the execution (counted from 0) that found it.
EXPLORE_REPRO_RE = re.compile(r"^reproducer written to (\S+) \(\d+ bytes, execution (\d+)\)$", re.M)


def finding_key(cls, msg, bug=None):
    """Findings are the same when their bug is (the simulator's bug line); a sanitizer's report,
    which has none, by its class and kernel site."""
    if bug:
        return (cls, bug)
    return (cls, findings.site(msg)[1])


class Campaign:
    """The findings of one run, deduplicated by class and kernel site."""

    def __init__(self, replay_argv, folder, model, srcu, env=None, mode_extra="", known_file=None,
                 provenance=None):
        """replay_argv: the command that replays a file (appended) and prints its FINDING line;
        mode_extra: more of the mode record (the build, when not the default);
        known_file: where the bugs kept so far are listed, a line each (the fuzz binary's
        BUSFUZZ_KNOWN_BUGS), so that workers stop reporting them;
        provenance: the kernel line written beside each kept reproducer (FILE.kernel)."""
        self.provenance = provenance
        self.replay_argv, self.folder, self.env = replay_argv, folder, env
        self.model, self.srcu, self.mode_extra = model, srcu, mode_extra
        self.known_file = known_file
        if known_file:
            open(known_file, "w").close()
        self.kept = {}          # finding_key() -> (path, message)
        self.dups = 0
        self.lock = threading.Lock()
        os.makedirs(folder, exist_ok=True)

    def classify(self, path):
        r = subprocess.run(self.replay_argv + [path], capture_output=True, text=True, errors="replace",
                           env=self.env)
        m, b = FINDING_RE.search(r.stdout), BUG_RE.search(r.stdout)
        return (m.group(1), m.group(2), b.group(1) if b else None) if m else (None, None, None)

    def add(self, path, cls_hint=None, msg_hint=None):
        """Keeps the reproducer if its finding is new; returns (class, message, kept path or None)."""
        cls, msg, bug = self.classify(path)
        if cls is None:         # a sanitizer's finding the plain build does not see
            cls, msg = cls_hint or "crash", msg_hint or "(found by the sanitizer build only)"
        key = finding_key(cls, msg, bug)
        with self.lock:
            if key in self.kept:
                self.dups += 1
                os.remove(path)
                return cls, msg, None
            with open(path, "rb") as f:
                digest = hashlib.sha1(f.read()).hexdigest()[:12]
            dest = os.path.join(self.folder, "%s-%s" % (cls, digest))
            shutil.move(path, dest)
            # The input is the same bytes under every model: keep which one found it.
            findings.write_mode(dest, self.model, self.srcu, self.mode_extra)
            if self.provenance:
                with open(dest + ".kernel", "w") as f:
                    f.write(self.provenance + "\n")
            self.kept[key] = (dest, msg)
            if self.known_file and bug:
                with open(self.known_file, "a") as f:
                    f.write(bug + "\n")
            return cls, msg, dest

    def by_class(self):
        counts = {}
        for cls, _ in self.kept:
            counts[cls] = counts.get(cls, 0) + 1
        return counts


def explore_argv(binary, strategy, seed, secs, model, srcu, out, depth=None, preemptions=None, runs=None):
    argv = [binary, "--strategy", strategy, "--seed", str(seed), "--time", str(max(1, int(secs))),
            "--model", model, "--srcu", srcu, "--out", out]
    if runs:
        argv += ["--runs", str(runs)]
    if depth is not None:
        argv += ["--depth", str(depth)]
    if preemptions is not None:
        argv += ["--preemptions", str(preemptions)]
    return argv


def explore_once(binary, work, strategy, seed, secs, model, srcu, depth=None, preemptions=None):
    """One explorer run: (class or None, message, seconds to the finding, executions, reproducer),
    as busfuzz's fuzz_once gives for libFuzzer."""
    arts = os.path.join(work, "artifacts-%s-%d" % (strategy, seed))
    os.makedirs(arts, exist_ok=True)
    start = time.monotonic()
    try:
        r = subprocess.run(explore_argv(binary, strategy, seed, secs, model, srcu, arts, depth, preemptions),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                           timeout=2 * secs + 60)
    except subprocess.TimeoutExpired:
        return "error", "the explorer ran past its time budget", None, None, None
    took = time.monotonic() - start
    progress = EXPLORE_RE.findall(r.stdout)
    repro = EXPLORE_REPRO_RE.search(r.stdout)
    n = int(repro.group(2)) + 1 if repro else int(progress[-1][0]) if progress else None
    if r.returncode == 0:
        return None, None, took, n, None
    f = FINDING_RE.search(r.stdout)
    if f:
        return f.group(1), f.group(2), took, n, repro.group(1) if repro else None
    tail = (r.stdout.strip().splitlines() or [""])[-1]
    return "error", "the explorer exited with status %d and no finding: %s" % (r.returncode, tail), None, None, None


class Explorers:
    """N explorer workers for `busfuzz fuzz --strategy random|pct|exhaustive`."""

    def __init__(self, binary, strategy, args, out, on_finding):
        self.binary, self.strategy, self.args, self.out = binary, strategy, args, out
        self.on_finding = on_finding
        self.live = {}                  # worker -> executions so far
        self.stop = threading.Event()
        self.procs = []
        self.lock = threading.Lock()

    def execs(self):
        with self.lock:
            return sum(self.live.values())

    def worker(self, j, deadline):
        left = deadline - time.monotonic()
        if left < 1:
            return
        runs = -(-self.args.runs // self.args.jobs) if self.args.runs else None
        argv = explore_argv(self.binary, self.strategy, self.args.seed * 1000003 + j, left, self.args.model,
                            self.args.srcu, self.out, self.args.depth, self.args.preemptions, runs)
        if self.args.keep_going:
            argv.append("--keep-going")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        with self.lock:
            self.procs.append(p)
        text, repro = [], None
        for line in p.stdout:
            m = EXPLORE_RE.match(line)
            if m:
                with self.lock:
                    self.live[j] = int(m.group(1))
                continue
            text.append(line)
            m = EXPLORE_REPRO_RE.match(line)
            if m:
                repro = m.group(1)
                with self.lock:
                    self.live[j] = max(self.live.get(j, 0), int(m.group(2)) + 1)
            f = FINDING_RE.match(line)
            if f and repro:
                self.on_finding(repro, f.group(1), f.group(2), "".join(text[-400:]))
                text, repro = [], None
                if not self.args.keep_going:
                    self.stop.set()
        rc = p.wait()
        # Killed by a Ctrl-C of the terminal (the whole group gets it): a stop, not a failure.
        if rc not in (0, 1, -signal.SIGINT, -signal.SIGTERM) and not self.stop.is_set():
            self.on_finding(None, "error", "the explorer exited with status %d" % rc, "".join(text[-50:]))

    def run(self, secs):
        deadline = time.monotonic() + secs
        ts = [threading.Thread(target=self.worker, args=(j, deadline), daemon=True)
              for j in range(self.args.jobs)]
        for t in ts:
            t.start()
        while any(t.is_alive() for t in ts):
            if self.stop.wait(0.2):
                with self.lock:
                    for p in self.procs:
                        if p.poll() is None:
                            p.kill()
                break
        for t in ts:
            t.join()
