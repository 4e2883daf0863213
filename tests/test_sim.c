// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the simulator itself, no kernel tree needed: scheduler
 * determinism, the SRCU contract, lockdep, the slab's accounting.  A test
 * that expects a finding runs its execution in a child process (a finding
 * ends the process, as it does under libFuzzer) and reads its verdict.
 */
#include "sim.h"
#include "test_assert.h"
#include "test_child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct sim_site S = { "tests/test_sim.c", 0, "test step" };

/* ---- helpers ---------------------------------------------------------------- */

static void begin(const uint8_t *in, size_t n)
{
	struct sim_config cfg = { 0 };

	sim_begin(&cfg, in, n);
}

/* Runs fn in a child: the class of its finding, "" for none, "(...)" if it crashed. */
static const char *finding_of(void (*fn)(void))
{
	return test_child_finding(fn);
}

/* ---- scheduler ------------------------------------------------------------- */

static char order[4096];
static int norder;

static void stepper(void *arg)
{
	for (int i = 0; i < 20; i++) {
		sim_preempt(&S);
		if (norder < (int)sizeof(order) - 1)
			order[norder++] = (char)('0' + (int)(intptr_t)arg);
	}
}

static void run_steppers(const uint8_t *in, size_t n, int nthreads)
{
	norder = 0;
	begin(in, n);
	for (int t = 0; t < nthreads; t++)
		sim_thread_create("t", stepper, (void *)(intptr_t)t, false);
	sim_run();
	sim_end();
	order[norder] = 0;
}

static bool test_same_input_same_interleaving(void)
{
	uint8_t in[64];
	char first[4096];
	bool differs = false;

	for (unsigned seed = 1; seed < 50; seed++) {
		srand(seed);
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)rand();
		run_steppers(in, sizeof(in), 3);
		strcpy(first, order);
		run_steppers(in, sizeof(in), 3);
		ASSERT_STREQ(first, order);
		if (strcmp(first, "000000000000000000001111111111111111111122222222222222222222"))
			differs = true;
	}
	ASSERT_TRUE(differs);	/* and the inputs did change the interleaving */
	return true;
}

static bool test_exhausted_stream_runs_threads_in_turn(void)
{
	run_steppers(NULL, 0, 3);
	ASSERT_STREQ(order, "000000000000000000001111111111111111111122222222222222222222");
	return true;
}

/* ---- SRCU ----------------------------------------------------------------- */

static struct sim_srcu *ss;
static int in_section[SIM_MAX_THREADS];
static bool violated;
static int cb_ran, cb_ran_when_barrier_done;
/* Vacuity: how often a reader really was inside when the grace period began. */
static int gp_with_reader_inside;

static void reader(void *arg)
{
	for (int k = 0; k < 3; k++) {
		int idx = sim_srcu_read_lock(ss, &S);

		in_section[sim_current()] = 1 + k;
		for (int i = 0; i < 3; i++)
			sim_preempt(&S);
		in_section[sim_current()] = 0;
		sim_srcu_read_unlock(ss, idx, &S);
	}
}

static void updater(void *arg)
{
	int before[SIM_MAX_THREADS];

	sim_preempt(&S);
	memcpy(before, in_section, sizeof(before));
	sim_srcu_synchronize(ss, false, &S);
	/* Every section open at the start must have ended (possibly reopened as a later one). */
	for (int t = 0; t < SIM_MAX_THREADS; t++) {
		if (before[t] && in_section[t] == before[t])
			violated = true;
		gp_with_reader_inside += before[t] != 0;
	}
}

static bool test_synchronize_srcu_waits_for_earlier_readers(void)
{
	uint8_t in[48];
	const int runs = 399;

	violated = false;
	gp_with_reader_inside = 0;
	for (unsigned seed = 1; seed <= runs; seed++) {
		srand(seed);
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)rand();
		memset(in_section, 0, sizeof(in_section));
		begin(in, sizeof(in));
		sim_srcu_init(&ss, "test_srcu");
		sim_thread_create("r0", reader, NULL, false);
		sim_thread_create("r1", reader, NULL, false);
		sim_thread_create("upd", updater, NULL, false);
		sim_run();
		sim_end();
	}
	ASSERT_FALSE(violated);
	/* Not vacuous: in a good share of the runs synchronize_srcu() began with
	 * a reader inside, and had to wait for it (the inputs are fixed, so is
	 * the count: 144 of 399; 5% is a floor well below it). */
	printf("     %d grace periods of %d began with a reader inside\n", gp_with_reader_inside, runs);
	ASSERT_GE(gp_with_reader_inside, runs / 20);
	return true;
}

