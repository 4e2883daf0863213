// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCT (probabilistic concurrency testing): every thread gets a random
 * priority, the highest runnable one runs, and at depth - 1 random points the
 * running thread drops below every other.
 */
#include "strategy.h"

#define PCT_MAX_DEPTH 16

static struct {
	unsigned long points;	/* preemption points so far */
	unsigned long change[PCT_MAX_DEPTH];
	unsigned prio[SIM_MAX_THREADS];
} pct;

static void reset(void)
{
	unsigned d = sim_cfg.pct_depth ? sim_cfg.pct_depth : 3;

	pct.points = 0;
	if (d > PCT_MAX_DEPTH)
		sim_fatal("pct depth %u is above %d", d, PCT_MAX_DEPTH);
	sim_cfg.pct_depth = d;
	for (unsigned i = 0; i < PCT_MAX_DEPTH; i++)
		pct.change[i] = i + 1 < d ? 1 + sim_gen_rng() % (sim_cfg.pct_steps ? sim_cfg.pct_steps : 100) : 0;
}

/* A new thread's priority: above every change point's, distinct. */
static void thread(int tid)
{
	pct.prio[tid] = (sim_cfg.pct_depth + 1 + (unsigned)(sim_gen_rng() % 1024)) * SIM_MAX_THREADS + tid;
}

static int pick(const int *cand, int n, int ci)
{
	int c = 0;

	if (ci >= 0) {
		pct.points++;
		for (unsigned k = 0; k + 1 < sim_cfg.pct_depth; k++)
			if (pct.change[k] == pct.points)
				pct.prio[sim_s.cur] = k * SIM_MAX_THREADS + sim_s.cur;
	}
	for (int i = 1; i < n; i++)
		if (pct.prio[cand[i]] > pct.prio[cand[c]])
			c = i;
	return c;
}

static unsigned choose(unsigned n)
{
	return (unsigned)(sim_gen_rng() % n);
}

const struct sim_strategy_ops sim_strat_pct = {
	.reset = reset, .thread = thread, .pick = pick, .choose = choose, .rng_bytes = true,
};
