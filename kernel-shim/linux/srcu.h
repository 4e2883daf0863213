/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
#ifndef BUSFUZZ_SHIM_LINUX_SRCU_H
#define BUSFUZZ_SHIM_LINUX_SRCU_H

#include <linux/compiler.h>

struct srcu_struct {
	struct sim_srcu *sim;
};

#define init_srcu_struct(ssp) sim_srcu_init(&(ssp)->sim, #ssp)
#define cleanup_srcu_struct(ssp) sim_srcu_cleanup(&(ssp)->sim, SIM_SITE("cleanup_srcu_struct"))
#define srcu_read_lock(ssp) sim_srcu_read_lock((ssp)->sim, SIM_SITE("srcu_read_lock"))
#define srcu_read_unlock(ssp, idx) sim_srcu_read_unlock((ssp)->sim, idx, SIM_SITE("srcu_read_unlock"))
#define srcu_read_lock_held(ssp) sim_srcu_held((ssp)->sim)
#define synchronize_srcu(ssp) sim_srcu_synchronize((ssp)->sim, false, SIM_SITE("synchronize_srcu"))
#define synchronize_srcu_expedited(ssp) sim_srcu_synchronize((ssp)->sim, true, SIM_SITE("synchronize_srcu_expedited"))
#define call_srcu(ssp, head, fn) sim_srcu_call((ssp)->sim, head, fn, SIM_SITE("call_srcu"))
/* Proposed in 2026 (register freeing the old bus): __call_srcu(..., do_norm = false). */
#define call_srcu_expedited(ssp, head, fn) sim_srcu_call_expedited((ssp)->sim, head, fn, SIM_SITE("call_srcu_expedited"))
#define srcu_barrier(ssp) sim_srcu_barrier((ssp)->sim, SIM_SITE("srcu_barrier"))
#define srcu_down_read(ssp) sim_srcu_read_lock((ssp)->sim, SIM_SITE("srcu_down_read"))
#define srcu_up_read(ssp, idx) sim_srcu_read_unlock((ssp)->sim, idx, SIM_SITE("srcu_up_read"))
/* Its kerneldoc promises a full barrier after srcu_read_lock() (--srcu doc);
 * Tree SRCU has it inside srcu_read_lock() and this is empty (--srcu impl). */
#define smp_mb__after_srcu_read_lock() sim_fence(SIM_MB_AFTER_SRCU_LOCK, SIM_SITE("smp_mb__after_srcu_read_lock"))
#define smp_mb__after_srcu_read_unlock() sim_fence(SIM_MB_AFTER_SRCU_UNLOCK, SIM_SITE("smp_mb__after_srcu_read_unlock"))

#define srcu_dereference_check(p, ssp, c) ({					\
	struct srcu_struct *__ssp = (ssp);					\
	if (!((c) || srcu_read_lock_held(__ssp)))				\
		sim_finding(SIM_F_LOCKDEP, SIM_SITE("srcu_dereference_check"),	\
			    "suspicious srcu_dereference_check() usage: not in an SRCU read section and '%s' is false", #c); \
	__typeof__(p) __p = __sim_load(p, SIM_DEREF, "srcu_dereference");	\
	sim_srcu_note_deref(__ssp->sim, __p); __p; })
#define srcu_dereference(p, ssp) srcu_dereference_check(p, ssp, 0)

#endif /* BUSFUZZ_SHIM_LINUX_SRCU_H */
