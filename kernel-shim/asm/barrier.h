/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/* Fences and release/acquire: events of the memory model (sim/mem.c). */
#ifndef BUSFUZZ_SHIM_ASM_BARRIER_H
#define BUSFUZZ_SHIM_ASM_BARRIER_H

#include <linux/compiler.h>

#define smp_mb() sim_fence(SIM_MB, SIM_SITE("smp_mb"))
#define smp_rmb() sim_fence(SIM_RMB, SIM_SITE("smp_rmb"))
#define smp_wmb() sim_fence(SIM_WMB, SIM_SITE("smp_wmb"))
#define smp_mb__before_atomic() sim_fence(SIM_MB_BEFORE_ATOMIC, SIM_SITE("smp_mb__before_atomic"))
#define smp_mb__after_atomic() sim_fence(SIM_MB_AFTER_ATOMIC, SIM_SITE("smp_mb__after_atomic"))
#define smp_mb__after_spinlock() sim_fence(SIM_MB_AFTER_SPINLOCK, SIM_SITE("smp_mb__after_spinlock"))
#define smp_mb__after_unlock_lock() sim_fence(SIM_MB_AFTER_UNLOCK_LOCK, SIM_SITE("smp_mb__after_unlock_lock"))
#define smp_load_acquire(p) __sim_load(*(p), SIM_ACQUIRE, "smp_load_acquire")
#define smp_store_release(p, v) __sim_store(*(p), v, SIM_RELEASE, "smp_store_release")
#define smp_store_mb(x, v) do { WRITE_ONCE(x, v); smp_mb(); } while (0)

#endif /* BUSFUZZ_SHIM_ASM_BARRIER_H */
