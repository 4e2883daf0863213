/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ThreadSanitizer annotations of the model's synchronization (the TSan build
 * only: sim_tsan is built with SIM_TSAN, every other build compiles SIM_TSAN_HOOK()
 * to nothing).  The simulator itself is not instrumented; the kernel code and
 * the harness are, so TSan sees only their plain accesses, and the
 * happens-before edges below, which follow the model's views:
 *
 *  - a message (one store in a location's coherence order) has a TSan sync
 *    object if it was a release store or an RMW continuing a release
 *    sequence (sync), and the writer's latest fence capture (fsync) if a
 *    relaxed store: an acquire or dependent load of that message acquires
 *    both, a relaxed load defers them to the thread's next smp_rmb()/smp_mb();
 *  - smp_wmb(), smp_mb() and a lock after an unlock capture the thread's
 *    clock (a release on a fresh sync object), which its later relaxed
 *    stores carry; strong fences are totally ordered through one object;
 *  - grace periods: a view (struct sim_vview) has a sync object; exporting
 *    into it releases, importing acquires;
 *  - thread creation, the start of sim_run() and the return to the main
 *    context are edges; a context switch is none.
 *
 * Every approximation errs towards more happens-before (a capture releases
 * the whole clock, a load of a pointer counts as address-dependent), so TSan
 * may miss a race the model has, never report one the model forbids.
 */
#ifndef BUSFUZZ_SIM_TSAN_H
#define BUSFUZZ_SIM_TSAN_H

#ifdef SIM_TSAN
#define SIM_TSAN_HOOK(x) x

struct sim_tsan_msg {
	uint32_t sync;		/* release (sequence) sync object, 0: none */
	uint32_t fsync;		/* the writer's fence capture a relaxed store carries, 0: none */
};

void sim_tsan_thread_reset(int tid);
void sim_tsan_store(struct sim_tsan_msg *m, enum sim_order o);
void sim_tsan_load(const struct sim_tsan_msg *m, enum sim_order o, bool pointer);
void sim_tsan_rmw(const struct sim_tsan_msg *read, struct sim_tsan_msg *m, enum sim_order o);
void sim_tsan_fence(enum sim_fence f, enum sim_srcu_mode srcu);
void sim_tsan_lock(void);
/* sc keeps no messages: the latest one of each location, kept here. */
struct sim_tsan_msg *sim_tsan_sc_msg(const void *addr);
void sim_tsan_export(struct sim_vview *v);
void sim_tsan_import(const struct sim_vview *v);
void sim_tsan_join(struct sim_vview *dst, const struct sim_vview *src);
/* Plain edges on a simulator object (srcu_barrier() after the callbacks). */
void sim_tsan_release_obj(const void *o);
void sim_tsan_acquire_obj(const void *o);
void sim_tsan_reset(void);
void sim_tsan_ghost(const void *p, size_t len);

#else
#define SIM_TSAN_HOOK(x)
#endif

#endif /* BUSFUZZ_SIM_TSAN_H */
