/* SPDX-License-Identifier: GPL-2.0-only */
/* State shared between the simulator's own files; not for the shim. */
#ifndef BUSFUZZ_SIM_INTERNAL_H
#define BUSFUZZ_SIM_INTERNAL_H

#include "shared.h"

#include <setjmp.h>

struct sim_sched {
	const uint8_t *in;
	size_t in_size, in_pos;
	int nthreads;
	int cur;
	unsigned budget;
	unsigned long steps;
	const struct sim_site *last_site;
	bool abandoned;		/* this execution was given up (sim_abandon()) */
	bool in_end;		/* sim_end()'s checks run: sim_end_jmp is armed */
	struct sim_role_rec *roles;	/* sim_record_roles() */
	size_t roles_cap;
	uint16_t *allocs;		/* sim_record_allocs() */
	size_t allocs_cap, *nallocs;
	uint8_t *orders;		/* sim_count_orders() */
	size_t orders_mask;
};
extern struct sim_sched sim_s;
void sim_count_stale(const struct sim_site *site);	/* with sim_count_orders() on */
void sim_note_alloc(void);				/* with sim_record_allocs() on */
extern jmp_buf sim_end_jmp;

/*
 * Gives up the current execution at once, for a finding the driver drops
 * (with sim_cfg.abandon_dropped): from a simulated thread back to the main
 * context, which returns from sim_run(); from sim_end()'s checks, to its end.
 * Every thread's state is dropped with it: sim_begin() starts afresh.
 */
__attribute__((noreturn)) void sim_abandon(void);

void sim_schedule(bool cur_blocked);
void sim_sched_reset(void);
void sim_thread_reset_state(int tid);

/* Records one step of the interleaving; detail is formatted only when tracing. */
void sim_trace_event(int tid, const struct sim_site *site, uint64_t val, const char *detail);
void sim_trace_reset(void);

/* What a traced step did to shared memory, for `--litmus` (only with sim_cfg.trace). */
enum sim_tkind {
	SIM_TK_NONE, SIM_TK_LOAD, SIM_TK_STORE, SIM_TK_RMW, SIM_TK_FENCE,
	SIM_TK_SRCU_LOCK, SIM_TK_SRCU_UNLOCK, SIM_TK_SYNC, SIM_TK_CALL_SRCU,
	SIM_TK_CALLBACK,	/* the SRCU worker starts a callback */
};
struct sim_tacc {
	uint8_t kind;		/* enum sim_tkind */
	uint8_t order;		/* enum sim_order; a fence: enum sim_fence */
	bool stale;		/* a load that did not read the newest store */
	const void *addr;	/* the location; SRCU steps: the srcu_struct */
	uint64_t val;		/* the value loaded or stored; an RMW: the value it wrote */
	uint32_t g;		/* a store: its message; a load: the message read (0: the initial value) */
};
struct sim_tev {
	const struct sim_site *site;
	uint64_t val;
	int tid;
	struct sim_tacc acc;
	char detail[400];	/* a stale load explains itself: what, what was newer, why */
};
/* Fills the structured part of the current thread's latest step at site. */
void sim_trace_acc(const struct sim_site *site, enum sim_tkind kind, int order, const void *addr,
		   uint64_t val, uint32_t g, bool stale);
const struct sim_tev *sim_trace_steps(size_t *n);

#define SIM_MAX_LOC 64		/* marked locations per execution */
#define SIM_VIEW_LEN (SIM_MAX_LOC + 1)	/* one entry per location, then the TSO snapshot */
struct sim_vview {
	uint32_t t[SIM_VIEW_LEN];
#ifdef SIM_TSAN
	uint32_t tsan_sync;	/* its TSan sync object (tsan.h) */
#endif
};
void sim_mem_reset(void);
uint32_t sim_mem_order_epoch(void);	/* counts the current thread's store-ordering events */
/* p is the start of a live object that tid allocated at that epoch: written since, never ordered. */
bool sim_obj_unordered_since_alloc(const void *p, int tid, uint32_t epoch, const struct sim_site **alloc);
void sim_srcu_check_end(void);
void sim_mem_thread_reset(int tid);
void sim_mem_full_fence(void);
void sim_mem_lock(uint32_t *word, const struct sim_site *site);
void sim_mem_unlock(uint32_t *word, const struct sim_site *site);
void sim_mem_lock_fail(uint32_t *word, const struct sim_site *site);
uint64_t sim_mem_load(const void *addr, size_t size, enum sim_order o, const struct sim_site *site);
void sim_mem_export(struct sim_vview *v);
void sim_mem_export_observed(struct sim_vview *v);	/* a read section's end: cur, what its loads read carried */
void sim_mem_srcu_unlock(void);
void sim_mem_import(const struct sim_vview *v);
void sim_vview_join(struct sim_vview *dst, const struct sim_vview *src);
void sim_srcu_reset(void);
void sim_srcu_thread_reset(int tid);

/*
 * The explorer's state cache (sim_cfg.state_cache): two states with the same
 * hash have the same future.  A thread's own state is its history (the sites
 * of its steps and the values the simulator returned to it: its code is
 * deterministic); the rest is the model's, hashed canonically (timestamps as
 * ranks in coherence order, locations by address, so interleavings that
 * reach one state in different orders meet).
 */
struct sim_h2 {
	uint64_t a, b;
};
static inline uint64_t sim_fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static inline void sim_h2_mix(struct sim_h2 *h, uint64_t v)
{
	h->a = sim_fmix(h->a ^ (v + 0x9e3779b97f4a7c15ull));
	h->b = sim_fmix(h->b + (v ^ 0xc2b2ae3d27d4eb4full) * 0xff51afd7ed558ccdull);
}
extern struct sim_h2 sim_hist[SIM_MAX_THREADS];
/* A value the simulator returns to the current thread's code. */
static inline void sim_hist_val(uint64_t v)
{
	if (__builtin_expect(sim_cfg.state_cache, 0) && sim_s.cur >= 0)
		sim_h2_mix(&sim_hist[sim_s.cur], v);
}
void sim_mem_state_hash(struct sim_h2 *h);
void sim_mem_view_hash(struct sim_h2 *h, const uint32_t *v);	/* a view indexed by location id */
void sim_srcu_state_hash(struct sim_h2 *h);

#include "tsan.h"

#endif /* BUSFUZZ_SIM_INTERNAL_H */
