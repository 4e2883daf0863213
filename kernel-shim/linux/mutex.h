/* SPDX-License-Identifier: GPL-2.0-only */
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
 * linux/cleanup.h's guard(mutex)(&m): m is held from here to the end of the
 * scope (7.x's kvm_vm_ioctl_set_memory_region()).
 */
static inline void sim_mutex_guard_exit(struct mutex **m)
{
	mutex_unlock(*m);
}
#define __sim_guard_name2(n) sim_guard_##n
#define __sim_guard_name(n) __sim_guard_name2(n)
#define guard(type) sim_guard_##type
#define sim_guard_mutex(m)								\
	struct mutex *__sim_guard_name(__COUNTER__) __attribute__((cleanup(sim_mutex_guard_exit), unused)) = \
		({ struct mutex *__m = (m); mutex_lock(__m); __m; })

#endif /* BUSFUZZ_SHIM_LINUX_MUTEX_H */
