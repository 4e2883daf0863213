# SPDX-License-Identifier: GPL-2.0-only
"""The build layer: the one place that runs CMake, ninja and the extractor.

A build folder is one CMake configuration for any number of kernel trees (CMakeLists.txt's
BUSFUZZ_TREES, label=path;...): the simulator libraries are built once for all of them, each
tree's bus code is extracted by the folder's own rule (once per build, only when the tree or
the extractor changed) and each command builds only the targets it runs.  A command's own tree
has the label t (build/KEY/busfuzz-replay-t, gen-t); the mutant matrix puts its copies, m_NAME,
into one folder.

    python3 tools/build.py extract --tree DIR --out GEN      the extractor alone (oss-fuzz/build.sh)
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import kernels
from common import Fail, ROOT, say
from install import ensure_tools

TREE = "t"      # the label of a command's own tree in its folder

# The targets CMakeLists.txt defines for each tree, by base name (the tree's label follows: -LABEL).
FUZZ = {"asan": "busfuzz-fuzz", "tsan": "busfuzz-fuzz-tsan", "none": "busfuzz-fuzz-plain"}
REPLAY, EXPLORE, COST = "busfuzz-replay", "busfuzz-explore", "busfuzz-cost"
# What each strategy of the explorer or the mutant matrix runs.
STRATEGY_BASE = {"libfuzzer": FUZZ["asan"], "random": EXPLORE, "pct": EXPLORE, "exhaustive": EXPLORE}


def stress_base(tsan):
    return "busfuzz-stress-tsan" if tsan else "busfuzz-stress"


def needs(command, sanitizer="asan", strategies=("libfuzzer",), tsan=False):
    """The targets (base names) a command builds for its tree, in the order it names them: no more
    than it runs (replay of a plain reproducer does not build the libFuzzer binaries)."""
    if command == "replay":
        return (FUZZ[sanitizer],) if sanitizer != "none" else (REPLAY,)
    if command == "minimize":
        return (REPLAY,)
    if command == "fuzz":       # libfuzzer first, then the blind workers' strategy if any
        if strategies[0] != "libfuzzer":
            return (EXPLORE, REPLAY)
        return (FUZZ[sanitizer], REPLAY) + ((EXPLORE,) if len(strategies) > 1 else ())
    if command == "build":
        return (FUZZ[sanitizer], REPLAY, EXPLORE)
    if command == "stress":
        return (stress_base(tsan),)
    if command == "mutants":
        bases = {b for st in strategies for b in ((stress_base(tsan),) if st == "stress" else
                                                  (FUZZ["asan"], EXPLORE) if st == "default" else (STRATEGY_BASE[st],))}
        return tuple(sorted(bases | {REPLAY}))
    if command == "check":
        return (FUZZ["asan"], REPLAY)
    if command == "cost":
        return (COST,)
    raise ValueError("no such command: %s" % command)


def target(base, label=TREE):
    return "%s-%s" % (base, label)


def tree_label(name, taken=()):
    """A label for a tree in a shared folder: letters, digits and _ only (a - would make
    busfuzz-fuzz-LABEL read as another target's name: busfuzz-fuzz-tsan-x), unique among taken."""
    label = "m_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
    n, out = 1, label
    while out in taken:
        n += 1
        out = "%s_%d" % (label, n)
    return out


def folder_key(tree, label):
    """The folder of a command's own tree: k<version> for a --kernel, tree-<hash of the path> for a --tree."""
    if label.startswith("tree:"):
        return "tree-" + hashlib.sha1(tree.encode()).hexdigest()[:10]
    return "k" + label


def build_root():
    return os.environ.get("BUSFUZZ_BUILD") or os.path.join(ROOT, "build")


def resolve_tree(args):
    try:
        tree, label = kernels.resolve(getattr(args, "kernel", None), getattr(args, "tree", None))
    except kernels.KernelError as e:
        raise Fail(str(e).removeprefix("busfuzz: "), e.status)
    return tree, label, folder_key(tree, label)


# ---- reusing a folder ---------------------------------------------------------------

def parse_trees(text):
    """BUSFUZZ_TREES's value as {label: path}."""
    return dict(e.split("=", 1) for e in text.split(";") if "=" in e)


def read_cache(bdir):
    """A configured folder's CMakeCache.txt as {NAME: value}; None when it is not configured."""
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        return None
    cache = {}
    try:
        with open(os.path.join(bdir, "CMakeCache.txt")) as f:
            for line in f:
                m = re.match(r"([A-Za-z_][\w.-]*):\w+=(.*)$", line.rstrip("\n"))
                if m:
                    cache[m.group(1)] = m.group(2)
    except OSError:
        return None
    return cache


def plan_configure(cache, compilers, trees, options=(), exact=False, exists=os.path.isdir):
    """What a folder needs before ninja runs: (action, trees to configure with).  action: None (use it
    as it is), "configure" (CMake again) or "fresh" (another compiler: CMake would start over and drop
    our -D values, so we start over).  compilers: the names of the compiler we build with; options:
    -DNAME=VALUE the folder must have.  The folder keeps the trees it has (their builds stay for the
    next command that wants them) unless exact; a tree the command wants wins on a label."""
    if cache is None:
        return "configure", dict(trees)
    if cache.get("CMAKE_C_COMPILER") not in compilers:
        return "fresh", dict(trees)
    have = parse_trees(cache.get("BUSFUZZ_TREES", ""))
    opts = dict(o[2:].split("=", 1) for o in options)
    same_opts = all(cache.get(k.split(":")[0]) == v for k, v in opts.items())
    if exact:
        return (None if have == dict(trees) and same_opts else "configure"), dict(trees)
    if same_opts and all(have.get(k) == v for k, v in trees.items()):
        return None, have
    merged = {k: v for k, v in have.items() if k not in trees and exists(v)}
    merged.update(trees)
    return "configure", merged


def sync_tree(src, dst):
    """Makes dst a copy of src, writing only the files that differ: what did not change keeps its
    time, so ninja does not extract or compile it again.  Returns the files written or removed."""
    changed = []
    want = set()
    for dirpath, dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            s, d = os.path.join(dirpath, f), os.path.normpath(os.path.join(dst, rel, f))
            want.add(d)
            if os.path.islink(s) or os.path.islink(d):
                if not (os.path.islink(s) and os.path.islink(d) and os.readlink(s) == os.readlink(d)):
                    if os.path.lexists(d):
                        os.remove(d)
                    shutil.copy2(s, d, follow_symlinks=False)
                    changed.append(d)
                continue
            try:
                with open(s, "rb") as a, open(d, "rb") as b:
                    if a.read() == b.read():
                        continue
            except OSError:
                pass
            shutil.copy2(s, d)
            changed.append(d)
    for dirpath, dirs, files in os.walk(dst):
        for f in files:
            d = os.path.join(dirpath, f)
            if d not in want:
                os.remove(d)
                changed.append(d)
    return changed


# ---- reading ninja's output -----------------------------------------------------------

# clang's and gcc's words for a call to a function no header declares.
UNDECLARED_RE = re.compile(r"^(\S+:\d+):\d+: error: (?:implicit declaration of function|call to undeclared function) "
                           r"['‘](\w+)['’]", re.M)


def failed_blocks(out):
    """ninja's FAILED: blocks: [(the outputs line, the block's text)]."""
    blocks, cur = [], None
    for line in out.splitlines():
        if line.startswith("FAILED: "):
            cur = [line[len("FAILED: "):], []]
            blocks.append(cur)
        elif cur is not None and (re.match(r"\[\d+/\d+\] ", line) or line.startswith("ninja: ")):
            cur = None
        elif cur is not None:
            cur[1].append(line)
    return [(o, "\n".join(t)) for o, t in blocks]


def block_label(outputs, labels):
    """The tree a failed step belongs to (its target or its gen- folder names the label), None: every tree's."""
    for label in sorted(labels, key=len, reverse=True):
        if re.search(r"(?:-|gen-)%s(?:[./ ]|$)" % re.escape(label), outputs):
            return label
    return None


def failure_message(text, tree):
    """One failed step's message: the extractor's own line, a callee nothing provides, or the errors."""
    lines = [l for l in text.splitlines() if l.startswith("busfuzz: ") and not l.startswith("busfuzz: note: ")]
    if lines:
        return lines[-1].removeprefix("busfuzz: ")
    # A callee nothing provides is an error of the kernel line that calls it (KERNEL_WARN in CMakeLists.txt).
    m = UNDECLARED_RE.search(text)
    if m:
        return ("%s: %s() is neither shimmed (kernel-shim/), stubbed (kernel-shim/stubs.def) nor extracted"
                % (m.group(1), m.group(2)))
    errs = [l for l in text.splitlines() if "error:" in l][:5]
    what = "the bus code of %s does not build against the shim" % tree if tree else "the build failed"
    return "%s:\n  %s" % (what, "\n  ".join(errs) or text[-3000:])


def ninja_error(out):
    """ninja's own error (an unknown target, a broken build.ninja), not a failed step's; None without one."""
    return next((l.removeprefix("ninja: error: ") for l in out.splitlines() if l.startswith("ninja: error: ")), None)


def attribute(out, trees):
    """{label: message} for each tree whose build failed (a failure of no tree's step fails them all)."""
    failed = {}
    for outputs, text in failed_blocks(out):
        label = block_label(outputs, trees)
        for l in [label] if label else list(trees):
            failed.setdefault(l, failure_message(text, trees[l]))
    return failed


# ---- the one CMake invocation and the one ninja runner ---------------------------------

def configure(bdir, cc, trees, options=(), quiet=True):
    """CMake for bdir: the trees (label=path) and options (-DNAME=VALUE)."""
    argv = ["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_C_COMPILER=" + cc,
            "-DBUSFUZZ_TREES=" + ";".join("%s=%s" % kv for kv in trees.items())] + list(options)
    r = subprocess.run(argv, capture_output=quiet, text=True)
    if r.returncode != 0 and not quiet:
        raise Fail("cmake failed")
    if r.returncode != 0:
        raise Fail("cmake failed for %s:\n%s" % (", ".join(trees.values()) or bdir,
                                                 (r.stdout or "")[-2000:] + (r.stderr or "")[-2000:]))


def ninja(bdir, targets, keep_going=False, on_step=None, echo=False):
    """ninja on targets (none: all); (status, output).  on_step() before the first step that does
    work; echo: the output goes to the terminal as it comes (busfuzz test)."""
    argv = ["ninja", "-C", bdir] + (["-k", "0"] if keep_going else []) + list(targets)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    out = []
    for line in proc.stdout:
        if on_step and re.match(r"\[[1-9]\d*/\d+\] ", line):
            on_step()
            on_step = None
        if echo:
            sys.stdout.write(line)
            sys.stdout.flush()
        out.append(line)
    return proc.wait(), "".join(out)


def extract(tree, out):
    """The extractor alone, outside a CMake folder (oss-fuzz/build.sh, bench/run): (status, its output)."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "extract.py"), "--tree", tree, "--out", out,
                        "--stubs", os.path.join(ROOT, "kernel-shim", "stubs.def")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    return r.returncode, r.stdout


class Built:
    """What build_trees() made: the folder, each tree's binaries ({label: {base: path}}) and the
    trees whose build failed ({label: message}; only with keep_going)."""

    def __init__(self, bdir, trees, bases, failed):
        self.bdir, self.failed = bdir, failed
        self.binaries = {l: {b: os.path.join(bdir, target(b, l)) for b in bases} for l in trees if l not in failed}


def build_trees(bdir, trees, bases=(), extra=(), options=(), cc=None, quiet=False, keep_going=False,
                exact=False, name=None, echo=False, reconfigure=False):
    """Builds bases (base names) for every tree of trees ({label: path}) and extra (the folder's own
    targets: sim_plain, bench_switch) in bdir, configured first if it has to be; returns Built.
    A tree's failure raises Fail with its one line, or with keep_going is Built.failed's.  echo: CMake's
    and ninja's output to the terminal (busfuzz test); reconfigure: CMake even when nothing changed.
    One build at a time per folder: concurrent builds wait for each other (a lock file beside it)."""
    cc = cc or ensure_tools()
    targets = [target(b, l) for l in trees for b in bases] + list(extra)
    os.makedirs(os.path.dirname(os.path.abspath(bdir)), exist_ok=True)
    with kernels.locked(bdir + ".lock"):
        action, conf = plan_configure(read_cache(bdir), (cc, shutil.which(cc)), trees, options, exact)
        fresh = not os.path.exists(os.path.join(bdir, "build.ninja"))

        def announce():
            if not quiet:
                say("building %s for %s%s ..." % (", ".join(targets), name or ", ".join(trees),
                                                  " (a new build folder: about half a minute)" if fresh else ""))
        if fresh:
            announce()
            announce = None
        if action == "fresh":
            os.remove(os.path.join(bdir, "CMakeCache.txt"))
        if action or reconfigure:
            configure(bdir, cc, conf, options, quiet=not echo)
        rc, out = ninja(bdir, targets, keep_going, on_step=announce, echo=echo)
    if rc != 0 and echo:
        raise Fail("the build failed")     # what failed is on the terminal already
    if not quiet:
        for line in out.splitlines():
            if line.startswith("busfuzz: note: "):
                say(line.removeprefix("busfuzz: "))
    if rc != 0 and ninja_error(out):
        raise Fail("%s: %s" % (bdir, ninja_error(out)))
    failed = attribute(out, trees) if rc != 0 else {}
    if rc != 0 and not failed:
        failed = {l: failure_message(out, t) for l, t in trees.items()} or {None: failure_message(out, None)}
    if failed and not keep_going:
        raise Fail(next(iter(failed.values())), 2)
    return Built(bdir, trees, bases, failed)


def build(args, root=None, sanitizer="asan", targets=None, quiet=False, cmake_args=(), extra=()):
    """A command's own tree (--tree/--kernel) in its own folder, ROOT/KEY (default: $BUSFUZZ_BUILD,
    else build/); returns (bindir, label, key).  targets: base names (default: needs("build")),
    built with the tree's label t: bindir/busfuzz-replay-t; cmake_args: -D options of the folder
    (a folder is always built with the same ones by its one user); extra: the folder's own targets."""
    tree, label, key = resolve_tree(args)
    bdir = os.path.join(root or build_root(), key)
    build_trees(bdir, {TREE: tree}, needs("build", sanitizer) if targets is None else targets, extra=extra,
                options=cmake_args, quiet=quiet, name=label)
    return bdir, label, key


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


def main():
    p = argparse.ArgumentParser(prog="build.py", description="busfuzz's build layer")
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract", help="extract a tree's bus code into a folder")
    e.add_argument("--tree", required=True)
    e.add_argument("--out", required=True)
    args = p.parse_args()
    rc, err = extract(args.tree, args.out)
    sys.stderr.write(err)
    return rc


if __name__ == "__main__":
    sys.exit(main())
