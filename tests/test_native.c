// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native backend (sim/native/) on its own, built under TSan and under
 * ASan: its SRCU keeps a reader's object alive until the reader is done (a
 * small rcutorture: the updater poisons the old object after the grace
 * period, so a broken grace period is a poisoned read, and under TSan a data
 * race), call_srcu() callbacks run after a grace period and srcu_barrier()
 * waits for them, locks exclude each other, and the checkers report what
 * they must (each as its own run: a finding ends the process).
 *   test_native srcu | callbacks | locks | inversion | exited-holder | unlock
 */
#include "native.h"
#include "test_assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC 0x5a5a5a5au
#define POISONED 0xdeaddeadu

static const struct sim_site site = { "tests/test_native.c", 0, "test" };

/* ---- SRCU: the grace-period guarantee ---------------------------------------------- */

static struct sim_srcu *ss;
static unsigned *cur;		/* marked: published with a release store */
static int bad_reads;		/* atomic */
static int readers_done;	/* atomic */
static int inside;		/* atomic: readers inside their read section */
static int gp_with_reader_inside;	/* atomic: grace periods that began with one inside */

/*
 * Not vacuous, whatever the machine's speed: the readers go on until enough
 * grace periods began with a reader inside (counted by the updater), not for
 * a fixed time or a fixed count that a loaded machine might spend with the
 * updater descheduled.  The cap only ends a run that cannot get there.
 */
#define MIN_GP_WITH_READER 50
#define READER_CAP 20000000
static bool updater_counts;	/* test_srcu(): there is an updater counting them */

static void reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < READER_CAP; i++) {
		int idx;
		unsigned *p;

		if (i >= 20000 && (!updater_counts ||
				   __atomic_load_n(&gp_with_reader_inside, __ATOMIC_RELAXED) >= MIN_GP_WITH_READER))
			break;
		idx = sim_srcu_read_lock(ss, &site);
		__atomic_fetch_add(&inside, 1, __ATOMIC_SEQ_CST);
		p = (unsigned *)(uintptr_t)sim_load(&cur, sizeof(cur), SIM_DEREF, &site);

		/* A window for the updater (preemption points may yield), then a plain
		 * read: only the grace period orders it before the poisoning. */
		sim_preempt(&site);
		sim_preempt(&site);
		if (*p != MAGIC)
			__atomic_fetch_add(&bad_reads, 1, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&inside, 1, __ATOMIC_SEQ_CST);
		sim_srcu_read_unlock(ss, idx, &site);
	}
	__atomic_fetch_add(&readers_done, 1, __ATOMIC_RELEASE);
}

static unsigned *old_objs[100000];
static int ngp;

static void updater(void *arg)
{
	int n = 0;

	(void)arg;
	while (__atomic_load_n(&readers_done, __ATOMIC_ACQUIRE) < 3 && n < 100000) {
		unsigned *fresh = malloc(sizeof(*fresh)), *old;

		*fresh = MAGIC;
		old = (unsigned *)(uintptr_t)sim_load(&cur, sizeof(cur), SIM_PLAIN, &site);
		sim_store(&cur, (uintptr_t)fresh, sizeof(cur), SIM_RELEASE, &site);
		/* A reader inside now is one the grace period must wait for. */
		if (__atomic_load_n(&inside, __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&gp_with_reader_inside, 1, __ATOMIC_RELAXED);
		sim_srcu_synchronize(ss, false, &site);
		*old = POISONED;	/* no reader may still see it */
		old_objs[n++] = old;
	}
	for (int i = 0; i < n; i++)
		free(old_objs[i]);
	ngp = n;
}

static void test_srcu(void)
{
	struct sim_config cfg = { 0 };

	sim_begin(&cfg, NULL, 0);
	sim_srcu_init(&ss, "test_srcu");
	cur = malloc(sizeof(*cur));
	*cur = MAGIC;
	updater_counts = true;
	for (int i = 0; i < 3; i++)
		sim_thread_create("reader", reader, NULL, false);
	sim_thread_create("updater", updater, NULL, false);
	sim_run();
	sim_end();
	free(cur);
	printf("srcu: %d grace periods under 3 readers, %d of them began with a reader inside\n", ngp,
	       gp_with_reader_inside);
	/* Vacuity: else the poisoning below proves nothing. */
	EXPECT_GE(gp_with_reader_inside, MIN_GP_WITH_READER);
	/* A reader saw an object poisoned after a grace period. */
	EXPECT_EQ(bad_reads, 0);
}

/* ---- call_srcu() and srcu_barrier() --------------------------------------------------- */

/* The backend only passes the rcu_head pointer back: any object can stand for one here. */
struct cbobj {
	unsigned v;
};
static int ran;			/* atomic */

static void cb(struct rcu_head *h)
{
	struct cbobj *o = (struct cbobj *)h;

	EXPECT_EQ(o->v, MAGIC);		/* else a callback ran on an object not fully written */
	__atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
	free(o);
}

static void queuer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		struct cbobj *o = malloc(sizeof(*o));

		o->v = MAGIC;
		sim_srcu_call(ss, (struct rcu_head *)o, cb, &site);
	}
	sim_srcu_barrier(ss, &site);
	/* srcu_barrier() returned after its callbacks ran. */
	EXPECT_EQ(__atomic_load_n(&ran, __ATOMIC_RELAXED), 50);
}