struct rcu_head { struct rcu_head *next; void (*func)(struct rcu_head *); };
static struct rcu_head head;

static int open_at_call[SIM_MAX_THREADS];

static void cb(struct rcu_head *h)
{
	(void)h;
	/* A reader inside since before call_srcu() would make this a violation. */
	for (int t = 0; t < SIM_MAX_THREADS; t++)
		if (open_at_call[t] && in_section[t] == 1)
			violated = true;
	cb_ran++;
}

static void caller(void *arg)
{
	sim_preempt(&S);
	sim_srcu_call(ss, &head, cb, &S);
	for (int t = 0; t < SIM_MAX_THREADS; t++) {
		open_at_call[t] = in_section[t] == 1;
		gp_with_reader_inside += open_at_call[t];
	}
	sim_srcu_barrier(ss, &S);
	cb_ran_when_barrier_done = cb_ran;
}

static void one_section_reader(void *arg)
{
	int idx = sim_srcu_read_lock(ss, &S);

	in_section[sim_current()] = 1;
	for (int i = 0; i < 4; i++)
		sim_preempt(&S);
	in_section[sim_current()] = 2;	/* still open, but no longer "before" */
	sim_srcu_read_unlock(ss, idx, &S);
	in_section[sim_current()] = 0;
}

static bool test_call_srcu_runs_after_grace_period_and_barrier_waits(void)
{
	uint8_t in[32];
	const int runs = 299;

	violated = false;
	gp_with_reader_inside = 0;
	for (unsigned seed = 1; seed <= runs; seed++) {
		srand(seed);
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)rand();
		memset(in_section, 0, sizeof(in_section));
		cb_ran = cb_ran_when_barrier_done = 0;
		begin(in, sizeof(in));
		sim_srcu_init(&ss, "test_srcu");
		sim_srcu_start_worker();
		sim_thread_create("r", one_section_reader, NULL, false);
		sim_thread_create("c", caller, NULL, false);
		sim_run();
		sim_end();
		ASSERT_EQ(cb_ran, 1);
		ASSERT_EQ(cb_ran_when_barrier_done, 1);
	}
	ASSERT_FALSE(violated);
	/* Not vacuous: call_srcu() came with the reader inside in enough runs
	 * (23 of 299), whose section the callback then had to wait for. */
	printf("     %d call_srcu() grace periods of %d began with a reader inside\n", gp_with_reader_inside, runs);
	ASSERT_GE(gp_with_reader_inside, runs / 20);
	return true;
}

/*
 * A section opened after call_srcu() but before its callback runs may be one
 * the grace period waits for: the grace period may start any time after the
 * call.  So it need not see what the caller stored before the call (the 7.x
 * vGIC ready flag written with WRITE_ONCE(): tests/litmus/
 * MP+assign-once+acquire-srculock-mb, Sometimes under herd7), and the
 * callback then runs only after it.  Tree SRCU's call_srcu() has an smp_mb()
 * inside (--srcu impl), and tso keeps stores in order: never there.
 */
static int cs_x, cs_y, cs_r0, cs_r1, cs_cb_ran;
static bool cs_cb_before_unlock;
static struct rcu_head cs_head;

static void cs_cb(struct rcu_head *h)
{
	(void)h;
	cs_cb_ran = 1;
}

static void cs_writer(void *arg)
{
	(void)arg;
	sim_store(&cs_x, 1, sizeof(int), SIM_RELEASE, &S);	/* rcu_assign_pointer() */
	sim_srcu_call(ss, &cs_head, cs_cb, &S);
	sim_store(&cs_y, 1, sizeof(int), SIM_ONCE, &S);
}

