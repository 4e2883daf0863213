// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory model.  Every marked access is a preemption point; what a load
 * returns depends on the model (sim_cfg.model):
 *
 *  sc    every load sees the newest store.
 *  lkmm  a view-based operational model: each marked location keeps its
 *        stores in coherence order (messages with timestamps); each thread
 *        has views (per location, the oldest message it may still read).  A
 *        load may return any message not older than its view, chosen by the
 *        decision stream; a store may be placed anywhere in coherence order
 *        after the thread's view.  Release stores carry the writer's view,
 *        acquire loads take it; smp_rmb() takes the views of messages read
 *        so far, smp_wmb() makes later stores carry the thread's own earlier
 *        stores, smp_mb() does both and joins one global fence view (strong
 *        fences are totally ordered).  Loads only read stores that have
 *        executed: no load buffering (see README, "Memory models").
 *  tso   x86: stores enter coherence order in execution order; each thread
 *        reads one global memory at a monotonic snapshot, its own stores
 *        forwarded; fences and RMWs read the present.  Sound, not complete:
 *        a store never drains after a later store of another thread to the
 *        same location.
 *
 * tso's and sc's own rules are in mem_tso.h and mem_sc.h; this file is lkmm's
 * body and the dispatch.
 *
 * Memory itself always holds the newest message of each location, so plain
 * C code (the kernel's plain accesses) and the sanitizers see one coherent
 * state; a plain store the model did not see is taken as a new newest
 * message that every thread must see (SC for it: a restriction, so sound).
 */
#include "sim_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MAXMSG 32		/* per location; older messages are dropped (unreadable) */
#define HASH 512
#define GAP 4096u		/* timestamp spacing, so stores can go in between */
#define ARENA (1u << 22)	/* view snapshot words per execution */
#define TOP_VIEW 0xffffu	/* snapshot arena full: the message orders everything */
#define NDEP 8			/* pointer values a thread remembers for address dependencies */
#define DEP_SPAN 4096		/* a load this close above a loaded pointer depends on it */

struct msg {
	uint64_t val;
	uint32_t ts;		/* coherence order */
	uint32_t g;		/* execution order (TSO snapshots, traces) */
	uint32_t voff;		/* view snapshot in the arena */
	uint16_t vlen;		/* 0: no view; TOP_VIEW: everything */
	uint32_t svoff;		/* the strong part of it (below), a snapshot too */
	uint16_t svlen;
	int8_t tid;		/* writer, -1: initial value or a plain store */
	uint8_t rmw;		/* written by an RMW: nothing goes right before it */
	uint8_t unordered;	/* publishes an object whose initialisation it does not order */
	SIM_TSAN_HOOK(struct sim_tsan_msg tsan;)
	const struct sim_site *site;
};

struct loc {
	const void *addr;
	uint8_t size;
	uint8_t nmsg;
	uint32_t floor;		/* messages below are unreadable */
	struct msg m[MAXMSG];	/* sorted by ts */
};

struct tstate {
	uint32_t cur[SIM_VIEW_LEN];	/* may not read older than this */
	uint32_t acq[SIM_VIEW_LEN];	/* cur after an smp_rmb(): views of messages read; always >= cur */
	uint32_t rel[SIM_VIEW_LEN];	/* carried by relaxed stores (after wmb/mb) */
	uint32_t wr[SIM_VIEW_LEN];	/* own stores, and what its release stores carry */
	uint32_t unl[SIM_VIEW_LEN];	/* its view at its latest unlock */
	/*
	 * Strong views, for LKMM's pb (prop ; strong-fence ; hb*): what had
	 * propagated to every CPU at its latest strong fence (sv), and joined
	 * from the messages its loads read (rsv).  Every event hb-after a strong
	 * fence sees what preceded it, and hb runs through rfe and dependencies,
	 * so a store that may depend on the thread's loads carries rsv in a
	 * message's strong part (WRC+mbonceonce+dataonce+acquireonce); what a
	 * weak fence or a release ordered goes no further than the loads that
	 * read it (WRC+wmbonceonce+dataonce+acquireonce).
	 */
	uint32_t sv[SIM_VIEW_LEN], rsv[SIM_VIEW_LEN];
	bool sv_any, rsv_any;		/* not all zero (the common case skips them) */
	bool unlocked;
	struct { uint64_t v; uint32_t voff; uint16_t vlen; } dep[NDEP];	/* pointers loaded */
	unsigned ndep;
	uint32_t oepoch;		/* store-ordering events so far (release, wmb, mb) */
	unsigned deferred;		/* own-view events in a row with no preemption point (defer_loads) */
	unsigned long own_step;		/* sim_s.steps + 1 after its latest own-view event */
	uint32_t gseen;			/* TSO snapshot (mem_tso.h) */
	uint32_t gwrote;		/* TSO: its latest store */
	const struct sim_site *acq_site[SIM_MAX_LOC];	/* tracing: which load brought acq[] */
	bool srcu_unlocked;		/* sul[] is set */
	bool no_dep;			/* its next relaxed store depends on no load (sim_store_no_dep()) */
	/* Last, and not cleared at thread start (srcu_unlocked says): what its
	 * latest srcu_read_unlock() follows (its view and its loads' views). */
	uint32_t sul[SIM_VIEW_LEN];
};

static struct loc locs[SIM_MAX_LOC];
static int nloc;
static struct { const void *addr; int id; } hash[HASH];
static int hash_used[SIM_MAX_LOC];
static struct tstate ts_[SIM_MAX_THREADS];
static uint32_t fence_view[SIM_VIEW_LEN];	/* join of all smp_mb() so far */
static uint32_t gnow;				/* global execution counter */
static uint32_t arena[ARENA];
static uint32_t arena_top;

#include "mem_tso.h"	/* after the types it works on */

static struct {
	const char *lo, *hi;
	void (*fn)(const void *addr, const struct sim_site *site);
} watch[SIM_MAX_WATCH];
static int nwatch;

const char *const sim_model_name[] = { [SIM_MODEL_LKMM] = "lkmm", [SIM_MODEL_TSO] = "tso", [SIM_MODEL_SC] = "sc" };
const char *const sim_srcu_mode_name[] = { [SIM_SRCU_DOC] = "doc", [SIM_SRCU_IMPL] = "impl" };

int sim_model_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, sim_model_name[i]))
			return i;
	return -1;
}

