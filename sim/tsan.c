// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's synchronization as ThreadSanitizer happens-before (see
 * tsan.h).  Only in the TSan build's simulator library, which is not
 * instrumented itself: TSan's own interceptors ignore it as a library
 * (called_from_lib, set by the fuzz and replay drivers).
 */
#include "sim_internal.h"

#include <sanitizer/tsan_interface.h>
#include <string.h>

/*
 * Sync objects are the addresses of a ring of words, by id.  A stale one
 * (from an earlier execution, or reused after NSYNC ids) only adds
 * happens-before: every execution starts ordered after the previous one.
 */
#define NSYNC (1u << 14)
#define NPEND 32		/* syncs a thread's relaxed loads defer to its next smp_rmb() */
#define SC_HASH 1024

static uint64_t syncs[NSYNC];
static uint32_t next_id;
static uint64_t fence_order;	/* strong fences are totally ordered (LKMM's pb) */

static struct {
	uint32_t fsync;		/* latest capture: what its relaxed stores carry */
	uint32_t pend[NPEND];
	int npend;
} th[SIM_MAX_THREADS];

static struct {
	const void *addr;
	uint32_t gen;
	struct sim_tsan_msg m;
} sc[SC_HASH];
static uint32_t sc_gen = 1;

static void *obj(uint32_t id)
{
	return &syncs[id % NSYNC];
}

static uint32_t fresh(void)
{
	if (++next_id == 0)
		next_id = 1;
	return next_id;
}

static void acquire(uint32_t id)
{
	if (id)
		__tsan_acquire(obj(id));
}

static uint32_t capture(void)
{
	uint32_t id = fresh();

	__tsan_release(obj(id));
	return id;
}

void sim_tsan_reset(void)
{
	sc_gen++;
}

void sim_tsan_thread_reset(int tid)
{
	memset(&th[tid], 0, sizeof(th[tid]));
}

/* A relaxed load: its message's syncs wait for the thread's next smp_rmb();
 * with no room left they are taken now (earlier than the model: more order). */
static void defer(int tid, uint32_t id)
{
	if (!id)
		return;
	for (int i = 0; i < th[tid].npend; i++)
		if (th[tid].pend[i] == id)
			return;
	if (th[tid].npend == NPEND) {
		acquire(id);
		return;
	}
	th[tid].pend[th[tid].npend++] = id;
}

static void take_deferred(int tid)
{
	for (int i = 0; i < th[tid].npend; i++)
		acquire(th[tid].pend[i]);
	th[tid].npend = 0;
}

void sim_tsan_store(struct sim_tsan_msg *m, enum sim_order o)
{
	int tid = sim_s.cur;

	m->sync = m->fsync = 0;
	if (tid < 0)
		return;
	if (o == SIM_RELEASE) {
		m->sync = capture();
		return;
	}
	m->fsync = th[tid].fsync;
}

void sim_tsan_load(const struct sim_tsan_msg *m, enum sim_order o, bool pointer)
{
	int tid = sim_s.cur;

	if (tid < 0)
		return;
	/* rcu/srcu_dereference and a pointer's later dereference (plain C
	 * accesses through it are address-dependent): acquire now. */
	if (o == SIM_ACQUIRE || o == SIM_DEREF || o == SIM_FULL || pointer) {
		acquire(m->sync);
		acquire(m->fsync);
		return;
	}
	defer(tid, m->sync);
	defer(tid, m->fsync);
}

/* The RMW's message continues the release sequence of the one it read. */
void sim_tsan_rmw(const struct sim_tsan_msg *read, struct sim_tsan_msg *m, enum sim_order o)
{
	int tid = sim_s.cur;
	struct sim_tsan_msg r = *read;	/* m may be read's slot (sc) */

	if (tid < 0)
		return;
	sim_tsan_load(&r, o, false);
	if (!m)
		return;		/* a failed cmpxchg stores nothing */
	m->sync = r.sync;
	if (o == SIM_RELEASE || o == SIM_FULL) {
		if (!m->sync)
			m->sync = fresh();
		__tsan_release(obj(m->sync));
		m->fsync = r.fsync;
		return;
	}
	/* Relaxed: it carries the writer's fence capture and what the message
	 * it read carried; two captures become one newer (more order). */
	if (!r.fsync || r.fsync == th[tid].fsync) {
		m->fsync = th[tid].fsync;
	} else if (!th[tid].fsync) {
		m->fsync = r.fsync;
	} else {
		acquire(r.fsync);
		m->fsync = capture();
	}
}

void sim_tsan_fence(enum sim_fence f, enum sim_srcu_mode srcu)
{
	int tid = sim_s.cur;

	if (tid < 0)
		return;
	switch (f) {
	case SIM_RMB:
		take_deferred(tid);
		return;
	case SIM_WMB:
		th[tid].fsync = capture();
		return;
	case SIM_MB_AFTER_SRCU_LOCK:
		if (srcu == SIM_SRCU_IMPL)
			return;
		/* fall through */
	default:
		take_deferred(tid);
		__tsan_acquire(&fence_order);
		__tsan_release(&fence_order);
		th[tid].fsync = capture();
		return;
	}
}

/* After the lock's acquire RMW: po-unlock-lock-po (later loads see what
 * earlier ones read, later stores carry the previous critical sections). */
void sim_tsan_lock(void)
{
	int tid = sim_s.cur;

	if (tid < 0)
		return;
	take_deferred(tid);
	th[tid].fsync = capture();
}

struct sim_tsan_msg *sim_tsan_sc_msg(const void *addr)
{
	unsigned h = (unsigned)(((uintptr_t)addr >> 3) * 0x9e3779b1u) % SC_HASH;

	for (unsigned n = 0; n < SC_HASH; n++, h = (h + 1) % SC_HASH) {
		if (sc[h].gen != sc_gen) {
			sc[h].addr = addr;
			sc[h].gen = sc_gen;
			sc[h].m = (struct sim_tsan_msg){ 0, 0 };
			return &sc[h].m;
		}
		if (sc[h].addr == addr)
			return &sc[h].m;
	}
	sim_fatal("TSan build: more than %d marked locations in one execution", SC_HASH);
}

void sim_tsan_export(struct sim_vview *v)
{
	if (sim_s.cur < 0)
		return;
	if (!v->tsan_sync)
		v->tsan_sync = fresh();
	__tsan_release(obj(v->tsan_sync));
}

void sim_tsan_import(const struct sim_vview *v)
{
	if (sim_s.cur >= 0)
		acquire(v->tsan_sync);
}

/* dst joins src: the current thread takes src (it exported src itself, or
 * imports it next) and releases into dst. */
void sim_tsan_join(struct sim_vview *dst, const struct sim_vview *src)
{
	sim_tsan_import(src);
	sim_tsan_export(dst);
}

/* TSan's benign-race list (compiler-rt tsan_interface_ann.cpp). */
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *mem, unsigned long size,
			     const char *desc);

void sim_tsan_ghost(const void *p, size_t len)
{
	AnnotateBenignRaceSized(__FILE__, __LINE__, p, len, "the checker's ghost state");
}

void sim_tsan_release_obj(const void *o)
{
	__tsan_release((void *)o);
}

void sim_tsan_acquire_obj(const void *o)
{
	__tsan_acquire((void *)o);
}
