/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkers both backends compile (the simulator in sim/, the native
 * threads in sim/native/): the object table of the accounted slab and the
 * lockdep class graph.  They keep no lock of their own and take the thread
 * as an argument: the simulator calls them from its one OS thread, the native
 * backend under its checker lock.  Not for the shim.
 */
#ifndef BUSFUZZ_SIM_SHARED_H
#define BUSFUZZ_SIM_SHARED_H

#include "sim.h"

#include <stdio.h>

__attribute__((noreturn, format(printf, 1, 2))) void sim_fatal(const char *fmt, ...);
void sim_json_str(FILE *f, const char *s);	/* s as a JSON string */
/* Each backend's sim_finding(): the bug of a finding of cls at site (see sim_finding_bug()). */
const char *sim_finding_bug_of(const char *cls, const struct sim_site *site);

/* ---- the object table (sim/objtab.c) ---- */

struct sim_obj {
	void *p;
	size_t size;
	bool freed;
	bool released;		/* given back to malloc() at kfree() (native classic mode) */
	const struct sim_site *alloc, *free;
	const char *label;
	int tid;		/* allocating thread (simulator) */
	uint32_t epoch;		/* its store-ordering epoch then (simulator race checks) */
};

void sim_objtab_reset(void);
/* Records a new allocation; its number ("obj#N") is sim_objtab_num(). */
struct sim_obj *sim_objtab_add(void *p, size_t size, const struct sim_site *site);
int sim_objtab_num(const struct sim_obj *o);
struct sim_obj *sim_objtab_find(const void *p);
/* The object containing p (an rcu_head inside a bus, a field of struct kvm). */
struct sim_obj *sim_objtab_find_containing(const void *p);
void sim_objtab_label(const void *p, const char *label);
/*
 * kfree(): a double free, and a free that an open SRCU read section can
 * still reach, are findings.  reader (the backend's; NULL: no reader check)
 * returns the thread whose section reaches p, -1 if none, and where it loaded
 * it.  Marks the object freed and either poisons it (quarantine) or, with
 * release, leaves it to the caller to free().
 */
typedef int (*sim_reader_fn)(const void *p, const struct sim_site **load_site);
struct sim_obj *sim_objtab_free(const void *p, const struct sim_site *site, sim_reader_fn reader, bool release);
bool sim_objtab_live(const void *p);
int sim_objtab_id(const void *p);
void sim_objtab_check_live(const void *p, const struct sim_site *site, const char *what);
void sim_objtab_check_live_within(const void *p, const struct sim_site *site, const char *what);
/* A live object p that thread reader loaded must not reach a freed one. */
void sim_objtab_check_reaches(const void *p, bool (*reach)(const void *loaded, const void *obj),
			      const struct sim_site *site, int reader);
const char *sim_objtab_name(const void *p, char *buf, size_t n);
void sim_objtab_check_leaks(void);
/* The end of an execution: the quarantine goes back to malloc(). */
void sim_objtab_flush(void);

/* What each thread's open SRCU read section loaded, per srcu_struct. */
#define SIM_MAX_LOADED 16
struct sim_loaded {
	const void *p[SIM_MAX_THREADS][SIM_MAX_LOADED];
	const struct sim_site *site[SIM_MAX_THREADS][SIM_MAX_LOADED];
	int n[SIM_MAX_THREADS];
};
/*
 * A pointer tid loaded at site: a freed object is a use-after-free at once, a
 * live one must not reach a freed one (reach may be NULL); inside a read
 * section (in_section) it is remembered until the section ends.
 */
void sim_loaded_note(struct sim_loaded *l, int tid, bool in_section, const void *p,
		     const struct sim_site *site, bool (*reach)(const void *loaded, const void *obj));
/* tid's section loaded p, or a live object that reaches p; *site: where it loaded it. */
bool sim_loaded_reaches(const struct sim_loaded *l, int tid, const void *p,
			bool (*reach)(const void *loaded, const void *obj), const struct sim_site **site);

/* ---- the lockdep class graph (sim/lockdep.c) ---- */

/*
 * Classes are per execution; statically defined locks start free again.
 * class_of: how the backend looks a class up for sim_lock_init() (the native
 * one under its checker lock); NULL: sim_lockdep_lookup().
 */
void sim_lockdep_reset(int (*class_of)(const char *name));
void sim_lockdep_thread_reset(int tid);		/* its held-lock stack */
int sim_lockdep_lookup(const char *name);	/* the class of that name, new if none */
/* The class of l; a statically defined lock (DEFINE_MUTEX: cls -1) takes it by name. */
int sim_lockdep_lock_class(struct sim_lock *l);
void sim_lockdep_tid_acquire(int tid, int cls, const struct sim_site *site, bool read);
/* site: where the thread is, for a release of a class it does not hold. */
void sim_lockdep_tid_release(int tid, int cls, const struct sim_site *site);
void sim_lockdep_tid_wait(int tid, int cls, const struct sim_site *site);

#endif /* BUSFUZZ_SIM_SHARED_H */
