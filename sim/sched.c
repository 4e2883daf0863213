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
#include "strategy.h"

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

void sim_input_set(const uint8_t *data, size_t size)
{
	sim_s.in = data;
	sim_s.in_size = size;
	sim_s.in_pos = 0;
}

uint8_t sim_input_byte(void)
{
	if (__builtin_expect(sim_cfg.strategy == SIM_STRAT_INPUT, 1))
		return sim_s.in_pos < sim_s.in_size ? sim_s.in[sim_s.in_pos++] : 0;
	return sim_gen_byte();
}

unsigned sim_choose_as(unsigned n, int role)
{
	unsigned c;

	if (n <= 1)
		return 0;
	if (__builtin_expect(sim_cfg.strategy == SIM_STRAT_INPUT, 1)) {
		if (sim_s.in_pos >= sim_s.in_size)
			return 0;
		c = sim_s.in[sim_s.in_pos] % n;
		/* OTHER: the scheduler's choice, whose role note_roles() wrote, or a litmus thread's */
		if (__builtin_expect(sim_s.roles != NULL, 0) && role != SIM_ROLE_OTHER && sim_s.in_pos < sim_s.roles_cap)
			sim_s.roles[sim_s.in_pos] = (struct sim_role_rec){ (uint8_t)role, (uint8_t)(n < 255 ? n : 255),
									   (uint8_t)(c < 255 ? c : 255) };
		sim_s.in_pos++;
		return c;
	}
	return sim_gen_choose(n);
}

unsigned sim_choose(unsigned n)
{
	return sim_choose_as(n, SIM_ROLE_OTHER);
}

void sim_record_allocs(uint16_t *pos, size_t cap, size_t *count)
{
	sim_s.allocs = pos;
	sim_s.allocs_cap = pos ? cap : 0;
	sim_s.nallocs = count;
	if (count)
		*count = 0;
}

/* An allocation with failslab off: where a fault could be injected (the mutator's fault injection). */
void sim_note_alloc(void)
{
	if (sim_s.allocs && *sim_s.nallocs < sim_s.allocs_cap && sim_cfg.strategy == SIM_STRAT_INPUT)
		sim_s.allocs[(*sim_s.nallocs)++] = (uint16_t)(sim_s.in_pos < 0xffff ? sim_s.in_pos : 0xffff);
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
	sim_gen_thread(tid);
	sim_thread_reset_state(tid);
	return tid;
}

int sim_current(void)
{
	return sim_s.cur;
}

int sim_thread_state(int tid)
{
	return threads[tid].state;
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

/* A load at this site read a stale value: its own counter beside the order pairs'. */
void sim_count_stale(const struct sim_site *site)
{
	uint64_t h = (uintptr_t)site * 0xd6e8feb86659fd93ull;
	uint8_t *c = &sim_s.orders[(h ^ h >> 31) & sim_s.orders_mask];

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
		next = cand[sim_gen_pick(cand, n, ci)];
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
	sim_gen_reset();
}
