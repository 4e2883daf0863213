// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native backend, locks and lockdep.  A mutex or spinlock is its lock word:
 * an acquire compare-and-swap takes it, a release store drops it (what TSan
 * needs to see the critical sections ordered).  A waiter spins, yields, then
 * sleeps; if the holder has exited, that is a deadlock at once.  Lockdep is
 * the simulator's: each thread's held stack and the lock-order graph of the
 * execution (SRCU read sections and grace-period waits are classes too), so
 * an inversion is found even when the two orders never meet in time.
 */
#include "native.h"

#include <string.h>

#define MAX_CLASSES 32
#define MAX_STATIC 16

struct held {
	int cls;
	bool read;
	const struct sim_site *site;
};

/* Under the checker lock. */
static struct {
	struct held held[SIM_MAX_HELD];
	int n;
} th[SIM_MAX_THREADS];
static const char *class_name[MAX_CLASSES];
static int nclasses;
static uint32_t after[MAX_CLASSES];		/* after[a] bit b: b was taken while a was held */
static const struct sim_site *edge_site[MAX_CLASSES][MAX_CLASSES];
/* Statically defined locks outlive an execution: each starts free again. */
static struct sim_lock *statics[MAX_STATIC];
static int nstatics;

void sim_native_lock_reset(void)
{
	nclasses = 0;
	memset(after, 0, sizeof(after));
	memset(th, 0, sizeof(th));
	for (int i = 0; i < nstatics; i++) {
		__atomic_store_n(&statics[i]->owner, -1, __ATOMIC_RELAXED);
		__atomic_store_n(&statics[i]->word, 0, __ATOMIC_RELAXED);
	}
}

static int class_locked(const char *name)
{
	for (int i = 0; i < nclasses; i++)
		if (class_name[i] == name || !strcmp(class_name[i], name))
			return i;
	if (nclasses == MAX_CLASSES)
		sim_native_fatal("too many lock classes");
	class_name[nclasses] = name;
	return nclasses++;
}

int sim_lockdep_class(const char *name)
{
	int c;

	sim_check_begin();
	c = class_locked(name);
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
	for (c = 0; c < nstatics && statics[c] != l; c++)
		;
	if (c == nstatics) {
		if (nstatics == MAX_STATIC)
			sim_native_fatal("more than %d statically defined locks", MAX_STATIC);
		statics[nstatics++] = l;
	}
	c = class_locked(l->name);
	sim_check_end();
	return c;
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

static int self(const char *what)
{
	if (sim_nt_self < 0)
		sim_native_fatal("%s outside a thread", what);
	return sim_nt_self;
}

/* Under the checker lock: "cls taken while each held lock is held"; a cycle is a finding. */
static void add_edges(int tid, int cls, const struct sim_site *site, bool read)
{
	for (int i = 0; i < th[tid].n; i++) {
		int h = th[tid].held[i].cls;

		if (h == cls) {
			if (read && th[tid].held[i].read)
				continue;	/* SRCU read sections nest */
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
	int tid = self("lockdep acquire");

	sim_check_begin();
	add_edges(tid, cls, site, read);
	if (th[tid].n == SIM_MAX_HELD)
		sim_native_fatal("too many locks held");
	th[tid].held[th[tid].n++] = (struct held){ cls, read, site };
	sim_check_end();
}

void sim_lockdep_release(int cls)
{
	int tid = self("lockdep release");

	sim_check_begin();
	for (int i = th[tid].n; i-- > 0;) {
		if (th[tid].held[i].cls != cls)
			continue;
		memmove(&th[tid].held[i], &th[tid].held[i + 1], (th[tid].n - i - 1) * sizeof(th[tid].held[0]));
		th[tid].n--;
		sim_check_end();
		return;
	}
	sim_finding("lockdep", sim_nt_site, "releasing %s, which this thread does not hold", class_name[cls]);
}

void sim_lockdep_wait(int cls, const struct sim_site *site)
{
	int tid = self("grace-period wait");

	sim_check_begin();
	for (int i = 0; i < th[tid].n; i++)
		if (th[tid].held[i].cls == cls)
			sim_finding("lockdep", site, "grace-period wait on %s inside its own read section",
				    class_name[cls]);
	add_edges(tid, cls, site, false);
	sim_check_end();
}

/* ---- mutexes and spinlocks ------------------------------------------------------ */

void sim_lock_init(struct sim_lock *l, const char *name)
{
	l->owner = -1;
	l->word = 0;
	l->is_static = false;
	l->name = name;
	l->cls = sim_lockdep_class(name);
	l->init = true;
}

static void check_init(struct sim_lock *l, const struct sim_site *site)
{
	if (!l->init)
		sim_finding("lockdep", site, "lock used before initialization");
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
				sim_finding("deadlock", site, "%s waits for %s held by %s, which has exited",
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
		sim_finding("lockdep", site, "releasing %s, held by %s", l->name,
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