static void cs_reader(void *arg)
{
	int idx;

	(void)arg;
	cs_r0 = (int)sim_load(&cs_y, sizeof(int), SIM_ACQUIRE, &S);
	idx = sim_srcu_read_lock(ss, &S);
	sim_fence(SIM_MB, &S);
	cs_r1 = (int)sim_load(&cs_x, sizeof(int), SIM_ONCE, &S);
	sim_preempt(&S);
	if (cs_r1 == 0 && cs_cb_ran)
		cs_cb_before_unlock = true;
	sim_srcu_read_unlock(ss, idx, &S);
}

static bool call_srcu_stale_observed(enum sim_model model, enum sim_srcu_mode srcu)
{
	struct sim_config cfg = { .strategy = SIM_STRAT_DFS, .model = model, .srcu = srcu };
	bool seen = false;

	cs_cb_before_unlock = false;
	sim_dfs_reset();
	do {
		cs_x = cs_y = cs_cb_ran = 0;
		sim_begin(&cfg, NULL, 0);
		sim_srcu_init(&ss, "test_srcu");
		sim_srcu_start_worker();
		sim_thread_create("w", cs_writer, NULL, false);
		sim_thread_create("r", cs_reader, NULL, false);
		sim_run();
		sim_end();
		seen |= cs_r0 == 1 && cs_r1 == 0;
	} while (sim_dfs_next());
	return seen;
}

static bool test_section_after_call_srcu_may_be_waited_for(void)
{
	ASSERT_TRUE(call_srcu_stale_observed(SIM_MODEL_LKMM, SIM_SRCU_DOC));
	/* ... and then its callback waited for it. */
	ASSERT_FALSE(cs_cb_before_unlock);
	ASSERT_FALSE(call_srcu_stale_observed(SIM_MODEL_LKMM, SIM_SRCU_IMPL));
	ASSERT_FALSE(call_srcu_stale_observed(SIM_MODEL_TSO, SIM_SRCU_DOC));
	return true;
}

/* ---- grace-period cost (sim/srcu_timing.c) ------------------------------------ */

static const struct sim_site S_CALL = { "k.c", 10, "call_srcu" }, S_EXP1 = { "k.c", 20, "synchronize_srcu_expedited" },
			     S_EXP2 = { "k.c", 30, "synchronize_srcu_expedited" }, S_BAR = { "k.c", 40, "srcu_barrier" };
static struct sim_cost_wait cw[8];
static int ncw, cost_cbs;
static struct rcu_head cost_heads[2];

static void cost_cb(struct rcu_head *h)
{
	(void)h;
	cost_cbs++;
}

/* register's call_srcu(), the first vCPU's two memslot updates, another call_srcu(), teardown's barrier */
static void cost_vmm(void *arg)
{
	(void)arg;
	sim_srcu_call(ss, &cost_heads[0], cost_cb, &S_CALL);
	sim_srcu_synchronize(ss, true, &S_EXP1);
	sim_srcu_synchronize(ss, true, &S_EXP2);
	sim_srcu_call(ss, &cost_heads[1], cost_cb, &S_CALL);
	sim_srcu_barrier(ss, &S_BAR);
	ncw = sim_cost_take_waits(cw, 8);
}

/*
 * Tree SRCU's timing (7.x's srcutree.c parameters): an expedited request
 * arriving while register's normal grace period waits for its first
 * process_srcu() waits one jiffy and two grace periods; the next one, on an
 * idle SRCU, none; srcu_barrier() behind a normal grace period waits it and
 * cbdelay.  The SRCU model's decisions are the same with the clock on.
 */
