// SPDX-License-Identifier: GPL-2.0-only
/*
 * SRCU to its contract: synchronize_srcu() returns only after every read
 * section that began before it has ended; call_srcu() callbacks run on a
 * worker thread after a full grace period; srcu_barrier() waits for the
 * callbacks queued before it.  A grace period is a snapshot of the sections
 * open at its start (thread, section number); it ends when each has closed.
 */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CBS 128

struct snap {
	uint8_t mask;
	unsigned seq[SIM_MAX_THREADS];
};

struct cb {
	struct rcu_head *head;
	void (*fn)(struct rcu_head *);
	struct snap gp;
	const struct sim_site *site;
	struct sim_vview start;		/* the caller's view: the grace period's start */
};

struct gp_wait;

struct sim_srcu {
	const char *name;
	int cls;
	bool live;
	int nest[SIM_MAX_THREADS];
	unsigned seq[SIM_MAX_THREADS];
	int idx_count[SIM_MAX_THREADS][2];
	unsigned completed;			/* grace periods ended: the idx flips with it */
	unsigned cb_head, cb_tail;		/* tickets: [head, tail) are pending */
	struct gp_wait *waits[SIM_MAX_THREADS];	/* synchronize_srcu() calls in progress */
	/*
	 * LKMM's grace-period guarantee, as views: a section sees the start
	 * of every grace period that began before it (started), unless it
	 * chose to be waited for by those still in progress (then only the
	 * completed ones: done).  The updater after a grace period sees what
	 * ended sections saw (unlocked).
	 */
	struct sim_vview started, done, unlocked;
	/* Not cleared between executions but loaded.n[]: it and the tickets say what is valid. */
	struct sim_loaded loaded;		/* for the use-after-free checks */
	struct cb cbs[MAX_CBS];
};

static struct sim_srcu pool[SIM_MAX_SRCU];
static bool (*reach_fn)(const void *loaded, const void *obj);
static bool worker_started;
static struct sim_srcu *rcu_domain;

void sim_srcu_reset(void)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++)
		if (pool[i].name) {
			memset(&pool[i], 0, offsetof(struct sim_srcu, loaded));
			memset(pool[i].loaded.n, 0, sizeof(pool[i].loaded.n));
		}
	worker_started = false;
	/* Plain RCU is its own domain: its grace periods do not wait for SRCU readers. */
	sim_srcu_init(&rcu_domain, "rcu");
}

struct sim_srcu *sim_rcu(void)
{
	return rcu_domain;
}

void sim_srcu_thread_reset(int tid)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++) {
		pool[i].nest[tid] = 0;
		pool[i].loaded.n[tid] = 0;
		pool[i].idx_count[tid][0] = pool[i].idx_count[tid][1] = 0;
	}
}

void sim_set_reach_fn(bool (*fn)(const void *loaded, const void *obj))
{
	reach_fn = fn;
}

int sim_srcu_init(struct sim_srcu **out, const char *name)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++) {
		struct sim_srcu *s = &pool[i];

		if (s->live || s->name)
			continue;
		s->name = name;
		s->cls = sim_lockdep_class(name);
		s->live = true;
		*out = s;
		if (sim_cost_on && s != rcu_domain && rcu_domain)
			sim_cost_srcu_init(s);
		return 0;
	}
	sim_fatal("too many srcu_structs");
}

static bool gp_in_progress(struct sim_srcu *s);
static void join_in_progress(struct sim_srcu *s, int tid);

static void check_live(struct sim_srcu *s, const struct sim_site *site)
{
	if (!s)
		sim_finding(SIM_F_SRCU, site, "srcu_struct used before init_srcu_struct()");
	if (!s->live)
		sim_finding(SIM_F_SRCU, site, "%s used after cleanup_srcu_struct()", s->name);
}

