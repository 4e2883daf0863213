/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/* Marked accesses go to the memory model: each is a preemption point. */
#ifndef BUSFUZZ_SHIM_LINUX_COMPILER_H
#define BUSFUZZ_SHIM_LINUX_COMPILER_H

#include <linux/types.h>
#include "../../sim/sim.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __rcu
#define __weak __attribute__((weak))
#define __must_check __attribute__((warn_unused_result))
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __maybe_unused __attribute__((unused))
#define __init
#define __exit
#define __user
#define __force
#define __counted_by(m)
#define fallthrough __attribute__((__fallthrough__))
#define barrier() __asm__ __volatile__("" ::: "memory")

/* Load through the model; the value comes back in the low bytes (little endian). */
#define __sim_load(x, order, name) ({						\
	union { __typeof__(x) __v; uint64_t __u; } __r;				\
	__r.__u = sim_load(&(x), sizeof(x), order, SIM_SITE(name));		\
	__r.__v; })
#define __sim_store(x, val, order, name) do {					\
	union { __typeof__(x) __v; uint64_t __u; } __w = { .__u = 0 };		\
	__w.__v = (val);							\
	sim_store((void *)&(x), __w.__u, sizeof(x), order, SIM_SITE(name));	\
} while (0)

#define READ_ONCE(x) __sim_load(x, SIM_ONCE, "READ_ONCE")
#define WRITE_ONCE(x, val) __sim_store(x, val, SIM_ONCE, "WRITE_ONCE")

#endif /* BUSFUZZ_SHIM_LINUX_COMPILER_H */
