/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
#ifndef BUSFUZZ_SHIM_LINUX_MUTEX_H
#define BUSFUZZ_SHIM_LINUX_MUTEX_H

#include <linux/compiler.h>

struct mutex {
	struct sim_lock l;
};

#define DEFINE_MUTEX(m) struct mutex m = { .l = { .owner = -1, .cls = -1, .name = #m, .init = true } }
#define mutex_init(m) sim_lock_init(&(m)->l, #m)
#define mutex_lock(m) sim_lock_acquire(&(m)->l, SIM_SITE("mutex_lock"))
#define mutex_lock_killable(m) (sim_lock_acquire(&(m)->l, SIM_SITE("mutex_lock_killable")), 0)
#define mutex_trylock(m) sim_lock_tryacquire(&(m)->l, SIM_SITE("mutex_trylock"))
#define mutex_unlock(m) sim_lock_release(&(m)->l, SIM_SITE("mutex_unlock"))
#define mutex_is_locked(m) ((m)->l.owner >= 0)

/*
 * cleanup.h's guard(mutex) (7.3's kvm_vm_ioctl_create_vcpu(), 7.x's
 * kvm_vm_ioctl_set_memory_region()): the lock is
 * taken at the guard and released when its variable goes out of scope; both
 * trace lines name the guard's line.  Only the mutex class exists here: a
 * guard of another class fails to build.
 */
struct sim_mutex_guard {
	struct mutex *m;
	const struct sim_site *site;
};

static inline void sim_mutex_guard_exit(struct sim_mutex_guard *g)
{
	sim_lock_release(&g->m->l, g->site);
}

#define sim_guard_mutex(lock) ({ struct mutex *__gm = (lock);					\
	sim_lock_acquire(&__gm->l, SIM_SITE("mutex_lock (guard)"));				\
	(struct sim_mutex_guard){ __gm, SIM_SITE("mutex_unlock (guard's scope ends)") }; })
#define SIM_GUARD_CAT2(a, b) a##b
#define SIM_GUARD_CAT(a, b) SIM_GUARD_CAT2(a, b)
#define guard(class)										\
	struct sim_##class##_guard __attribute__((cleanup(sim_##class##_guard_exit)))		\
	SIM_GUARD_CAT(__sim_guard_, __COUNTER__) = sim_guard_##class

#endif /* BUSFUZZ_SHIM_LINUX_MUTEX_H */
