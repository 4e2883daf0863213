// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sleeping locks, checked by lockdep (sim/lockdep.c, shared with the native
 * backend): the held-lock stack of every thread and the lock-order graph.
 */
#include "sim_internal.h"

/* The class graph is sim/lockdep.c's; the simulator's thread is the current one. */
static int lock_class(struct sim_lock *l)
{
	return l->cls >= 0 && !l->is_static ? l->cls : sim_lockdep_lock_class(l);
}

int sim_lockdep_class(const char *name)
{
	return sim_lockdep_lookup(name);
}

void sim_lockdep_acquire(int cls, const struct sim_site *site, bool read)
{
	sim_lockdep_tid_acquire(sim_s.cur, cls, site, read);
}

void sim_lockdep_release(int cls)
{
	sim_lockdep_tid_release(sim_s.cur, cls, sim_s.last_site);
}

void sim_lockdep_wait(int cls, const struct sim_site *site)
{
	sim_lockdep_tid_wait(sim_s.cur, cls, site);
}

/* ---- mutexes ---------------------------------------------------------------- */

static bool lock_free(void *arg)
{
	return ((struct sim_lock *)arg)->owner < 0;
}

static void check_init(struct sim_lock *l, const struct sim_site *site)
{
	if (!l->init)
		sim_finding(SIM_F_LOCKDEP, site, "lock used before initialization");
}

void sim_lock_acquire(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	/* The same lock again, not just its class: it would wait for itself forever. */
	if (l->owner == sim_s.cur)
		sim_finding(SIM_F_DEADLOCK, site, "%s acquired again by the thread that holds it", l->name);
	sim_lockdep_acquire(lock_class(l), site, false);
	/* Woken when it was free, another waiter may have taken it since. */
	while (l->owner >= 0)
		sim_park(lock_free, l, l->name, l->owner);
	l->owner = sim_s.cur;
	/* The lock word: an acquire RMW, so the critical section sees the
	 * previous holder's (released at unlock). */
	sim_mem_lock(&l->word, site);
	if (sim_cfg.trace)
		sim_trace(site, 0, "acquired %s", l->name);
}

int sim_lock_tryacquire(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	if (l->owner >= 0) {
		sim_mem_lock_fail(&l->word, site);	/* still a read of the lock for LKMM */
		sim_hist_val(0);
		return 0;
	}
	sim_lockdep_acquire(lock_class(l), site, false);
	l->owner = sim_s.cur;
	sim_mem_lock(&l->word, site);
	sim_hist_val(1);
	return 1;
}

void sim_lock_release(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	if (l->owner != sim_s.cur)
		sim_finding(SIM_F_LOCKDEP, site, "releasing %s, held by %s", l->name,
			    l->owner < 0 ? "nobody" : sim_thread_name(l->owner));
	sim_lockdep_release(lock_class(l));
	sim_mem_unlock(&l->word, site);
	l->owner = -1;
}

bool sim_lock_is_locked(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	return sim_mem_load(&l->word, sizeof(l->word), SIM_ONCE, site) != 0;
}

bool sim_lock_held(const struct sim_lock *l)
{
	return l->init && l->owner == sim_s.cur && sim_s.cur >= 0;
}
