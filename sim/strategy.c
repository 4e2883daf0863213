// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generated decisions and their recording: the strategies' table, the
 * generator they share, and the input that replays what they decided (every
 * decision recorded as the input would give it).
 */
#include "strategy.h"

#include <stdlib.h>
#include <string.h>

const char *const sim_strategy_name[] = { "input", "random", "pct", "exhaustive" };

static const struct sim_strategy_ops *const ops[] = {
	[SIM_STRAT_RANDOM] = &sim_strat_random,
	[SIM_STRAT_PCT] = &sim_strat_pct,
	[SIM_STRAT_DFS] = &sim_strat_dfs,
};

int sim_strategy_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(sim_strategy_name) / sizeof(sim_strategy_name[0])); i++)
		if (!strcmp(s, sim_strategy_name[i]))
			return i;
	return -1;
}

static struct {
	uint8_t *buf;
	size_t len, cap;
	long pending;		/* the budget byte that continue points fold into, -1: none */
	uint64_t rng;
} gen;

uint64_t sim_gen_rng(void)
{
	/* splitmix64: every seed gives a full-period, well-mixed stream */
	uint64_t z = (gen.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rec_emit(uint8_t b)
{
	if (gen.len == gen.cap) {
		gen.cap = gen.cap ? 2 * gen.cap : 4096;
		gen.buf = realloc(gen.buf, gen.cap);
		if (!gen.buf)
			sim_fatal("out of memory for the recorded decisions");
	}
	gen.buf[gen.len++] = b;
}

const uint8_t *sim_recording(size_t *len)
{
	*len = gen.len;
	return gen.buf;
}

/*
 * A scheduling decision, recorded as the input would give it: a choice byte
 * (when there is a choice) and a budget byte.  A point where the current
 * thread goes on folds into the last budget byte while it holds, because
 * the input's scheduler skips that many points without reading anything.
 */
static void rec_sched(int n, int c, bool cont)
{
	if (cont && gen.pending >= 0 && gen.buf[gen.pending] < 15) {
		gen.buf[gen.pending]++;
		return;
	}
	if (n > 1)
		rec_emit((uint8_t)c);
	gen.pending = (long)gen.len;
	rec_emit(0);
}

static const struct sim_strategy_ops *cur_ops(void)
{
	return (unsigned)sim_cfg.strategy < sizeof(ops) / sizeof(ops[0]) ? ops[sim_cfg.strategy] : NULL;
}

void sim_gen_reset(void)
{
	const struct sim_strategy_ops *o = cur_ops();

	gen.len = 0;
	gen.pending = -1;
	gen.rng = sim_cfg.seed;
	if (o)
		o->reset();
}

void sim_gen_thread(int tid)
{
	const struct sim_strategy_ops *o = cur_ops();

	if (o && o->thread)
		o->thread(tid);
}

int sim_gen_pick(const int *cand, int n, int ci)
{
	int c = ops[sim_cfg.strategy]->pick(cand, n, ci);

	rec_sched(n, c, c == ci);
	return c;
}

unsigned sim_gen_choose(unsigned n)
{
	unsigned c;

	if (n > 256)
		n = 256;	/* a reproducer byte holds the choice */
	c = ops[sim_cfg.strategy]->choose(n);
	rec_emit((uint8_t)c);
	return c;
}

/* A byte of the decision stream under a generated strategy (the explorer takes the scenario's from the input). */
uint8_t sim_gen_byte(void)
{
	uint8_t b;

	if (ops[sim_cfg.strategy]->rng_bytes)
		b = (uint8_t)sim_gen_rng();
	else if (sim_s.in_pos < sim_s.in_size)
		b = sim_s.in[sim_s.in_pos++];
	else
		b = 0;
	rec_emit(b);
	return b;
}
