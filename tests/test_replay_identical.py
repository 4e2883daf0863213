#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A change that must not change behaviour (a refactoring of sim/ or fuzz/)
replays every stored input byte-identically: the same exit status, the same
full trace, finding line and record, and for an ordering finding the same
litmus test.

  test_replay_identical.py [--base REF] [--mutants A,B,...] [--out DIR] TREE...

Builds the replay binary of the working tree and of git REF (default HEAD: the
uncommitted change is what is compared) for every TREE and for each mutant
applied to the first TREE (tools/mutate.py; a mutant's tree gives findings,
the unmodified ones give clean traces), in one CMake folder per side under
DIR, then replays corpus/seeds, corpus/mutants and bench/inputs under every
model and SRCU mode in both and compares.  Exit 0 when all are identical, 1
naming the first that differs, 2 on bad usage or a failed build.
"""
import argparse
import glob
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODES = [(m, s) for m in ("lkmm", "tso", "sc") for s in ("doc", "impl")]
# One mutant per finding class that a build without a sanitizer reports (each with its reproducer in corpus/mutants).
DEFAULT_MUTANTS = ["get-bus-srcu-no-mb", "unregister-no-sync", "create-vm-keeps-kvm-lock",
                   "coalesced-unregister-no-slots-lock", "destroy-leaks-buses", "register-no-alloc-check",
                   "destroy-no-srcu-barrier", "destroy-frees-buses-twice", "ioeventfd-no-collision-check"]


def die(msg):
    print("test_replay_identical: " + msg, file=sys.stderr)
    sys.exit(2)


def inputs():
    files = sorted(glob.glob(os.path.join(ROOT, "corpus", "seeds", "*")) +
                   glob.glob(os.path.join(ROOT, "corpus", "mutants", "*")) +
                   glob.glob(os.path.join(ROOT, "bench", "inputs", "*")))
    return [f for f in files if os.path.isfile(f) and "." not in os.path.basename(f)]


def export_ref(ref, dest):
    """REF's files into dest (git archive: no second worktree to clean up)."""
    r = subprocess.run(["git", "-C", ROOT, "archive", ref], capture_output=True)
    if r.returncode:
        die("git archive %s: %s" % (ref, r.stderr.decode(errors="replace").strip()))
    if os.path.isdir(dest):
        # Keep the files that did not change, so that ninja rebuilds only what did.
        old = {m for m in tarfile.open(fileobj=io.BytesIO(r.stdout)).getnames()}
        for dirpath, _, names in os.walk(dest):
            for n in names:
                p = os.path.relpath(os.path.join(dirpath, n), dest)
                if p not in old:
                    os.unlink(os.path.join(dest, p))
    os.makedirs(dest, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
        for m in t.getmembers():
            p = os.path.join(dest, m.name)
            if m.isfile() and os.path.exists(p):
                data = t.extractfile(m).read()
                if open(p, "rb").read() == data:
                    continue
            t.extract(m, dest)
            if m.isfile():
                os.utime(p)     # git archive dates a file by its commit: ninja must see it changed


def build(src, bdir, trees):
    cc = shutil.which("clang-14") or shutil.which("clang") or "cc"
    spec = ";".join("%s=%s" % kv for kv in trees)
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        r = subprocess.run(["cmake", "-S", src, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + cc,
                            "-DBUSFUZZ_TREES=" + spec], capture_output=True, text=True)
        if r.returncode:
            die("cmake failed in %s:\n%s" % (bdir, (r.stdout + r.stderr)[-2000:]))
    r = subprocess.run(["ninja", "-C", bdir] + ["busfuzz-replay-" + l for l, _ in trees],
                       capture_output=True, text=True)
    if r.returncode:
        die("building %s failed:\n%s" % (bdir, r.stdout[-3000:]))


def replay(binary, inp, model, srcu, tmp):
    lit = os.path.join(tmp, "out.litmus")
    if os.path.exists(lit):
        os.unlink(lit)
    # Without address randomization: a litmus test names a location by its address.
    norand = ["setarch", os.uname().machine, "-R"]
    r = subprocess.run(norand + [binary, "--model", model, "--srcu", srcu, inp], capture_output=True)
    out = b"rc %d\n" % r.returncode + r.stdout + b"\n--stderr--\n" + r.stderr
    if r.returncode == 1 and b"FINDING ordering" in r.stdout:
        r = subprocess.run(norand + [binary, "--model", model, "--srcu", srcu, "--litmus", lit, inp],
                           capture_output=True)
        out += b"\n--litmus--\n" + (open(lit, "rb").read() if os.path.exists(lit) else b"(none)")
    # The finding's record line is new (sim_finding_print()); everything else must be as it was.
    out = re.sub(rb"(?m)^record: \{.*\}\n", b"", out)
    # A location's address moves with the binary's layout, which any change of code moves: only the name counts.
    return re.sub(rb"0x[0-9a-f]{9,}", b"0xADDRESS", out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="HEAD")
    ap.add_argument("--mutants", default=",".join(DEFAULT_MUTANTS))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "replay-identical"))
    ap.add_argument("trees", nargs="+")
    args = ap.parse_args()
    for t in args.trees:
        if not os.path.isdir(os.path.join(t, "virt", "kvm")):
            die("%s is not a kernel tree" % t)
    out = os.path.abspath(args.out)
    trees = [("t%d" % i, os.path.abspath(t)) for i, t in enumerate(args.trees)]
    for m in [m for m in args.mutants.split(",") if m]:
        mut = os.path.join(ROOT, "mutants", m + ".mut")
        dest = os.path.join(out, "trees", m)
        if not os.path.isdir(dest):
            r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mutate.py"), mut, trees[0][1], dest],
                               capture_output=True, text=True)
            if r.returncode:
                shutil.rmtree(dest, ignore_errors=True)
                die("mutant %s: %s" % (m, (r.stderr.strip().splitlines() or ["failed"])[-1]))
        trees.append((m.replace("-", "_"), dest))
    base_src = os.path.join(out, "src-base")
    export_ref(args.base, base_src)
    build(base_src, os.path.join(out, "build-base"), trees)
    build(ROOT, os.path.join(out, "build-work"), trees)
    n, findings = 0, 0
    tmp = os.path.join(out, "tmp")
    os.makedirs(tmp, exist_ok=True)
    for label, _ in trees:
        for inp in inputs():
            for model, srcu in MODES:
                a = replay(os.path.join(out, "build-base", "busfuzz-replay-" + label), inp, model, srcu, tmp)
                b = replay(os.path.join(out, "build-work", "busfuzz-replay-" + label), inp, model, srcu, tmp)
                if a != b:
                    al, bl = a.splitlines(), b.splitlines()
                    i = next((k for k in range(min(len(al), len(bl))) if al[k] != bl[k]), min(len(al), len(bl)))
                    print("FAIL %s on %s --model %s --srcu %s: line %d differs:\n  %s: %r\n  work: %r" % (
                        os.path.relpath(inp, ROOT), label, model, srcu, i + 1, args.base,
                        al[i] if i < len(al) else "(end)", bl[i] if i < len(bl) else "(end)"))
                    return 1
                n += 1
                findings += a.startswith(b"rc 1\n")
    print("%d replays identical (%d with a finding) between %s and the working tree, %d trees" % (
        n, findings, args.base, len(trees)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
