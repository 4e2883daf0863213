/* SPDX-License-Identifier: GPL-2.0-only */
/* atomic_read/set are marked accesses; value-returning RMWs are fully ordered. */
#ifndef BUSFUZZ_SHIM_LINUX_ATOMIC_H
#define BUSFUZZ_SHIM_LINUX_ATOMIC_H

#include <linux/compiler.h>

#define atomic_read(v) READ_ONCE((v)->counter)
#define atomic_set(v, i) WRITE_ONCE((v)->counter, (i))
#define atomic_long_read(v) READ_ONCE((v)->counter)
#define atomic_long_set(v, i) WRITE_ONCE((v)->counter, (i))
#define atomic_inc(v) ((void)sim_rmw_add(&(v)->counter, 1, sizeof((v)->counter), false, SIM_SITE("atomic_inc")))
#define atomic_dec(v) ((void)sim_rmw_add(&(v)->counter, -1, sizeof((v)->counter), false, SIM_SITE("atomic_dec")))
#define atomic_inc_return(v) ((int)sim_rmw_add(&(v)->counter, 1, sizeof((v)->counter), true, SIM_SITE("atomic_inc_return")) + 1)
#define atomic_dec_return(v) ((int)sim_rmw_add(&(v)->counter, -1, sizeof((v)->counter), true, SIM_SITE("atomic_dec_return")) - 1)
#define atomic_dec_and_test(v) (atomic_dec_return(v) == 0)

#endif /* BUSFUZZ_SHIM_LINUX_ATOMIC_H */
