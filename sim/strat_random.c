// SPDX-License-Identifier: GPL-2.0-only
/* The random strategy: a random thread runs a random budget of points (up to 15), then another is drawn. */
#include "strategy.h"

static unsigned budget;		/* points the current thread still runs */

static void reset(void)
{
	budget = 0;
}

static int pick(const int *cand, int n, int ci)
{
	int c;

	(void)cand;
	if (ci >= 0 && budget) {
		budget--;
		c = ci;
	} else {
		c = (int)(sim_gen_rng() % n);
		budget = sim_gen_rng() & 15;
	}
	return c;
}

static unsigned choose(unsigned n)
{
	return (unsigned)(sim_gen_rng() % n);
}

const struct sim_strategy_ops sim_strat_random = {
	.reset = reset, .pick = pick, .choose = choose, .rng_bytes = true,
};
