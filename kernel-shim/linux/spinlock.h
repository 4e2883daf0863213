/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
#ifndef BUSFUZZ_SHIM_LINUX_SPINLOCK_H
#define BUSFUZZ_SHIM_LINUX_SPINLOCK_H

#include <linux/compiler.h>
#include <asm/barrier.h>

/*
 * A spinlock is a lock like a mutex here (no thread spins in a coroutine
 * world); its lock word is a location of the memory model, taken with an
 * acquire RMW and released with a release store, as LKMM's lock.cat does.
 */
typedef struct { struct sim_lock l; } spinlock_t;

#define DEFINE_SPINLOCK(s) spinlock_t s = { .l = { .owner = -1, .cls = -1, .name = #s, .init = true } }
#define spin_lock_init(s) sim_lock_init(&(s)->l, #s)
#define spin_lock(s) sim_lock_acquire(&(s)->l, SIM_SITE("spin_lock"))
#define spin_unlock(s) sim_lock_release(&(s)->l, SIM_SITE("spin_unlock"))
#define spin_trylock(s) sim_lock_tryacquire(&(s)->l, SIM_SITE("spin_trylock"))
#define spin_is_locked(s) sim_lock_is_locked(&(s)->l, SIM_SITE("spin_is_locked"))
#define spin_lock_irq(s) sim_lock_acquire(&(s)->l, SIM_SITE("spin_lock_irq"))
#define spin_unlock_irq(s) sim_lock_release(&(s)->l, SIM_SITE("spin_unlock_irq"))
#define spin_lock_irqsave(s, f) do { (f) = 0; sim_lock_acquire(&(s)->l, SIM_SITE("spin_lock_irqsave")); } while (0)
#define spin_unlock_irqrestore(s, f) do { (void)(f); sim_lock_release(&(s)->l, SIM_SITE("spin_unlock_irqrestore")); } while (0)

#endif /* BUSFUZZ_SHIM_LINUX_SPINLOCK_H */
