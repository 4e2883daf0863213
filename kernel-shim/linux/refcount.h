/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/* refcount_t with the kernel's saturation warnings as findings. */
#ifndef BUSFUZZ_SHIM_LINUX_REFCOUNT_H
#define BUSFUZZ_SHIM_LINUX_REFCOUNT_H

#include <linux/atomic.h>

typedef struct { atomic_t refs; } refcount_t;

#define REFCOUNT_INIT(n) { .refs = { .counter = (n) } }
#define refcount_set(r, n) atomic_set(&(r)->refs, (n))
#define refcount_read(r) atomic_read(&(r)->refs)
#define refcount_inc(r) do {							\
	int __old = (int)sim_rmw_add(&(r)->refs.counter, 1, sizeof(int), false, SIM_SITE("refcount_inc")); \
	if (__old <= 0)								\
		sim_finding(SIM_F_USE_AFTER_FREE, SIM_SITE("refcount_inc"),		\
			    "refcount_t: addition on %d; use-after-free", __old); \
} while (0)
#define refcount_dec_and_test(r) ({						\
	int __old = (int)sim_rmw_add(&(r)->refs.counter, -1, sizeof(int), true, SIM_SITE("refcount_dec_and_test")); \
	if (__old <= 0)								\
		sim_finding(SIM_F_USE_AFTER_FREE, SIM_SITE("refcount_dec_and_test"), \
			    "refcount_t: underflow; use-after-free (was %d)", __old); \
	__old == 1; })
#define refcount_dec(r) do {							\
	if (refcount_dec_and_test(r))						\
		sim_finding(SIM_F_LEAK, SIM_SITE("refcount_dec"),			\
			    "refcount_t: decrement hit 0; leaking memory");	\
} while (0)
/*
 * As the kernel's __refcount_add_not_zero(): a marked read, then a relaxed
 * cmpxchg loop (no ordering: the caller keeps the object alive, e.g. by RCU);
 * a zero count is left alone, a saturated one WARNs.
 */
#define refcount_inc_not_zero(r) ({						\
	int __old = refcount_read(r), __seen;					\
	while (__old && (__seen = atomic_cmpxchg_relaxed(&(r)->refs, __old, __old + 1)) != __old) \
		__old = __seen;							\
	if (__old < 0 || __old == __INT_MAX__)					\
		sim_finding(SIM_F_WARN, SIM_SITE("refcount_inc_not_zero"),		\
			    "refcount_t: saturated; leaking memory");		\
	__old != 0; })

#endif /* BUSFUZZ_SHIM_LINUX_REFCOUNT_H */
