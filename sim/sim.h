/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * busfuzz simulator API.  Everything the kernel shim routes to lives here:
 * coroutine threads under a scheduler driven by a decision stream, the memory
 * model, SRCU, locks with lockdep, and the slab with its own accounting.
 */
#ifndef BUSFUZZ_SIM_SIM_H
#define BUSFUZZ_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_THREADS 8
#define SIM_MAX_SRCU 4
#define SIM_MAX_HELD 8

/* A kernel call site: file and line come from the tree thanks to #line. */
struct sim_site {
	const char *file;
	int line;
	const char *what;	/* the kernel primitive, verbatim */
};

#define SIM_SITE(w) ({ static const struct sim_site __sim_site = { __FILE__, __LINE__, w }; &__sim_site; })

/*
 * Ghost state of a checker (bookkeeping outside the memory model) that several
 * threads share: plain accesses in the simulator (one OS thread), relaxed
 * atomics in the native backend (real threads, where a plain access would be
 * a data race of the checker itself).  Not a memory-model event either way.
 */
#ifdef BUSFUZZ_NATIVE
#define SIM_GHOST_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define SIM_GHOST_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#else
#define SIM_GHOST_LOAD(x) (x)
#define SIM_GHOST_STORE(x, v) ((x) = (v))
#endif

/* ---- decision stream ---------------------------------------------------- */
void sim_input_set(const uint8_t *data, size_t size);
unsigned sim_choose(unsigned n);	/* 0..n-1; 0 once the stream is exhausted */
unsigned sim_choose_as(unsigned n, int role);	/* the same, a data choice of this enum sim_role */
uint8_t sim_input_byte(void);		/* raw byte, 0 once exhausted */
size_t sim_input_remaining(void);

/*
 * Exhaustive exploration (SIM_STRAT_DFS below): every sim_choose() is a branch
 * point.  Run an execution, then sim_dfs_next() moves to the next unexplored
 * branch (depth first); it returns false once every execution has been run.
 */
void sim_dfs_reset(void);
bool sim_dfs_next(void);
unsigned long sim_dfs_pruned(void);	/* executions stopped at a state explored before */

/*
 * Strategies other than the input: the decisions come from a generator and
 * are recorded as the input bytes that give the same execution (the
 * scheduler's budget bytes folded in), so every finding has an ordinary
 * reproducer.  The recording is reset by sim_begin().
 */
enum sim_strategy {
	SIM_STRAT_INPUT,	/* the input bytes (libFuzzer, replay) */
	SIM_STRAT_RANDOM,	/* an endless random input */
	SIM_STRAT_PCT,		/* probabilistic concurrency testing, depth sim_cfg.pct_depth */
	SIM_STRAT_DFS,		/* every choice a branch point; the scenario bytes from the input */
};
extern const char *const sim_strategy_name[];
int sim_strategy_parse(const char *s);	/* -1 if unknown */
const uint8_t *sim_recording(size_t *len);

/*
 * Feedback for a structure-aware mutator (fuzz/mutator.c), off unless set.
 * Roles: what each byte of the input was to the scheduler in the latest
 * execution (decision bytes it read in sim_schedule(); the others are data
 * choices or the scenario), with the candidates a choice byte chose among
 * and the index of the thread that was running.  Order: a counter per pair
 * of sites (the one a thread was switched away from, the one the next
 * resumes at), hashed into 'mask + 1' counters, so a coverage-guided fuzzer
 * keeps inputs that reach new interleavings, not only new lines.
 */
enum sim_role {
	SIM_ROLE_OTHER,		/* a data choice of no kind below (litmus threads' own) */
	SIM_ROLE_CHOICE,	/* which thread runs */
	SIM_ROLE_BUDGET,	/* how long it runs */
	SIM_ROLE_FAULT,		/* an allocation (failslab): candidate 7 of 0-7 fails */
	SIM_ROLE_STALE,		/* which message a marked load reads, 0: the newest */
	SIM_ROLE_STORE,		/* where a store goes in coherence order, 0: last */
	SIM_ROLE_WAITED,	/* a read section a grace period in progress waits for (1) or not */
};
struct sim_role_rec {
	uint8_t role;		/* enum sim_role */
	uint8_t n;		/* a choice: among this many threads; data: candidates (at most 255) */
	uint8_t cur;		/* a choice: the running thread's index among them, 0xff: it could not go on;
				 * data: the candidate chosen */
};
void sim_record_roles(struct sim_role_rec *roles, size_t cap);	/* NULL: off */
/* With roles on and failslab off: the stream positions where allocations happened (no byte read). */
void sim_record_allocs(uint16_t *pos, size_t cap, size_t *count);
void sim_count_orders(uint8_t *counters, size_t mask);		/* NULL: off; mask + 1 a power of two */

