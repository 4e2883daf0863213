// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TSan build's happens-before against the model's, on small programs
 * with plain accesses (this file is instrumented, the simulator is not):
 * each synchronization the model has must keep TSan quiet, and each program
 * without one must give a race finding, under every memory model.  Each
 * execution runs in a child process (TSan's first report ends it).
 */
#include "sim.h"
#include "test_assert.h"
#include "test_child.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct sim_site S = { "tests/test_tsan.c", 0, "test step" };

static int data;			/* plain */
static volatile int sink;		/* plain too: keeps the reads of data */
static uint32_t flag, count;		/* marked */
static int *ptr;			/* marked */
static struct sim_lock lock;
static struct sim_srcu *ss;
struct rcu_head { void *unused; };	/* the simulator only keeps its address */
static struct rcu_head head;
static bool with_sync;			/* the variant with the synchronization */

/* ---- the programs: thread 0 runs first (no decisions: no preemption) ---------- */

static void mp_writer(void *arg)
{
	data = 1;
	sim_store(&flag, 1, 4, with_sync ? SIM_RELEASE : SIM_ONCE, &S);
}

static void mp_reader(void *arg)
{
	if (sim_load(&flag, 4, with_sync ? SIM_ACQUIRE : SIM_ONCE, &S))
		sink = data;
}

static void fence_writer(void *arg)
{
	data = 1;
	sim_fence(SIM_WMB, &S);
	sim_store(&flag, 1, 4, SIM_ONCE, &S);
}

static void fence_reader(void *arg)
{
	if (sim_load(&flag, 4, SIM_ONCE, &S)) {
		if (with_sync)
			sim_fence(SIM_RMB, &S);
		sink = data;
	}
}

static void ptr_writer(void *arg)
{
	data = 1;
	sim_store(&ptr, (uintptr_t)&data, 8, with_sync ? SIM_RELEASE : SIM_ONCE, &S);
}

static void ptr_reader(void *arg)
{
	int *p = (int *)(uintptr_t)sim_load(&ptr, 8, SIM_ONCE, &S);	/* READ_ONCE: address-dependent */

	if (p)
		sink = *p;
}

static void locked_inc(void *arg)
{
	if (with_sync)
		sim_lock_acquire(&lock, &S);
	data++;
	if (with_sync)
		sim_lock_release(&lock, &S);
}

/* A release sequence: a relaxed RMW between the release and the acquire. */
static void rmw_middle(void *arg)
{
	sim_rmw(&flag, 4, SIM_RMW_ADD, 1, 0, SIM_ONCE, &S);
}

static void rmw_reader(void *arg)
{
	if (sim_load(&flag, 4, SIM_ACQUIRE, &S))
		sink = data;
}

static void gp_reader(void *arg)
{
	int idx = sim_srcu_read_lock(ss, &S);

	sink = data;
	sim_srcu_read_unlock(ss, idx, &S);
}

static void gp_updater(void *arg)
{
	if (with_sync)
		sim_srcu_synchronize(ss, false, &S);
	data = 2;
}

static void cb_reads(struct rcu_head *h)
{
	sink = data;
}

static void cb_writes(struct rcu_head *h)
{
	data = 3;
}

static void call_srcu_caller(void *arg)
{
	data = 1;
	sim_srcu_call(ss, &head, cb_reads, &S);
}

static void barrier_caller(void *arg)
{
	sim_srcu_call(ss, &head, cb_writes, &S);
	if (with_sync)
		sim_srcu_barrier(ss, &S);
	else	/* wait without any ordering: the callback runs meanwhile */
		for (int i = 0; i < 50; i++)
			sim_load(&count, 4, SIM_ONCE, &S);
	sink = data;
}

static void child_reads(void *arg)
{
	sink = data;
}

static void parent_writes(void *arg)
{
	data = 1;
	sim_thread_create("child", child_reads, NULL, false);
}

/* ---- running them -------------------------------------------------------------- */

struct prog {
	const char *name;
	sim_thread_fn t[3];
	bool srcu, worker;
	bool racy_without;	/* false: no unsynchronized variant */
};

static const struct prog progs[] = {
	{ "message passing, release/acquire", { mp_writer, mp_reader }, false, false, true },
	{ "message passing, smp_wmb()/smp_rmb()", { fence_writer, fence_reader }, false, false, true },
	{ "pointer publication, rcu_assign_pointer()/READ_ONCE()", { ptr_writer, ptr_reader }, false, false, true },
	{ "counter under a lock", { locked_inc, locked_inc }, false, false, true },
	{ "release sequence through a relaxed RMW", { mp_writer, rmw_middle, rmw_reader }, false, false, true },
	{ "grace period after a reader", { gp_reader, gp_updater }, true, false, true },
	{ "call_srcu() callback after the call", { call_srcu_caller }, true, true, false },
	{ "srcu_barrier() after the callback", { barrier_caller }, true, true, true },
	{ "thread creation", { parent_writes }, false, false, false },
};

static void run(const struct prog *p, enum sim_model m)
{
	struct sim_config cfg = { .model = m };

	sim_begin(&cfg, NULL, 0);
	data = sink = 0;
	flag = count = 0;
	ptr = NULL;
	memset(&lock, 0, sizeof(lock));
	sim_lock_init(&lock, "test_lock");
	if (p->srcu)
		sim_srcu_init(&ss, "test_srcu");
	if (p->worker)
		sim_srcu_start_worker();
	for (int i = 0; i < 3 && p->t[i]; i++)
		sim_thread_create("t", p->t[i], NULL, false);
	sim_run();
	sim_end();
}

/* The program under the model, in a child (TSan's first report ends it). */
static const struct prog *cur_prog;
static enum sim_model cur_model;

static void run_current(void)
{
	if (!getenv("TEST_TSAN_VERBOSE"))
		freopen("/dev/null", "w", stderr);	/* TSan's own report */
	run(cur_prog, cur_model);
}

/* The class of the finding the child printed, "" if none, "(...)" if it crashed. */
static const char *finding_of(const struct prog *p, enum sim_model m, bool sync)
{
	cur_prog = p;
	cur_model = m;
	with_sync = sync;
	return test_child_finding(run_current);
}

int main(void)
{
	int pass = 0, fail = 0;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		for (int m = SIM_MODEL_LKMM; m <= SIM_MODEL_SC; m++) {
			for (int sync = 1; sync >= 0; sync--) {
				const char *got, *want = sync ? "" : "race";

				if (!sync && !progs[i].racy_without)
					continue;
				got = finding_of(&progs[i], m, sync);
				EXPECT_STREQ(got, want);
				if (!strcmp(got, want)) {
					pass++;
					printf("ok   %s, %s, %s\n", progs[i].name, sim_model_name[m],
					       sync ? "synchronized: no race" : "unsynchronized: race");
				} else {
					fail++;
					printf("FAIL %s, %s, %s: got '%s'\n", progs[i].name, sim_model_name[m],
					       sync ? "synchronized" : "unsynchronized", got);
				}
			}
		}
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail || test_failures || !pass;
}