int sim_srcu_read_lock(struct sim_srcu *s, const struct sim_site *site)
{
	int tid = sim_s.cur, idx;
	bool waited = false;

	sim_preempt(site);
	check_live(s, site);
	if (s->nest[tid]++ == 0) {
		s->seq[tid]++;
		s->loaded.n[tid] = 0;
		/* Begun while a grace period runs: LKMM lets it count as
		 * earlier (waited for) or later (sees the GP's start).  Under
		 * sc the import is no model event, only TSan's edge. */
		waited = sim_cfg.model != SIM_MODEL_SC && gp_in_progress(s) && sim_choose_as(2, SIM_ROLE_WAITED);
		if (waited)
			join_in_progress(s, tid);
		else
			sim_mem_import(&s->started);
	}
	if (sim_cfg.srcu == SIM_SRCU_IMPL)
		sim_mem_full_fence();	/* Tree SRCU: smp_mb() B in __srcu_read_lock() */
	idx = s->completed & 1;
	s->idx_count[tid][idx]++;
	sim_lockdep_acquire(s->cls, site, true);
	if (sim_cfg.trace) {
		sim_trace(site, idx, "%s read section %u opens (idx %d)%s", s->name, s->seq[tid], idx,
			  waited ? ", before the grace periods in progress: they wait for it" : "");
		sim_trace_acc(site, SIM_TK_SRCU_LOCK, 0, s, idx, 0, false);
	}
	sim_hist_val(idx);
	return idx;
}

void sim_srcu_read_unlock(struct sim_srcu *s, int idx, const struct sim_site *site)
{
	int tid = sim_s.cur;

	sim_preempt(site);
	check_live(s, site);
	if (s->nest[tid] == 0)
		sim_finding(SIM_F_SRCU, site, "srcu_read_unlock(%s) outside any read section", s->name);
	if (idx == SIM_SRCU_ANY_IDX && s->nest[tid] > 0)
		idx = s->idx_count[tid][1] ? 1 : 0;
	if (idx < 0 || idx > 1 || s->idx_count[tid][idx] == 0)
		sim_finding(SIM_F_SRCU, site, "srcu_read_unlock(%s) with index %d, which no open section returned",
			    s->name, idx);
	s->idx_count[tid][idx]--;
	sim_lockdep_release(s->cls);
	if (sim_cfg.srcu == SIM_SRCU_IMPL)
		sim_mem_full_fence();	/* Tree SRCU: smp_mb() C in __srcu_read_unlock() */
	sim_mem_srcu_unlock();
	if (--s->nest[tid] == 0) {
		s->loaded.n[tid] = 0;
		sim_mem_export_observed(&s->unlocked);
	}
	if (sim_cfg.trace) {
		sim_trace(site, idx, "%s read section closes", s->name);
		sim_trace_acc(site, SIM_TK_SRCU_UNLOCK, 0, s, idx, 0, false);
	}
}

bool sim_srcu_held(struct sim_srcu *s)
{
	return s && sim_s.cur >= 0 && s->nest[sim_s.cur] > 0;
}

void sim_srcu_note_deref(struct sim_srcu *s, const void *p)
{
	int tid = sim_s.cur;

	if (!p || !s || tid < 0)
		return;
	sim_loaded_note(&s->loaded, tid, s->nest[tid] > 0, p, sim_s.last_site, reach_fn);
}

int sim_srcu_reader_reaching(const void *p, const struct sim_site **deref_site)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++) {
		struct sim_srcu *s = &pool[i];

		if (!s->live)
			continue;
		for (int t = 0; t < sim_s.nthreads; t++) {
			if (s->nest[t] > 0 && sim_loaded_reaches(&s->loaded, t, p, reach_fn, deref_site))
				return t;
		}
	}
	return -1;
}

/* ---- grace periods ------------------------------------------------------ */

static void take_snap(struct sim_srcu *s, struct snap *g)
{
	g->mask = 0;
	for (int t = 0; t < sim_s.nthreads; t++) {
		if (s->nest[t] > 0) {
			g->mask |= 1u << t;
			g->seq[t] = s->seq[t];
		}
	}
}

static bool snap_done(struct sim_srcu *s, const struct snap *g)
{
	for (int t = 0; t < sim_s.nthreads; t++)
		if ((g->mask & (1u << t)) && s->nest[t] > 0 && s->seq[t] == g->seq[t])
			return false;
	return true;
}

