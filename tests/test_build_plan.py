#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of the build layer's pure logic (tools/build.py), without a kernel tree or a compiler:
which targets each command builds, when a folder is configured again, how trees are named in a
shared folder, which tree a failed ninja step belongs to, and the copy that keeps unchanged files.

  python3 tests/test_build_plan.py
"""
import os
import re
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
from pyrunner import check, exit_status  # noqa: E402


def cmake_targets():
    """The per-tree target names CMakeLists.txt defines (busfuzz-...-${label})."""
    text = open(os.path.join(ROOT, "CMakeLists.txt")).read()
    return set(re.findall(r"(busfuzz-[a-z-]+?)-\$\{label\}", text)) | {
        m for m in re.findall(r"set\(target (busfuzz-[a-z-]+?)-\$\{label\}\)", text)}


def test_needs():
    n = build.needs
    check(n("replay", "none") == ("busfuzz-replay",), "replay of a plain reproducer builds the replay binary only")
    check(n("replay", "tsan") == ("busfuzz-fuzz-tsan",), "replay in the TSan build builds that one only")
    check(n("minimize") == ("busfuzz-replay",), "minimize runs the plain replay only")
    check(n("fuzz", "asan") == ("busfuzz-fuzz", "busfuzz-replay"), "fuzz: the ASan libFuzzer build and replay")
    check(n("fuzz", "tsan") == ("busfuzz-fuzz-tsan", "busfuzz-replay"), "fuzz --sanitizer tsan: no ASan build")
    check(n("fuzz", "asan", ("pct",)) == ("busfuzz-explore", "busfuzz-replay"),
          "fuzz --strategy pct: the explorer, no libFuzzer build")
    check(n("build") == ("busfuzz-fuzz", "busfuzz-replay", "busfuzz-explore"), "busfuzz build: its three")
    check(n("stress", tsan=True) == ("busfuzz-stress-tsan",) and n("stress") == ("busfuzz-stress",),
          "stress: the one native build")
    check(n("mutants", strategies=("random", "pct")) == ("busfuzz-explore", "busfuzz-replay"),
          "mutants: one explorer for random and pct")
    check(n("mutants", strategies=("libfuzzer", "stress"), tsan=True) ==
          ("busfuzz-fuzz", "busfuzz-replay", "busfuzz-stress-tsan"), "mutants: each strategy's build, sorted")
    check(n("cost") == ("busfuzz-cost",) and n("check") == ("busfuzz-fuzz", "busfuzz-replay"), "cost and check")
    have = cmake_targets()
    used = {b for c in ("replay", "minimize", "fuzz", "build", "stress", "cost", "check") for s in build.FUZZ
            for b in build.needs(c, s)} | {build.stress_base(True)} | set(build.STRATEGY_BASE.values())
    check(used <= have, "every target a command builds is one CMakeLists.txt defines per tree (%s)" %
          ", ".join(sorted(used - have)) if used - have else "every target a command builds is in CMakeLists.txt")
    check(build.target("busfuzz-replay") == "busfuzz-replay-t", "a command's own tree is labelled t")


def test_tree_labels():
    a = build.tree_label("register-no-sync")
    check(a == "m_register_no_sync", "a mutant's label: m_ and no dash (%s)" % a)
    check(build.tree_label("register_no-sync", {a}) == "m_register_no_sync_2", "a label taken: a suffix")
    check(re.fullmatch(r"[A-Za-z0-9_]+", build.tree_label("a.b c/d")), "letters, digits and _ only")
    check(build.folder_key("/x/linux", "7.2.13") == "k7.2.13", "a --kernel's folder: k<version>")
    k = build.folder_key("/x/linux", "tree:/x/linux")
    check(k.startswith("tree-") and k == build.folder_key("/x/linux", "tree:/x/linux") and
          k != build.folder_key("/y/linux", "tree:/y/linux"), "a --tree's folder: by its path")


def test_plan_configure():
    p = build.plan_configure
    cc = ("clang", "/usr/bin/clang")
    t = {"t": "/k/7"}
    check(p(None, cc, t) == ("configure", t), "no folder yet: configure")
    cache = {"CMAKE_C_COMPILER": "/usr/bin/clang", "BUSFUZZ_TREES": "t=/k/7"}
    check(p(cache, cc, t) == (None, t), "the same tree and compiler: the folder as it is, no CMake")
    check(p(dict(cache, CMAKE_C_COMPILER="/usr/bin/gcc"), cc, t)[0] == "fresh", "another compiler: start over")
    check(p(cache, cc, t, ("-DBUSFUZZ_NO_INLINE=ON",))[0] == "configure", "an option the folder lacks: configure")
    check(p(dict(cache, BUSFUZZ_NO_INLINE="ON"), cc, t, ("-DBUSFUZZ_NO_INLINE=ON",))[0] is None,
          "an option the folder has: no CMake")
    many = dict(cache, BUSFUZZ_TREES="m_a=/w/a;m_b=/w/b;m_c=/w/c")
    check(p(many, cc, {"m_b": "/w/b"}, exists=lambda d: True) == (None, build.parse_trees(many["BUSFUZZ_TREES"])),
          "a subset of the folder's trees: no CMake, the others' builds kept")
    act, trees = p(many, cc, {"m_d": "/w/d"}, exists=lambda d: d != "/w/c")
    check(act == "configure" and trees == {"m_a": "/w/a", "m_b": "/w/b", "m_d": "/w/d"},
          "a new tree: configure with it and the trees still there")
    act, trees = p(many, cc, {"m_a": "/v/a"}, exists=lambda d: True)
    check(act == "configure" and trees["m_a"] == "/v/a", "a label given another tree: the new one wins")
    check(p(many, cc, {"m_a": "/w/a"}, exact=True)[0] == "configure", "exact: the folder's trees are these only")


def test_failures():
    out = """ninja: Entering directory `b'
[1/9] Extracting the bus code of /w/a
FAILED: gen-m_a/extract.stamp
cd b && python3 tools/extract.py --tree /w/a --out b/gen-m_a
busfuzz: note: something
busfuzz: /w/a: virt/kvm/kvm_main.c: kvm_io_bus_write() not found
[2/9] Building C object CMakeFiles/busfuzz-replay-m_ab.dir/fuzz/harness.c.o
FAILED: CMakeFiles/busfuzz-fuzz-tsan-m_ab.dir/fuzz/harness.c.o
clang ... -c fuzz/harness.c
virt/kvm/kvm_main.c:42:3: error: call to undeclared function 'frob'; ISO C99 and later do not support
1 error generated.
ninja: build stopped: cannot make progress due to previous errors.
"""
    trees = {"m_a": "/w/a", "m_ab": "/w/ab", "m_b": "/w/b"}
    f = build.attribute(out, trees)
    check(sorted(f) == ["m_a", "m_ab"], "each failed step goes to its tree, m_a not taken for m_ab (%s)" % sorted(f))
    check(f.get("m_a") == "/w/a: virt/kvm/kvm_main.c: kvm_io_bus_write() not found",
          "an extraction's failure: the extractor's own line")
    check(f.get("m_ab", "").startswith("virt/kvm/kvm_main.c:42: frob() is neither shimmed"),
          "an undeclared callee: named with its kernel line")
    f = build.attribute("FAILED: CMakeFiles/sim_plain.dir/sim/sched.c.o\nsim/sched.c:1:1: error: x\n", trees)
    check(sorted(f) == sorted(trees), "a failure of no tree's step (the simulator) fails every tree")
    check(build.ninja_error("ninja: Entering directory `b'\nninja: error: unknown target 'x'\n") ==
          "unknown target 'x'" and build.ninja_error(out) is None, "ninja's own error is told from a failed step")