static bool test_cost_clock_follows_tree_srcu(void)
{
	struct sim_cost_params p = { .hz = 100, .interval = 1, .max_interval = 10, .grows = true, .nodelay = true,
				     .retry_delay = 5, .phase_lo = 3, .phase_hi = 1000, .reschedule_count = true,
				     .exp_holdoff_ns = 25000 };

	sim_cost_start(&p);
	cost_cbs = ncw = 0;
	begin(NULL, 0);
	sim_srcu_init(&ss, "test_srcu");
	sim_srcu_start_worker();
	sim_thread_create("vmm", cost_vmm, NULL, false);
	sim_run();
	sim_end();
	sim_cost_stop();
	ASSERT_EQ(cost_cbs, 2);
	ASSERT_EQ(ncw, 3);
	ASSERT_EQ(cw[0].t1 - cw[0].t0, 1);
	ASSERT_TRUE(cw[0].behind == &S_CALL);
	ASSERT_EQ(cw[0].gps, 2);
	ASSERT_TRUE(!strcmp(cw[0].kind, "expedited"));
	ASSERT_EQ(cw[1].t1 - cw[1].t0, 0);
	ASSERT_TRUE(cw[1].behind == &S_EXP2);
	ASSERT_EQ(cw[1].gps, 1);
	ASSERT_EQ(cw[2].t1 - cw[2].t0, 2);
	ASSERT_TRUE(cw[2].behind == &S_CALL);
	ASSERT_TRUE(!strcmp(cw[2].kind, "barrier"));
	ASSERT_EQ(sim_cost_jiffies(), 3);
	return true;
}

/* ---- findings -------------------------------------------------------------- */

static struct sim_lock la, lb;

static void ab(void *arg)
{
	sim_lock_acquire(&la, &S);
	sim_lock_acquire(&lb, &S);
	sim_lock_release(&lb, &S);
	sim_lock_release(&la, &S);
}

static void ba(void *arg)
{
	sim_lock_acquire(&lb, &S);
	sim_lock_acquire(&la, &S);
	sim_lock_release(&la, &S);
	sim_lock_release(&lb, &S);
}

static void inversion_without_deadlock(void)
{
	begin(NULL, 0);		/* no preemption: ab runs to the end, then ba */
	sim_lock_init(&la, "A");
	sim_lock_init(&lb, "B");
	sim_thread_create("t0", ab, NULL, false);
	sim_thread_create("t1", ba, NULL, false);
	sim_run();
	sim_end();
}

static bool test_lock_inversion_reported_without_deadlock(void)
{
	ASSERT_STREQ(finding_of(inversion_without_deadlock), "lockdep");
	return true;
}

static void srcu_reader_takes_lock(void *arg)
{
	int idx = sim_srcu_read_lock(ss, &S);

	sim_lock_acquire(&la, &S);
	sim_lock_release(&la, &S);
	sim_srcu_read_unlock(ss, idx, &S);
}

static void updater_syncs_under_lock(void *arg)
{
	sim_lock_acquire(&la, &S);
	sim_srcu_synchronize(ss, true, &S);
	sim_lock_release(&la, &S);
}

static void srcu_lock_inversion(void)
{
	begin(NULL, 0);
	sim_lock_init(&la, "slots_lock");
	sim_srcu_init(&ss, "kvm->srcu");
	sim_thread_create("reader", srcu_reader_takes_lock, NULL, false);
	sim_thread_create("upd", updater_syncs_under_lock, NULL, false);
	sim_run();
	sim_end();
}

static bool test_srcu_reader_vs_synchronize_under_lock_is_lockdep(void)
{
	ASSERT_STREQ(finding_of(srcu_lock_inversion), "lockdep");
	return true;
}

static void sync_in_own_section(void *arg)
{
	int idx = sim_srcu_read_lock(ss, &S);

	sim_srcu_synchronize(ss, false, &S);
	sim_srcu_read_unlock(ss, idx, &S);
}

static void self_sync(void)
{
	begin(NULL, 0);
	sim_srcu_init(&ss, "kvm->srcu");
	sim_thread_create("t", sync_in_own_section, NULL, false);
	sim_run();
}

static bool test_synchronize_inside_own_read_section(void)
{
	ASSERT_STREQ(finding_of(self_sync), "lockdep");
	return true;
}

static void deadlock_run(void)
{
	/* t0 takes A, then t1 takes B, then each waits for the other. */
	static const uint8_t in[] = { 0, 0, 1, 0, 0, 0, 0, 0 };

	begin(in, sizeof(in));
	sim_lock_init(&la, "A");
	sim_lock_init(&lb, "B");
	sim_thread_create("t0", ab, NULL, false);
	sim_thread_create("t1", ba, NULL, false);
	sim_run();
}

