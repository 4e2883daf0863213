#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The external LKMM suite (shared/litmus: Paul McKenney's litmus collection,
each file's `Result:` line being herd7's verdict under Linux 7.2's LKMM) on
`busfuzz litmus`, held to a committed expectations file.

    test_litmus_ext.py [--suite DIR] [--expect FILE] [--max-execs N] [--jobs N]
                       [--update] [--herd7-seconds]

Each test's outcome is one of
  OK           busfuzz's verdict is herd7's
  FALSE        busfuzz observed an outcome herd7 says the LKMM forbids
  MISSED       busfuzz says Never where herd7 says Sometimes, not load buffering
  LIMITATION   the same, proved to need load buffering (tools/litmus.py)
  LIMIT        no verdict within --max-execs executions
  UNSUPPORTED  not run: a construct the simulator cannot run faithfully
  ERROR        anything else (a finding, a crash, a build failure)
The expectations file (tests/litmus-ext/expect.tsv: path, outcome, reason) is
what the last --update saw.  The test fails on any FALSE, whatever the file
says, and on any test whose outcome is worse than the file's (OK to anything
else; anything to ERROR).  Better outcomes are listed, and pass.
No file is copied into the repository: the suite is read where it lies.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANK = {"OK": 0, "LIMITATION": 1, "MISSED": 1, "LIMIT": 1, "UNSUPPORTED": 1, "ERROR": 2, "FALSE": 3}
LINE = re.compile(r"^(\S+) (?:expected=(\S+) observed=(\S+) (\S+)|(UNSUPPORTED|ERROR)) ?(.*)$")


def default_suite():
    for d in (os.environ.get("BUSFUZZ_SHARED"), os.path.join(os.path.dirname(ROOT), "shared")):
        if d and os.path.isfile(os.path.join(d, "litmus", "MANIFEST.tsv")):
            return os.path.join(d, "litmus")
    return None


def outcome(status, expected, observed, rest):
    """(outcome, reason) of one tools/litmus.py line."""
    reason = re.sub(r"\s+\(\d+ executions, [\d.]+ s\)$", "", rest).strip()
    reason = reason[1:-1] if reason.startswith("(") and reason.endswith(")") else reason
    if status == "UNSUPPORTED":
        return "UNSUPPORTED", reason
    if status == "ERROR":
        if reason.startswith("LIMIT:"):
            return "LIMIT", "no verdict within the execution limit"
        return "ERROR", reason
    if status == "OK":
        return "OK", ""
    if status == "LIMITATION":
        return "LIMITATION", reason
    if expected == "Never" and observed != "Never":
        return "FALSE", "observed %s, herd7 Never" % observed
    if expected == "Sometimes" and observed == "Never":
        return "MISSED", "observed Never, herd7 Sometimes"
    return "ERROR", "%s: expected %s, observed %s" % (status, expected, observed)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--suite", default=default_suite())
    p.add_argument("--expect", default=os.path.join(ROOT, "tests", "litmus-ext", "expect.tsv"))
    p.add_argument("--max-execs", type=int, default=1000000)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--update", action="store_true", help="write what this run saw as the expectations")
    args = p.parse_args()
    if not args.suite or not os.path.isdir(args.suite):
        print("busfuzz: no external litmus suite (shared/litmus beside the repository, or --suite DIR)",
              file=sys.stderr)
        return 2
    manifest = os.path.join(args.suite, "MANIFEST.tsv")
    rows = [l.rstrip("\n").split("\t") for l in open(manifest)][1:]
    herd_secs = sum(float(r[3]) for r in rows if len(r) > 3)
    paths = [r[0] for r in rows]
    files = [os.path.join(args.suite, r) for r in paths]
    t0 = time.time()
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "litmus.py"), "--max-execs",
                        str(args.max_execs), "--jobs", str(args.jobs), "--timeout", "600"] + files,
                       capture_output=True, text=True, errors="replace")
    secs = time.time() - t0
    if r.returncode == 2:
        print(r.stderr.strip())
        return 1
    got = {}
    names = {}
    for path in paths:  # a line names the test (`C NAME`), not the file
        with open(os.path.join(args.suite, path), errors="replace") as f:
            m = re.match(r"\s*C[ \t]+(\S+)", f.read())
        names.setdefault(m.group(1) if m else path, []).append(path)
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if not m or line.startswith("summary:"):
            continue
        name = m.group(1)
        if name not in names or not names[name]:
            continue
        path = names[name].pop(0)
        if m.group(5):
            got[path] = outcome(m.group(5), None, None, m.group(6))
        else:
            got[path] = outcome(m.group(4), m.group(2), m.group(3), m.group(6))
    for path in paths:
        if path not in got:
            got[path] = ("ERROR", "no result line")
    counts = {}
    for o, _ in got.values():
        counts[o] = counts.get(o, 0) + 1
    print("external suite: %d tests; %s" % (len(paths), ", ".join(
        "%d %s" % (counts.get(k, 0), k) for k in ("OK", "FALSE", "MISSED", "LIMITATION", "LIMIT",
                                                  "UNSUPPORTED", "ERROR"))))
    print("busfuzz %.1f s (wall, %d jobs, --max-execs %d); herd7 %.1f s (sum of MANIFEST.tsv's per-test times)"
          % (secs, args.jobs, args.max_execs, herd_secs))
    old = {}
    if os.path.isfile(args.expect):
        for l in open(args.expect):
            f = l.rstrip("\n").split("\t")
            if not l.startswith("#") and len(f) == 3:
                old[f[0]] = (f[1], f[2])
    if args.update:
        # A MISSED outcome's cause is written by hand: kept while the outcome stays.
        for path, (o, why) in list(got.items()):
            if o == "MISSED" and old.get(path, ("", ""))[0] == o:
                got[path] = old[path]
        os.makedirs(os.path.dirname(args.expect), exist_ok=True)
        with open(args.expect, "w") as f:
            f.write("# SPDX-License-Identifier: GPL-2.0-only\n"
                    "# tests/test_litmus_ext.py --update: outcome of each test of shared/litmus under "
                    "busfuzz litmus (--max-execs %d)\n" % args.max_execs)
            for path in paths:
                o, why = got[path]
                f.write("%s\t%s\t%s\n" % (path, o, why))
        print("wrote %s" % args.expect)
        return 0
    want = {path: o for path, (o, _) in old.items()}
    bad = []
    for path in paths:
        o, why = got[path]
        w = want.get(path)
        if o == "FALSE":
            bad.append("FALSE FINDING %s: %s" % (path, why))
        elif w is None:
            bad.append("NEW %s: %s %s (not in %s)" % (path, o, why, os.path.relpath(args.expect, ROOT)))
        elif (w == "OK" and o != "OK") or RANK[o] > RANK[w]:
            bad.append("REGRESSION %s: %s, was %s (%s)" % (path, o, w, why))
        elif o != w:
            print("better %s: %s, was %s" % (path, o, w))
    for b in bad:
        print(b)
    print("%d passed, %d failed" % (len(paths) - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
