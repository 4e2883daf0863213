// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native backend, slab: malloc() with the simulator's accounting, under the
 * checker lock.  kfree() keeps the object in a quarantine until the end of the
 * execution (poisoned under ASan, so a real access after it is an ASan report);
 * a double free, a free that an open SRCU read section can still reach, and
 * an object never freed are findings.  Allocations fail one time in eight when
 * the scenario turns fault injection on (this thread's PRNG decides).
 */
#include "native.h"

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
	bool released;		/* classic: given back to malloc() at kfree() */
	const struct sim_site *alloc, *free;
	const char *label;
};

/* Under the checker lock. */
static struct obj *objs;
static int nobjs, cap;

void sim_native_slab_reset(void)
{
	nobjs = 0;
}

static struct obj *find(const void *p)
{
	for (int i = nobjs; i-- > 0;)
		if (objs[i].p == p)
			return &objs[i];
	return NULL;
}

static struct obj *find_containing(const void *p)
{
	const char *c = p;

	for (int i = nobjs; i-- > 0;)
		if (c >= (char *)objs[i].p && c < (char *)objs[i].p + (objs[i].size ? objs[i].size : 1))
			return &objs[i];
	return NULL;
}

static const char *desc(const struct obj *o, char *buf, size_t n)
{
	snprintf(buf, n, "obj#%d%s%s", (int)(o - objs) + 1, o->label ? " " : "", o->label ? o->label : "");
	return buf;
}

void *sim_kmalloc(size_t size, bool zero, const struct sim_site *site)
{
	void *p;

	sim_preempt(site);
	if (sim_cfg.failslab && sim_native_rand() % 8 == 7)
		return NULL;
	p = malloc(size ? size : 1);
	if (!p)
		sim_native_fatal("out of memory");
	memset(p, zero ? 0 : 0xa5, size);	/* uninitialized memory is not zero in the kernel */
	sim_check_begin();
	if (nobjs == cap) {
		cap = cap ? cap * 2 : 256;
		objs = realloc(objs, cap * sizeof(*objs));
		if (!objs)
			sim_native_fatal("out of memory");
	}
	objs[nobjs++] = (struct obj){ .p = p, .size = size, .alloc = site };
	sim_check_end();
	return p;
}

void sim_obj_label(const void *p, const char *label)
{
	struct obj *o;

	sim_check_begin();
	o = find(p);
	if (o)
		o->label = label;
	sim_check_end();
}

void sim_kfree(const void *p, const struct sim_site *site)
{
	const struct sim_site *ds = NULL;
	struct obj *o;
	int reader;
	char b[64];

	sim_preempt(site);
	if (!p)
		return;
	sim_check_begin();
	o = find(p);
	if (!o)
		sim_finding("double-free", site, "kfree() of a pointer that kmalloc() never returned");
	if (o->freed)
		sim_finding("double-free", site, "%s freed twice (first at %s:%d)", desc(o, b, sizeof(b)),
			    o->free->file, o->free->line);
	reader = sim_native.classic ? -1 : sim_srcu_reader_reaching(p, &ds);
	if (reader >= 0)
		sim_finding("use-after-free", site,
			    "%s (allocated at %s:%d) freed while %s is inside an SRCU read section that loaded it at %s:%d",
			    desc(o, b, sizeof(b)), o->alloc->file, o->alloc->line, sim_thread_name(reader),
			    ds ? ds->file : "?", ds ? ds->line : 0);
	o->freed = true;
	o->free = site;
	o->released = sim_native.classic;
	if (!o->released)
		POISON(o->p, o->size);
	sim_check_end();
	/* Outside the checker, whose accesses TSan ignores: TSan checks the free itself. */
	if (sim_native.classic)
		free((void *)p);	/* ASan's own quarantine and TSan's free race detection take over */
}

/* Under the checker lock: a live object a reader loaded must not reach a freed one. */
void sim_native_check_reaches_locked(const void *p, bool (*reach)(const void *loaded, const void *obj),
				     const struct sim_site *site)
{
	char b[64], c[64];

	for (int i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];

		if (o->freed && reach(p, o->p))
			sim_finding("use-after-free", site, "%s loaded by %s reaches %s, freed at %s:%d",
				    sim_obj_name(p, c, sizeof(c)), sim_thread_name(sim_nt_self),
				    desc(o, b, sizeof(b)), o->free->file, o->free->line);
	}
}

bool sim_native_obj_live_locked(const void *p)
{
	struct obj *o = find(p);

	return o && !o->freed;
}

bool sim_obj_live(const void *p)
{
	bool live;

	sim_check_begin();
	live = sim_native_obj_live_locked(p);
	sim_check_end();
	return live;
}

int sim_obj_id(const void *p)
{
	struct obj *o;
	int id;

	if (!p)
		return 0;
	sim_check_begin();
	o = find_containing(p);
	id = o ? (int)(o - objs) + 1 : 0;
	sim_check_end();
	return id;
}

void sim_native_check_live_locked(const void *p, const struct sim_site *site, const char *what)
{
	struct obj *o = find(p);
	char b[64];

	if (o && o->freed)
		sim_finding("use-after-free", site, "%s of %s, freed at %s:%d", what, desc(o, b, sizeof(b)),
			    o->free->file, o->free->line);
}

void sim_check_live(const void *p, const struct sim_site *site, const char *what)
{
	sim_check_begin();
	sim_native_check_live_locked(p, site, what);
	sim_check_end();
}

void sim_check_live_within(const void *p, const struct sim_site *site, const char *what)
{
	struct obj *o;
	char b[64];

	sim_check_begin();
	o = find_containing(p);
	if (o && o->freed)
		sim_finding("use-after-free", site, "%s of %s+%#zx, freed at %s:%d", what, desc(o, b, sizeof(b)),
			    (size_t)((const char *)p - (char *)o->p), o->free->file, o->free->line);
	sim_check_end();
}

const char *sim_obj_name(const void *p, char *buf, size_t n)
{
	struct obj *o;

	sim_check_begin();
	o = p ? find_containing(p) : NULL;
	if (!o)
		snprintf(buf, n, "%#llx", (unsigned long long)(uintptr_t)p);
	else if (o->p == p)
		snprintf(buf, n, "obj#%d", (int)(o - objs) + 1);
	else
		snprintf(buf, n, "obj#%d+%#zx", (int)(o - objs) + 1, (size_t)((char *)p - (char *)o->p));
	sim_check_end();
	return buf;
}

void sim_native_slab_check_leaks(void)
{
	char b[64];

	for (int i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];

		if (!o->freed)
			sim_finding("leak", o->alloc, "%s (%zu bytes) is never freed", desc(o, b, sizeof(b)), o->size);
	}
}

void sim_native_slab_flush(void)
{
	for (int i = 0; i < nobjs; i++) {
		if (objs[i].released)
			continue;
		UNPOISON(objs[i].p, objs[i].size);
		free(objs[i].p);
	}
	nobjs = 0;
}
