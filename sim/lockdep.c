// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small lockdep, for both backends (shared.h): the held-lock stack of every
 * thread and the lock-order graph of the execution, so an inversion is
 * reported on the schedule that creates the second edge even when that
 * schedule does not deadlock.  An srcu_struct is a lock class too: a read
 * section "holds" it, a grace-period wait "takes" it (as lockdep's srcu
 * annotations do).
 */
#include "shared.h"

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

static int (*class_of)(const char *name) = sim_lockdep_lookup;

void sim_lockdep_reset(int (*lookup)(const char *name))
{
	class_of = lookup ? lookup : sim_lockdep_lookup;
	nclasses = 0;
	memset(after, 0, sizeof(after));
	/* Atomic stores: the native backend accesses lock words only atomically. */
	for (int i = 0; i < nstatics; i++) {
		__atomic_store_n(&statics[i]->owner, -1, __ATOMIC_RELAXED);
		__atomic_store_n(&statics[i]->word, 0, __ATOMIC_RELAXED);
	}
}

void sim_lockdep_thread_reset(int tid)
{
	th[tid].n = 0;
}

int sim_lockdep_lookup(const char *name)
{
	for (int i = 0; i < nclasses; i++)
		if (class_name[i] == name || !strcmp(class_name[i], name))
			return i;
	if (nclasses == MAX_CLASSES)
		sim_fatal("too many lock classes");
	class_name[nclasses] = name;
	return nclasses++;
}

int sim_lockdep_lock_class(struct sim_lock *l)
{
	if (l->cls >= 0 && !l->is_static)
		return l->cls;
	if (!l->is_static) {
		int i = 0;

		/* Known already when an execution given up had its globals put back. */
		while (i < nstatics && statics[i] != l)
			i++;
		if (i == MAX_STATIC)
			sim_fatal("more than %d statically defined locks", MAX_STATIC);
		if (i == nstatics)
			statics[nstatics++] = l;
		l->is_static = true;
	}
	return sim_lockdep_lookup(l->name);
}

/* The class lookup is the backend's (sim_lockdep_reset()): the native one takes the checker lock. */
void sim_lock_init(struct sim_lock *l, const char *name)
{
	l->owner = -1;
	l->word = 0;
	l->is_static = false;
	l->name = name;
	l->cls = class_of(name);
	l->init = true;
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
static void add_edges(int tid, int cls, const struct sim_site *site, bool read)
{
	for (int i = 0; i < th[tid].n; i++) {
		int h = th[tid].held[i].cls;

		if (h == cls) {
			/* SRCU read sections nest; a lock taken twice is a self-deadlock. */
			if (read && th[tid].held[i].read)
				continue;
			sim_finding(SIM_F_LOCKDEP, site, "%s acquired while already held (taken at %s:%d)",
				    class_name[cls], th[tid].held[i].site->file, th[tid].held[i].site->line);
		}
		if (after[h] & (1u << cls))
			continue;
		if (reaches(cls, h, 0)) {
			const struct sim_site *o = edge_site[cls][h];

			sim_finding(SIM_F_LOCKDEP, site,
				    "lock order inversion: %s then %s here, but %s then %s elsewhere%s%s%s",
				    class_name[h], class_name[cls], class_name[cls], class_name[h],
				    o ? " (at " : "", o ? o->file : "", o ? ")" : "");
		}
		after[h] |= 1u << cls;
		edge_site[h][cls] = site;
	}
}

void sim_lockdep_tid_acquire(int tid, int cls, const struct sim_site *site, bool read)
{
	add_edges(tid, cls, site, read);
	if (th[tid].n == SIM_MAX_HELD)
		sim_fatal("too many locks held");
	th[tid].held[th[tid].n++] = (struct held){ cls, read, site };
}

void sim_lockdep_tid_release(int tid, int cls, const struct sim_site *site)
{
	for (int i = th[tid].n; i-- > 0;) {
		if (th[tid].held[i].cls != cls)
			continue;
		memmove(&th[tid].held[i], &th[tid].held[i + 1],
			(th[tid].n - i - 1) * sizeof(th[tid].held[0]));
		th[tid].n--;
		return;
	}
	sim_finding(SIM_F_LOCKDEP, site, "releasing %s, which this thread does not hold", class_name[cls]);
}

/* A grace-period wait: an edge from each held lock, and waiting inside the
 * class's own read section is a self-deadlock. */
void sim_lockdep_tid_wait(int tid, int cls, const struct sim_site *site)
{
	for (int i = 0; i < th[tid].n; i++)
		if (th[tid].held[i].cls == cls)
			sim_finding(SIM_F_LOCKDEP, site, "grace-period wait on %s inside its own read section",
				    class_name[cls]);
	add_edges(tid, cls, site, false);
}
