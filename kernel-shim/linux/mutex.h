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

#endif /* BUSFUZZ_SHIM_LINUX_MUTEX_H */
