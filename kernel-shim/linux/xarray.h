/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * The xarray as KVM's vCPU array uses it (kvm->vcpu_array): the struct
 * xarray placeholder (kernel-shim/placeholders.def) holds one slot per
 * possible vCPU.  A store publishes with a release store, as lib/xarray.c's
 * rcu_assign_pointer() does, and a load is rcu_dereference()'s dependent load,
 * so kvm_get_vcpu()'s smp_rmb() pairing is the tree's own.  Every KVM writer
 * holds kvm->lock, so the xa_lock is not modelled.  An index past the slots
 * is not something the shim can model: it traps.  A tree whose vCPUs are in
 * a plain array (5.10's kvm->vcpus[]) uses no xarray: then there is none.
 */
#ifndef BUSFUZZ_SHIM_LINUX_XARRAY_H
#define BUSFUZZ_SHIM_LINUX_XARRAY_H
#ifdef BUSFUZZ_PLACEHOLDER_xarray

#include <linux/errno.h>
#include <linux/rcupdate.h>

#define XA_FLAGS_ACCOUNT 0u

static inline void **sim_xa_slot(struct xarray *xa, unsigned long index)
{
	if (index >= ARRAY_SIZE(xa->busfuzz_entry))
		__builtin_trap();	/* KVM never indexes past KVM_MAX_VCPUS - 1 */
	return &xa->busfuzz_entry[index];
}

#define xa_init(xa) memset((xa), 0, sizeof(*(xa)))

static inline void *xa_load(struct xarray *xa, unsigned long index)
{
	if (index >= ARRAY_SIZE(xa->busfuzz_entry))
		return NULL;
	/* rcu_dereference()'s load, without noting a bus reference (sim_srcu_note_deref()). */
	return __sim_load(*sim_xa_slot(xa, index), SIM_DEREF, "xa_load");
}

/* The old entry; a reserved slot reads as NULL. */
static inline void *xa_store(struct xarray *xa, unsigned long index, void *entry, unsigned gfp)
{
	void **slot = sim_xa_slot(xa, index), *old = *slot;

	(void)gfp;
	xa->busfuzz_reserved &= ~(1ul << index);
	rcu_assign_pointer(*slot, entry);
	return old;
}

static inline int xa_insert(struct xarray *xa, unsigned long index, void *entry, unsigned gfp)
{
	if (*sim_xa_slot(xa, index) || (xa->busfuzz_reserved & (1ul << index)))
		return -EBUSY;
	xa_store(xa, index, entry, gfp);
	return 0;
}

static inline int xa_reserve(struct xarray *xa, unsigned long index, unsigned gfp)
{
	(void)gfp;
	if (!*sim_xa_slot(xa, index))
		xa->busfuzz_reserved |= 1ul << index;
	return 0;
}

static inline void xa_release(struct xarray *xa, unsigned long index)
{
	sim_xa_slot(xa, index);
	xa->busfuzz_reserved &= ~(1ul << index);
}

static inline void *xa_erase(struct xarray *xa, unsigned long index)
{
	return xa_store(xa, index, NULL, 0);
}

/* The first entry at *index or after, up to last; NULL when none is left. */
static inline void *sim_xa_find(struct xarray *xa, unsigned long *index, unsigned long last)
{
	for (; *index <= last && *index < ARRAY_SIZE(xa->busfuzz_entry); (*index)++) {
		void *e = xa_load(xa, *index);

		if (e)
			return e;
	}
	return NULL;
}

#define xa_for_each_range(xa, index, entry, start, last)				\
	for (index = (start), entry = sim_xa_find(xa, &(index), (last)); entry;		\
	     index++, entry = sim_xa_find(xa, &(index), (last)))

#endif /* BUSFUZZ_PLACEHOLDER_xarray */
#endif /* BUSFUZZ_SHIM_LINUX_XARRAY_H */
