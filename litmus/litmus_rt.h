/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The litmus runtime's interface: tools/litmus.py turns one litmus test into
 * one translation unit that defines lt_test; litmus_main.c explores every
 * execution of it.
 */
#ifndef BUSFUZZ_LITMUS_LITMUS_RT_H
#define BUSFUZZ_LITMUS_LITMUS_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "../sim/sim.h"

/* herd reports the observation of the inner proposition whatever the
 * quantifier; the quantifier only decides whether the test "validates". */
enum lt_quantifier { LT_EXISTS, LT_NOT_EXISTS, LT_FORALL };

struct lt_test {
	const char *name;
	int nthreads;
	sim_thread_fn threads[SIM_MAX_THREADS];
	void (*init)(void);	/* memory and registers to the init block, locks and srcu_structs initialised */
	bool (*filter)(void);	/* executions failing it are discarded */
	bool (*cond)(void);	/* the proposition of exists/~exists/forall */
	enum lt_quantifier quantifier;
	bool callbacks;		/* call_srcu()/call_rcu(): the callback worker must run */
};

extern const struct lt_test lt_test;

/* LKMM makes rcu_dereference() and srcu_dereference() READ_ONCE()s
 * (linux-kernel.def), allowed anywhere: lockdep's "suspicious usage" outside
 * a read-side section is a kernel debugging rule, no part of the model.  What
 * they order is what depends on the pointer, as for any marked load: the
 * model's address dependencies (sim/mem.c), not the acquire the kernel
 * shim's SIM_DEREF takes them as (stronger, for code whose dependencies the
 * model cannot see). */
#ifdef rcu_dereference
#undef rcu_dereference
#define rcu_dereference(p) __sim_load(p, SIM_ONCE, "rcu_dereference")
#endif
#ifdef srcu_dereference
#undef srcu_dereference
#define srcu_dereference(p, ssp) ((void)(ssp), __sim_load(p, SIM_ONCE, "srcu_dereference"))
#endif

/* Registers and locations compare as 64-bit integers; addresses too. */
#define LT_VAL(x) ((int64_t)(intptr_t)(x))

#endif /* BUSFUZZ_LITMUS_LITMUS_RT_H */
