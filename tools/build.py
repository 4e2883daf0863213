# SPDX-License-Identifier: GPL-2.0-only
"""The build layer: extracting a tree's bus code and building what a command needs."""
import hashlib
import json
import os
import re
import subprocess
import sys

import kernels
from common import Fail, ROOT, FUZZ_BINARY, say
from install import ensure_tools


# ---- building the harness for a tree -----------------------------------------------

def resolve_tree(args):
    try:
        tree, label = kernels.resolve(getattr(args, "kernel", None), getattr(args, "tree", None))
    except kernels.KernelError as e:
        raise Fail(str(e).removeprefix("busfuzz: "), e.status)
    if label.startswith("tree:"):
        key = "tree-" + hashlib.sha1(tree.encode()).hexdigest()[:10]
    else:
        key = "k" + label
    return tree, label, key


def needs_work(bdir, targets):
    """Whether building targets in bdir would do anything (ninja's dry run; no build folder yet: yes)."""
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        return True
    r = subprocess.run(["ninja", "-n", "-C", bdir] + list(targets), capture_output=True, text=True)
    return r.returncode != 0 or "no work to do" not in r.stdout


def build(args, root=None, sanitizer="asan", targets=None, quiet=False, cmake_args=()):
    """Extracts the tree's bus code and builds the harness; returns (bindir, label, key).
    root: the build folder (default: $BUSFUZZ_BUILD, else build/); sanitizer: which libFuzzer build;
    targets: what to build (default: that libFuzzer build, the replay and the explorer); quiet: the
    caller says what it builds itself (the mutant matrix); cmake_args: for a new folder (a folder is
    always built with the same ones by its one user).
    One build at a time per folder: concurrent runs on one tree wait for each other (a lock file
    beside the folder) instead of configuring it twice.  A build that has work to do says so first."""
    cc = ensure_tools()
    tree, label, key = resolve_tree(args)
    bdir = os.path.join(root or os.environ.get("BUSFUZZ_BUILD") or os.path.join(ROOT, "build"), key)
    if targets is None:
        targets = (FUZZ_BINARY[sanitizer], "busfuzz-replay-t", "busfuzz-explore-t")
    os.makedirs(os.path.dirname(bdir), exist_ok=True)
    with kernels.locked(bdir + ".lock"):
        fresh = not os.path.exists(os.path.join(bdir, "build.ninja"))
        if not (fresh or needs_work(bdir, targets)):
            return bdir, label, key     # nothing changed since the last build: no extraction either
        if not quiet:
            say("building %s for %s%s ..." % (", ".join(targets), label,
                                              " (a new build folder: about half a minute)" if fresh else ""))
        # Extract first, on its own, so a bad tree gives its one-line error.
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "extract.py"), "--tree", tree,
                            "--out", os.path.join(bdir, "gen-t"), "--stubs",
                            os.path.join(ROOT, "kernel-shim", "stubs.def")], capture_output=True, text=True)
        if r.returncode != 0:
            msg = (r.stderr.strip().splitlines() or ["extraction failed"])[-1]
            raise Fail(msg.removeprefix("busfuzz: "), 2)
        for line in r.stderr.splitlines():
            if line.startswith("busfuzz: note: ") and not quiet:
                say(line.removeprefix("busfuzz: "))
        if fresh:
            r = subprocess.run(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + cc,
                                "-DBUSFUZZ_TREES=t=" + tree] + list(cmake_args), capture_output=True, text=True)
            if r.returncode != 0:
                raise Fail("cmake failed for %s:\n%s" % (tree, r.stdout[-2000:] + r.stderr[-2000:]))
        r = subprocess.run(["ninja", "-C", bdir] + list(targets), capture_output=True, text=True)
    if r.returncode != 0:
        # A callee nothing provides is an error of the kernel line that calls it (KERNEL_WARN in CMakeLists.txt).
        m = UNDECLARED_RE.search(r.stdout)
        if m:
            raise Fail("%s: %s() is neither shimmed (kernel-shim/), stubbed (kernel-shim/stubs.def) nor extracted"
                       % (m.group(1), m.group(2)), 2)
        errs = [l for l in r.stdout.splitlines() if "error:" in l][:5]
        raise Fail("the bus code of %s does not build against the shim:\n  %s" %
                   (tree, "\n  ".join(errs) or r.stdout[-3000:]))
    return bdir, label, key


# clang's and gcc's words for a call to a function no header declares.
UNDECLARED_RE = re.compile(r"^(\S+:\d+):\d+: error: (?:implicit declaration of function|call to undeclared function) "
                           r"['‘](\w+)['’]", re.M)


# ---- provenance: which kernel a reproducer came from ----------------------------------

def provenance(bdir):
    """"VERSION SOURCES": the tree's version and a hash of the bus code extracted from it (what the
    input drives; two trees with the same extracted code replay alike)."""
    gen = os.path.join(bdir, "gen-t")
    h = hashlib.sha256()
    for dirpath, dirs, files in sorted(os.walk(gen)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".c", ".h")) and not name.startswith("."):
                p = os.path.join(dirpath, name)
                h.update(os.path.relpath(p, gen).encode() + b"\0")
                with open(p, "rb") as f:
                    h.update(f.read())
    try:
        with open(os.path.join(gen, "manifest.json")) as f:
            version = json.load(f).get("tree_version") or "unknown"
    except (OSError, ValueError):
        version = "unknown"
    return "%s %s" % (version, h.hexdigest()[:16])


def write_provenance(path, bdir):
    with open(path + ".kernel", "w") as f:
        f.write(provenance(bdir) + "\n")


def tree_generation(bdir):
    """'post' when the tree's readers use kvm_get_bus_srcu() (the 6.18 series), else 'pre'.
    The extraction's manifest lists it only if the bus code calls it."""
    with open(os.path.join(bdir, "gen-t", "manifest.json")) as f:
        names = {n for it in json.load(f)["items"] for n in it["names"]}
    return "post" if "kvm_get_bus_srcu" in names else "pre"
