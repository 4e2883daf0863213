/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * RCU pointers.  rcu_assign_pointer() is a release store (never a plain one:
 * that is the bug class TSan and the model look for); the protected form is
 * a plain load whose lockdep condition is checked, as CONFIG_PROVE_RCU does.
 */
#ifndef BUSFUZZ_SHIM_LINUX_RCUPDATE_H
#define BUSFUZZ_SHIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>
#include <linux/srcu.h>

#define rcu_assign_pointer(p, v) __sim_store(p, v, SIM_RELEASE, "rcu_assign_pointer")
#define RCU_INIT_POINTER(p, v) __sim_store(p, v, SIM_ONCE, "RCU_INIT_POINTER")

#define rcu_dereference_protected(p, c) ({					\
	if (!(c))								\
		sim_finding(SIM_F_LOCKDEP, SIM_SITE("rcu_dereference_protected"),	\
			    "suspicious rcu_dereference_protected() usage: '%s' is false", #c); \
	__sim_load(p, SIM_PLAIN, "rcu_dereference_protected"); })

/* Plain RCU is its own domain (sim_rcu()): its grace periods do not wait for SRCU readers. */
#define rcu_read_lock() ((void)sim_srcu_read_lock(sim_rcu(), SIM_SITE("rcu_read_lock")))
#define rcu_read_unlock() sim_srcu_read_unlock(sim_rcu(), SIM_SRCU_ANY_IDX, SIM_SITE("rcu_read_unlock"))
#define rcu_read_lock_held() sim_srcu_held(sim_rcu())
#define rcu_dereference_check(p, c) ({						\
	if (!((c) || rcu_read_lock_held()))					\
		sim_finding(SIM_F_LOCKDEP, SIM_SITE("rcu_dereference_check"),	\
			    "suspicious rcu_dereference_check() usage: no rcu_read_lock() and '%s' is false", #c); \
	__typeof__(p) __p = __sim_load(p, SIM_DEREF, "rcu_dereference");	\
	sim_srcu_note_deref(sim_rcu(), __p); __p; })
#define rcu_dereference(p) rcu_dereference_check(p, 0)
/* No lockdep condition at all (lib/rbtree.h's latched lookups): the load alone. */
#define rcu_dereference_raw(p) __sim_load(p, SIM_DEREF, "rcu_dereference_raw")
#define synchronize_rcu() sim_srcu_synchronize(sim_rcu(), false, SIM_SITE("synchronize_rcu"))
#define synchronize_rcu_expedited() sim_srcu_synchronize(sim_rcu(), true, SIM_SITE("synchronize_rcu_expedited"))
#define call_rcu(head, fn) sim_srcu_call(sim_rcu(), head, fn, SIM_SITE("call_rcu"))
#define rcu_barrier() sim_srcu_barrier(sim_rcu(), SIM_SITE("rcu_barrier"))

#endif /* BUSFUZZ_SHIM_LINUX_RCUPDATE_H */
