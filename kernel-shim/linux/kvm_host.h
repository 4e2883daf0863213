/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * linux/kvm_host.h as the extracted code sees it: the shim's primitives, then
 * the kernel's types verbatim from the tree (generated kvm_host_types.h, by
 * tools/kernel_types.py), with placeholders from kernel-shim/placeholders.def
 * for arch state and kernel internals; no kernel struct is written here.
 */
#ifndef BUSFUZZ_SHIM_LINUX_KVM_HOST_H
#define BUSFUZZ_SHIM_LINUX_KVM_HOST_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <linux/atomic.h>
#include <linux/bsearch.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/eventfd.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/unaligned.h>
#include <linux/uaccess.h>

/* Callees listed in kernel-shim/stubs.def: not on the bus path, recorded in the trace. */
#define BUSFUZZ_STUB(name) (sim_stub_hit(#name, __FILE__, __LINE__), 0L)

/* The simulated arch's limits (asm/kvm_host.h): a few vCPUs, one address space. */
#define KVM_MAX_VCPUS 4

/*
 * What memslots are made of: the tree's own rb-tree, interval tree and hash
 * table headers, copied into the build (tools/extract.py's TREE_HEADERS).
 */
/* x86's memslot limits from the tree's asm/kvm_host.h (generated; may be empty). */
#include "kvm_arch_defs.h"
#if BUSFUZZ_TREE_MEMSLOTS
/*
 * The rb-tree code's WRITE_ONCE()s (for lockless lookups of latched trees)
 * are plain stores here, as in lib/rbtree.c and lib/interval_tree.c
 * (tools/extract.py): KVM changes only the inactive memslots' trees, which
 * no reader walks until kvm_swap_active_memslots() publishes them with
 * rcu_assign_pointer(); only that pointer is marked.  So a memslot update
 * costs no marked locations of the model (it has SIM_MAX_LOC), and readers
 * always see the newest links: listed among README's strengthenings.
 */
#include <linux/sim_plain_once.h>
#include <linux/rbtree.h>
#include <linux/interval_tree.h>
#include <linux/hashtable.h>
#include <linux/sim_plain_once_end.h>
#else
/* Memslots off (tools/extract.py says why): kvm_create_vm() only initialises empty placeholders. */
#define RB_ROOT ((struct rb_root){ 0 })
#define RB_ROOT_CACHED ((struct rb_root_cached){ 0 })
#define hash_init(h) memset(h, 0, sizeof(h))
#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]
#endif

/* struct kvm, struct kvm_vcpu and all they embed: from the tree's headers. */
#include "kvm_host_types.h"		/* generated */
#include <linux/xarray.h>		/* on the struct xarray placeholder */

/* Initialised only (vcpu->pid_lock): read_lock()/write_lock() do not exist here. */
#define rwlock_init(lock) ((void)(lock))
/* The index if below size, else 0, as the kernel's (without its speculation barrier). */
#define array_index_nospec(index, size) ((index) < (size) ? (index) : 0)

/* The arch hook's generic part, in fuzz/harness.c: every arch frees its vCPUs there. */
void kvm_arch_destroy_vm(struct kvm *kvm);

/*
 * How many memslot address spaces a VM uses (x86's kvm_arch_nr_memslot_as_ids()).
 * x86 with SMM has two (KVM_MAX_NR_ADDRESS_SPACES from the tree's
 * asm/kvm_host.h); the scenario sets it per execution (fuzz/harness.c):
 * 2 when it models x86 and its APIC access page memslot, else 1, as the
 * arches without SMM.  6.1 loops over the constant KVM_ADDRESS_SPACE_NUM
 * (kvm_host.h's generic 1) instead and never calls this.
 */
extern int sim_memslot_as_ids;
static inline int kvm_arch_nr_memslot_as_ids(struct kvm *kvm)
{
	(void)kvm;
	return sim_memslot_as_ids;
}

/* vCPUs run outside SMM: their memslots are address space 0's (x86's hflags test). */
static inline int kvm_arch_vcpu_memslots_id(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

/* The arch hook, in fuzz/harness.c: a labelled stand-in (x86's APIC access page memslot). */
int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu);

/* kvm_host.h's generic VM allocation (no arch override on the simulated arch). */
#define kvm_arch_alloc_vm() ((struct kvm *)kzalloc(sizeof(struct kvm), GFP_KERNEL_ACCOUNT))
#define kvm_arch_free_vm(kvm) kvfree(kvm)

extern struct mutex kvm_lock;
extern struct list_head vm_list;

#include "kvm_host_bus_inlines.h"	/* generated: kvm_get_bus() */

#endif /* BUSFUZZ_SHIM_LINUX_KVM_HOST_H */
