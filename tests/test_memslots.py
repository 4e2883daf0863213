#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Memslot updates run the tree's own code, grace period included.

    test_memslots.py REPLAY TREE SEED

Replays SEED (corpus/seeds/008-memslots-x86: x86, two vCPUs; the ioctl
thread creates memslot 0, fails to create memslot 1 over it (-EEXIST),
creates it elsewhere, moves memslot 0, deletes it) on an unmodified tree
with no preemption, and checks in the trace that:
  - it replays clean (exit 0, no FINDING);
  - the ioctl thread waits in kvm_swap_active_memslots()'s
    synchronize_srcu_expedited() (at its line in TREE) 1 + 0 + 1 + 2 + 2
    times: a create swaps once, a move or delete twice (invalid, then new);
  - the first vCPU's creation makes x86's APIC access page memslot
    (vm_mmap() once) and waits there once per address space: 2 where the
    tree's x86 has KVM_MAX_NR_ADDRESS_SPACES (SMM), 1 on 6.1, whose
    KVM_ADDRESS_SPACE_NUM loop is the generic 1; the second vCPU never;
  - teardown (after the kvm_arch_destroy_vm stand-in starts) deletes that
    memslot: twice per address space (invalid, then gone).
"""
import os
import re
import subprocess
import sys


def swap_sync_line(tree):
    """The line of synchronize_srcu_expedited() in the tree's kvm_swap_active_memslots()."""
    with open(os.path.join(tree, "virt/kvm/kvm_main.c"), errors="replace") as f:
        lines = f.read().split("\n")
    start = next(i for i, l in enumerate(lines) if re.match(r"static void kvm_swap_active_memslots\(", l))
    for i in range(start, len(lines)):
        if "synchronize_srcu_expedited(&kvm->srcu);" in lines[i]:
            return i + 1
        if lines[i].startswith("}"):
            break
    raise SystemExit("FAIL: no synchronize_srcu_expedited() in kvm_swap_active_memslots() of %s" % tree)


def main():
    if len(sys.argv) != 4:
        print("usage: test_memslots.py REPLAY TREE SEED", file=sys.stderr)
        return 2
    replay, tree, seed = sys.argv[1:]
    line = swap_sync_line(tree)
    with open(os.path.join(tree, "arch/x86/include/asm/kvm_host.h"), errors="replace") as f:
        nas = 2 if re.search(r"^#\s*define\s+KVM_MAX_NR_ADDRESS_SPACES\s+2\b", f.read(), re.M) else 1
    r = subprocess.run([replay, seed], capture_output=True, text=True, errors="replace")
    out = r.stdout + r.stderr
    fails = []
    if r.returncode != 0 or "FINDING" in out:
        fails.append("not clean (exit %d): %s" % (r.returncode, next(
            (l for l in out.splitlines() if "FINDING" in l), out.strip()[-300:])))
    syncs = {}
    mmaps = {}
    teardown = False
    for m in re.finditer(r"^\s*\d+\s+(\S+)\s+(synchronize_srcu_expedited\s+virt/kvm/kvm_main\.c:(\d+)|"
                         r"stub vm_mmap\(\)|stub kvm_arch_destroy_vm)", out, re.M):
        if m.group(2).startswith("stub kvm_arch_destroy_vm"):
            teardown = True
        elif m.group(3):
            if int(m.group(3)) == line:
                who = "teardown" if teardown else m.group(1)
                syncs[who] = syncs.get(who, 0) + 1
        else:
            mmaps[m.group(1)] = mmaps.get(m.group(1), 0) + 1
    want = {"ioctl": 6, "vcpu0": nas, "teardown": 2 * nas}
    if syncs != want:
        fails.append("waits in kvm_swap_active_memslots() (kvm_main.c:%d) by thread: %s, want %s" % (line, syncs, want))
    if mmaps != {"vcpu0": 1}:
        fails.append("vm_mmap() of the APIC access page by thread: %s, want the first vCPU's once" % mmaps)
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: ioctl thread %d memslot grace periods, first vCPU %d (%d address space(s)), second none, "
              "teardown %d" % (syncs["ioctl"], syncs["vcpu0"], nas, syncs["teardown"]))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