static void test_callbacks(void)
{
	struct sim_config cfg = { 0 };

	sim_begin(&cfg, NULL, 0);
	sim_srcu_init(&ss, "test_srcu");
	cur = malloc(sizeof(*cur));
	*cur = MAGIC;
	sim_srcu_start_worker();
	sim_thread_create("queuer", queuer, NULL, false);
	sim_thread_create("reader", reader, NULL, false);
	sim_run();
	sim_end();
	free(cur);
	EXPECT_EQ(__atomic_load_n(&ran, __ATOMIC_RELAXED), 50);	/* no callback lost */
}

/* ---- locks ------------------------------------------------------------------------- */

static struct sim_lock la, lb;
static long counter;		/* plain: only the lock orders it */

static void incrementer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		sim_lock_acquire(&la, &site);
		EXPECT_TRUE(sim_lock_held(&la));	/* lockdep_assert_held() inside the critical section */
		counter++;
		sim_lock_release(&la, &site);
	}
}

static void test_locks(void)
{
	struct sim_config cfg = { 0 };

	sim_begin(&cfg, NULL, 0);
	sim_lock_init(&la, "la");
	for (int i = 0; i < 3; i++)
		sim_thread_create("inc", incrementer, NULL, false);
	sim_run();
	sim_end();
	EXPECT_EQ(counter, 60000);		/* else increments were lost: the lock does not exclude */
	EXPECT_TRUE(!sim_lock_held(&la));	/* the main thread does not hold a lock it never took */
}

/* ---- checkers that must fire (each ends the process with its FINDING) ------------------ */

/* Both orders, one after the other: never a deadlock in time, an inversion all the same. */
static void both_orders(void *arg)
{
	(void)arg;
	sim_lock_acquire(&la, &site);
	sim_lock_acquire(&lb, &site);
	sim_lock_release(&lb, &site);
	sim_lock_release(&la, &site);
	sim_lock_acquire(&lb, &site);
	sim_lock_acquire(&la, &site);
	sim_lock_release(&la, &site);
	sim_lock_release(&lb, &site);
}

static void keeps_lock(void *arg)
{
	(void)arg;
	sim_lock_acquire(&la, &site);
}

static void unbalanced(void *arg)
{
	(void)arg;
	sim_srcu_read_unlock(ss, 0, &site);
}

static void run_one(const char *name)
{
	struct sim_config cfg = { 0 };

	sim_begin(&cfg, NULL, 0);
	sim_lock_init(&la, "la");
	sim_lock_init(&lb, "lb");
	sim_srcu_init(&ss, "test_srcu");
	if (!strcmp(name, "inversion")) {
		sim_thread_create("orders", both_orders, NULL, false);
	} else if (!strcmp(name, "exited-holder")) {
		/* Whichever takes it first exits holding it: the other waits for a dead thread. */
		sim_thread_create("keeper", keeps_lock, NULL, false);
		sim_thread_create("waiter", keeps_lock, NULL, false);
	} else if (!strcmp(name, "unlock")) {
		sim_thread_create("unbalanced", unbalanced, NULL, false);
	} else {
		fprintf(stderr, "unknown test %s\n", name);
		exit(2);
	}
	sim_run();
	printf("no finding\n");
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s srcu|callbacks|locks|inversion|exited-holder|unlock\n", argv[0]);
		return 2;
	}
	sim_native.delay_pct = 20;
	if (!strcmp(argv[1], "srcu"))
		test_srcu();
	else if (!strcmp(argv[1], "callbacks"))
		test_callbacks();
	else if (!strcmp(argv[1], "locks"))
		test_locks();
	else
		run_one(argv[1]);
	printf("%s: %s\n", argv[1], test_failures ? "FAILED" : "ok");
	return test_failures ? 1 : 0;
}
