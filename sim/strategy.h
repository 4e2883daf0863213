/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generated strategies (random, pct, exhaustive) behind one table, one
 * file each (sim/strat_*.c): the scheduler calls them only off its input
 * path, which stays inline in sim/sched.c.  Not for the shim.
 */
#ifndef BUSFUZZ_SIM_STRATEGY_H
#define BUSFUZZ_SIM_STRATEGY_H

#include "sim_internal.h"

struct sim_strategy_ops {
	void (*reset)(void);			/* a new execution, after the generator's seed is set */
	void (*thread)(int tid);		/* a new thread */
	/* The index in cand[] of the next thread; ci: the current thread's index, -1 if it cannot go on. */
	int (*pick)(const int *cand, int n, int ci);
	unsigned (*choose)(unsigned n);		/* a data choice, n <= 256 */
	bool rng_bytes;				/* budget bytes from the generator (else from the input) */
};
extern const struct sim_strategy_ops sim_strat_random, sim_strat_pct, sim_strat_dfs;

/* The shared generator: splitmix64 from sim_cfg.seed (sim/strategy.c). */
uint64_t sim_gen_rng(void);

/* sim/strategy.c, for the scheduler: each goes to the strategy of sim_cfg.strategy and records its decisions. */
void sim_gen_reset(void);
void sim_gen_thread(int tid);
int sim_gen_pick(const int *cand, int n, int ci);
unsigned sim_gen_choose(unsigned n);
uint8_t sim_gen_byte(void);

/* sim/strat_dfs.c: the scheduler's threads' states, for the state cache. */
int sim_thread_state(int tid);

#endif /* BUSFUZZ_SIM_STRATEGY_H */