static bool test_deadlock_or_inversion_is_found_on_every_schedule(void)
{
	const char *c = finding_of(deadlock_run);

	ASSERT_TRUE(!strcmp(c, "deadlock") || !strcmp(c, "lockdep"));
	return true;
}

static void *obj;

static void holding_reader(void *arg)
{
	int idx = sim_srcu_read_lock(ss, &S);

	sim_srcu_note_deref(ss, obj);
	sim_preempt(&S);
	sim_preempt(&S);
	sim_srcu_read_unlock(ss, idx, &S);
}

static void freer(void *arg)
{
	sim_kfree(obj, &S);
}

static void free_under_reader(void)
{
	begin(NULL, 0);
	sim_srcu_init(&ss, "kvm->srcu");
	sim_thread_create("reader", holding_reader, NULL, false);
	sim_thread_create("freer", freer, NULL, false);
	obj = NULL;
	/* allocate from a thread context so the allocation is accounted */
	sim_run();
}

static void alloc_then(void *arg)
{
	obj = sim_kmalloc(16, true, &S);
}

static void uaf_scenario(void)
{
	/* allocate, then a reader loads it and is preempted while the freer frees it */
	static const uint8_t in[] = { 0, 5, 0, 1, 1, 0 };

	begin(in, sizeof(in));
	sim_srcu_init(&ss, "kvm->srcu");
	sim_thread_create("alloc", alloc_then, NULL, false);
	sim_thread_create("reader", holding_reader, NULL, false);
	sim_thread_create("freer", freer, NULL, false);
	sim_run();
	sim_end();
}

static bool test_free_while_reader_holds_is_use_after_free(void)
{
	(void)free_under_reader;
	ASSERT_STREQ(finding_of(uaf_scenario), "use-after-free");
	return true;
}

static void double_free_thread(void *arg)
{
	void *p = sim_kmalloc(8, false, &S);

	sim_kfree(p, &S);
	sim_kfree(p, &S);
}

static void double_free(void)
{
	begin(NULL, 0);
	sim_thread_create("t", double_free_thread, NULL, false);
	sim_run();
}

static bool test_double_free(void)
{
	ASSERT_STREQ(finding_of(double_free), "double-free");
	return true;
}

static void leaky_thread(void *arg)
{
	(void)sim_kmalloc(8, false, &S);
}

static void leak(void)
{
	begin(NULL, 0);
	sim_thread_create("t", leaky_thread, NULL, false);
	sim_run();
	sim_end();
}

static bool test_leak_at_end_of_execution(void)
{
	ASSERT_STREQ(finding_of(leak), "leak");
	return true;
}

static void cleanup_with_reader_thread(void *arg)
{
	int idx = sim_srcu_read_lock(ss, &S);

	sim_srcu_cleanup(&ss, &S);
	sim_srcu_read_unlock(ss, idx, &S);
}

static void cleanup_with_reader(void)
{
	begin(NULL, 0);
	sim_srcu_init(&ss, "kvm->srcu");
	sim_thread_create("t", cleanup_with_reader_thread, NULL, false);
	sim_run();
}

static bool test_cleanup_srcu_struct_with_reader_inside(void)
{
	ASSERT_STREQ(finding_of(cleanup_with_reader), "srcu");
	return true;
}

static void clean_run(void)
{
	run_steppers(NULL, 0, 2);
}

static bool test_clean_execution_has_no_finding(void)
{
	ASSERT_STREQ(finding_of(clean_run), "");
	return true;
}

/* The helper itself: a child that dies is neither clean nor a finding. */
static void aborts(void)
{
	signal(SIGABRT, SIG_DFL);
	abort();
}

static void killed(void)
{
	raise(SIGKILL);
}

static void exits_2(void)
{
	exit(2);	/* what sim_fatal()'s callers and bad usage end with */
}

static void finding_then_signal(void)
{
	printf("FINDING leak: made up\n");
	fflush(stdout);
	raise(SIGKILL);
}