struct gp_wait {
	struct sim_srcu *s;
	struct snap g;
	struct sim_vview start;
};

static bool snap_done(struct sim_srcu *s, const struct snap *g);

/* Grace periods in progress: synchronize_srcu() callers and queued callbacks. */
static bool gp_in_progress(struct sim_srcu *s)
{
	/* A synchronize_srcu() whose readers are all gone has ended, even if
	 * its waiter has not run yet (the scheduler already saw it wake).  A
	 * callback's grace period has not: it may start any time after
	 * call_srcu() and ends only when the callback runs, so a section
	 * opened before that may still be one it waits for. */
	for (int t = 0; t < SIM_MAX_THREADS; t++)
		if (s->waits[t] && !snap_done(s, &s->waits[t]->g))
			return true;
	return s->cb_head != s->cb_tail;
}

/*
 * The section that tid just opened counts as begun before every grace period
 * still in progress: each of them waits for it.  A synchronize_srcu() whose
 * readers are all gone has ended (its waiter may not have run yet): the
 * section sees its start, as it sees the start of those long done.  Every
 * pending callback waits for it.
 */
static void join_in_progress(struct sim_srcu *s, int tid)
{
	sim_mem_import(&s->done);
	for (int t = 0; t < SIM_MAX_THREADS; t++) {
		struct gp_wait *w = s->waits[t];

		if (!w)
			continue;
		if (snap_done(s, &w->g)) {
			sim_mem_import(&w->start);
			continue;
		}
		w->g.mask |= 1u << tid;
		w->g.seq[tid] = s->seq[tid];
	}
	for (unsigned i = s->cb_head; i != s->cb_tail; i++) {
		struct cb *c = &s->cbs[i % MAX_CBS];

		c->gp.mask |= 1u << tid;
		c->gp.seq[tid] = s->seq[tid];
	}
}

static bool gp_wait_done(void *arg)
{
	struct gp_wait *w = arg;

	return snap_done(w->s, &w->g);
}

/* busfuzz cost: the clock runs only for srcu_structs; Tree RCU's timing is not modelled. */
static void cost_synchronize(struct sim_srcu *s, bool expedited, const struct sim_site *site)
{
	if (s == rcu_domain) {
		fprintf(stderr, "busfuzz: cost: %s at %s:%d waits for a plain RCU grace period, whose timing "
			"is not modelled\n", site->what, site->file, site->line);
		exit(2);
	}
	sim_cost_synchronize(s, expedited, site);
}

int sim_srcu_nreaders(struct sim_srcu *s)
{
	int n = 0;

	for (int t = 0; t < sim_s.nthreads; t++)
		n += s->nest[t] > 0;
	return n;
}

const char *sim_srcu_name(struct sim_srcu *s)
{
	return s->name;
}

void sim_srcu_synchronize(struct sim_srcu *s, bool expedited, const struct sim_site *site)
{
	struct gp_wait w = { .s = s };
	int tid = sim_s.cur;

	sim_preempt(site);
	check_live(s, site);
	sim_lockdep_wait(s->cls, site);
	if (sim_cost_on)
		cost_synchronize(s, expedited, site);
	/* synchronize_srcu() is a full barrier on both ends (LKMM's gp). */
	sim_mem_full_fence();
	sim_mem_export(&w.start);
	sim_vview_join(&s->started, &w.start);
	take_snap(s, &w.g);
	if (sim_cfg.trace) {
		sim_trace(site, w.g.mask, "%sgrace period of %s starts, waits for %d reader(s)",
			  expedited ? "expedited " : "", s->name, __builtin_popcount(w.g.mask));
		sim_trace_acc(site, SIM_TK_SYNC, expedited, s, 0, 0, false);
	}
	s->waits[tid] = &w;
	sim_park(gp_wait_done, &w, "an SRCU grace period", -1);
	s->waits[tid] = NULL;
	sim_vview_join(&s->done, &w.start);
	sim_mem_import(&s->unlocked);
	sim_mem_full_fence();
	s->completed++;
}

