/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
#ifndef BUSFUZZ_SHIM_LINUX_LOCKDEP_H
#define BUSFUZZ_SHIM_LINUX_LOCKDEP_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

static inline bool sim_mutex_is_held(struct mutex *m) { return sim_lock_held(&m->l); }
static inline bool sim_spin_is_held(spinlock_t *s) { return sim_lock_held(&s->l); }
static inline bool sim_srcu_is_held(struct srcu_struct *s) { return sim_srcu_held(s->sim); }

/* Lockdep treats an srcu_struct as a lock its readers hold. */
#define lockdep_is_held(l) _Generic((l),					\
	struct mutex *: sim_mutex_is_held,					\
	spinlock_t *: sim_spin_is_held,						\
	struct srcu_struct *: sim_srcu_is_held)(l)
#define lockdep_assert_held(l) do {						\
	if (!lockdep_is_held(l))						\
		sim_finding(SIM_F_LOCKDEP, SIM_SITE("lockdep_assert_held"),		\
			    "lockdep_assert_held(%s) fails", #l);		\
} while (0)
#define lockdep_assert_not_held(l) do {						\
	if (lockdep_is_held(l))							\
		sim_finding(SIM_F_LOCKDEP, SIM_SITE("lockdep_assert_not_held"),	\
			    "lockdep_assert_not_held(%s) fails", #l);		\
} while (0)

#endif /* BUSFUZZ_SHIM_LINUX_LOCKDEP_H */
