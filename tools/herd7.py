# SPDX-License-Identifier: GPL-2.0-only
"""herd7, the LKMM's reference tool, as an oracle for litmus verdicts.

    python3 tools/herd7.py find [--build]         print herd7's path (exit 1: none)
    python3 tools/herd7.py run --tree DIR FILE... one line per file: FILE VERDICT [DATARACE]
    python3 tools/herd7.py check --tree DIR FILE...
                                   herd7's verdict must be the file's Result: line (exit 1 if not)

herd7 comes from, in order: $HERD7 (a binary), or the build cached under
~/.cache/busfuzz/herd7 (made by shared/herd7/build.sh, the herdtools7 7.58 kit
kept beside the repository; Debian's OCaml packages; 3-5 minutes once).  It runs
as the kernel's own scripts run it: `herd7 -conf linux-kernel.cfg FILE` in the
tree's tools/memory-model, so the verdict is that kernel's LKMM.

herd7 exits 0 even when it rejects a file (an unknown macro, a syntax error):
the verdict is the third word of its Observation line, and a file without one
is an ERROR carrying herd7's first message.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "busfuzz", "herd7")


class Herd7Error(Exception):
    """herd7 cannot be found or built, or the tree has no LKMM."""


def kit():
    """shared/herd7/build.sh, beside the repository (CI lays shared/ next to the clone)."""
    for d in (os.environ.get("BUSFUZZ_SHARED"), os.path.join(os.path.dirname(ROOT), "shared")):
        if d and os.path.isfile(os.path.join(d, "herd7", "build.sh")):
            return os.path.join(d, "herd7", "build.sh")
    return None


def find(build=False):
    """herd7's path, or None; with build, builds it into the cache when missing."""
    env = os.environ.get("HERD7")
    if env:
        if not os.access(env, os.X_OK):
            raise Herd7Error("$HERD7=%s is not an executable" % env)
        return env
    binary = os.path.join(CACHE, "bin", "herd7")
    if os.access(binary, os.X_OK) and os.path.isfile(os.path.join(CACHE, ".built")):
        return binary
    if not build:
        return None
    script = kit()
    if not script:
        raise Herd7Error("no herd7: set $HERD7, or keep shared/herd7/ (the herdtools7 kit) beside the repository")
    print("busfuzz: building herd7 once into %s (3-5 minutes)" % CACHE, file=sys.stderr, flush=True)
    r = subprocess.run(["bash", script], capture_output=True, text=True,
                       env=dict(os.environ, HERD7_CACHE=CACHE))
    if r.returncode != 0 or not r.stdout.strip():
        raise Herd7Error("herd7 does not build: %s" % (r.stderr.strip().splitlines() or ["no message"])[-1])
    return r.stdout.strip().splitlines()[-1]


def model_dir(tree):
    """The tree's tools/memory-model (tree may be it already)."""
    for d in (os.path.join(tree, "tools", "memory-model"), tree):
        if os.path.isfile(os.path.join(d, "linux-kernel.cfg")):
            return os.path.abspath(d)
    raise Herd7Error("%s: no tools/memory-model/linux-kernel.cfg (the LKMM) in this tree" % tree)


def verdict(herd7, mmdir, path, timeout=60):
    """(verdict, datarace, message): verdict Never/Sometimes/Always, or ERROR with herd7's reason."""
    try:
        r = subprocess.run([herd7, "-conf", "linux-kernel.cfg", os.path.abspath(path)], cwd=mmdir,
                           capture_output=True, text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return "ERROR", False, "herd7 took longer than %d s" % timeout
    except OSError as e:
        return "ERROR", False, "herd7 does not run: %s" % e
    m = re.search(r"^Observation \S+ (Never|Sometimes|Always) ", r.stdout, re.M)
    if not m:
        msg = [l.strip() for l in (r.stderr + r.stdout).splitlines() if l.strip()]
        return "ERROR", False, "herd7 gave no Observation line: %s" % (msg[0] if msg else "no output")
    return m.group(1), re.search(r"^Flag data-race", r.stdout, re.M) is not None, ""


def verdicts(files, tree, jobs=None, timeout=60, build=True):
    """{file: (verdict, datarace, message)} for every file, herd7 run in parallel."""
    herd7 = find(build=build)
    if not herd7:
        raise Herd7Error("no herd7 (busfuzz litmus --oracle herd7 builds it once)")
    mmdir = model_dir(tree)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
        futs = {f: pool.submit(verdict, herd7, mmdir, f, timeout) for f in files}
        return {f: fut.result() for f, fut in futs.items()}


def main(argv=None):
    p = argparse.ArgumentParser(prog="herd7.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("find", help="print herd7's path")
    f.add_argument("--build", action="store_true", help="build it into the cache when missing")
    r = sub.add_parser("run", help="herd7's verdict of each file")
    r.add_argument("--tree", required=True, help="kernel tree (or its tools/memory-model)")
    r.add_argument("--timeout", type=int, default=60)
    r.add_argument("files", nargs="+")
    c = sub.add_parser("check", help="herd7's verdict of each file against its Result: line")
    c.add_argument("--tree", required=True, help="kernel tree (or its tools/memory-model)")
    c.add_argument("--timeout", type=int, default=60)
    c.add_argument("files", nargs="+")
    a = p.parse_args(argv)
    try:
        if a.cmd == "find":
            path = find(build=a.build)
            if not path:
                return 1
            print(path)
            return 0
        bad = 0
        if a.cmd == "check":
            import litmus
            res = verdicts(a.files, a.tree, timeout=a.timeout)
            for name in a.files:
                v, race, msg = res[name]
                test, unsup = litmus.load(name)
                want = test.expected if test else None
                ok = v != "ERROR" and want == v
                print("%s herd7=%s result=%s %s%s" % (name, v, want or "none", "OK" if ok else "MISMATCH",
                                                       " (%s)" % msg if msg else ""))
                bad += not ok
            print("%d passed, %d failed" % (len(a.files) - bad, bad))
            return 1 if bad else 0
        for name, (v, race, msg) in verdicts(a.files, a.tree, timeout=a.timeout).items():
            print("%s %s%s" % (name, v, " DATARACE" if race else "") + (" (%s)" % msg if msg else ""))
            bad += v == "ERROR"
        return 1 if bad else 0
    except Herd7Error as e:
        print("busfuzz: %s" % e, file=sys.stderr)
        return 2
    except Exception as e:     # litmus.LitmusError: a file that is not a litmus test
        if type(e).__name__ != "LitmusError":
            raise
        print("busfuzz: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
