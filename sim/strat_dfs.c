// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exhaustive strategy: depth-first over every scheduling and data
 * choice (sim_dfs_next() moves to the next execution), optionally bounded in
 * preemptions, with a cache of the states met so that interleavings that
 * reach one state are explored once.
 */
#include "strategy.h"

#include <stdlib.h>

#define DFS_MAX 4096
static struct {
	uint16_t choice[DFS_MAX], arity[DFS_MAX];
	unsigned depth, len;
	struct sim_h2 path[DFS_MAX];	/* state_cache: the state at each scheduling point, else 0 */
	struct sim_h2 pending;		/* the state of the point about to be taken */
} dfs;

/*
 * The state cache: every state met at a scheduling point, in an open-addressing
 * set.  Depth-first, a state met before has its subtree explored already
 * (or it is an ancestor: never, a step always changes a history), so an
 * execution that meets one again adds no outcome and stops there.  Past
 * CACHE_MAX states nothing more is added: fewer prunes, never a wrong one.
 */
#define CACHE_MAX (1u << 22)
static struct {
	struct sim_h2 *tab;
	unsigned cap, used;
	unsigned long hits;
} cache;
struct sim_h2 sim_hist[SIM_MAX_THREADS];

static unsigned dfs_choose(unsigned n)
{
	unsigned c;

	if (dfs.depth == DFS_MAX)
		sim_fatal("exhaustive exploration deeper than %d branch points", DFS_MAX);
	if (dfs.depth < dfs.len) {
		c = dfs.choice[dfs.depth];
		if (dfs.arity[dfs.depth] != n)
			sim_fatal("exploration is not deterministic: branch point %u had %u choices, now %u",
				  dfs.depth, dfs.arity[dfs.depth], n);
	} else {
		c = 0;
		dfs.choice[dfs.depth] = 0;
		dfs.arity[dfs.depth] = n;
		dfs.path[dfs.depth] = dfs.pending;
	}
	dfs.pending = (struct sim_h2){ 0, 0 };
	dfs.depth++;
	return c;
}

void sim_dfs_reset(void)
{
	dfs.depth = dfs.len = 0;
	dfs.pending = (struct sim_h2){ 0, 0 };
	free(cache.tab);
	cache.tab = NULL;
	cache.cap = cache.used = 0;
	cache.hits = 0;
}

unsigned long sim_dfs_pruned(void)
{
	return cache.hits;
}

static bool h2_eq(struct sim_h2 x, struct sim_h2 y)
{
	return x.a == y.a && x.b == y.b;
}

static bool h2_empty(struct sim_h2 x)
{
	return !x.a && !x.b;
}

/* h's slot in tab, or the empty slot where it would go (tab keeps one empty slot at least). */
static unsigned cache_probe(const struct sim_h2 *tab, unsigned cap, struct sim_h2 h)
{
	unsigned i = (unsigned)h.a & (cap - 1);

	while (!h2_empty(tab[i]) && !h2_eq(tab[i], h))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Adds h; returns whether it was there already.  Full (past CACHE_MAX): only looks up. */
static bool cache_insert(struct sim_h2 h)
{
	unsigned i;

	if ((!cache.tab || cache.used * 2 >= cache.cap) && (cache.cap ? 2 * cache.cap : 1u << 16) <= CACHE_MAX) {
		struct sim_h2 *old = cache.tab;
		unsigned ocap = cache.cap, ncap = ocap ? 2 * ocap : 1u << 16;

		cache.tab = calloc(ncap, sizeof(*cache.tab));
		if (!cache.tab)
			sim_fatal("out of memory for the explorer's state cache");
		cache.cap = ncap;
		for (unsigned k = 0; k < ocap; k++)
			if (!h2_empty(old[k]))
				cache.tab[cache_probe(cache.tab, ncap, old[k])] = old[k];
		free(old);
	}
	i = cache_probe(cache.tab, cache.cap, h);
	if (!h2_empty(cache.tab[i]))
		return true;
	if (cache.used + 1 >= cache.cap)
		return false;
	cache.tab[i] = h;
	cache.used++;
	return false;
}

/* The whole state at a scheduling point of the current thread (ci >= 0: it may go on). */
static struct sim_h2 state_hash(int ci)
{
	struct sim_h2 h = { 0x6c69746d7573ull, (uint64_t)sim_s.cur << 8 | (ci >= 0) };

	sim_h2_mix(&h, sim_s.nthreads);
	for (int t = 0; t < sim_s.nthreads; t++) {
		sim_h2_mix(&h, sim_thread_state(t));
		sim_h2_mix(&h, sim_hist[t].a);
		sim_h2_mix(&h, sim_hist[t].b);
	}
	sim_mem_state_hash(&h);
	sim_srcu_state_hash(&h);
	if (!h.a && !h.b)
		h.a = 1;
	return h;
}

/* At a new scheduling point: whether its state was explored before (then the execution stops). */
static bool dfs_seen(int ci)
{
	struct sim_h2 h;

	/* (A preemption bound is more state: no cache with it.) */
	if (!sim_cfg.state_cache || sim_cfg.preempt_bounded || sim_s.cur < 0 || dfs.depth < dfs.len ||
	    dfs.depth >= DFS_MAX)
		return false;
	h = state_hash(ci);
	dfs.pending = h;
	if (!cache_insert(h))
		return false;
	for (unsigned d = 0; d < dfs.depth; d++)
		if (h2_eq(dfs.path[d], h))
			return false;	/* an ancestor: its subtree is not done */
	cache.hits++;
	return true;
}

bool sim_dfs_next(void)
{
	int d = (int)dfs.depth - 1;

	while (d >= 0 && dfs.choice[d] + 1u >= dfs.arity[d])
		d--;
	if (d < 0)
		return false;
	dfs.choice[d]++;
	dfs.len = d + 1;
	dfs.depth = 0;
	return true;
}

static unsigned preemptions;	/* so far in this execution */

static void reset(void)
{
	preemptions = 0;
}

static int pick(const int *cand, int n, int ci)
{
	int c;

	(void)cand;
	if (dfs_seen(ci))
		sim_abandon();
	/* Choice 0 goes on with the current thread: the first execution has no preemption. */
	if (ci >= 0 && sim_cfg.preempt_bounded && preemptions >= sim_cfg.preempt_bound)
		c = ci;
	else
		c = (int)((dfs_choose(n) + (ci >= 0 ? ci : 0)) % n);
	if (ci >= 0 && c != ci)
		preemptions++;
	return c;
}

const struct sim_strategy_ops sim_strat_dfs = {
	.reset = reset, .pick = pick, .choose = dfs_choose,
};