def test_sync_tree(tmp):
    src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
    os.makedirs(os.path.join(src, "virt", "kvm"))
    for name, text in (("virt/kvm/a.c", "a"), ("virt/kvm/b.c", "b"), ("Makefile", "m")):
        with open(os.path.join(src, name), "w") as f:
            f.write(text)
    check(len(build.sync_tree(src, dst)) == 3, "a new copy: every file written")
    old = time.time() - 1000
    for name in ("virt/kvm/a.c", "virt/kvm/b.c", "Makefile"):
        os.utime(os.path.join(dst, name), (old, old))
    shutil.rmtree(src)
    os.makedirs(os.path.join(src, "virt", "kvm"))
    for name, text in (("virt/kvm/a.c", "a"), ("virt/kvm/b.c", "B")):
        with open(os.path.join(src, name), "w") as f:
            f.write(text)
    changed = sorted(os.path.relpath(p, dst) for p in build.sync_tree(src, dst))
    check(changed == ["Makefile", "virt/kvm/b.c"], "again: only the changed file and the gone one (%s)" % changed)
    check(os.path.getmtime(os.path.join(dst, "virt/kvm/a.c")) == old, "an unchanged file keeps its time")
    check(open(os.path.join(dst, "virt/kvm/b.c")).read() == "B" and
          not os.path.exists(os.path.join(dst, "Makefile")), "the copy is the source")


def main():
    tmp = tempfile.mkdtemp(prefix="busfuzz-build-plan-")
    try:
        test_needs()
        test_tree_labels()
        test_plan_configure()
        test_failures()
        test_sync_tree(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
