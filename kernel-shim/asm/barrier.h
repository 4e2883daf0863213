/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BUSFUZZ_SHIM_ASM_BARRIER_H
#define BUSFUZZ_SHIM_ASM_BARRIER_H

#include <linux/compiler.h>

#define smp_mb() sim_fence(SIM_MB, SIM_SITE("smp_mb"))
#define smp_rmb() sim_fence(SIM_RMB, SIM_SITE("smp_rmb"))
#define smp_wmb() sim_fence(SIM_WMB, SIM_SITE("smp_wmb"))
#define smp_load_acquire(p) __sim_load(*(p), SIM_ACQUIRE, "smp_load_acquire")
#define smp_store_release(p, v) __sim_store(*(p), v, SIM_RELEASE, "smp_store_release")

#endif /* BUSFUZZ_SHIM_ASM_BARRIER_H */