static bool test_a_crashed_child_is_never_no_finding(void)
{
	void (*const dying[])(void) = { aborts, killed, exits_2, finding_then_signal };

	for (size_t i = 0; i < sizeof(dying) / sizeof(dying[0]); i++) {
		const char *c = finding_of(dying[i]);

		ASSERT_STRNE(c, "");
		ASSERT_STRNE(c, "leak");
		ASSERT_EQ(c[0], '(');
	}
	return true;
}

/* ---- memory model and the exhaustive explorer ------------------------------------ */

static void two_steps(void *arg)
{
	sim_preempt(&S);
	order[norder++] = (char)('0' + (int)(intptr_t)arg);
	sim_preempt(&S);
	order[norder++] = (char)('0' + (int)(intptr_t)arg);
}

static bool test_dfs_runs_every_interleaving_once(void)
{
	static char seen[256][8];
	struct sim_config cfg = { .strategy = SIM_STRAT_DFS };
	int count = 0, distinct = 0;

	sim_dfs_reset();
	do {
		norder = 0;
		sim_begin(&cfg, NULL, 0);
		sim_thread_create("a", two_steps, (void *)0, false);
		sim_thread_create("b", two_steps, (void *)1, false);
		sim_run();
		sim_end();
		order[norder] = 0;
		ASSERT_TRUE(++count <= 256);	/* the exploration must end */
		for (int i = 0; i < distinct; i++)
			if (!strcmp(seen[i], order))
				goto next;
		strcpy(seen[distinct++], order);
next:		;
	} while (sim_dfs_next());
	/* Two threads of two steps: all six orders of 0011 (some more than
	 * once: a switch and a switch back before a step change nothing). */
	ASSERT_EQ(distinct, 6);
	return true;
}

static int mp_x, mp_y, mp_r0, mp_r1;
static enum sim_order mp_store_order, mp_load_order;

static void mp_writer(void *arg)
{
	(void)arg;
	sim_store(&mp_x, 1, sizeof(int), SIM_ONCE, &S);
	sim_store(&mp_y, 1, sizeof(int), mp_store_order, &S);
}

static void mp_reader(void *arg)
{
	(void)arg;
	mp_r0 = (int)sim_load(&mp_y, sizeof(int), mp_load_order, &S);
	mp_r1 = (int)sim_load(&mp_x, sizeof(int), SIM_ONCE, &S);
}

/* Message passing, explored exhaustively: can the reader see y=1 and x=0? */
static bool mp_observed(enum sim_model model, enum sim_order st, enum sim_order ld)
{
	struct sim_config cfg = { .strategy = SIM_STRAT_DFS, .model = model };
	bool seen = false;

	mp_store_order = st;
	mp_load_order = ld;
	sim_dfs_reset();
	do {
		mp_x = mp_y = 0;
		sim_begin(&cfg, NULL, 0);
		sim_thread_create("w", mp_writer, NULL, false);
		sim_thread_create("r", mp_reader, NULL, false);
		sim_run();
		sim_end();
		seen |= mp_r0 == 1 && mp_r1 == 0;
	} while (sim_dfs_next());
	return seen;
}

static bool test_stale_load_only_where_the_model_allows(void)
{
	ASSERT_TRUE(mp_observed(SIM_MODEL_LKMM, SIM_ONCE, SIM_ONCE));
	ASSERT_FALSE(mp_observed(SIM_MODEL_LKMM, SIM_RELEASE, SIM_ACQUIRE));
	ASSERT_FALSE(mp_observed(SIM_MODEL_TSO, SIM_ONCE, SIM_ONCE));
	ASSERT_FALSE(mp_observed(SIM_MODEL_SC, SIM_ONCE, SIM_ONCE));
	return true;
}

/*
 * Store buffering (SB): each thread stores to one location, then loads the
 * other.  r0 = r1 = 0 needs a store still in its store buffer when the other
 * thread loads: what x86 (tso) does and lkmm allows, what sc forbids, and
 * what smp_mb() between the store and the load forbids everywhere.  A tso
 * that degenerated into sc would pass the message-passing test above, not
 * this one.
 */
static int sb_x, sb_y, sb_r0, sb_r1;
static bool sb_mb;

