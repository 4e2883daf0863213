// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native backend, SRCU: a small implementation of our own, the kernel's
 * classic SRCU algorithm (Linux 4.x srcu.c) on global atomic counters rather
 * than per-CPU ones.  Not liburcu: it has no per-domain sleepable SRCU with an
 * index (kvm uses kvm->srcu, kvm->irq_srcu and plain RCU as three domains),
 * and an uninstrumented library's synchronization is invisible to TSan.
 *
 * srcu_read_lock(): idx = completed & 1, cnt[idx]++, smp_mb().
 * srcu_read_unlock(): smp_mb(), cnt[idx]--.
 * synchronize_srcu(): under the domain's gp lock, smp_mb(), wait for the
 * other index to drain (readers that took it just before the last flip),
 * flip, wait for the old index to drain, smp_mb().  A reader that read the
 * index before a flip and counts itself after the drain check saw the
 * updater's stores (the two smp_mb()s), and the next grace period waits
 * for it.  call_srcu() queues the callback; one worker thread runs a grace
 * period per batch and then the batch.  srcu_barrier() waits for the
 * callbacks queued before it.  The simulator's checks stay: unbalanced
 * unlocks, cleanup with readers or callbacks, grace periods inside their own
 * read section (lockdep), and a free that an open read section can reach.
 */
#include "native.h"

#include <string.h>

#define MAX_CBS 128

struct ncb {
	struct rcu_head *head;
	void (*fn)(struct rcu_head *);
	const struct sim_site *site;
};

struct sim_srcu {
	const char *name;
	int cls;
	int live;			/* atomic */
	unsigned long completed;	/* atomic: grace periods flipped */
	long cnt[2];			/* atomic: readers per index */
	pthread_mutex_t gp_lock;	/* one grace period at a time */
	/* Callbacks, under cb_lock: [head, tail) pending; head moves after each ran. */
	pthread_mutex_t cb_lock;
	unsigned cb_head, cb_tail;
	struct ncb cbs[MAX_CBS];
	/* The checker's view of the read sections, under the checker lock. */
	int nest[SIM_MAX_THREADS];
	int idx_count[SIM_MAX_THREADS][2];
	struct sim_loaded loaded;
};

static struct sim_srcu pool[SIM_MAX_SRCU];
static int npool;
static struct sim_srcu *rcu_domain;
static bool (*reach_fn)(const void *loaded, const void *obj);
static int worker_tid = -1;
static int worker_stop;			/* atomic */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

void sim_native_srcu_reset(void)
{
	for (int i = 0; i < npool; i++) {
		pthread_mutex_destroy(&pool[i].gp_lock);
		pthread_mutex_destroy(&pool[i].cb_lock);
	}
	memset(pool, 0, sizeof(pool));
	npool = 0;
	worker_tid = -1;
	__atomic_store_n(&worker_stop, 0, __ATOMIC_RELAXED);
	sim_srcu_init(&rcu_domain, "rcu");
}

struct sim_srcu *sim_rcu(void)
{
	return rcu_domain;
}

void sim_set_reach_fn(bool (*fn)(const void *loaded, const void *obj))
{
	reach_fn = fn;
}

int sim_srcu_init(struct sim_srcu **out, const char *name)
{
	struct sim_srcu *s;

	/* Set up before the worker can see it counted. */
	pthread_mutex_lock(&pool_lock);
	if (npool == SIM_MAX_SRCU)
		sim_fatal("too many srcu_structs");
	s = &pool[npool];
	s->name = name;
	s->cls = sim_lockdep_class(name);
	pthread_mutex_init(&s->gp_lock, NULL);
	pthread_mutex_init(&s->cb_lock, NULL);
	__atomic_store_n(&s->live, 1, __ATOMIC_RELEASE);
	npool++;
	pthread_mutex_unlock(&pool_lock);
	*out = s;
	return 0;
}

static void check_live(struct sim_srcu *s, const struct sim_site *site)
{
	if (!s)
		sim_finding(SIM_F_SRCU, site, "srcu_struct used before init_srcu_struct()");
	if (!__atomic_load_n(&s->live, __ATOMIC_ACQUIRE))
		sim_finding(SIM_F_SRCU, site, "%s used after cleanup_srcu_struct()", s->name);
}

static int self(void)
{
	if (sim_nt_self < 0)
		sim_fatal("SRCU used outside a thread");
	return sim_nt_self;
}

