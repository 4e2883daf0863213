// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sleeping locks and a small lockdep: the held-lock stack of every thread
 * and the lock-order graph, so an inversion is reported on the schedule that
 * creates the second edge even when that schedule does not deadlock.  An
 * srcu_struct is a lock class too: a read section "holds" it, a grace-period
 * wait "takes" it (as lockdep's srcu annotations do).
 */
#include "sim_internal.h"

#include <string.h>

#define MAX_CLASSES 32

struct held {
	int cls;
	bool read;
	const struct sim_site *site;
};

static struct {
	struct held held[SIM_MAX_HELD];
	int n;
} th[SIM_MAX_THREADS];

static const char *class_name[MAX_CLASSES];
static int nclasses;
static uint32_t after[MAX_CLASSES];		/* after[a] bit b: b was taken while a was held */
static const struct sim_site *edge_site[MAX_CLASSES][MAX_CLASSES];

/* Statically defined locks (DEFINE_MUTEX) outlive an execution: each
 * starts free again, and takes its class by name (classes are per execution). */
#define MAX_STATIC 16
static struct sim_lock *statics[MAX_STATIC];
static int nstatics;

void sim_lock_reset(void)
{
	nclasses = 0;
	memset(after, 0, sizeof(after));
	for (int i = 0; i < nstatics; i++) {
		statics[i]->owner = -1;
		statics[i]->word = 0;
	}
}

static int lock_class(struct sim_lock *l)
{
	if (l->cls >= 0 && !l->is_static)
		return l->cls;
	if (!l->is_static) {
		if (nstatics == MAX_STATIC)
			sim_fatal("more than %d statically defined locks", MAX_STATIC);
		statics[nstatics++] = l;
		l->is_static = true;
	}
	return sim_lockdep_class(l->name);
}

void sim_lock_thread_reset(int tid)
{
	th[tid].n = 0;
}

int sim_lockdep_class(const char *name)
{
	for (int i = 0; i < nclasses; i++)
		if (class_name[i] == name || !strcmp(class_name[i], name))
			return i;
	if (nclasses == MAX_CLASSES)
		sim_fatal("too many lock classes");
	class_name[nclasses] = name;
	return nclasses++;
}

static bool reaches(int from, int to, uint32_t seen)
{
	if (from == to)
		return true;
	seen |= 1u << from;
	for (int b = 0; b < nclasses; b++)
		if ((after[from] & (1u << b)) && !(seen & (1u << b)) && reaches(b, to, seen))
			return true;
	return false;
}

/* Record "cls taken while each held lock is held"; report a cycle. */
static void add_edges(int cls, const struct sim_site *site, bool read)
{
	int tid = sim_s.cur;

	for (int i = 0; i < th[tid].n; i++) {
		int h = th[tid].held[i].cls;

		if (h == cls) {
			/* SRCU read sections nest; a lock taken twice is a self-deadlock. */
			if (read && th[tid].held[i].read)
				continue;
			sim_finding("lockdep", site, "%s acquired while already held (taken at %s:%d)",
				    class_name[cls], th[tid].held[i].site->file, th[tid].held[i].site->line);
		}
		if (after[h] & (1u << cls))
			continue;
		if (reaches(cls, h, 0)) {
			const struct sim_site *o = edge_site[cls][h];
			sim_finding("lockdep", site,
				    "lock order inversion: %s then %s here, but %s then %s elsewhere%s%s%s",
				    class_name[h], class_name[cls], class_name[cls], class_name[h],
				    o ? " (at " : "", o ? o->file : "", o ? ")" : "");
		}
		after[h] |= 1u << cls;
		edge_site[h][cls] = site;
	}
}

void sim_lockdep_acquire(int cls, const struct sim_site *site, bool read)
{
	int tid = sim_s.cur;

	add_edges(cls, site, read);
	if (th[tid].n == SIM_MAX_HELD)
		sim_fatal("too many locks held");
	th[tid].held[th[tid].n++] = (struct held){ cls, read, site };
}

void sim_lockdep_release(int cls)
{
	int tid = sim_s.cur;

	for (int i = th[tid].n; i-- > 0;) {
		if (th[tid].held[i].cls != cls)
			continue;
		memmove(&th[tid].held[i], &th[tid].held[i + 1],
			(th[tid].n - i - 1) * sizeof(th[tid].held[0]));
		th[tid].n--;
		return;
	}
	sim_finding("lockdep", sim_s.last_site, "releasing %s, which this thread does not hold",
		    class_name[cls]);
}

/* A grace-period wait: an edge from each held lock, and waiting inside the
 * class's own read section is a self-deadlock. */
void sim_lockdep_wait(int cls, const struct sim_site *site)
{
	int tid = sim_s.cur;

	for (int i = 0; i < th[tid].n; i++)
		if (th[tid].held[i].cls == cls)
			sim_finding("lockdep", site, "grace-period wait on %s inside its own read section",
				    class_name[cls]);
	add_edges(cls, site, false);
}

/* ---- mutexes ---------------------------------------------------------------- */

void sim_lock_init(struct sim_lock *l, const char *name)
{
	l->owner = -1;
	l->word = 0;
	l->is_static = false;
	l->name = name;
	l->cls = sim_lockdep_class(name);
	l->init = true;
}

static bool lock_free(void *arg)
{
	return ((struct sim_lock *)arg)->owner < 0;
}

static void check_init(struct sim_lock *l, const struct sim_site *site)
{
	if (!l->init)
		sim_finding("lockdep", site, "lock used before initialization");
}

void sim_lock_acquire(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	/* The same lock again, not just its class: it would wait for itself forever. */
	if (l->owner == sim_s.cur)
		sim_finding("deadlock", site, "%s acquired again by the thread that holds it", l->name);
	sim_lockdep_acquire(lock_class(l), site, false);
	/* Woken when it was free, another waiter may have taken it since. */
	while (l->owner >= 0)
		sim_park(lock_free, l, l->name, l, l->owner);
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
	if (l->owner >= 0)
		return 0;
	sim_lockdep_acquire(lock_class(l), site, false);
	l->owner = sim_s.cur;
	sim_mem_lock(&l->word, site);
	return 1;
}

void sim_lock_release(struct sim_lock *l, const struct sim_site *site)
{
	sim_preempt(site);
	check_init(l, site);
	if (l->owner != sim_s.cur)
		sim_finding("lockdep", site, "releasing %s, held by %s", l->name,
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
