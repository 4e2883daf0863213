// SPDX-License-Identifier: GPL-2.0-only
/*
 * The deterministic scheduler: simulated kernel threads are coroutines on
 * their own stacks in one OS thread; at every preemption point the decision
 * stream says whether the current thread goes on and, if not, who runs next.
 *
 * Encoding (small input = few preemptions): at a preemption point whose run
 * budget is spent, one byte picks the next thread among the runnable ones
 * (the current one included) and one byte gives its new budget.  Once the
 * stream is exhausted the current thread runs until it blocks or ends, and
 * the lowest-numbered runnable thread follows: no more preemptions.
 */
#define _GNU_SOURCE
#include "sim_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sanitizer.h"
#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SIM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#define SIM_STACK_SIZE (256 * 1024)

enum tstate { T_FREE, T_RUNNABLE, T_PARKED, T_DONE };

struct sim_thread {
	void *sp;
	void *stack;			/* mapping, lowest page is a guard */
	enum tstate state;
	bool daemon;
	const char *name;
	sim_thread_fn fn;
	void *arg;
	sim_wake_fn wake;
	void *wake_arg;
	const char *wait_what;
	int wait_holder;
	const struct sim_site *last_site;	/* this thread's latest preemption point */
	void *asan_fake;
	bool abandoned;			/* given up mid-run: its stack holds stale frames */
	SIM_TSAN_HOOK(void *fiber;)		/* its TSan fiber, kept across executions */
};

struct sim_sched sim_s;
static struct sim_thread threads[SIM_MAX_THREADS];
static void *main_sp;
#ifdef SIM_ASAN
static void *main_asan_fake;
static const void *main_stack_bottom;
static size_t main_stack_size;
#endif
#ifdef SIM_TSAN
/*
 * TSan edges of the scheduler (a switch itself is none): a thread starts
 * after its creation (birth) and after the main context's set-up (main_go);
 * the main context resumes after everything the threads did (done).
 */
static void *main_fiber;
static char birth[SIM_MAX_THREADS], main_go, done;
#endif

void sim_ctx_switch(void **save_sp, void *new_sp);

/* ---- decision stream ---------------------------------------------------- */

static uint64_t rng_next(void);
static void rec_emit(uint8_t b);

void sim_input_set(const uint8_t *data, size_t size)
{
	sim_s.in = data;
	sim_s.in_size = size;
	sim_s.in_pos = 0;
}

uint8_t sim_input_byte(void)
{
	uint8_t b;

	if (sim_cfg.strategy == SIM_STRAT_RANDOM || sim_cfg.strategy == SIM_STRAT_PCT)
		b = (uint8_t)rng_next();
	else if (sim_s.in_pos < sim_s.in_size)
		b = sim_s.in[sim_s.in_pos++];
	else
		b = 0;
	if (sim_cfg.strategy != SIM_STRAT_INPUT)
		rec_emit(b);
	return b;
}

/*
 * The explorer's branch stack: the choices of the current execution, and
 * how many there were at each point.  The first 'len' are replayed, new
 * points start at 0 (the same default a stream that ran out gives).
 */
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
		sim_h2_mix(&h, threads[t].state);
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

/* ---- generated decisions (random, pct, exhaustive) and their recording ---- */

const char *const sim_strategy_name[] = { "input", "random", "pct", "exhaustive" };

int sim_strategy_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(sim_strategy_name) / sizeof(sim_strategy_name[0])); i++)
		if (!strcmp(s, sim_strategy_name[i]))
			return i;
	return -1;
}

#define PCT_MAX_DEPTH 16

static struct {
	uint8_t *buf;
	size_t len, cap;
	long pending;		/* the budget byte that continue points fold into, -1: none */
	uint64_t rng;
	unsigned budget;	/* random: points the current thread still runs */
	unsigned preemptions;	/* exhaustive: so far in this execution */
	unsigned long points;	/* pct: preemption points so far */
	unsigned long change[PCT_MAX_DEPTH];
	unsigned prio[SIM_MAX_THREADS];
} gen;

static uint64_t rng_next(void)
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