int sim_srcu_mode_parse(const char *s)
{
	for (int i = 0; i < 2; i++)
		if (!strcmp(s, sim_srcu_mode_name[i]))
			return i;
	return -1;
}

static const char *order_name[] = {
	[SIM_ONCE] = "once", [SIM_ACQUIRE] = "acquire", [SIM_RELEASE] = "release",
	[SIM_DEREF] = "deref", [SIM_PLAIN] = "plain", [SIM_FULL] = "full",
};

void sim_mem_reset(void)
{
	for (int i = 0; i < nloc; i++)
		hash[hash_used[i]].addr = NULL;
	nloc = 0;
	gnow = 0;
	arena_top = 0;
	nwatch = 0;
	memset(fence_view, 0, sizeof(fence_view));
	SIM_TSAN_HOOK(sim_tsan_reset());
}

/* A new thread starts with its creator's view: creating and waking a
 * thread orders what the creator saw before what the thread does. */
void sim_mem_thread_reset(int tid)
{
	int parent = sim_s.cur;

	memset(&ts_[tid], 0, offsetof(struct tstate, sul));
	SIM_TSAN_HOOK(sim_tsan_thread_reset(tid));
	if (parent < 0 || parent == tid)
		return;
	memcpy(ts_[tid].cur, ts_[parent].cur, sizeof(ts_[tid].cur));
	memcpy(ts_[tid].acq, ts_[parent].cur, sizeof(ts_[tid].acq));
	tso_thread_reset(&ts_[tid], &ts_[parent]);
}

static uint64_t raw_load(const void *addr, size_t size)
{
	switch (size) {
	case 1: return *(const volatile uint8_t *)addr;
	case 2: return *(const volatile uint16_t *)addr;
	case 4: return *(const volatile uint32_t *)addr;
	case 8: return *(const volatile uint64_t *)addr;
	}
	sim_fatal("marked access of %zu bytes", size);
}

static void raw_store(void *addr, uint64_t v, size_t size)
{
	switch (size) {
	case 1: *(volatile uint8_t *)addr = v; return;
	case 2: *(volatile uint16_t *)addr = v; return;
	case 4: *(volatile uint32_t *)addr = v; return;
	case 8: *(volatile uint64_t *)addr = v; return;
	}
	sim_fatal("marked access of %zu bytes", size);
}

static const char *value_name(uint64_t v, size_t size, char *b, size_t n)
{
	if (size == 8 && v > 0xffff)
		return sim_obj_name((const void *)(uintptr_t)v, b, n);
	snprintf(b, n, "%#llx", (unsigned long long)v);
	return b;
}

static uint64_t apply(enum sim_rmw_op op, uint64_t old, uint64_t arg)
{
	switch (op) {
	case SIM_RMW_ADD: return old + arg;
	case SIM_RMW_AND: return old & arg;
	case SIM_RMW_OR: return old | arg;
	case SIM_RMW_XOR: return old ^ arg;
	case SIM_RMW_ANDNOT: return old & ~arg;
	case SIM_RMW_XCHG: case SIM_RMW_CMPXCHG: return arg;
	}
	return old;
}

