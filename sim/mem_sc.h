/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sc model's rules, in one place: memory always holds the newest
 * message, so every access goes straight to it.  Accesses outside the
 * simulated threads (tid < 0) take these paths under every model.
 *
 * Private to sim/mem.c, which includes it after raw_load(), raw_store(),
 * apply(), mask(), the trace helpers and ts_: static inline, since every marked
 * access runs through here (the hot path).
 */
#ifndef SIM_MEM_SC_H
#define SIM_MEM_SC_H

static inline uint64_t sc_load(int tid, const void *addr, size_t size, enum sim_order o,
			       const struct sim_site *site)
{
	uint64_t v = raw_load(addr, size);

	SIM_TSAN_HOOK(if (tid >= 0) sim_tsan_load(sim_tsan_sc_msg(addr), o, size == sizeof(void *) && v > 0xffff));
	if (sim_cfg.trace) {
		char b[32];
		sim_trace(site, v, "%s load -> %s", order_name[o], value_name(v, size, b, sizeof(b)));
		sim_trace_acc(site, SIM_TK_LOAD, o, addr, v, 0, false);
	}
	(void)tid;
	return v;
}

static inline void sc_store(int tid, void *addr, uint64_t val, size_t size, enum sim_order o,
			    const struct sim_site *site)
{
	raw_store(addr, val, size);
	SIM_TSAN_HOOK(if (tid >= 0) sim_tsan_store(sim_tsan_sc_msg(addr), o));
	if (sim_cfg.trace) {
		char b[32];
		sim_trace(site, val, "%s store %s", order_name[o], value_name(val, size, b, sizeof(b)));
		sim_trace_acc(site, SIM_TK_STORE, o, addr, val, 0, false);
	}
	(void)tid;
}

/* The RMW's read and write, one step; a release or fully ordered one that
 * writes is a store-ordering event (oepoch, for unordered publishes).
 * Returns the old value; the caller traces. */
static inline uint64_t sc_rmw(int tid, void *addr, size_t size, enum sim_rmw_op op,
			      uint64_t arg, uint64_t cmp, enum sim_order o)
{
	uint64_t old = raw_load(addr, size);

	if (tid >= 0 && (o == SIM_RELEASE || o == SIM_FULL) &&
	    (op != SIM_RMW_CMPXCHG || old == mask(cmp, size)))
		ts_[tid].oepoch++;
	if (op != SIM_RMW_CMPXCHG || old == mask(cmp, size))
		raw_store(addr, mask(apply(op, old, arg), size), size);
	SIM_TSAN_HOOK(if (tid >= 0) {
		struct sim_tsan_msg *sm = sim_tsan_sc_msg(addr);

		sim_tsan_rmw(sm, op != SIM_RMW_CMPXCHG || old == mask(cmp, size) ? sm : NULL, o);
	})
	return old;
}

#endif