static void gen_reset(void)
{
	gen.len = 0;
	gen.pending = -1;
	gen.rng = sim_cfg.seed;
	gen.budget = 0;
	gen.preemptions = 0;
	gen.points = 0;
	if (sim_cfg.strategy == SIM_STRAT_PCT) {
		unsigned d = sim_cfg.pct_depth ? sim_cfg.pct_depth : 3;

		if (d > PCT_MAX_DEPTH)
			sim_fatal("pct depth %u is above %d", d, PCT_MAX_DEPTH);
		sim_cfg.pct_depth = d;
		for (unsigned i = 0; i < PCT_MAX_DEPTH; i++)
			gen.change[i] = i + 1 < d ? 1 + rng_next() % (sim_cfg.pct_steps ? sim_cfg.pct_steps : 100) : 0;
	}
}

/* A new thread's pct priority: above every change point's, distinct. */
static void gen_thread(int tid)
{
	if (sim_cfg.strategy == SIM_STRAT_PCT)
		gen.prio[tid] = (sim_cfg.pct_depth + 1 + (unsigned)(rng_next() % 1024)) * SIM_MAX_THREADS + tid;
}

/* The index in cand[] of the next thread; ci: the current thread's index, -1 if it cannot go on. */
static int gen_pick(const int *cand, int n, int ci)
{
	int c = 0;

	switch (sim_cfg.strategy) {
	case SIM_STRAT_RANDOM:
		if (ci >= 0 && gen.budget) {
			gen.budget--;
			c = ci;
		} else {
			c = (int)(rng_next() % n);
			gen.budget = rng_next() & 15;
		}
		break;
	case SIM_STRAT_PCT:
		if (ci >= 0) {
			gen.points++;
			for (unsigned k = 0; k + 1 < sim_cfg.pct_depth; k++)
				if (gen.change[k] == gen.points)
					gen.prio[sim_s.cur] = k * SIM_MAX_THREADS + sim_s.cur;
		}
		for (int i = 1; i < n; i++)
			if (gen.prio[cand[i]] > gen.prio[cand[c]])
				c = i;
		break;
	case SIM_STRAT_DFS:
		if (dfs_seen(ci))
			sim_abandon();
		/* Choice 0 goes on with the current thread: the first execution has no preemption. */
		if (ci >= 0 && sim_cfg.preempt_bounded && gen.preemptions >= sim_cfg.preempt_bound)
			c = ci;
		else
			c = (int)((dfs_choose(n) + (ci >= 0 ? ci : 0)) % n);
		if (ci >= 0 && c != ci)
			gen.preemptions++;
		break;
	case SIM_STRAT_INPUT:
		break;
	}
	rec_sched(n, c, c == ci);
	return c;
}

static unsigned gen_choose(unsigned n)
{
	unsigned c;

	if (n > 256)
		n = 256;	/* a reproducer byte holds the choice */
	c = sim_cfg.strategy == SIM_STRAT_DFS ? dfs_choose(n) : (unsigned)(rng_next() % n);
	rec_emit((uint8_t)c);
	return c;
}

unsigned sim_choose(unsigned n)
{
	if (n <= 1)
		return 0;
	if (__builtin_expect(sim_cfg.strategy == SIM_STRAT_INPUT, 1)) {
		if (sim_s.in_pos >= sim_s.in_size)
			return 0;
		return sim_s.in[sim_s.in_pos++] % n;
	}
	return gen_choose(n);
}

size_t sim_input_remaining(void)
{
	return sim_s.in_size - sim_s.in_pos;
}

/* ---- threads ------------------------------------------------------------- */

static void switch_to(struct sim_thread *from, int to_tid, bool from_exiting);

static void thread_trampoline(void)
{
	struct sim_thread *t = &threads[sim_s.cur];

#ifdef SIM_ASAN
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
	SIM_TSAN_HOOK(__tsan_acquire(&birth[sim_s.cur]));
	SIM_TSAN_HOOK(__tsan_acquire(&main_go));
	t->fn(t->arg);
	t->state = T_DONE;
	sim_trace_event(sim_s.cur, NULL, 0, "exits");
	sim_schedule(true);
	abort();	/* a finished thread is never resumed */
}