static uint64_t mask(uint64_t v, size_t size)
{
	return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

#include "mem_sc.h"	/* after the helpers it uses */

void sim_watch_stores(const void *addr, size_t len,
		      void (*fn)(const void *addr, const struct sim_site *site))
{
	if (nwatch == SIM_MAX_WATCH)
		sim_fatal("more than %d store watches", SIM_MAX_WATCH);
	watch[nwatch].lo = addr;
	watch[nwatch].hi = (const char *)addr + len;
	watch[nwatch].fn = fn;
	nwatch++;
}

static void check_watch(const void *addr, const struct sim_site *site)
{
	for (int i = 0; i < nwatch; i++)
		if ((const char *)addr >= watch[i].lo && (const char *)addr < watch[i].hi)
			watch[i].fn(addr, site);
}

void sim_ghost(const void *p, size_t len)
{
	SIM_TSAN_HOOK(sim_tsan_ghost(p, len));
}

uint32_t sim_mem_order_epoch(void)
{
	return sim_s.cur >= 0 ? ts_[sim_s.cur].oepoch : 0;
}

/* ---- views ------------------------------------------------------------------ */

static inline void vjoin(uint32_t *dst, const uint32_t *src, int n)
{
	for (int i = 0; i < n; i++)
		if (src[i] > dst[i])
			dst[i] = src[i];
}

/* dst joins a message's view; returns whether anything grew. */
static bool vjoin_msg(uint32_t *dst, const struct msg *m)
{
	bool grew = false;

	if (m->vlen == TOP_VIEW) {
		for (int i = 0; i < nloc; i++) {
			uint32_t t = locs[i].m[locs[i].nmsg - 1].ts;

			if (t > dst[i]) {
				dst[i] = t;
				grew = true;
			}
		}
		return grew;
	}
	for (int i = 0; i < m->vlen; i++) {
		if (arena[m->voff + i] > dst[i]) {
			dst[i] = arena[m->voff + i];
			grew = true;
		}
	}
	return grew;
}

static void snap(uint32_t *off, uint16_t *len, const uint32_t *v)
{
	int n = nloc;

	while (n > 0 && !v[n - 1])
		n--;
	if (n == 0) {
		*len = 0;
		return;
	}
	if (arena_top + n > ARENA) {
		/* Out of room: make the message order everything (stronger: sound). */
		*len = TOP_VIEW;
		return;
	}
	memcpy(&arena[arena_top], v, n * sizeof(*v));
	*off = arena_top;
	*len = n;
	arena_top += n;
}

static void snapshot(struct msg *m, const uint32_t *v)
{
	snap(&m->voff, &m->vlen, v);
}

/* The strong part of what m carries: the thread's sv, and rsv if the store may depend on its loads. */
static void strong_snapshot(struct msg *m, const struct tstate *t, bool dep, const struct msg *prev)
{
	uint32_t v[SIM_VIEW_LEN];

	dep = dep && t->rsv_any;
	if (!dep && !(prev && prev->svlen)) {
		if (t->sv_any)
			snap(&m->svoff, &m->svlen, t->sv);
		else
			m->svlen = 0;
		return;
	}
	memcpy(v, t->sv, nloc * sizeof(uint32_t));
	if (dep)
		vjoin(v, t->rsv, nloc);
	if (prev && prev->svlen) {
		struct msg pm = { .voff = prev->svoff, .vlen = prev->svlen };

		vjoin_msg(v, &pm);
	}
	snap(&m->svoff, &m->svlen, v);
}

/* ---- locations ---------------------------------------------------------------- */

static struct loc *loc_get(const void *addr, size_t size, const struct sim_site *site)
{
	unsigned h = (unsigned)(((uintptr_t)addr >> 3) * 0x9e3779b1u) % HASH;
	struct loc *l;

	for (;;) {
		if (hash[h].addr == addr) {
			l = &locs[hash[h].id];
			if (l->size != size)
				sim_finding(SIM_F_MIXED_ACCESSES, site, "marked accesses of %u and %zu bytes to one location",
					    l->size, size);
			return l;
		}
		if (!hash[h].addr)
			break;
		h = (h + 1) % HASH;
	}
	if (nloc == SIM_MAX_LOC)
		sim_fatal("memory model: more than %d marked locations in one execution", SIM_MAX_LOC);
	hash[h].addr = addr;
	hash[h].id = nloc;
	hash_used[nloc] = h;
	l = &locs[nloc];
	l->addr = addr;
	l->size = size;
	l->nmsg = 1;
	l->floor = 0;
	l->m[0] = (struct msg){ .val = raw_load(addr, size), .ts = 0, .g = 0, .tid = -1 };
	for (int t = 0; t < SIM_MAX_THREADS; t++) {
		ts_[t].cur[nloc] = ts_[t].acq[nloc] = ts_[t].rel[nloc] = ts_[t].wr[nloc] = ts_[t].sul[nloc] = 0;
		ts_[t].sv[nloc] = ts_[t].rsv[nloc] = 0;
		ts_[t].acq_site[nloc] = NULL;
	}
	fence_view[nloc] = 0;
	nloc++;
	return l;
}

static inline int loc_id(const struct loc *l)
{
	return (int)(l - locs);
}

static inline struct msg *newest(struct loc *l)
{
	return &l->m[l->nmsg - 1];
}

/*
 * Room for a message: drop those no thread can read any more (older than
 * every thread's view); if there are none, the oldest, which no thread may
 * read from now on (a restriction, so sound).
 */
static int make_room(struct loc *l)
{
	int id = loc_id(l), k = 0;
	uint32_t lo = UINT32_MAX;

	for (int t = 0; t < sim_s.nthreads; t++)
		if (ts_[t].cur[id] < lo)
			lo = ts_[t].cur[id];
	if (lo < l->floor)
		lo = l->floor;
	while (k < l->nmsg - 1 && l->m[k + 1].ts <= lo)
		k++;
	if (k == 0)
		k = 1;
	memmove(&l->m[0], &l->m[k], (l->nmsg - k) * sizeof(l->m[0]));
	l->nmsg -= k;
	if (l->floor < l->m[0].ts)
		l->floor = l->m[0].ts;
	return k;
}

/* Insert a message after index i (i = nmsg-1: at the end). */
static struct msg *insert_after(struct loc *l, int i, uint32_t ts)
{
	if (l->nmsg == MAXMSG) {
		/* k messages go, all older than every view: i (after a view) moves down by k. */
		int k = make_room(l);

		if (i < k)
			sim_fatal("memory model: no room for a store");
		i -= k;
	}
	memmove(&l->m[i + 2], &l->m[i + 1], (l->nmsg - i - 1) * sizeof(l->m[0]));
	l->nmsg++;
	l->m[i + 1] = (struct msg){ .ts = ts, .g = ++gnow };
	return &l->m[i + 1];
}

/* A plain store since the model last looked: every thread sees it from now. */
static void sync_plain(struct loc *l)
{
	uint64_t raw = raw_load(l->addr, l->size);
	struct msg *m;

	if (raw == newest(l)->val)
		return;
	m = insert_after(l, l->nmsg - 1, newest(l)->ts + GAP);
	m->val = raw;
	m->tid = -1;
	m->site = NULL;
	l->floor = m->ts;
}

/* Index of the oldest message this thread may read. */
static int first_readable(struct loc *l, int tid)
{
	struct tstate *t = &ts_[tid];
	int id = loc_id(l), i = sim_cfg.model == SIM_MODEL_TSO ? tso_first_readable(l, t) : 0;
	uint32_t lo = t->cur[id] > l->floor ? t->cur[id] : l->floor;

	while (i < l->nmsg - 1 && l->m[i].ts < lo)
		i++;
	return i;
}

/*
 * With defer_loads (the litmus explorer) only the first of a run of a
 * thread's events that change nothing but its own views (marked loads,
 * smp_rmb(), smp_wmb()) is a preemption point: the other threads see them
 * only through the thread's later events (stores, RMWs, full fences, lock and
 * SRCU operations), which stay preemption points.  The run executes as a
 * block wherever the scheduler puts it between the events around it, the
 * latest place included, where each load reads from a superset of the
 * stores (the thread's views do not move in between): every outcome is
 * still explored, with far fewer interleavings.  After DEFER_MAX such
 * events in a row (a spin loop) the next one preempts again.
 */
#define DEFER_MAX 64

static void preempt_own(const struct sim_site *site)
{
	int tid = sim_s.cur;
	struct tstate *t = tid >= 0 ? &ts_[tid] : NULL;

	if (t && sim_cfg.defer_loads && t->own_step == sim_s.steps + 1 && t->deferred < DEFER_MAX) {
		t->deferred++;		/* right after its previous one: no switch */
		sim_step(site);
	} else {
		if (t)
			t->deferred = 0;
		sim_preempt(site);
	}
	if (t)
		t->own_step = sim_s.steps + 1;
}

/* ---- the explorer's state cache (sim_cfg.state_cache) ------------------------ */

/* A timestamp as a rank: the index of the newest message not newer than it. */
static unsigned ts_rank(const struct loc *l, uint32_t v)
{
	unsigned r = 0;

	while (r + 1 < l->nmsg && l->m[r + 1].ts <= v)
		r++;
	return r;
}

/* A view, whatever the order the locations were met in: a sum over them. */
void sim_mem_view_hash(struct sim_h2 *h, const uint32_t *v)
{
	struct sim_h2 sum = { 0, 0 };

	for (int i = 0; i < nloc; i++) {
		unsigned r = ts_rank(&locs[i], v[i]);

		if (r) {
			struct sim_h2 e = { (uintptr_t)locs[i].addr, ~(uint64_t)(uintptr_t)locs[i].addr };

			sim_h2_mix(&e, r);
			sum.a += e.a;
			sum.b += e.b;
		}
	}
	sim_h2_mix(h, sum.a);
	sim_h2_mix(h, sum.b);
}

static void msg_view_hash(struct sim_h2 *h, uint32_t voff, uint16_t vlen)
{
	uint32_t v[SIM_VIEW_LEN] = { 0 };

	if (vlen == TOP_VIEW) {
		sim_h2_mix(h, TOP_VIEW);
		return;
	}
	memcpy(v, &arena[voff], vlen * sizeof(*v));
	sim_mem_view_hash(h, v);
}

void sim_mem_state_hash(struct sim_h2 *h)
{
	struct sim_h2 sum = { 0, 0 };

	for (int i = 0; i < nloc; i++) {
		const struct loc *l = &locs[i];
		struct sim_h2 e = { (uintptr_t)l->addr, l->size };

		sim_h2_mix(&e, l->nmsg);
		sim_h2_mix(&e, ts_rank(l, l->floor));
		for (int k = 0; k < l->nmsg; k++) {
			const struct msg *m = &l->m[k];

			sim_h2_mix(&e, m->val);
			sim_h2_mix(&e, (uint64_t)(m->tid + 1) | (uint64_t)m->rmw << 8 | (uint64_t)m->unordered << 9 |
					   (uint64_t)(k && m->ts - l->m[k - 1].ts >= 2) << 10);
			if (m->vlen)
				msg_view_hash(&e, m->voff, m->vlen);
			if (m->svlen)
				msg_view_hash(&e, m->svoff, m->svlen);
		}
		sum.a += e.a;
		sum.b += e.b;
	}
	sim_h2_mix(h, sum.a);
	sim_h2_mix(h, sum.b);
	sim_mem_view_hash(h, fence_view);
	for (int tid = 0; tid < sim_s.nthreads; tid++) {
		const struct tstate *t = &ts_[tid];
		/* preempt_own(): whether its next own-view event follows right on (no step since). */
		bool on = t->own_step == sim_s.steps + 1;
		unsigned n = t->ndep < NDEP ? t->ndep : NDEP;

		sim_mem_view_hash(h, t->cur);
		sim_mem_view_hash(h, t->acq);
		sim_mem_view_hash(h, t->rel);
		sim_mem_view_hash(h, t->wr);
		sim_mem_view_hash(h, t->sv);
		sim_mem_view_hash(h, t->rsv);
		if (t->unlocked)
			sim_mem_view_hash(h, t->unl);
		if (t->srcu_unlocked)
			sim_mem_view_hash(h, t->sul);
		sim_h2_mix(h, (uint64_t)t->unlocked | (uint64_t)t->srcu_unlocked << 1 | (uint64_t)on << 2 |
			   (uint64_t)(on ? t->deferred : 0) << 3 | (uint64_t)(t->ndep % NDEP) << 20 | (uint64_t)n << 28 | (uint64_t)t->no_dep << 40);
		for (unsigned j = 0; j < n; j++) {
			sim_h2_mix(h, t->dep[j].v);
			msg_view_hash(h, t->dep[j].voff, t->dep[j].vlen);
		}
	}
}

/* ---- fences ------------------------------------------------------------------- */

static void full_fence(int tid)
{
	struct tstate *t = &ts_[tid];

	t->oepoch++;
	if (sim_cfg.model == SIM_MODEL_TSO) {
		tso_read_present(t, gnow);
		return;
	}
	vjoin(t->cur, t->acq, nloc);
	if (t->rsv_any)
		vjoin(t->cur, t->rsv, nloc);	/* hb-after its loads: pb, as smp_rmb() */
	vjoin(t->cur, fence_view, nloc);
	memcpy(fence_view, t->cur, nloc * sizeof(uint32_t));
	memcpy(t->rel, t->cur, nloc * sizeof(uint32_t));
	memcpy(t->sv, t->cur, nloc * sizeof(uint32_t));
	t->sv_any = true;
	vjoin(t->acq, t->cur, nloc);
}

static void fence_nopreempt(enum sim_fence f)
{
	int tid = sim_s.cur;
	struct tstate *t;

	SIM_TSAN_HOOK(sim_tsan_fence(f, sim_cfg.srcu));
	if (tid < 0 || sim_cfg.model == SIM_MODEL_SC)
		return;
	t = &ts_[tid];
	switch (f) {
	case SIM_RMB:
		if (sim_cfg.model == SIM_MODEL_LKMM) {
			vjoin(t->cur, t->acq, nloc);
			/* Later loads are hb-after the earlier ones, so after
			 * the strong fences those read from followed (pb). */
			if (t->rsv_any) {
				vjoin(t->cur, t->rsv, nloc);
				vjoin(t->acq, t->rsv, nloc);
			}
		}
		return;
	case SIM_WMB:
		t->oepoch++;
		if (sim_cfg.model == SIM_MODEL_LKMM)
			vjoin(t->rel, t->wr, nloc);
		return;
	case SIM_MB_AFTER_SRCU_UNLOCK:
		if (sim_cfg.model == SIM_MODEL_LKMM && sim_cfg.srcu == SIM_SRCU_DOC) {
			/* LKMM's fencerel(After-srcu-read-unlock) after [Srcu-unlock]:
			 * a strong fence between what precedes the thread's latest
			 * srcu_read_unlock() and what follows the barrier, not the
			 * accesses in between. */
			t->oepoch++;
			if (t->srcu_unlocked)
				vjoin(fence_view, t->sul, nloc);
			vjoin(t->cur, fence_view, nloc);
			vjoin(t->rel, fence_view, nloc);
			vjoin(t->sv, fence_view, nloc);
			t->sv_any = true;
			vjoin(t->acq, t->cur, nloc);
			return;
		}
		full_fence(tid);	/* impl: the unlock's own smp_mb() is there already (stronger: sound) */
		return;
	case SIM_MB_AFTER_SRCU_LOCK:
		/* Tree SRCU's srcu_read_lock() has the smp_mb() already. */
		if (sim_cfg.srcu == SIM_SRCU_IMPL)
			return;
		full_fence(tid);
		return;
	default:
		/* smp_mb() and the smp_mb__*() family: the ones LKMM scopes to
		 * an adjacent atomic or lock are full fences here (stronger: sound). */
		full_fence(tid);
		return;
	}
}

void sim_fence(enum sim_fence f, const struct sim_site *site)
{
	/* smp_rmb() and smp_wmb() change only the thread's own views. */
	if (f == SIM_RMB || f == SIM_WMB)
		preempt_own(site);
	else
		sim_preempt(site);
	fence_nopreempt(f);
	if (sim_cfg.trace)
		sim_trace_acc(site, SIM_TK_FENCE, f, NULL, 0, 0, false);
}

void sim_mem_full_fence(void)
{
	fence_nopreempt(SIM_MB);
}

/* ---- loads --------------------------------------------------------------------- */

static const char *who(const struct msg *m, char *b, size_t n)
{
	if (m->tid < 0 && !m->site)
		snprintf(b, n, "%s", m->g ? "a plain store" : "the initial value");
	else if (m->site)
		snprintf(b, n, "%s at %s:%d", sim_thread_name(m->tid), m->site->file, m->site->line);
	else
		snprintf(b, n, "%s", sim_thread_name(m->tid));
	return b;
}

/* Explain a stale read in the trace: what was read, what newer exists, and
 * which barrier would have forbidden it. */
static void trace_stale(const struct sim_site *site, struct loc *l, const struct msg *m,
			int k, enum sim_order o, int tid)
{
	const struct msg *nw = newest(l);
	struct tstate *t = &ts_[tid];
	int id = loc_id(l);
	char v1[32], v2[32], w1[160], w2[160], why[256];

	if (sim_cfg.model == SIM_MODEL_LKMM && t->acq[id] >= nw->ts && t->acq_site[id])
		snprintf(why, sizeof(why), "an smp_rmb()/smp_mb() before this load would forbid it: %s at %s:%d read a store that carries the newer one",
			 t->acq_site[id]->what, t->acq_site[id]->file, t->acq_site[id]->line);
	else
		snprintf(why, sizeof(why), "nothing this thread has read carries the newer store, so no barrier here forbids it");
	sim_trace(site, m->val, "%s load -> %s STALE (stored by %s; %d newer, newest %s stored by %s; %s)",
		  order_name[o], value_name(m->val, l->size, v1, sizeof(v1)), who(m, w1, sizeof(w1)), k,
		  value_name(nw->val, l->size, v2, sizeof(v2)), who(nw, w2, sizeof(w2)), why);
}

static void take_view(struct tstate *t, const struct msg *m, bool acquire, const struct sim_site *site)
{
	if (!m->vlen)
		return;
	if (sim_cfg.trace && m->vlen != TOP_VIEW) {
		/* Remember which load brought each entry, for trace_stale(). */
		for (int i = 0; i < m->vlen; i++)
			if (arena[m->voff + i] > t->acq[i])
				t->acq_site[i] = site;
	}
	vjoin_msg(t->acq, m);
	if (acquire)
		vjoin_msg(t->cur, m);
	if (m->svlen) {
		struct msg sm = { .voff = m->svoff, .vlen = m->svlen };

		vjoin_msg(t->rsv, &sm);
		t->rsv_any = true;
		if (acquire) {
			/* Everything after an acquire is hb-after the strong
			 * fences the message follows (pb): its loads see what
			 * those fences saw, and its stores, dependent or not,
			 * carry it (sv). */
			vjoin_msg(t->sv, &sm);
			t->sv_any = true;
			vjoin_msg(t->cur, &sm);
			vjoin_msg(t->acq, &sm);
		}
	}
}

__attribute__((noreturn)) static void report_unordered_publish(const struct msg *m, const struct sim_site *site)
{
	char b[32];

	sim_finding_origin(m->site);
	sim_finding(SIM_F_RACE, site, "%s loaded %s, published by %s at %s:%d with a relaxed store and no release "
		    "or smp_wmb() after its initialization: its contents may not be visible yet",
		    sim_thread_name(sim_s.cur), sim_obj_name((const void *)(uintptr_t)m->val, b, sizeof(b)),
		    sim_thread_name(m->tid), m->site->file, m->site->line);
}

/*
 * LKMM orders a load after the marked load its address came from (READ_ONCE()
 * included, not only rcu_dereference()).  Addresses are not tracked through C
 * code, so a load within DEP_SPAN bytes above a pointer value the thread
 * loaded counts as dependent on it: a false dependency only makes the model
 * stronger.  The load then sees at least what that pointer's store carried.
 */
static void address_dependency(struct tstate *t, const void *addr)
{
	unsigned n = t->ndep < NDEP ? t->ndep : NDEP;

	for (unsigned i = 0; i < n; i++) {
		if ((uintptr_t)addr - t->dep[i].v < DEP_SPAN) {
			struct msg m = { .voff = t->dep[i].voff, .vlen = t->dep[i].vlen };

			vjoin_msg(t->cur, &m);
			vjoin_msg(t->acq, &m);	/* acq >= cur, always */
		}
	}
}

/* Thread tid's load of location l reads message m. */
static void read_from(struct tstate *t, int tid, struct loc *l, const struct msg *m, bool acquire,
		      const struct sim_site *site)
{
	t->cur[loc_id(l)] = m->ts;
	if (t->acq[loc_id(l)] < m->ts)
		t->acq[loc_id(l)] = m->ts;

	if (sim_cfg.model == SIM_MODEL_TSO)
		tso_read_from(t, tid, m);
	else
		take_view(t, m, acquire, site);
}

static uint64_t load_nopreempt(const void *addr, size_t size, enum sim_order o, const struct sim_site *site)
{
	int tid = sim_s.cur, i, k = 0;
	struct tstate *t;
	struct loc *l;
	struct msg *m;

	if (sim_cfg.model == SIM_MODEL_SC || tid < 0)
		return sc_load(tid, addr, size, o, site);
	t = &ts_[tid];
	l = loc_get(addr, size, site);
	(void)raw_load(addr, size);	/* the sanitizers check the access itself */
	sync_plain(l);
	if (sim_cfg.model == SIM_MODEL_LKMM)
		address_dependency(t, addr);
	i = first_readable(l, tid);
	if (o != SIM_PLAIN)
		k = sim_choose_as(l->nmsg - i, SIM_ROLE_STALE);	/* k-th newest; 0 (newest) when the stream runs out */
	if (k && __builtin_expect(sim_s.orders != NULL, 0))
		sim_count_stale(site);
	m = &l->m[l->nmsg - 1 - k];
	if (m->unordered && m->tid != tid)
		report_unordered_publish(m, site);
	SIM_TSAN_HOOK(sim_tsan_load(&m->tsan, o, size == sizeof(void *) && m->val > 0xffff));
	/* rcu/srcu_dereference: the address dependency orders the loads
	 * through the pointer; taken as acquire (stronger: sound). */
	read_from(t, tid, l, m, o == SIM_ACQUIRE || o == SIM_DEREF, site);
	if (sim_cfg.model == SIM_MODEL_LKMM && size == sizeof(void *) && m->val > 0xffff && m->vlen) {
		unsigned d = t->ndep++ % NDEP;

		t->dep[d].v = m->val;
		t->dep[d].voff = m->voff;
		t->dep[d].vlen = m->vlen;
	}
	if (sim_cfg.trace) {
		char b[32];

		if (k)
			trace_stale(site, l, m, k, o, tid);
		else
			sim_trace(site, m->val, "%s load -> %s", order_name[o], value_name(m->val, size, b, sizeof(b)));
		sim_trace_acc(site, SIM_TK_LOAD, o, addr, m->val, m->g, k != 0);
	}
	return m->val;
}

uint64_t sim_load(const void *addr, size_t size, enum sim_order o, const struct sim_site *site)
{
	uint64_t v;

	preempt_own(site);
	v = load_nopreempt(addr, size, o, site);
	sim_hist_val(v);
	return v;
}

/* ---- stores -------------------------------------------------------------------- */

static void store_nopreempt(void *addr, uint64_t val, size_t size, enum sim_order o,
			    const struct sim_site *site)
{
	int tid = sim_s.cur, id, i, n = 0, pos;
	int gaps[MAXMSG];
	bool indep;
	struct tstate *t;
	struct loc *l;
	struct msg *m;
	uint32_t lo, ts;

	if (nwatch && tid >= 0)
		check_watch(addr, site);
	if (sim_cfg.model == SIM_MODEL_SC || tid < 0) {
		sc_store(tid, addr, val, size, o, site);
		return;
	}
	t = &ts_[tid];
	l = loc_get(addr, size, site);
	id = loc_id(l);
	sync_plain(l);
	if (l->nmsg == MAXMSG)
		make_room(l);
	/* Where in coherence order: after any message not older than the
	 * thread's view, never between an RMW and the message it read.  The
	 * view includes what its loads' stores carried (acq): the store may
	 * depend on those loads, and LKMM orders a dependent store after them
	 * (data, address and control dependencies are not tracked through C,
	 * so a store counts as dependent unless the litmus translator proved
	 * it depends on no load: sim_store_no_dep()). */
	lo = t->cur[id] > l->floor ? t->cur[id] : l->floor;
	indep = t->no_dep && o == SIM_ONCE;
	t->no_dep = false;
	if (t->acq[id] > lo && !indep)
		lo = t->acq[id];
	/* Nor before what it carries (an smp_wmb() passes on the thread's
	 * stores and what they carried): LKMM's propagation forbids co
	 * against cumul-fence (2+2W with an RMW reading the other's store). */
	if (sim_cfg.model == SIM_MODEL_LKMM && t->rel[id] > lo)
		lo = t->rel[id];
	gaps[n++] = l->nmsg - 1;
	/* TSO: stores enter memory in order; a plain store is the newest. */
	if (sim_cfg.model == SIM_MODEL_LKMM && o != SIM_PLAIN)
		for (i = l->nmsg - 2; i >= 0 && l->m[i].ts >= lo; i--)
			if (!l->m[i + 1].rmw && l->m[i + 1].ts - l->m[i].ts >= 2)
				gaps[n++] = i;
	pos = gaps[sim_choose_as(n, SIM_ROLE_STORE)];
	if (pos == l->nmsg - 1) {
		ts = l->m[pos].ts + GAP;
		raw_store(addr, val, size);
	} else {
		ts = l->m[pos].ts + (l->m[pos + 1].ts - l->m[pos].ts) / 2;
		(void)raw_load(addr, size);	/* memory keeps the newest; the sanitizers still check */
	}
	m = insert_after(l, pos, ts);
	i = pos + 1;
	m->val = val;
	m->tid = tid;
	m->site = site;
	SIM_TSAN_HOOK(sim_tsan_store(&m->tsan, o));
	if (o == SIM_RELEASE) {
		t->oepoch++;
	} else if (sim_cfg.model == SIM_MODEL_LKMM && size == sizeof(void *) && val > 0xffff) {
		/* A relaxed publish of an object written since its allocation with
		 * no release or smp_wmb() in between: a reader may see the pointer
		 * before the contents (checked when one loads it). */
		const struct sim_site *as;

		m->unordered = sim_obj_unordered_since_alloc((const void *)(uintptr_t)val, tid, t->oepoch, &as);
	}
	tso_stored(t, m);
	t->cur[id] = ts;
	t->wr[id] = ts;
	if (t->acq[id] < ts)
		t->acq[id] = ts;
	if (sim_cfg.model == SIM_MODEL_LKMM) {
		if (o == SIM_RELEASE) {
			/* A-cumulative (LKMM's A-cumul(po-rel)): the stores this
			 * thread's earlier loads read, and what they carried,
			 * propagate before the release, not only its own view:
			 * acq, which holds cur too (every view cur takes, acq
			 * takes as well). */
			snapshot(m, t->acq);
			/* cumul-fence is transitive: an smp_wmb() after the
			 * release passes on what the release carries. */
			vjoin(t->wr, t->acq, nloc);
		} else if (indep || !t->rsv_any) {
			/* (rel holds sv: a strong fence sets it to cur.) */
			uint32_t saved = t->rel[id];

			t->rel[id] = ts;
			snapshot(m, t->rel);
			t->rel[id] = saved;
		} else {
			uint32_t v[SIM_VIEW_LEN];

			memcpy(v, t->rel, nloc * sizeof(uint32_t));
			vjoin(v, t->rsv, nloc);
			v[id] = ts;
			snapshot(m, v);
		}
		strong_snapshot(m, t, !indep, NULL);
	}
	if (sim_cfg.trace) {
		char b[32];

		if (m != newest(l))
			sim_trace(site, val, "%s store %s, placed before %d newer store(s) in coherence order",
				  order_name[o], value_name(val, size, b, sizeof(b)), l->nmsg - 1 - i);
		else
			sim_trace(site, val, "%s store %s", order_name[o], value_name(val, size, b, sizeof(b)));
		sim_trace_acc(site, SIM_TK_STORE, o, addr, val, m->g, false);
	}
}

void sim_load_dep(void)
{
	int tid = sim_s.cur;

	if (tid >= 0 && sim_cfg.model == SIM_MODEL_LKMM) {
		vjoin(ts_[tid].cur, ts_[tid].acq, nloc);
		/* hb-after those loads, so after the strong fences their stores followed (pb). */
		if (ts_[tid].rsv_any) {
			vjoin(ts_[tid].cur, ts_[tid].rsv, nloc);
			vjoin(ts_[tid].acq, ts_[tid].rsv, nloc);
		}
	}
}

unsigned sim_thread_choose(unsigned n)
{
	unsigned c = sim_choose(n);

	sim_hist_val(c);
	return c;
}

void sim_thread_infeasible(void)
{
	sim_abandon();
}

void sim_store_no_dep(void)
{
	if (sim_s.cur >= 0)
		ts_[sim_s.cur].no_dep = true;
}

void sim_store(void *addr, uint64_t val, size_t size, enum sim_order o, const struct sim_site *site)
{
	sim_preempt(site);
	store_nopreempt(addr, val, size, o, site);
}

/* ---- read-modify-writes ------------------------------------------------------------ */

/* lock: the RMW of a lock word, whose read unlock's view later stores carry (see sim_mem_lock()). */
static uint64_t rmw_nopreempt(void *addr, size_t size, enum sim_rmw_op op, uint64_t arg, uint64_t cmp,
			      enum sim_order o, bool lock, const struct sim_site *site)
{
	int tid = sim_s.cur, id;
	uint64_t old, nv;
	struct tstate *t;
	struct loc *l;
	struct msg *m = NULL, *r;
	enum sim_order o0 __attribute__((unused)) = o;	/* the TSan hooks: the call's own order */
	bool failed;

	if (nwatch && tid >= 0)
		check_watch(addr, site);
	SIM_TSAN_HOOK(if (o == SIM_FULL) sim_tsan_fence(SIM_MB, sim_cfg.srcu));
	if (sim_cfg.model == SIM_MODEL_SC || tid < 0) {
		old = sc_rmw(tid, addr, size, op, arg, cmp, o);
		goto out;
	}
	t = &ts_[tid];
	l = loc_get(addr, size, site);
	id = loc_id(l);
	sync_plain(l);
	/* Atomicity: read a message, write right after it.  In kernel code
	 * the newest (a restriction of LKMM); in litmus tests (rmw_older) a
	 * relaxed, acquire or release RMW reads any message a store of the
	 * thread may follow (not older than its view nor than what its loads'
	 * stores carried, not one another RMW read), as LKMM lets it.  A fully
	 * ordered one reads the newest: its smp_mb() comes first. */
	r = newest(l);
	if (__builtin_expect(sim_cfg.rmw_older, 0) && sim_cfg.model == SIM_MODEL_LKMM && !lock &&
	    o != SIM_FULL && l->nmsg > 1) {
		int cand[MAXMSG], n = 0;
		uint32_t lo;

		if (l->nmsg == MAXMSG)
			make_room(l);	/* before choosing: it may drop messages */
		lo = t->cur[id] > l->floor ? t->cur[id] : l->floor;

		if (t->acq[id] > lo)
			lo = t->acq[id];
		cand[n++] = l->nmsg - 1;
		for (int i = l->nmsg - 2; i >= 0 && l->m[i].ts >= lo; i--)
			if (!l->m[i + 1].rmw && l->m[i + 1].ts - l->m[i].ts >= 2)
				cand[n++] = i;
		if (n > 1)
			r = &l->m[cand[sim_choose_as(n, SIM_ROLE_STALE)]];
	}
	old = r->val;
	/* A failed cmpxchg is no RMW for LKMM (FailedRMW in linux-kernel.bell):
	 * a relaxed read, with neither its acquire nor its full fences.  On x86
	 * a failed LOCK CMPXCHG still fences, so TSO keeps the order.  (The
	 * TSan hooks keep the call's own order: tsan.c decides for them.) */
	failed = op == SIM_RMW_CMPXCHG && old != mask(cmp, size);
	if (failed && sim_cfg.model == SIM_MODEL_LKMM)
		o = SIM_ONCE;
	if (o == SIM_RELEASE || o == SIM_FULL)
		t->oepoch++;
	if (o == SIM_FULL)
		full_fence(tid);
	t->cur[id] = r->ts;
	if (t->acq[id] < r->ts)
		t->acq[id] = r->ts;

	if (sim_cfg.model == SIM_MODEL_TSO)
		tso_read_present(t, gnow);
	else
		take_view(t, r, o == SIM_ACQUIRE || o == SIM_FULL, site);
	if (failed) {
		SIM_TSAN_HOOK(sim_tsan_rmw(&r->tsan, NULL, o0));
		goto out;
	}
	nv = mask(apply(op, old, arg), size);
	if (r == newest(l)) {
		raw_store(addr, nv, size);
		m = insert_after(l, l->nmsg - 1, r->ts + GAP);
	} else {
		int i = (int)(r - l->m);

		(void)raw_load(addr, size);	/* memory keeps the newest; the sanitizers still check */
		m = insert_after(l, i, r->ts + (l->m[i + 1].ts - r->ts) / 2);
	}
	m->val = nv;
	m->tid = tid;
	m->site = site;
	m->rmw = 1;
	SIM_TSAN_HOOK(sim_tsan_rmw(&m[-1].tsan, &m->tsan, o));
	t->cur[id] = t->wr[id] = t->acq[id] = m->ts;
	if (sim_cfg.model == SIM_MODEL_LKMM) {
		/* The message carries the writer's view (release) or its fence
		 * view, joined with the view of the message it read: release
		 * sequences run through RMWs (LKMM's rmw-sequence). */
		uint32_t v[SIM_VIEW_LEN];
		struct msg *prev = m - 1;

		memcpy(v, o == SIM_RELEASE || o == SIM_FULL ? t->cur : t->rel, nloc * sizeof(uint32_t));
		if (o == SIM_RELEASE)
			vjoin(v, t->acq, nloc);		/* A-cumulative, as a release store */
		else if (t->rsv_any)
			vjoin(v, t->rsv, nloc);		/* it may depend on the thread's loads */
		v[id] = m->ts;
		vjoin_msg(v, prev);
		snapshot(m, v);
		strong_snapshot(m, t, true, prev);
		if (o == SIM_RELEASE || o == SIM_FULL)
			vjoin(t->wr, v, nloc);	/* as for a release store */
		else
			vjoin_msg(t->wr, prev);	/* cumul-fence ends in rmw-sequence: a later
						 * smp_wmb() orders what the store it read carried */
		if (lock)
			vjoin_msg(t->rel, prev);
		if (o == SIM_FULL)
			full_fence(tid);
	} else if (sim_cfg.model == SIM_MODEL_TSO) {
		tso_read_present(t, gnow);
	}
out:
	SIM_TSAN_HOOK(if (o0 == SIM_FULL) sim_tsan_fence(SIM_MB, sim_cfg.srcu));
	if (sim_cfg.trace) {
		uint64_t v = op == SIM_RMW_CMPXCHG && old != mask(cmp, size) ? old : mask(apply(op, old, arg), size);

		sim_trace(site, old, "%s rmw: %lld -> %lld", order_name[o], (long long)old, (long long)v);
		sim_trace_acc(site, SIM_TK_RMW, o, addr, v, m ? m->g : 0, false);
	}
	return old;
}

uint64_t sim_rmw(void *addr, size_t size, enum sim_rmw_op op, uint64_t arg, uint64_t cmp,
		 enum sim_order o, const struct sim_site *site)
{
	uint64_t v;

	sim_preempt(site);
	v = rmw_nopreempt(addr, size, op, arg, cmp, o, false, site);
	sim_hist_val(v);
	return v;
}

/* ---- locks and grace periods (called by lock.c and srcu.c, no preemption) ------------- */

/*
 * LKMM's po-unlock-lock-po: what precedes an unlock (by this thread, or by
 * the thread whose unlock this lock reads from) propagates before what
 * follows the lock, to every CPU (it is in cumul-fence): later stores carry
 * it.  And within the thread it orders the accesses (ppo): later loads see
 * what earlier loads' stores carried.
 */
void sim_mem_lock(uint32_t *word, const struct sim_site *site)
{
	int tid = sim_s.cur;
	struct tstate *t;

	rmw_nopreempt(word, sizeof(*word), SIM_RMW_XCHG, 1, 0, SIM_ACQUIRE, true, site);
	SIM_TSAN_HOOK(sim_tsan_lock());
	if (tid < 0 || sim_cfg.model != SIM_MODEL_LKMM)
		return;
	t = &ts_[tid];
	if (t->unlocked) {
		vjoin(t->cur, t->acq, nloc);
		vjoin(t->rel, t->unl, nloc);
	}
}

void sim_mem_unlock(uint32_t *word, const struct sim_site *site)
{
	int tid = sim_s.cur;

	store_nopreempt(word, 0, sizeof(*word), SIM_RELEASE, site);
	if (tid < 0 || sim_cfg.model != SIM_MODEL_LKMM)
		return;
	memcpy(ts_[tid].unl, ts_[tid].cur, nloc * sizeof(uint32_t));
	ts_[tid].unlocked = true;
}

/*
 * A failed trylock: LKMM's LF event, a read of the lock that the holder's
 * lock write (the newest message: the lock is held) is read from, with no
 * acquire.  A relaxed read, so an smp_rmb() or smp_mb() after it orders
 * what that write carries.  No decision: it reads the holder's write.
 */
void sim_mem_lock_fail(uint32_t *word, const struct sim_site *site)
{
	int tid = sim_s.cur;
	struct tstate *t;
	struct loc *l;
	const struct msg *m;

	if (tid < 0 || sim_cfg.model == SIM_MODEL_SC)
		return;
	t = &ts_[tid];
	l = loc_get(word, sizeof(*word), site);
	sync_plain(l);
	m = newest(l);
	read_from(t, tid, l, m, false, site);
}

uint64_t sim_mem_load(const void *addr, size_t size, enum sim_order o, const struct sim_site *site)
{
	uint64_t v = load_nopreempt(addr, size, o, site);

	sim_hist_val(v);
	return v;
}

/* srcu_read_unlock(): what smp_mb__after_srcu_read_unlock() would order. */
void sim_mem_srcu_unlock(void)
{
	int tid = sim_s.cur;

	if (tid < 0 || sim_cfg.model != SIM_MODEL_LKMM)
		return;
	memcpy(ts_[tid].sul, ts_[tid].cur, nloc * sizeof(uint32_t));
	vjoin(ts_[tid].sul, ts_[tid].acq, nloc);
	ts_[tid].srcu_unlocked = true;
}

/* The current thread's view joins v (grace-period starts, read-section ends). */
void sim_mem_export(struct sim_vview *v)
{
	int tid = sim_s.cur;

	SIM_TSAN_HOOK(sim_tsan_export(v));
	if (tid < 0 || sim_cfg.model == SIM_MODEL_SC)
		return;
	if (sim_cfg.model == SIM_MODEL_TSO) {
		tso_export(&ts_[tid], v);
		return;
	}
	vjoin(v->t, ts_[tid].cur, nloc);
}

/*
 * A read section's end: what the section observed, not only its view.  A
 * store that propagated to the reader before a store its loads read (a
 * release's, a fence's cumulativity: the message's view, in acq) reaches
 * every CPU before a grace period that waits for the section ends (LKMM's
 * rcu-link runs through prop), as do the strong parts its loads read.
 */
void sim_mem_export_observed(struct sim_vview *v)
{
	int tid = sim_s.cur;

	sim_mem_export(v);
	if (tid < 0 || sim_cfg.model != SIM_MODEL_LKMM)
		return;
	vjoin(v->t, ts_[tid].acq, nloc);
	if (ts_[tid].rsv_any)
		vjoin(v->t, ts_[tid].rsv, nloc);
}

/* The current thread may no longer read older than v. */
void sim_mem_import(const struct sim_vview *v)
{
	int tid = sim_s.cur;

	SIM_TSAN_HOOK(sim_tsan_import(v));
	if (tid < 0 || sim_cfg.model == SIM_MODEL_SC)
		return;
	if (sim_cfg.model == SIM_MODEL_TSO) {
		tso_import(&ts_[tid], v);
		return;
	}
	vjoin(ts_[tid].cur, v->t, nloc);
	vjoin(ts_[tid].acq, v->t, nloc);
}

void sim_vview_join(struct sim_vview *dst, const struct sim_vview *src)
{
	SIM_TSAN_HOOK(sim_tsan_join(dst, src));
	vjoin(dst->t, src->t, SIM_VIEW_LEN);
}
