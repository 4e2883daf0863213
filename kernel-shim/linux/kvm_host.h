/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct kvm as the extracted code sees it.  The bus types, enum kvm_bus and
 * kvm_get_bus() come verbatim from the tree (generated headers); the fields
 * of struct kvm that the bus code and VM creation/teardown touch are named
 * as in the kernel, with the kernel's types where the shim has them and
 * placeholder types for the parts busfuzz stubs (memslots, MMU notifier).
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
#include <linux/kvm_types.h>
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

#include "kvm_host_bus_types.h"		/* generated from the tree */

/* Callees listed in kernel-shim/stubs.def: not on the bus path, recorded in the trace. */
#define BUSFUZZ_STUB(name) (sim_stub_hit(#name, __FILE__, __LINE__), 0L)

#define KVM_MAX_VCPUS 4
#define KVM_MEM_SLOTS_NUM 512
#define KVM_ADDRESS_SPACE_NUM 1
#define KVM_MAX_NR_ADDRESS_SPACES 1
#define KVM_STATS_NAME_SIZE 48

/* Placeholders for what VM creation initialises but the bus never uses. */
struct rb_root { void *rb_node; };
struct rb_root_cached { struct rb_root rb_root; void *rb_leftmost; };
#define RB_ROOT ((struct rb_root){ 0 })
#define RB_ROOT_CACHED ((struct rb_root_cached){ { 0 }, 0 })
#define hash_init(h) memset(h, 0, sizeof(h))
struct rcuwait { void *task; };
struct xarray { void *head; };
struct mmu_notifier { const void *ops; };
struct dentry;

struct kvm_memslots {
	u64 generation;
	atomic_long_t last_used_slot;
	struct rb_root_cached hva_tree;
	struct rb_root gfn_tree;
	struct hlist_head id_hash[128];
	int node_idx;
};

struct kvm {
	spinlock_t mmu_lock;
	struct mutex slots_lock;
	struct mutex slots_arch_lock;
	struct mm_struct *mm;
	struct kvm_memslots __memslots[KVM_MAX_NR_ADDRESS_SPACES][2];
	struct kvm_memslots __rcu *memslots[KVM_MAX_NR_ADDRESS_SPACES];
	struct xarray vcpu_array;
	atomic_t online_vcpus;
	int max_vcpus;
	struct list_head vm_list;
	struct mutex lock;
	struct kvm_io_bus __rcu *buses[KVM_NR_BUSES];
	struct kvm_coalesced_mmio_ring *coalesced_mmio_ring;	/* CONFIG_KVM_MMIO */
	spinlock_t ring_lock;
	struct list_head coalesced_zones;
	struct list_head ioeventfds;
	struct mutex irq_lock;
	struct hlist_head irq_ack_notifier_list;
	struct mmu_notifier mmu_notifier;
	unsigned long mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	spinlock_t mn_invalidate_lock;
	unsigned long mn_active_invalidate_count;
	struct rcuwait mn_memslots_update_rcuwait;
	struct list_head gpc_list;
	spinlock_t gpc_lock;
	struct list_head devices;
	refcount_t users_count;
	struct srcu_struct srcu;
	struct srcu_struct irq_srcu;
	struct dentry *debugfs_dentry;
	char stats_id[KVM_STATS_NAME_SIZE];
};

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_id;
};

static inline int kvm_arch_nr_memslot_as_ids(struct kvm *kvm)
{
	(void)kvm;
	return KVM_ADDRESS_SPACE_NUM;
}

/* kvm_host.h's generic VM allocation (no arch override on the simulated arch). */
#define kvm_arch_alloc_vm() ((struct kvm *)kzalloc(sizeof(struct kvm), GFP_KERNEL_ACCOUNT))
#define kvm_arch_free_vm(kvm) kvfree(kvm)

extern struct mutex kvm_lock;
extern struct list_head vm_list;

#include "kvm_host_bus_inlines.h"	/* generated: kvm_get_bus() */

#endif /* BUSFUZZ_SHIM_LINUX_KVM_HOST_H */
