// SPDX-License-Identifier: GPL-2.0-only
/*
 * The slab with its own accounting, so memory-safety classes do not depend on
 * which sanitizer is on: every object has an allocation number (stable across
 * runs, unlike addresses), kfree() keeps it in a quarantine until the end of
 * the execution (poisoned under ASan), and a free that some open SRCU read
 * section can still reach is a use-after-free at once.  Allocations may fail
 * by decision when failslab is on (the kernel's fault injection).
 */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#endif
#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct obj {
	void *p;
	size_t size;
	bool freed;
	const struct sim_site *alloc, *free;
	const char *label;
	int tid;		/* allocating thread */
	uint32_t epoch;		/* its store-ordering epoch then (race checks) */
};

static struct obj *objs;
static int nobjs, cap;

void sim_slab_reset(void)
{
	nobjs = 0;
}

static struct obj *find(const void *p)
{
	/* Newest first: a freed address can be reused only after the flush. */
	for (int i = nobjs; i-- > 0;)
		if (objs[i].p == p)
			return &objs[i];
	return NULL;
}

/* The object containing p (an rcu_head inside a bus, a field of struct kvm). */
static struct obj *find_containing(const void *p)
{
	const char *c = p;

	for (int i = nobjs; i-- > 0;)
		if (c >= (char *)objs[i].p && c < (char *)objs[i].p + (objs[i].size ? objs[i].size : 1))
			return &objs[i];
	return NULL;
}

/* "obj#3" or "obj#3 (test device)" for reports. */
static const char *desc(const struct obj *o, char *buf, size_t n)
{
	snprintf(buf, n, "obj#%d%s%s", (int)(o - objs) + 1, o->label ? " " : "", o->label ? o->label : "");
	return buf;
}

void *sim_kmalloc(size_t size, bool zero, const struct sim_site *site)
{
	struct obj *o;
	void *p;

	sim_preempt(site);
	if (sim_cfg.failslab && sim_choose(8) == 7) {
		if (sim_cfg.trace)
			sim_trace(site, 0, "allocation of %zu bytes fails (injected)", size);
		return NULL;
	}
	p = malloc(size ? size : 1);
	if (!p)
		sim_fatal("out of memory");
	if (zero)
		memset(p, 0, size);
	else
		memset(p, 0xa5, size);	/* uninitialized memory is not zero in the kernel */
	if (nobjs == cap) {
		cap = cap ? cap * 2 : 256;
		objs = realloc(objs, cap * sizeof(*objs));
		if (!objs)
			sim_fatal("out of memory");
	}
	o = &objs[nobjs++];
	*o = (struct obj){ .p = p, .size = size, .alloc = site, .tid = sim_s.cur,
			   .epoch = sim_mem_order_epoch() };
	if (sim_cfg.trace)
		sim_trace(site, 0, "obj#%d = %zu bytes", nobjs, size);
	return p;
}

void sim_obj_label(const void *p, const char *label)
{
	struct obj *o = find(p);

	if (o)
		o->label = label;
}

void sim_kfree(const void *p, const struct sim_site *site)
{
	const struct sim_site *ds;
	struct obj *o;
	int reader;
	char b[64];

	sim_preempt(site);
	if (!p)
		return;
	o = find(p);
	if (!o)
		sim_finding("double-free", site, "kfree() of a pointer that kmalloc() never returned");
	if (o->freed)
		sim_finding("double-free", site, "%s freed twice (first at %s:%d)",
			    desc(o, b, sizeof(b)), o->free->file, o->free->line);
	reader = sim_srcu_reader_reaching(p, &ds);
	if (reader >= 0)
		sim_finding("use-after-free", site,
			    "%s (allocated at %s:%d) freed while %s is inside an SRCU read section that loaded it at %s:%d",
			    desc(o, b, sizeof(b)), o->alloc->file, o->alloc->line, sim_thread_name(reader),
			    ds ? ds->file : "?", ds ? ds->line : 0);
	o->freed = true;
	o->free = site;
	POISON(o->p, o->size);
	if (sim_cfg.trace)
		sim_trace(site, 0, "obj#%d freed", (int)(o - objs) + 1);
}

/* A live object loaded by a reader must not reach a freed one (a bus listing a destroyed device). */
void sim_check_reaches_live(const void *p, bool (*reach)(const void *loaded, const void *obj),
			    const struct sim_site *site)
{
	char b[64], c[64];

	for (int i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];

		if (o->freed && reach(p, o->p))
			sim_finding("use-after-free", site, "%s loaded by %s reaches %s, freed at %s:%d",
				    sim_obj_name(p, c, sizeof(c)), sim_thread_name(sim_s.cur),
				    desc(o, b, sizeof(b)), o->free->file, o->free->line);
	}
}

bool sim_obj_unordered_since_alloc(const void *p, int tid, uint32_t epoch, const struct sim_site **alloc)
{
	struct obj *o = find(p);

	if (!o || o->freed || o->tid != tid || o->epoch != epoch)
		return false;
	*alloc = o->alloc;
	return true;
}

bool sim_obj_live(const void *p)
{
	struct obj *o = find(p);

	return o && !o->freed;
}

int sim_obj_id(const void *p)
{
	struct obj *o;

	if (!p)
		return 0;
	o = find_containing(p);
	return o ? (int)(o - objs) + 1 : 0;
}

void sim_check_live(const void *p, const struct sim_site *site, const char *what)
{
	struct obj *o = find(p);
	char b[64];

	if (o && o->freed)
		sim_finding("use-after-free", site, "%s of %s, freed at %s:%d", what,
			    desc(o, b, sizeof(b)), o->free->file, o->free->line);
}

void sim_check_live_within(const void *p, const struct sim_site *site, const char *what)
{
	struct obj *o = find_containing(p);
	char b[64];

	if (o && o->freed)
		sim_finding("use-after-free", site, "%s of %s+%#zx, freed at %s:%d", what, desc(o, b, sizeof(b)),
			    (size_t)((const char *)p - (char *)o->p), o->free->file, o->free->line);
}

const char *sim_obj_name(const void *p, char *buf, size_t n)
{
	struct obj *o = p ? find_containing(p) : NULL;

	if (!o)
		snprintf(buf, n, "%#llx", (unsigned long long)(uintptr_t)p);
	else if (o->p == p)
		snprintf(buf, n, "obj#%d", (int)(o - objs) + 1);
	else
		snprintf(buf, n, "obj#%d+%#zx", (int)(o - objs) + 1, (size_t)((char *)p - (char *)o->p));
	return buf;
}

void sim_slab_check_leaks(void)
{
	char b[64];

	for (int i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];

		if (!o->freed)
			sim_finding("leak", o->alloc, "%s (%zu bytes) is never freed",
				    desc(o, b, sizeof(b)), o->size);
	}
}

void sim_slab_flush(void)
{
	for (int i = 0; i < nobjs; i++) {
		UNPOISON(objs[i].p, objs[i].size);
		free(objs[i].p);
	}
	nobjs = 0;
}