static void sb_p0(void *arg)
{
	(void)arg;
	sim_store(&sb_x, 1, sizeof(int), SIM_ONCE, &S);
	if (sb_mb)
		sim_fence(SIM_MB, &S);
	sb_r0 = (int)sim_load(&sb_y, sizeof(int), SIM_ONCE, &S);
}

static void sb_p1(void *arg)
{
	(void)arg;
	sim_store(&sb_y, 1, sizeof(int), SIM_ONCE, &S);
	if (sb_mb)
		sim_fence(SIM_MB, &S);
	sb_r1 = (int)sim_load(&sb_x, sizeof(int), SIM_ONCE, &S);
}

/* How many executions of the exhaustive exploration end with r0 = r1 = 0. */
static int sb_observed(enum sim_model model, bool mb)
{
	struct sim_config cfg = { .strategy = SIM_STRAT_DFS, .model = model };
	int seen = 0, execs = 0;

	sb_mb = mb;
	sim_dfs_reset();
	do {
		sb_x = sb_y = 0;
		sb_r0 = sb_r1 = -1;
		sim_begin(&cfg, NULL, 0);
		sim_thread_create("p0", sb_p0, NULL, false);
		sim_thread_create("p1", sb_p1, NULL, false);
		sim_run();
		sim_end();
		seen += sb_r0 == 0 && sb_r1 == 0;
		if (++execs > 100000)
			return -1;	/* the exploration must end */
	} while (sim_dfs_next());
	return seen;
}

static bool test_store_buffering_only_where_the_model_allows(void)
{
	ASSERT_GE(sb_observed(SIM_MODEL_TSO, false), 1);
	ASSERT_GE(sb_observed(SIM_MODEL_LKMM, false), 1);
	ASSERT_EQ(sb_observed(SIM_MODEL_SC, false), 0);
	ASSERT_EQ(sb_observed(SIM_MODEL_TSO, true), 0);
	ASSERT_EQ(sb_observed(SIM_MODEL_LKMM, true), 0);
	return true;
}

static void null_deref_thread(void *arg)
{
	sim_preempt(&S);
	*(volatile int *)arg = 1;	/* arg is NULL: kernel code crashing */
}

static void null_deref_run(void)
{
	sim_install_crash_handler();
	begin(NULL, 0);
	sim_thread_create("t", null_deref_thread, NULL, false);
	sim_run();
	sim_end();
}

static bool test_null_dereference_is_a_crash_finding(void)
{
	ASSERT_STREQ(finding_of(null_deref_run), "crash");
	return true;
}

static int cb_ran;

static void cb_never(struct rcu_head *h)
{
	(void)h;
	cb_ran = 1;
}

static struct sim_srcu *stuck_srcu;
static struct rcu_head stuck_head;

/* A reader that never leaves its section: the callback's grace period never ends. */
static void stuck_reader(void *arg)
{
	(void)arg;
	sim_srcu_read_lock(stuck_srcu, &S);
}

static void stuck_caller(void *arg)
{
	(void)arg;
	sim_srcu_call(stuck_srcu, &stuck_head, cb_never, &S);
}

static void callback_never_runs(void)
{
	uint8_t in[] = { 0, 0 };	/* the reader first */

	begin(in, sizeof(in));
	sim_srcu_init(&stuck_srcu, "stuck");
	sim_srcu_start_worker();
	sim_thread_create("reader", stuck_reader, NULL, false);
	sim_thread_create("caller", stuck_caller, NULL, false);
	sim_run();
	sim_end();
}

static bool test_callback_that_never_runs_is_srcu(void)
{
	ASSERT_STREQ(finding_of(callback_never_runs), "srcu");
	return true;
}


/*
 * Strategies record the input that gives the same execution: the order of
 * steps, parks on a lock, raw bytes and the loads' values all come back when
 * the recording is replayed as an ordinary input.
 */
static struct sim_lock rec_lock;
static int rec_x;

static void rec_worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	int steps = 1 + sim_input_byte() % 3;

	for (int i = 0; i < steps; i++) {
		sim_lock_acquire(&rec_lock, &S);
		sim_store(&rec_x, me, sizeof(int), SIM_ONCE, &S);
		for (int j = 0; j < 12; j++) {
			sim_preempt(&S);
			order[norder++] = (char)('a' + me);
		}
		sim_lock_release(&rec_lock, &S);
		order[norder++] = (char)('0' + (int)sim_load(&rec_x, sizeof(int), SIM_ONCE, &S));
	}
}