int sim_thread_create(const char *name, sim_thread_fn fn, void *arg, bool daemon)
{
	int tid = sim_s.nthreads;
	struct sim_thread *t;
	void **sp;

	if (tid >= SIM_MAX_THREADS)
		sim_fatal("too many simulated threads (max %d)", SIM_MAX_THREADS);
	t = &threads[tid];
	if (!t->stack) {
		t->stack = mmap(NULL, SIM_STACK_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t->stack == MAP_FAILED)
			sim_fatal("cannot map a thread stack");
		mprotect(t->stack, 4096, PROT_NONE);
	}
	/* Initial frame for sim_ctx_switch: six callee-saved registers, then
	 * the trampoline as return address, then a fake return address so
	 * that the trampoline starts with the ABI's stack alignment. */
	sp = (void **)((char *)t->stack + SIM_STACK_SIZE);
	*--sp = NULL;
	*--sp = (void *)thread_trampoline;
	for (int i = 0; i < 6; i++)
		*--sp = NULL;
	t->sp = sp;
	t->state = T_RUNNABLE;
	t->daemon = daemon;
	t->name = name;
	t->fn = fn;
	t->arg = arg;
	t->wake = NULL;
	t->asan_fake = NULL;
	t->last_site = NULL;
	if (__builtin_expect(t->abandoned, 0)) {
		/* The frames left on it keep ASan's redzones poisoned. */
#ifdef SIM_ASAN
		__asan_unpoison_memory_region((char *)t->stack + 4096, SIM_STACK_SIZE - 4096);
#endif
		t->abandoned = false;
	}
#ifdef SIM_TSAN
	if (!t->fiber)
		t->fiber = __tsan_create_fiber(0);
	__tsan_set_fiber_name(t->fiber, name);	/* the slot's thread of this execution */
	__tsan_release(&birth[tid]);
#endif
	sim_s.nthreads++;
	sim_hist[tid] = (struct sim_h2){ (uint64_t)tid + 1, (uintptr_t)fn };
	gen_thread(tid);
	sim_thread_reset_state(tid);
	return tid;
}

int sim_current(void)
{
	return sim_s.cur;
}

const char *sim_thread_name(int tid)
{
	if (tid < 0 || tid >= sim_s.nthreads)
		return "main";
	return threads[tid].name;
}

int sim_nthreads(void)
{
	return sim_s.nthreads;
}

unsigned long sim_steps(void)
{
	return sim_s.steps;
}

/* The current thread's: another thread may have run since its last step. */
const struct sim_site *sim_last_site(void)
{
	return sim_s.cur >= 0 ? threads[sim_s.cur].last_site : sim_s.last_site;
}

/* ---- switching ------------------------------------------------------------ */

static void switch_to(struct sim_thread *from, int to_tid, bool from_exiting)
{
	void **save = from ? &from->sp : &main_sp;
	void *to_sp = to_tid >= 0 ? threads[to_tid].sp : main_sp;

	sim_s.cur = to_tid;
#ifdef SIM_ASAN
	{
		void **fake = from_exiting ? NULL : (from ? &from->asan_fake : &main_asan_fake);
		const void *bottom = to_tid >= 0 ? threads[to_tid].stack : main_stack_bottom;
		size_t size = to_tid >= 0 ? SIM_STACK_SIZE : main_stack_size;

		__sanitizer_start_switch_fiber(fake, bottom, size);
		sim_ctx_switch(save, to_sp);
		__sanitizer_finish_switch_fiber(from ? from->asan_fake : main_asan_fake, NULL, NULL);
	}
#elif defined(SIM_TSAN)
	(void)from_exiting;
	if (from)
		__tsan_release(&done);	/* the main context may be next */
	__tsan_switch_to_fiber(to_tid >= 0 ? threads[to_tid].fiber : main_fiber,
			       __tsan_switch_to_fiber_no_sync);
	sim_ctx_switch(save, to_sp);
	if (!from)
		__tsan_acquire(&done);	/* the main context resumes: the threads have stopped */
#else
	(void)from_exiting;
	sim_ctx_switch(save, to_sp);
#endif
}