int sim_srcu_read_lock(struct sim_srcu *s, const struct sim_site *site)
{
	int tid = self(), idx;

	sim_preempt(site);
	check_live(s, site);
	idx = (int)(__atomic_load_n(&s->completed, __ATOMIC_RELAXED) & 1);
	__atomic_fetch_add(&s->cnt[idx], 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* smp_mb() B of the kernel's SRCU */
	sim_check_begin();
	if (s->nest[tid]++ == 0)
		s->loaded.n[tid] = 0;
	s->idx_count[tid][idx]++;
	sim_check_end();
	sim_lockdep_acquire(s->cls, site, true);
	return idx;
}

void sim_srcu_read_unlock(struct sim_srcu *s, int idx, const struct sim_site *site)
{
	int tid = self();

	sim_preempt(site);
	check_live(s, site);
	/* The checker forgets the section before a grace period can see it end. */
	sim_check_begin();
	if (s->nest[tid] == 0)
		sim_finding(SIM_F_SRCU, site, "srcu_read_unlock(%s) outside any read section", s->name);
	if (idx == SIM_SRCU_ANY_IDX)
		idx = s->idx_count[tid][1] ? 1 : 0;
	if (idx < 0 || idx > 1 || s->idx_count[tid][idx] == 0)
		sim_finding(SIM_F_SRCU, site, "srcu_read_unlock(%s) with index %d, which no open section returned",
			    s->name, idx);
	s->idx_count[tid][idx]--;
	if (--s->nest[tid] == 0)
		s->loaded.n[tid] = 0;
	sim_check_end();
	sim_lockdep_release(s->cls);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* smp_mb() C */
	__atomic_fetch_sub(&s->cnt[idx], 1, __ATOMIC_RELEASE);
}

bool sim_srcu_held(struct sim_srcu *s)
{
	bool held;

	if (!s || sim_nt_self < 0)
		return false;
	sim_check_begin();
	held = s->nest[sim_nt_self] > 0;
	sim_check_end();
	return held;
}

void sim_srcu_note_deref(struct sim_srcu *s, const void *p)
{
	int tid = sim_nt_self;

	/* Classic stress: no accounting of what readers hold (the kernel has none). */
	if (!p || !s || tid < 0 || sim_native.classic)
		return;
	sim_check_begin();
	sim_loaded_note(&s->loaded, tid, s->nest[tid] > 0, p, sim_nt_site, reach_fn);
	sim_check_end();
}

/* Under the checker lock (kfree holds it). */
int sim_srcu_reader_reaching(const void *p, const struct sim_site **deref_site)
{
	int nt = sim_nthreads();

	for (int i = 0; i < npool; i++) {
		struct sim_srcu *s = &pool[i];

		for (int t = 0; t < nt; t++) {
			if (s->nest[t] > 0 && sim_loaded_reaches(&s->loaded, t, p, reach_fn, deref_site))
				return t;
		}
	}
	return -1;
}

/* ---- grace periods ---------------------------------------------------------------- */

/* Waits until no reader counts itself on idx.  False: it never will (the
 * execution is over and a thread exited inside a read section). */
static bool drain(struct sim_srcu *s, int idx)
{
	unsigned turn = 0;

	while (__atomic_load_n(&s->cnt[idx], __ATOMIC_ACQUIRE) != 0) {
		/* Every thread has been joined: no reader can leave any more. */
		if (sim_native_stopping())
			return false;
		sim_native_backoff(&turn);
	}
	return true;
}

static bool grace_period(struct sim_srcu *s)
{
	bool ok;
	unsigned long c;

	pthread_mutex_lock(&s->gp_lock);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	c = __atomic_load_n(&s->completed, __ATOMIC_RELAXED);
	ok = drain(s, (int)((c & 1) ^ 1));
	if (ok) {
		__atomic_fetch_add(&s->completed, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ok = drain(s, (int)(c & 1));
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&s->gp_lock);
	return ok;
}

void sim_srcu_synchronize(struct sim_srcu *s, bool expedited, const struct sim_site *site)
{
	(void)expedited;
	sim_preempt(site);
	check_live(s, site);
	sim_lockdep_wait(s->cls, site);
	sim_native_wait("an SRCU grace period", -1);
	grace_period(s);
	sim_native_wait(NULL, -1);
}

void sim_srcu_call(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
		   const struct sim_site *site)
{
	sim_preempt(site);
	check_live(s, site);
	pthread_mutex_lock(&s->cb_lock);
	for (unsigned i = s->cb_head; i != s->cb_tail; i++)
		if (s->cbs[i % MAX_CBS].head == head)
			sim_finding(SIM_F_SRCU, site, "call_srcu() on an rcu_head that is already queued");
	if (s->cb_tail - s->cb_head == MAX_CBS)
		sim_fatal("too many pending SRCU callbacks");
	s->cbs[s->cb_tail++ % MAX_CBS] = (struct ncb){ head, fn, site };
	pthread_mutex_unlock(&s->cb_lock);
}

/* call_srcu_expedited(): the same contract; only the timing differs, which stress does not measure. */
void sim_srcu_call_expedited(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
			     const struct sim_site *site)
{
	sim_srcu_call(s, head, fn, site);
}

static unsigned cb_head(struct sim_srcu *s)
{
	unsigned h;

	pthread_mutex_lock(&s->cb_lock);
	h = s->cb_head;
	pthread_mutex_unlock(&s->cb_lock);
	return h;
}

void sim_srcu_barrier(struct sim_srcu *s, const struct sim_site *site)
{
	unsigned ticket, turn = 0;

	sim_preempt(site);
	check_live(s, site);
	sim_lockdep_wait(s->cls, site);
	pthread_mutex_lock(&s->cb_lock);
	ticket = s->cb_tail;
	pthread_mutex_unlock(&s->cb_lock);
	sim_native_wait("srcu_barrier() (queued callbacks)", worker_tid);
	while ((int)(cb_head(s) - ticket) < 0)
		sim_native_backoff(&turn);
	sim_native_wait(NULL, -1);
}

void sim_srcu_cleanup(struct sim_srcu **sp, const struct sim_site *site)
{
	struct sim_srcu *s = *sp;
	unsigned pending;

	sim_preempt(site);
	check_live(s, site);
	sim_check_begin();
	for (int t = 0; t < sim_nthreads(); t++)
		if (s->nest[t] > 0)
			sim_finding(SIM_F_SRCU, site, "cleanup_srcu_struct(%s) while %s is inside a read section",
				    s->name, sim_thread_name(t));
	sim_check_end();
	pthread_mutex_lock(&s->cb_lock);
	pending = s->cb_tail - s->cb_head;
	if (pending) {
		const struct sim_site *q = s->cbs[s->cb_head % MAX_CBS].site;

		sim_finding_origin(q);
		sim_finding(SIM_F_SRCU, site, "cleanup_srcu_struct(%s) with %u callback(s) pending (queued at %s:%d)",
			    s->name, pending, q->file, q->line);
	}
	__atomic_store_n(&s->live, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->cb_lock);
}

/* At the end of an execution every queued callback must have run. */
void sim_native_srcu_check_end(void)
{
	for (int i = 0; i < npool; i++) {
		struct sim_srcu *s = &pool[i];

		if (s->cb_head != s->cb_tail)
			sim_finding(SIM_F_SRCU, s->cbs[s->cb_head % MAX_CBS].site,
				    "a callback queued on %s never ran (%u pending at the end)", s->name,
				    s->cb_tail - s->cb_head);
	}
}

/* ---- the callback worker ---------------------------------------------------------- */

/* Runs one domain's batch: the callbacks queued before its grace period.  Those
 * of a domain already cleaned up never run (the end check reports them). */
static bool run_batch(struct sim_srcu *s)
{
	static const struct sim_site run = { "sim/native/srcu.c", __LINE__, "srcu callback" };
	unsigned from, to;

	if (!__atomic_load_n(&s->live, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&s->cb_lock);
	from = s->cb_head;
	to = s->cb_tail;
	pthread_mutex_unlock(&s->cb_lock);
	if (from == to || !grace_period(s))
		return false;
	for (unsigned i = from; i != to; i++) {
		struct ncb c;

		pthread_mutex_lock(&s->cb_lock);
		c = s->cbs[i % MAX_CBS];
		pthread_mutex_unlock(&s->cb_lock);
		sim_preempt(&run);
		c.fn(c.head);
		/* Only now does srcu_barrier() see it done. */
		pthread_mutex_lock(&s->cb_lock);
		s->cb_head++;
		pthread_mutex_unlock(&s->cb_lock);
	}
	return true;
}

static void worker(void *arg)
{
	unsigned turn = 0;

	(void)arg;
	for (;;) {
		bool ran = false, stop = __atomic_load_n(&worker_stop, __ATOMIC_ACQUIRE);
		int n;

		pthread_mutex_lock(&pool_lock);
		n = npool;
		pthread_mutex_unlock(&pool_lock);
		for (int i = 0; i < n; i++)
			ran |= run_batch(&pool[i]);
		if (ran) {
			turn = 0;
		} else if (stop) {
			return;		/* stopped, and a whole pass found nothing to run */
		} else {
			sim_native_backoff(&turn);
			if (turn > 300)
				turn = 256;	/* keep sleeping short: a callback is waited for */
		}
	}
}

void sim_srcu_start_worker(void)
{
	if (worker_tid >= 0)
		return;
	worker_tid = sim_thread_create("srcu-cb", worker, NULL, true);
}

void sim_native_srcu_stop_worker(void)
{
	__atomic_store_n(&worker_stop, 1, __ATOMIC_RELEASE);
}
