#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The shim's contract (kernel-shim/primitives.def) against everything that restates it.

The repository agrees with the table (shim headers, README's table, the litmus
exporter, tools/litmus.py's loads and stores); and each check fails on a copy of
the repository where one of them was made to disagree, so an agreement is not
the check seeing nothing.  With --tree TREE, the tree's linux-kernel.def has no
primitive the table does not list.

  test_primitives.py [--tree TREE]
"""
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import litmus  # noqa: E402
import primitives  # noqa: E402
from pyrunner import check, exit_status  # noqa: E402


def copy_repo(tmp):
    for d in ("kernel-shim", "sim"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
    shutil.copy(os.path.join(ROOT, "README.md"), tmp)
    return os.path.join(tmp, "kernel-shim", "primitives.def")


def edit(path, old, new, regex=False):
    text = open(path).read()
    if not (re.search(old, text, re.M) if regex else old in text):
        raise SystemExit("FAIL: the test's edit does not apply to %s: %r" % (path, old))
    text = re.sub(old, new, text, count=1, flags=re.M) if regex else text.replace(old, new, 1)
    open(path, "w").write(text)


def mutated(edit_fn, check_fn):
    """The disagreements a check reports on a copy of the repository edited by edit_fn."""
    with tempfile.TemporaryDirectory() as tmp:
        d = copy_repo(tmp)
        edit_fn(tmp, d)
        primitives._cache.clear()
        try:
            return check_fn(tmp, d)
        finally:
            primitives._cache.clear()


def main():
    tree = None
    if sys.argv[1:2] == ["--tree"] and len(sys.argv) == 3:
        tree = sys.argv[2]
    elif len(sys.argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    if tree:
        errs = primitives.check_tree(tree)
        check(primitives.kernel_def(tree) is not None, "%s has tools/memory-model/linux-kernel.def" % tree)
        check(not errs, "every primitive of the tree's linux-kernel.def is in the table%s" %
              "".join("\n     " + e for e in errs))
        return exit_status()

    errs = primitives.check_all()
    check(not errs, "the repository agrees with kernel-shim/primitives.def%s" % "".join("\n     " + e for e in errs))

    def relabel(old, new, name):
        def edit(tmp, d):
            edit_file = os.path.join(tmp, "kernel-shim", "linux", name)
            text = open(edit_file).read()
            open(edit_file, "w").write(text.replace(old, new, 1))
        return edit
    errs = mutated(relabel(" /* shim kind: model */", "", "srcu.h"), lambda tmp, d: primitives.check_kinds(tmp))
    check(any("kernel-shim/linux/srcu.h:1: no '/* shim kind" in e for e in errs), "a shim header without its kind is reported")
    errs = mutated(relabel("shim kind: model", "shim kind: forward", "mutex.h"), lambda tmp, d: primitives.check_kinds(tmp))
    check(any("mutex.h:1: kind forward, but it calls into the simulator" in e for e in errs),
          "a model header labelled forward is reported")
    errs = mutated(relabel("shim kind: forward", "shim kind: model", "err.h"), lambda tmp, d: primitives.check_kinds(tmp))
    check(any("err.h:1: kind model, but it calls nothing" in e for e in errs), "a forward header labelled model is reported")

    # The facts the litmus translator relies on, from the table.
    check(litmus.LOADS.get("READ_ONCE") == (0, True) and litmus.LOADS.get("smp_load_acquire") == (0, False)
          and litmus.LOADS.get("atomic_read") == (0, False), "litmus LOADS: READ_ONCE(x) a location, "
          "smp_load_acquire(p) and atomic_read(p) a pointer")
    check(litmus.STORES.get("rcu_assign_pointer") is True and litmus.STORES.get("smp_store_release") is False
          and "smp_store_mb" in litmus.STORES, "litmus STORES: rcu_assign_pointer(x) a location, "
          "smp_store_release(p) a pointer, smp_store_mb a store")
    missing = [n for n, p in primitives.table().items()
               if p["kind"] == "model" and p["lkmm"] and not litmus.MARKED_CALL.match(n)]
    check(not missing, "litmus's MARKED_CALL knows every primitive of the table herd7 knows%s" %
          (": missing " + ", ".join(missing) if missing else ""))

    # Each check can fail.
    def shim_order(tmp, d):
        edit(d, r"^(READ_ONCE\s+model\s+)load\.ONCE", r"\1load.ACQUIRE", regex=True)

    errs = mutated(shim_order, lambda tmp, d: primitives.check_shim(tmp, d))
    check(any("READ_ONCE routes to load.ONCE" in e for e in errs), "a wrong order in the table is reported")

    def shim_new(tmp, d):
        with open(os.path.join(tmp, "kernel-shim", "linux", "compiler.h"), "a") as f:
            f.write('#define smp_mystery(x) sim_fence(SIM_MB, SIM_SITE("smp_mystery"))\n')

    errs = mutated(shim_new, lambda tmp, d: primitives.check_shim(tmp, d))
    check(any("smp_mystery reaches the simulator" in e for e in errs), "a shim macro the table lacks is reported")

    def shim_refcount(tmp, d):     # the old two-step refcount_inc_not_zero: a read and a separate add
        edit(os.path.join(tmp, "kernel-shim", "linux", "refcount.h"),
             "atomic_cmpxchg_relaxed(&(r)->refs, __old, __old + 1)", "atomic_add_return(1, &(r)->refs) - 1")

    errs = mutated(shim_refcount, lambda tmp, d: primitives.check_shim(tmp, d))
    check(any(e.split(": ", 1)[1].startswith("refcount_inc_not_zero routes to load.ONCE+rmw.FULL") for e in errs),
          "a shim whose refcount_inc_not_zero is not the table's is reported")

    def readme(tmp, d):
        edit(os.path.join(tmp, "README.md"), "| `smp_rmb` | model | `fence.RMB` |", "| `smp_rmb` | model | `fence.WMB` |")

    errs = mutated(readme, lambda tmp, d: primitives.check_readme(tmp, d))
    check(any("README.md: the primitives table differs" in e for e in errs), "an edited README table is reported")

    def exporter(tmp, d):
        edit(os.path.join(tmp, "sim", "litmus_export.c"), '"r%d = smp_load_acquire(%s);"',
             '"r%d = smp_store_release(%s);"')

    errs = mutated(exporter, lambda tmp, d: primitives.check_exporter(tmp, d))
    check(any("writes smp_store_release() as a load" in e for e in errs),
          "the exporter writing a store as a load is reported")

    def exporter_form(tmp, d):
        edit(os.path.join(tmp, "sim", "litmus_export.c"), '"rcu_assign_pointer(*%s, %d);"',
             '"rcu_assign_pointer(%s, %d);"')

    errs = mutated(exporter_form, lambda tmp, d: primitives.check_exporter(tmp, d))
    check(any("passes x to rcu_assign_pointer()" in e for e in errs),
          "the exporter passing a pointer where LKMM takes the location is reported")

    def exporter_fence(tmp, d):    # a fence the exporter writes by name, which herd7 would not know
        edit(d, r"^(smp_mb__after_spinlock\s+model\s+\S+\s+)\S+$", r"\1-", regex=True)

    errs = mutated(exporter_fence, lambda tmp, d: primitives.check_exporter(tmp, d))
    check(any("fence smp_mb__after_spinlock() by name" in e for e in errs),
          "a fence written by name without an LKMM event is reported")

    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "tools", "memory-model"))
        with open(os.path.join(tmp, "tools", "memory-model", "linux-kernel.def"), "w") as f:
            f.write("READ_ONCE(X) __load{once}(X)\nsmp_mb__new_fence() { __fence{new}; }\n"
                    "smp_rmb() { __fence{wmb}; }\n")
        errs = primitives.check_tree(tmp)
        check(any("smp_mb__new_fence is in the tree's linux-kernel.def but neither" in e for e in errs)
              and any("smp_rmb: the table's LKMM event" in e for e in errs)
              and not any("READ_ONCE" in e for e in errs),
              "a tree's linux-kernel.def with an unknown primitive and a changed one is reported")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