/*
 * A parked thread is runnable while its condition holds, checked at each
 * decision: one that held earlier may not any more (a lock taken since).
 */
static bool runnable(int tid)
{
	struct sim_thread *t = &threads[tid];

	return t->state == T_RUNNABLE || (t->state == T_PARKED && t->wake(t->wake_arg));
}

__attribute__((noreturn)) static void report_deadlock(void)
{
	char buf[1024];
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < sim_s.nthreads; i++) {
		struct sim_thread *t = &threads[i];

		if (t->state != T_PARKED || t->daemon)
			continue;
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s waits for %s", n ? "; " : "",
			      t->name, t->wait_what);
		if (n < sizeof(buf) && t->wait_holder >= 0)
			n += snprintf(buf + n, sizeof(buf) - n, " held by %s",
				      threads[t->wait_holder].name);
		if (n >= sizeof(buf))
			break;
	}
	sim_finding(SIM_F_DEADLOCK, sim_s.last_site, "every thread is parked: %s", buf);
}

/* ---- feedback for the mutator (fuzz/mutator.c) ----------------------------- */

void sim_record_roles(struct sim_role_rec *roles, size_t cap)
{
	sim_s.roles = roles;
	sim_s.roles_cap = roles ? cap : 0;
}

void sim_count_orders(uint8_t *counters, size_t mask)
{
	sim_s.orders = counters;
	sim_s.orders_mask = mask;
}

/* The decision bytes sim_schedule() is about to read from the input. */
static void note_roles(const int *cand, int n, int cur)
{
	size_t p = sim_s.in_pos;
	int ci = 0xff;

	for (int i = 0; i < n; i++)
		if (cand[i] == cur)
			ci = i;
	if (n > 1 && p < sim_s.roles_cap)
		sim_s.roles[p++] = (struct sim_role_rec){ SIM_ROLE_CHOICE, (uint8_t)n, (uint8_t)ci };
	else if (n > 1)
		p++;
	if (p < sim_s.roles_cap)
		sim_s.roles[p] = (struct sim_role_rec){ SIM_ROLE_BUDGET, 0, 0 };
}

/* A switch between two sites: the pair (in this order) is one counter. */
static void count_order(const struct sim_site *from, const struct sim_site *to)
{
	uint64_t h = ((uintptr_t)from * 0x9e3779b97f4a7c15ull) ^ ((uintptr_t)to * 0xc2b2ae3d27d4eb4full);
	uint8_t *c = &sim_s.orders[(h ^ h >> 29) & sim_s.orders_mask];

	*c += *c != 0xff;
}

/*
 * Pick the next thread and switch to it.  'cur_blocked': the current thread
 * cannot go on (parked or done), so it is not a candidate.
 */
void sim_schedule(bool cur_blocked)
{
	int cand[SIM_MAX_THREADS];
	int n = 0, next, live = 0;
	int cur = sim_s.cur;

	for (int i = 0; i < sim_s.nthreads; i++) {
		if (threads[i].state != T_DONE && !threads[i].daemon)
			live++;
		if (i == cur && cur_blocked)
			continue;
		if (runnable(i))
			cand[n++] = i;
	}
	if (live == 0) {
		/* Only daemons left: let them finish their queued work, then stop
		 * (-1 is the main context: the execution is over). */
		next = n ? cand[0] : -1;
	} else if (n == 0) {
		report_deadlock();
	} else if (sim_cfg.strategy != SIM_STRAT_INPUT) {
		int ci = -1;

		for (int i = 0; i < n && !cur_blocked; i++)
			if (cand[i] == cur)
				ci = i;
		next = cand[gen_pick(cand, n, ci)];
		sim_s.budget = 0;
	} else if (sim_s.in_pos < sim_s.in_size) {
		if (__builtin_expect(sim_s.roles != NULL, 0))
			note_roles(cand, n, cur_blocked ? -1 : cur);
		next = cand[sim_choose(n)];
		sim_s.budget = sim_input_byte() & 15;
	} else {
		next = cand[0];
		sim_s.budget = ~0u;
	}
	if (next == cur)
		return;
	if (__builtin_expect(sim_s.orders != NULL, 0) && cur >= 0 && next >= 0)
		count_order(threads[cur].last_site, threads[next].last_site);
	if (next >= 0)
		threads[next].state = T_RUNNABLE;	/* a parked one: its condition holds */
	switch_to(cur >= 0 ? &threads[cur] : NULL, next, cur >= 0 && threads[cur].state == T_DONE);
}

