/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The native backend of the sim.h API (busfuzz stress): real pthreads, real
 * atomics, a real SRCU, locks with lockdep checks, the accounted slab.  State
 * shared between its files; not for the shim.
 *
 * The checkers' bookkeeping (lockdep graph, slab accounting, who is inside
 * which read section) lives under one lock, the checker lock.  Under TSan the
 * checker is invisible: its accesses are ignored and its lock creates no
 * happens-before edge, so it neither reports itself nor hides a race of the
 * kernel code by synchronizing the threads it checks.
 */
#ifndef BUSFUZZ_SIM_NATIVE_NATIVE_H
#define BUSFUZZ_SIM_NATIVE_NATIVE_H

#include "../shared.h"

#include <pthread.h>

struct nthread {
	const char *name;
	pthread_t pt;
	bool daemon;
	int done;			/* atomic: the thread function returned */
	sim_thread_fn fn;
	void *arg;
	uint64_t rng;
	/* What it waits for, for deadlock reports (atomics: the watchdog reads them). */
	const char *wait_what;
	int wait_holder;
};

extern struct nthread sim_nt[SIM_MAX_THREADS];
extern int sim_nt_count;		/* atomic */
extern __thread int sim_nt_self;	/* this thread's id, -1 in the main thread */
extern __thread const struct sim_site *sim_nt_site;	/* its latest preemption point */

void sim_check_begin(void);
void sim_check_end(void);

uint64_t sim_native_rand(void);		/* this thread's PRNG */
/* Spin, then yield, then sleep: one turn of a wait loop. */
void sim_native_backoff(unsigned *turn);
/* Record what the current thread waits for (NULL: nothing). */
void sim_native_wait(const char *what, int holder);
/* Nonzero once every non-daemon thread has returned (the worker then drains). */
bool sim_native_stopping(void);
/* Runs the sim_watch_stores() invariants on a store to addr. */
void sim_native_check_watch(const void *addr, const struct sim_site *site);

void sim_native_lock_reset(void);
void sim_native_srcu_reset(void);
void sim_native_srcu_check_end(void);
void sim_native_srcu_stop_worker(void);

/* The stress driver's hooks. */
struct sim_native_opts {
	unsigned delay_pct;		/* preemption points that yield or spin, in percent */
	/*
	 * Only the checks a kernel debug build has (KASAN, lockdep, kmemleak,
	 * WARN_ON): kfree() frees at once, so a use-after-free is found when a
	 * reader touches the memory, not when it is freed under a reader.
	 */
	bool classic;
	void (*on_finding)(void);	/* prints the run's context after a FINDING line */
};
extern struct sim_native_opts sim_native;
/* Seeds the per-thread generators of the next execution. */
void sim_native_seed(uint64_t seed);
/* The watchdog: the current execution has run too long. */
__attribute__((noreturn)) void sim_native_report_stuck(double secs);

#endif /* BUSFUZZ_SIM_NATIVE_NATIVE_H */
