// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native backend, locks and lockdep.  A mutex or spinlock is its lock word:
 * an acquire compare-and-swap takes it, a release store drops it (what TSan
 * needs to see the critical sections ordered).  A waiter spins, yields, then
 * sleeps; if the holder has exited, that is a deadlock at once.  Lockdep is
 * the simulator's (sim/lockdep.c, under the checker lock): each thread's held
 * stack and the lock-order graph of the execution (SRCU read sections and
 * grace-period waits are classes too), so an inversion is found even when the
 * two orders never meet in time.
 */
#include "native.h"

void sim_native_lock_reset(void)
{
	sim_lockdep_reset(sim_lockdep_class);
	for (int t = 0; t < SIM_MAX_THREADS; t++)
		sim_lockdep_thread_reset(t);
}

int sim_lockdep_class(const char *name)
{
	int c;

	sim_check_begin();
	c = sim_lockdep_lookup(name);
	sim_check_end();
	return c;
}

/* A DEFINE_MUTEX() lock (cls -1) takes its class by name, every execution. */
static int lock_class(struct sim_lock *l)
{
	int c;

	if (l->cls >= 0)
		return l->cls;
	sim_check_begin();
	c = sim_lockdep_lock_class(l);
	sim_check_end();
	return c;
}

static int self(const char *what)
{
	if (sim_nt_self < 0)
		sim_fatal("%s outside a thread", what);
	return sim_nt_self;
}

/* The graph (sim/lockdep.c) is kept under the checker lock. */
void sim_lockdep_acquire(int cls, const struct sim_site *site, bool read)
{
	int tid = self("lockdep acquire");

	sim_check_begin();
	sim_lockdep_tid_acquire(tid, cls, site, read);
	sim_check_end();
}

void sim_lockdep_release(int cls)
{
	int tid = self("lockdep release");

	sim_check_begin();
	sim_lockdep_tid_release(tid, cls, sim_nt_site);
	sim_check_end();
}

void sim_lockdep_wait(int cls, const struct sim_site *site)
{
	int tid = self("grace-period wait");

	sim_check_begin();
	sim_lockdep_tid_wait(tid, cls, site);
	sim_check_end();
}

/* ---- mutexes and spinlocks ------------------------------------------------------ */

static void check_init(struct sim_lock *l, const struct sim_site *site)
{
	if (!l->init)
		sim_finding(SIM_F_LOCKDEP, site, "lock used before initialization");
}

static bool try_take(struct sim_lock *l)
{
	uint32_t free = 0;

	return __atomic_compare_exchange_n(&l->word, &free, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void sim_lock_acquire(struct sim_lock *l, const struct sim_site *site)
{
	int tid = self("lock acquire");
	unsigned turn = 0;

	sim_preempt(site);
	check_init(l, site);
	sim_lockdep_acquire(lock_class(l), site, false);
	if (!try_take(l)) {
		sim_native_wait(l->name, __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE));
		while (!try_take(l)) {
			/* Acquire: the owner's sim_nt[] entry was set up before it stored its id. */
			int o = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);

			/* The owner may be between its CAS and its owner store: only an
			 * exited owner that still holds the word is a deadlock. */
			if (o >= 0 && o != tid && __atomic_load_n(&sim_nt[o].done, __ATOMIC_ACQUIRE) &&
			    __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == o)
				sim_finding(SIM_F_DEADLOCK, site, "%s waits for %s held by %s, which has exited",
					    sim_nt[tid].name, l->name, sim_nt[o].name);
			sim_native_backoff(&turn);
		}
		sim_native_wait(NULL, -1);
	}
	__atomic_store_n(&l->owner, tid, __ATOMIC_RELEASE);
}

int sim_lock_tryacquire(struct sim_lock *l, const struct sim_site *site)
{
	int tid = self("lock tryacquire");

	sim_preempt(site);
	check_init(l, site);
	if (!try_take(l))
		return 0;
	sim_lockdep_acquire(lock_class(l), site, false);
	__atomic_store_n(&l->owner, tid, __ATOMIC_RELEASE);
	return 1;
}

void sim_lock_release(struct sim_lock *l, const struct sim_site *site)
{
	int tid = self("lock release"), o;

	sim_preempt(site);
	check_init(l, site);
	o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	if (o != tid)
		sim_finding(SIM_F_LOCKDEP, site, "releasing %s, held by %s", l->name,
			    o < 0 ? "nobody" : sim_thread_name(o));
	sim_lockdep_release(lock_class(l));
	__atomic_store_n(&l->owner, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE);
}

bool sim_lock_is_locked(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	return __atomic_load_n(&l->word, __ATOMIC_RELAXED) != 0;
}

bool sim_lock_held(const struct sim_lock *l)
{
	return l->init && sim_nt_self >= 0 && __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == sim_nt_self;
}