/* ---- threads and scheduler ---------------------------------------------- */
struct sim_thread;
typedef void (*sim_thread_fn)(void *arg);
typedef bool (*sim_wake_fn)(void *arg);

/* daemon threads (the SRCU worker) do not keep the execution alive. */
int sim_thread_create(const char *name, sim_thread_fn fn, void *arg, bool daemon);
int sim_current(void);			/* thread id, -1 outside any thread */
const char *sim_thread_name(int tid);
int sim_nthreads(void);

/* Preemption point: every shim primitive calls this first. */
void sim_preempt(const struct sim_site *site);
void sim_step(const struct sim_site *site);	/* the same bookkeeping, no switch */
/* Block until wake(arg) holds; 'what' and 'holder' (a tid, -1: none) describe it for deadlock reports. */
void sim_park(sim_wake_fn wake, void *arg, const char *what, int holder);
/* Run all threads to completion (called from the main context). */
void sim_run(void);
unsigned long sim_steps(void);
const struct sim_site *sim_last_site(void);	/* the current thread's latest preemption point */

/* ---- executions ---------------------------------------------------------- */
enum sim_model {
	SIM_MODEL_LKMM,		/* default: stale loads as far as LKMM allows */
	SIM_MODEL_TSO,		/* x86: only a store may pass a later load */
	SIM_MODEL_SC,		/* every load sees the newest store */
};
enum sim_srcu_mode {
	SIM_SRCU_DOC,		/* documented: srcu_read_lock() orders nothing */
	SIM_SRCU_IMPL,		/* Tree SRCU: smp_mb() in srcu_read_lock()/unlock() */
};
struct sim_config {
	bool trace;		/* keep and print the full interleaving */
	bool abort_on_finding;	/* libFuzzer: abort() so the input is saved */
	bool failslab;		/* allocations may fail by decision */
	enum sim_strategy strategy;
	uint64_t seed;		/* random, pct: this execution's generator */
	unsigned pct_depth;	/* pct: d, so d - 1 priority change points */
	unsigned pct_steps;	/* pct: change points are drawn in 1..pct_steps */
	bool abandon_dropped;	/* a finding the hook drops ends the execution, not the process */
	bool preempt_bounded;	/* dfs: at most preempt_bound preemptions */
	unsigned preempt_bound;
	enum sim_model model;
	enum sim_srcu_mode srcu;
	unsigned long max_steps;
	bool defer_loads;	/* litmus: no preemption point before a marked load (sim/mem.c) */
	bool state_cache;	/* dfs: prune at a state explored before (lkmm only; sim/sched.c) */
	bool rmw_older;		/* litmus, lkmm: a relaxed/acquire/release RMW may read an older store (sim/mem.c) */
};
extern const char *const sim_model_name[];
extern const char *const sim_srcu_mode_name[];
int sim_model_parse(const char *s);	/* -1 if unknown */
int sim_srcu_mode_parse(const char *s);
void sim_begin(const struct sim_config *cfg, const uint8_t *data, size_t size);
void sim_end(void);		/* leak check, quarantine flush, reset */
extern struct sim_config sim_cfg;

/* The checker's own state, outside the memory model: no sanitizer sees its races. */
void sim_ghost(const void *p, size_t len);
/* Checker code that the simulator calls on any thread: its reads are not the kernel's. */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define SIM_GHOST_CODE __attribute__((no_sanitize("thread")))
#endif
#endif
#ifndef SIM_GHOST_CODE
#define SIM_GHOST_CODE
#endif

/* ---- findings and the trace ---------------------------------------------- */
/* The classes of findings, one table (findings.def): SIM_F_USE_AFTER_FREE, ... */
enum sim_finding_class {
#define SIM_FINDING(id, name, what) SIM_F_##id,
#include "findings.def"
#undef SIM_FINDING
	SIM_F_NR
};
const char *sim_finding_name(enum sim_finding_class cls);	/* "use-after-free" */
/*
 * The one producer of the finding line: "FINDING CLASS: MESSAGE\n" on stdout,
 * then its machine record, "record: {JSON}\n" (tools/findings.py).
 */