static void srcu_call(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
		      const struct sim_site *site, bool expedited)
{
	struct cb *c;

	sim_preempt(site);
	check_live(s, site);
	for (unsigned i = s->cb_head; i != s->cb_tail; i++)
		if (s->cbs[i % MAX_CBS].head == head)
			sim_finding(SIM_F_SRCU, site, "call_srcu() on an rcu_head that is already queued");
	if (s->cb_tail - s->cb_head == MAX_CBS)
		sim_fatal("too many pending SRCU callbacks");
	if (sim_cost_on && s != rcu_domain)
		sim_cost_call(s, expedited, site);
	/* Tree SRCU's call_srcu() enters a read section of its own to start
	 * the grace period: smp_mb() B of __srcu_read_lock[_nmisafe](). */
	if (sim_cfg.srcu == SIM_SRCU_IMPL && s != rcu_domain)
		sim_mem_full_fence();
	c = &s->cbs[s->cb_tail++ % MAX_CBS];
	c->head = head;
	c->fn = fn;
	c->site = site;
	take_snap(s, &c->gp);
	memset(&c->start, 0, sizeof(c->start));
	sim_mem_export(&c->start);
	sim_vview_join(&s->started, &c->start);
	if (sim_cfg.trace) {
		char b[32];

		sim_trace(site, 0, "callback for %s queued on %s after %d reader(s)",
			  sim_obj_name(head, b, sizeof(b)), s->name, __builtin_popcount(c->gp.mask));
		sim_trace_acc(site, SIM_TK_CALL_SRCU, 0, s, 0, 0, false);
	}
}

void sim_srcu_call(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
		   const struct sim_site *site)
{
	srcu_call(s, head, fn, site, false);
}

/* call_srcu_expedited(), proposed in 2026: __call_srcu(..., do_norm = false), as
 * srcu_expedite_current() queues its own callback.  The same contract as call_srcu(). */
void sim_srcu_call_expedited(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
			     const struct sim_site *site)
{
	srcu_call(s, head, fn, site, true);
}

struct barrier_wait {
	struct sim_srcu *s;
	unsigned ticket;
};

static bool barrier_done(void *arg)
{
	struct barrier_wait *w = arg;

	return (int)(w->s->cb_head - w->ticket) >= 0;
}

void sim_srcu_barrier(struct sim_srcu *s, const struct sim_site *site)
{
	struct barrier_wait w = { s, 0 };

	sim_preempt(site);
	check_live(s, site);
	sim_lockdep_wait(s->cls, site);
	if (sim_cost_on)
		s == rcu_domain ? cost_synchronize(s, false, site) : sim_cost_barrier(s, site);
	w.ticket = s->cb_tail;
	sim_park(barrier_done, &w, "srcu_barrier() (queued callbacks)", -1);
	SIM_TSAN_HOOK(sim_tsan_acquire_obj(&s->cb_head));	/* after the callbacks it waited for */
}

void sim_srcu_cleanup(struct sim_srcu **sp, const struct sim_site *site)
{
	struct sim_srcu *s = *sp;

	sim_preempt(site);
	check_live(s, site);
	for (int t = 0; t < sim_s.nthreads; t++)
		if (s->nest[t] > 0)
			sim_finding(SIM_F_SRCU, site, "cleanup_srcu_struct(%s) while %s is inside a read section",
				    s->name, sim_thread_name(t));
	if (s->cb_head != s->cb_tail) {
		const struct sim_site *q = s->cbs[s->cb_head % MAX_CBS].site;

		sim_finding_origin(q);
		sim_finding(SIM_F_SRCU, site, "cleanup_srcu_struct(%s) with %u callback(s) pending (queued at %s:%d)",
			    s->name, s->cb_tail - s->cb_head, q->file, q->line);
	}
	s->live = false;
	if (sim_cost_on && s != rcu_domain)
		sim_cost_cleanup(s);
}