/* A step of the current thread that is no preemption point. */
void sim_step(const struct sim_site *site)
{
	if (__builtin_expect(sim_cfg.state_cache, 0) && sim_s.cur >= 0)
		sim_h2_mix(&sim_hist[sim_s.cur], (uintptr_t)site);
	sim_s.last_site = site;
	if (sim_s.cur >= 0)
		threads[sim_s.cur].last_site = site;
	sim_trace_event(sim_s.cur, site, 0, NULL);
	if (++sim_s.steps > sim_cfg.max_steps)
		sim_finding(SIM_F_HANG, site, "no progress after %lu steps", sim_s.steps - 1);
}

void sim_preempt(const struct sim_site *site)
{
	sim_step(site);
	if (sim_s.budget) {
		sim_s.budget--;
		return;
	}
	if (sim_cfg.strategy == SIM_STRAT_INPUT && sim_s.in_pos >= sim_s.in_size) {
		sim_s.budget = ~0u;
		return;
	}
	sim_schedule(false);
}

void sim_park(sim_wake_fn wake, void *arg, const char *what, int holder)
{
	struct sim_thread *t = &threads[sim_s.cur];

	if (wake(arg))
		return;
	t->state = T_PARKED;
	t->wake = wake;
	t->wake_arg = arg;
	t->wait_what = what;
	t->wait_holder = holder;
	sim_trace_event(sim_s.cur, NULL, 0, what);
	sim_schedule(true);
	/* Resumed: runnable() saw the condition hold. */
}

static void drop_abandoned_threads(void);

void sim_run(void)
{
#ifdef SIM_ASAN
	if (!main_stack_bottom) {
		pthread_attr_t a;
		void *addr;
		size_t sz;

		pthread_getattr_np(pthread_self(), &a);
		pthread_attr_getstack(&a, &addr, &sz);
		pthread_attr_destroy(&a);
		main_stack_bottom = addr;
		main_stack_size = sz;
	}
#endif
#ifdef SIM_TSAN
	main_fiber = __tsan_get_current_fiber();
	__tsan_release(&main_go);
#endif
	sim_s.cur = -1;
	sim_s.budget = 0;
	sim_schedule(false);
	sim_s.cur = -1;
	if (__builtin_expect(sim_s.abandoned, 0))
		drop_abandoned_threads();
}

/* Back in the main context after sim_abandon(): the threads cut short can never resume. */
static void drop_abandoned_threads(void)
{
	for (int i = 0; i < sim_s.nthreads; i++) {
		struct sim_thread *t = &threads[i];

		if (t->state == T_FREE || (t->state == T_DONE && !t->abandoned))
			continue;
		t->abandoned = true;
#ifdef SIM_TSAN
		/* Its fiber's shadow stack holds the frames cut short: a fresh one. */
		__tsan_destroy_fiber(t->fiber);
		t->fiber = NULL;
#endif
	}
}

bool sim_abandoned(void)
{
	return sim_s.abandoned;
}

void sim_abandon(void)
{
	sim_s.abandoned = true;
	if (sim_s.cur >= 0) {
		struct sim_thread *t = &threads[sim_s.cur];

		t->state = T_DONE;
		t->abandoned = true;
		switch_to(t, -1, true);
		abort();	/* never resumed */
	}
	if (sim_s.in_end)
		longjmp(sim_end_jmp, 1);
	_exit(SIM_EXIT_DROPPED);	/* not inside an execution: nothing to go back to */
}

void sim_sched_reset(void)
{
	for (int i = 0; i < SIM_MAX_THREADS; i++)
		threads[i].state = T_FREE;
	sim_s.nthreads = 0;
	sim_s.cur = -1;
	sim_s.steps = 0;
	sim_s.budget = 0;
	sim_s.last_site = NULL;
	sim_s.abandoned = false;
	gen_reset();
}