__attribute__((format(printf, 2, 3)))
void sim_finding_print(enum sim_finding_class cls, const char *fmt, ...);
/* The check's site and thread of the finding about to be printed, for its record (NULL: unknown; forgets the last). */
void sim_finding_at(const struct sim_site *site, const char *thread);
__attribute__((noreturn, format(printf, 3, 4)))
void sim_finding(enum sim_finding_class cls, const struct sim_site *site, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void sim_trace(const struct sim_site *site, uint64_t val, const char *fmt, ...);
/*
 * Runs first on a finding (a driver saves its input); when it returns false
 * the finding is dropped (one already known) and the process ends quietly
 * with status SIM_EXIT_DROPPED.
 */
#define SIM_EXIT_DROPPED 3
void sim_set_finding_hook(bool (*fn)(enum sim_finding_class cls, const char *msg));
/*
 * The site that identifies the bug behind the next finding when it is not
 * where the check fired: a use-after-free's free, a race's publishing store,
 * a pending callback's call_srcu().  sim_finding() takes it (and forgets it).
 */
void sim_finding_origin(const struct sim_site *origin);
/*
 * The bug of the finding being reported, "CLASS at FILE:LINE" (the origin,
 * else the check's site): what tells two findings apart.  sim_finding()
 * prints it as "bug: ..." after the FINDING line; valid from the hook on.
 */
const char *sim_finding_bug(void);
/* The last execution was given up at a dropped finding (sim_cfg.abandon_dropped). */
bool sim_abandoned(void);
void sim_trace_print(void);
/* sim_trace_print() also writes the trace there as Chrome trace events (Perfetto). */
void sim_trace_set_perfetto(const char *path);
/* A finding as its consumers see it, after its lines are printed. */
struct sim_finding_rec {
	enum sim_finding_class cls;
	const char *msg;		/* the FINDING line's message */
	const struct sim_site *site;	/* the check's site; NULL: none */
	int tid;			/* the thread that found it; -1: the main context */
	const char *bug;		/* sim_finding_bug() */
};
/*
 * Runs on a finding with sim_cfg.trace, once the trace is finished, before
 * the process ends: an exporter (replay --litmus) consumes the finding and
 * the trace without sim_finding() knowing it.
 */
void sim_on_finding(void (*fn)(const struct sim_finding_rec *f));
/* Writes an ordering finding's accesses as a herd7 C litmus test named name (sim/litmus_export.c); exit 2 if it cannot. */
void sim_litmus_export(const struct sim_finding_rec *f, const char *path, const char *name);
void sim_stub_hit(const char *name, const char *file, int line);
/* SIGSEGV & co. become a "crash" finding with the trace (builds without a sanitizer). */
void sim_install_crash_handler(void);

/* ---- eventfd files (sim/eventfd.c): userspace's side of kernel-shim/linux/eventfd.h ---- */
#define SIM_EVENTFD_FILES 8
void *sim_eventfd_file(int fd);		/* the open file's eventfd_ctx, NULL: none */
void sim_eventfd_set_file(int fd, void *ctx);
void sim_eventfd_reset(void);		/* every execution starts with no open file */
void sim_eventfd_note_signal(int serial);	/* the current thread signalled the eventfd of that serial */
void sim_eventfd_clear_signal(int tid);
int sim_eventfd_signalled_by(int tid);	/* the serial tid signalled last since cleared, -1: none */

/* ---- memory model ---------------------------------------------------------- */
enum sim_order {
	SIM_ONCE,		/* READ_ONCE / WRITE_ONCE: marked, relaxed */
	SIM_ACQUIRE,
	SIM_RELEASE,
	SIM_DEREF,		/* rcu/srcu_dereference: marked load, address dependency */
	SIM_PLAIN,		/* plain access of a marked location (update side, under a lock) */
	SIM_FULL,		/* read-modify-writes only: fully ordered (value-returning atomics) */
};
uint64_t sim_load(const void *addr, size_t size, enum sim_order o, const struct sim_site *site);
/* The current thread's next relaxed store depends on none of its loads (litmus translator only). */
void sim_store_no_dep(void);
/* The current thread's next load depends on its earlier loads (an address computed from them: litmus translator only). */
void sim_load_dep(void);
/* sim_choose() by the current thread's own code: its outcome is part of the thread's state. */
unsigned sim_thread_choose(unsigned n);
/* The current execution is none of the program's (a litmus thread's guess about its own future failed): given up, not counted. */
__attribute__((noreturn)) void sim_thread_infeasible(void);
void sim_store(void *addr, uint64_t val, size_t size, enum sim_order o, const struct sim_site *site);
enum sim_fence {
	SIM_MB, SIM_RMB, SIM_WMB,
	SIM_MB_AFTER_SRCU_LOCK,		/* smp_mb__after_srcu_read_lock() */
	SIM_MB_AFTER_SRCU_UNLOCK,	/* smp_mb__after_srcu_read_unlock() */
	SIM_MB_BEFORE_ATOMIC, SIM_MB_AFTER_ATOMIC,
	SIM_MB_AFTER_SPINLOCK, SIM_MB_AFTER_UNLOCK_LOCK,
};
void sim_fence(enum sim_fence f, const struct sim_site *site);
enum sim_rmw_op { SIM_RMW_ADD, SIM_RMW_AND, SIM_RMW_OR, SIM_RMW_XOR, SIM_RMW_ANDNOT, SIM_RMW_XCHG, SIM_RMW_CMPXCHG };
/*
 * Read-modify-write: returns the old value.  A cmpxchg that fails is a load
 * with no ordering (as in LKMM).  o is SIM_ONCE, SIM_ACQUIRE, SIM_RELEASE or SIM_FULL.
 */
uint64_t sim_rmw(void *addr, size_t size, enum sim_rmw_op op, uint64_t arg, uint64_t cmp,
		 enum sim_order o, const struct sim_site *site);
static inline uint64_t sim_rmw_add(void *addr, int64_t delta, size_t size, bool ordered,
				   const struct sim_site *site)
{
	return sim_rmw(addr, size, SIM_RMW_ADD, (uint64_t)delta, 0, ordered ? SIM_FULL : SIM_ONCE, site);
}

/*
 * Invariants on stores: fn runs on every marked store (and RMW) into
 * [addr, addr + len), by the storing thread, before the store.  At most
 * SIM_MAX_WATCH per execution; cleared by sim_begin().
 */
#define SIM_MAX_WATCH 4
void sim_watch_stores(const void *addr, size_t len,
		      void (*fn)(const void *addr, const struct sim_site *site));

/* ---- SRCU ------------------------------------------------------------------ */
struct sim_srcu;	/* per srcu_struct state, held inside the shim's srcu_struct */
struct rcu_head;
int sim_srcu_init(struct sim_srcu **s, const char *name);
int sim_srcu_read_lock(struct sim_srcu *s, const struct sim_site *site);
void sim_srcu_read_unlock(struct sim_srcu *s, int idx, const struct sim_site *site);
#define SIM_SRCU_ANY_IDX (-1)	/* rcu_read_unlock(): no index to give back */
bool sim_srcu_held(struct sim_srcu *s);
void sim_srcu_note_deref(struct sim_srcu *s, const void *p);
void sim_srcu_synchronize(struct sim_srcu *s, bool expedited, const struct sim_site *site);
void sim_srcu_call(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
		   const struct sim_site *site);
/* call_srcu_expedited(): the same contract; only its grace period's timing differs (cost). */
void sim_srcu_call_expedited(struct sim_srcu *s, struct rcu_head *head, void (*fn)(struct rcu_head *),
			     const struct sim_site *site);
void sim_srcu_barrier(struct sim_srcu *s, const struct sim_site *site);
void sim_srcu_cleanup(struct sim_srcu **s, const struct sim_site *site);
/* Does some read section hold a pointer that reaches p? (use-after-free by accounting) */
int sim_srcu_reader_reaching(const void *p, const struct sim_site **deref_site);
/* The scenario tells the sim how one object reaches another (a bus reaches its devices). */
void sim_set_reach_fn(bool (*fn)(const void *loaded, const void *obj));
void sim_srcu_start_worker(void);
struct sim_srcu *sim_rcu(void);		/* plain RCU's domain, made by sim_begin() */

/* The readers inside s's read sections now, and its name (for sim/srcu_timing.c). */
int sim_srcu_nreaders(struct sim_srcu *s);
const char *sim_srcu_name(struct sim_srcu *s);

/*
 * Grace-period cost (sim/srcu_timing.c, busfuzz cost): Tree SRCU's timing on
 * a virtual jiffies clock, off unless started.  An accounting beside the SRCU
 * model: it never changes what that model decides.  The parameters are what
 * tools/srcu_timing.py reads from the tree's kernel/rcu/srcutree.c.
 */
struct sim_cost_params {
	unsigned hz;
	int interval, max_interval;	/* SRCU_INTERVAL, SRCU_MAX_INTERVAL */
	bool grows;			/* srcu_get_delay() adds the jiffies since srcu_gp_start() */
	bool nodelay;			/* srcu_get_delay() counts srcu_n_exp_nodelay */
	int retry_delay, phase_lo, phase_hi;	/* SRCU_DEFAULT_RETRY_CHECK_DELAY, ..._MAX_NODELAY_PHASE_LO/_HI */
	bool reschedule_count;		/* process_srcu() counts reschedules in one jiffy */
	bool cbdelay_get_delay;		/* srcu_gp_end(): cbdelay = srcu_get_delay() (5.10), else 0/1 */
	unsigned long exp_holdoff_ns;	/* DEFAULT_SRCU_EXP_HOLDOFF */
};
/* The rules that can make a wait last (armed a timer the clock advanced to). */
enum {
	SIM_COST_R_KICK,		/* the grace period's first process_srcu(): queue_delayed_work(!!srcu_get_delay()) */
	SIM_COST_R_PROCESS_RESCHEDULE,	/* process_srcu() -> srcu_reschedule(ssp, srcu_get_delay()) */
	SIM_COST_R_GP_END_NEXT,		/* srcu_gp_end() starts the next needed grace period: srcu_reschedule(ssp, 0) */
	SIM_COST_R_GP_END_CBDELAY,	/* srcu_gp_end(): callbacks after cbdelay */
	SIM_COST_NRULES
};
struct sim_cost_wait {
	const char *kind;		/* "expedited", "normal", "barrier" */
	const struct sim_site *site;	/* the synchronize_srcu*() or srcu_barrier() */
	const struct sim_site *behind;	/* who started the first grace period it waited for (NULL: none) */
	struct sim_srcu *srcu;
	unsigned long t0, t1;		/* jiffies */
	unsigned long need_seq;
	int gps;			/* grace periods that ended while it waited, its own included */
	unsigned rules;			/* 1 << SIM_COST_R_*: what armed the timers it waited on */
};
extern bool sim_cost_on;
void sim_cost_start(const struct sim_cost_params *p);
void sim_cost_stop(void);
unsigned long sim_cost_jiffies(void);
void sim_cost_sleep(unsigned long jiffies);	/* userspace waits: time passes, due work runs */
int sim_cost_take_waits(struct sim_cost_wait *out, int max);	/* the waits since the last call */
void sim_cost_srcu_init(struct sim_srcu *s);
void sim_cost_call(struct sim_srcu *s, bool expedited, const struct sim_site *site);
void sim_cost_synchronize(struct sim_srcu *s, bool expedited, const struct sim_site *site);
void sim_cost_barrier(struct sim_srcu *s, const struct sim_site *site);
void sim_cost_cleanup(struct sim_srcu *s);

/* ---- locks and lockdep ----------------------------------------------------- */
struct sim_lock {
	uint32_t word;		/* the lock word in the memory model: 1 while held */
	int owner;		/* thread id, -1 when free */
	int cls;		/* lockdep class */
	const char *name;
	bool init;
	bool is_static;		/* DEFINE_MUTEX/DEFINE_SPINLOCK: reset by sim_begin() */
};
void sim_lock_init(struct sim_lock *l, const char *name);
void sim_lock_acquire(struct sim_lock *l, const struct sim_site *site);
int sim_lock_tryacquire(struct sim_lock *l, const struct sim_site *site);
void sim_lock_release(struct sim_lock *l, const struct sim_site *site);
bool sim_lock_held(const struct sim_lock *l);
bool sim_lock_is_locked(struct sim_lock *l, const struct sim_site *site);	/* spin_is_locked(): a marked load */
/* lockdep classes for non-mutex "locks" (an srcu_struct's read side, its grace period) */
int sim_lockdep_class(const char *name);
void sim_lockdep_acquire(int cls, const struct sim_site *site, bool read);
void sim_lockdep_release(int cls);
void sim_lockdep_wait(int cls, const struct sim_site *site);	/* waits for all holders */

/* ---- slab ------------------------------------------------------------------ */
void *sim_kmalloc(size_t size, bool zero, const struct sim_site *site);
void sim_kfree(const void *p, const struct sim_site *site);
bool sim_obj_live(const void *p);
int sim_obj_id(const void *p);		/* allocation number, 0 if unknown */
/* "obj#N", "obj#N+0x10" (inside an object) or the raw value: stable across runs. */
const char *sim_obj_name(const void *p, char *buf, size_t n);
void sim_check_live(const void *p, const struct sim_site *site, const char *what);
/* The same for a pointer anywhere inside an object (a list_head member). */
void sim_check_live_within(const void *p, const struct sim_site *site, const char *what);
/* Non-kernel allocations of the scenario (test devices are kernel-side objects,
 * but their owners are the harness): same accounting, a label for reports. */
void sim_obj_label(const void *p, const char *label);

#endif /* BUSFUZZ_SIM_SIM_H */