static void rec_execution(const struct sim_config *cfg, const uint8_t *in, size_t n)
{
	norder = 0;
	rec_x = 0;
	sim_lock_init(&rec_lock, "rec_lock");
	sim_begin(cfg, in, n);
	for (int t = 0; t < 3; t++)
		sim_thread_create("w", rec_worker, (void *)(intptr_t)t, false);
	sim_run();
	sim_end();
	order[norder] = 0;
}

static bool strategy_replays(enum sim_strategy st)
{
	static const uint8_t scenario[] = { 2, 1, 2 };
	struct sim_config cfg = { .strategy = st, .pct_depth = 3, .pct_steps = 20,
				  .preempt_bounded = true, .preempt_bound = 2 };
	struct sim_config input = { 0 };
	char first[sizeof(order)];
	int distinct = 0;

	sim_dfs_reset();
	for (int i = 0; i < 200; i++) {
		static char prev[sizeof(order)];
		uint8_t rec[4096];
		size_t len;
		const uint8_t *r;

		cfg.seed = 1000 + i;
		rec_execution(&cfg, scenario, sizeof(scenario));
		strcpy(first, order);
		r = sim_recording(&len);
		ASSERT_TRUE(len <= sizeof(rec));
		memcpy(rec, r, len);
		rec_execution(&input, rec, len);
		if (strcmp(first, order))
			printf("     %s seed %d:\n", sim_strategy_name[st], i);
		ASSERT_STREQ(first, order);
		distinct += strcmp(prev, first) != 0;
		strcpy(prev, first);
		if (st == SIM_STRAT_DFS && !sim_dfs_next())
			break;
	}
	ASSERT_TRUE(distinct > 5);	/* the strategy does vary the schedule */
	return true;
}

static bool test_strategies_record_a_replayable_input(void)
{
	ASSERT_TRUE(strategy_replays(SIM_STRAT_RANDOM));
	ASSERT_TRUE(strategy_replays(SIM_STRAT_PCT));
	ASSERT_TRUE(strategy_replays(SIM_STRAT_DFS));
	return true;
}

#define T(name) { #name, name }
static const struct { const char *name; bool (*fn)(void); } tests[] = {
	T(test_same_input_same_interleaving),
	T(test_exhausted_stream_runs_threads_in_turn),
	T(test_synchronize_srcu_waits_for_earlier_readers),
	T(test_call_srcu_runs_after_grace_period_and_barrier_waits),
	T(test_section_after_call_srcu_may_be_waited_for),
	T(test_lock_inversion_reported_without_deadlock),
	T(test_srcu_reader_vs_synchronize_under_lock_is_lockdep),
	T(test_synchronize_inside_own_read_section),
	T(test_deadlock_or_inversion_is_found_on_every_schedule),
	T(test_free_while_reader_holds_is_use_after_free),
	T(test_double_free),
	T(test_leak_at_end_of_execution),
	T(test_cleanup_srcu_struct_with_reader_inside),
	T(test_clean_execution_has_no_finding),
	T(test_a_crashed_child_is_never_no_finding),
	T(test_dfs_runs_every_interleaving_once),
	T(test_stale_load_only_where_the_model_allows),
	T(test_store_buffering_only_where_the_model_allows),
	T(test_null_dereference_is_a_crash_finding),
	T(test_callback_that_never_runs_is_srcu),
	T(test_strategies_record_a_replayable_input),
	T(test_cost_clock_follows_tree_srcu),
};

int main(void)
{
	int n = sizeof(tests) / sizeof(tests[0]), passed = 0;

	for (int i = 0; i < n; i++) {
		bool ok = tests[i].fn();

		printf("%s %s\n", ok ? "ok  " : "FAIL", tests[i].name);
		passed += ok;
	}
	printf("%d tests run, %d passed, %d failed\n", n, passed, n - passed);
	return passed == n ? 0 : 1;
}