/* At the end of an execution every queued callback must have run. */
void sim_srcu_check_end(void)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++) {
		struct sim_srcu *s = &pool[i];

		if (s->name && s->cb_head != s->cb_tail) {
			const struct cb *c = &s->cbs[s->cb_head % MAX_CBS];

			sim_finding(SIM_F_SRCU, c->site, "a callback queued on %s never ran (%u pending at the end)",
				    s->name, s->cb_tail - s->cb_head);
		}
	}
}

/* ---- the callback worker ------------------------------------------------- */

static struct sim_srcu *ready_srcu(void)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++) {
		struct sim_srcu *s = &pool[i];

		if (s->live && s->cb_head != s->cb_tail &&
		    snap_done(s, &s->cbs[s->cb_head % MAX_CBS].gp))
			return s;
	}
	return NULL;
}

static bool worker_has_work(void *arg)
{
	(void)arg;
	return ready_srcu() != NULL;
}

static void worker(void *arg)
{
	static const struct sim_site run = { "sim/srcu.c", __LINE__, "srcu callback" };

	(void)arg;
	for (;;) {
		struct sim_srcu *s;
		struct cb c;

		sim_park(worker_has_work, NULL, "SRCU callbacks", -1);
		sim_preempt(&run);
		s = ready_srcu();
		if (!s)
			continue;
		c = s->cbs[s->cb_head % MAX_CBS];
		s->completed++;
		/* The callback runs after the grace period: after the sections it
		 * waited for, and after the call_srcu() that queued it. */
		sim_vview_join(&s->done, &c.start);
		sim_mem_import(&c.start);
		sim_mem_import(&s->unlocked);
		if (sim_cfg.trace) {
			sim_trace(&run, 0, "grace period of %s ended: running callback queued at %s:%d",
				  s->name, c.site->file, c.site->line);
			sim_trace_acc(&run, SIM_TK_CALLBACK, 0, s, 0, 0, false);
		}
		c.fn(c.head);
		/* Only now does srcu_barrier() see it done. */
		SIM_TSAN_HOOK(sim_tsan_release_obj(&s->cb_head));
		s->cb_head++;
	}
}

void sim_srcu_start_worker(void)
{
	if (worker_started)
		return;
	worker_started = true;
	sim_thread_create("srcu-cb", worker, NULL, true);
}

/* ---- the explorer's state cache ------------------------------------------ */

static void snap_hash(struct sim_h2 *h, const struct snap *g)
{
	sim_h2_mix(h, g->mask);
	for (int t = 0; t < SIM_MAX_THREADS; t++)
		if (g->mask & (1u << t))
			sim_h2_mix(h, g->seq[t]);
}

void sim_srcu_state_hash(struct sim_h2 *h)
{
	for (int i = 0; i < SIM_MAX_SRCU; i++) {
		const struct sim_srcu *s = &pool[i];

		if (!s->name)
			continue;
		sim_h2_mix(h, (uint64_t)i << 1 | s->live);
		sim_h2_mix(h, s->completed);
		sim_h2_mix(h, s->cb_head);
		sim_h2_mix(h, s->cb_tail);
		for (int t = 0; t < sim_s.nthreads; t++) {
			sim_h2_mix(h, (uint64_t)(unsigned)s->nest[t] | (uint64_t)s->seq[t] << 32);
			sim_h2_mix(h, (uint64_t)(unsigned)s->idx_count[t][0] | (uint64_t)(unsigned)s->idx_count[t][1] << 32);
			if (s->waits[t]) {
				sim_h2_mix(h, 0x5a17 + t);
				snap_hash(h, &s->waits[t]->g);
				sim_mem_view_hash(h, s->waits[t]->start.t);
			}
		}
		for (unsigned k = s->cb_head; k != s->cb_tail; k++) {
			const struct cb *c = &s->cbs[k % MAX_CBS];

			sim_h2_mix(h, (uintptr_t)c->head);
			sim_h2_mix(h, (uintptr_t)c->fn);
			snap_hash(h, &c->gp);
			sim_mem_view_hash(h, c->start.t);
		}
		sim_mem_view_hash(h, s->started.t);
		sim_mem_view_hash(h, s->done.t);
		sim_mem_view_hash(h, s->unlocked.t);
	}
}
