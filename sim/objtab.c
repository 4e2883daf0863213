// SPDX-License-Identifier: GPL-2.0-only
/*
 * The object table of the accounted slab, for both backends (shared.h):
 * every allocation of the execution in order, so an object has a number
 * (stable across runs, unlike addresses), and a freed one stays in the table,
 * in quarantine, until the end of the execution.
 */
#include "shared.h"
#include "sanitizer.h"

#include <stdio.h>
#include <stdlib.h>

static struct sim_obj *objs;
static int nobjs, cap;

void sim_objtab_reset(void)
{
	nobjs = 0;
}

struct sim_obj *sim_objtab_add(void *p, size_t size, const struct sim_site *site)
{
	if (nobjs == cap) {
		cap = cap ? cap * 2 : 256;
		objs = realloc(objs, cap * sizeof(*objs));
		if (!objs)
			sim_fatal("out of memory");
	}
	objs[nobjs] = (struct sim_obj){ .p = p, .size = size, .alloc = site };
	return &objs[nobjs++];
}

int sim_objtab_num(const struct sim_obj *o)
{
	return (int)(o - objs) + 1;
}

struct sim_obj *sim_objtab_find(const void *p)
{
	/* Newest first: a freed address can be reused only after the flush. */
	for (int i = nobjs; i-- > 0;)
		if (objs[i].p == p)
			return &objs[i];
	return NULL;
}

struct sim_obj *sim_objtab_find_containing(const void *p)
{
	const char *c = p;

	for (int i = nobjs; i-- > 0;)
		if (c >= (char *)objs[i].p && c < (char *)objs[i].p + (objs[i].size ? objs[i].size : 1))
			return &objs[i];
	return NULL;
}

/* "obj#3" or "obj#3 (test device)" for reports. */
static const char *desc(const struct sim_obj *o, char *buf, size_t n)
{
	snprintf(buf, n, "obj#%d%s%s", sim_objtab_num(o), o->label ? " " : "", o->label ? o->label : "");
	return buf;
}

void sim_objtab_label(const void *p, const char *label)
{
	struct sim_obj *o = sim_objtab_find(p);

	if (o)
		o->label = label;
}

struct sim_obj *sim_objtab_free(const void *p, const struct sim_site *site, sim_reader_fn readers, bool release)
{
	const struct sim_site *ds = NULL;
	struct sim_obj *o = sim_objtab_find(p);
	int reader;
	char b[64];

	if (!o)
		sim_finding(SIM_F_DOUBLE_FREE, site, "kfree() of a pointer that kmalloc() never returned");
	if (o->freed)
		sim_finding(SIM_F_DOUBLE_FREE, site, "%s freed twice (first at %s:%d)",
			    desc(o, b, sizeof(b)), o->free->file, o->free->line);
	reader = readers ? readers(p, &ds) : -1;
	if (reader >= 0)
		sim_finding(SIM_F_USE_AFTER_FREE, site,
			    "%s (allocated at %s:%d) freed while %s is inside an SRCU read section that loaded it at %s:%d",
			    desc(o, b, sizeof(b)), o->alloc->file, o->alloc->line, sim_thread_name(reader),
			    ds ? ds->file : "?", ds ? ds->line : 0);
	o->freed = true;
	o->free = site;
	o->released = release;
	if (!release)
		SIM_POISON(o->p, o->size);
	return o;
}

bool sim_objtab_live(const void *p)
{
	struct sim_obj *o = sim_objtab_find(p);

	return o && !o->freed;
}

int sim_objtab_id(const void *p)
{
	struct sim_obj *o = p ? sim_objtab_find_containing(p) : NULL;

	return o ? sim_objtab_num(o) : 0;
}

void sim_objtab_check_live(const void *p, const struct sim_site *site, const char *what)
{
	struct sim_obj *o = sim_objtab_find(p);
	char b[64];

	if (o && o->freed) {
		sim_finding_origin(o->free);
		sim_finding(SIM_F_USE_AFTER_FREE, site, "%s of %s, freed at %s:%d", what,
			    desc(o, b, sizeof(b)), o->free->file, o->free->line);
	}
}

void sim_objtab_check_live_within(const void *p, const struct sim_site *site, const char *what)
{
	struct sim_obj *o = sim_objtab_find_containing(p);
	char b[64];

	if (o && o->freed) {
		sim_finding_origin(o->free);
		sim_finding(SIM_F_USE_AFTER_FREE, site, "%s of %s+%#zx, freed at %s:%d", what, desc(o, b, sizeof(b)),
			    (size_t)((const char *)p - (char *)o->p), o->free->file, o->free->line);
	}
}

void sim_objtab_check_reaches(const void *p, bool (*reach)(const void *loaded, const void *obj),
			      const struct sim_site *site, int reader)
{
	char b[64], c[64];

	for (int i = 0; i < nobjs; i++) {
		struct sim_obj *o = &objs[i];

		if (o->freed && reach(p, o->p)) {
			sim_finding_origin(o->free);
			sim_finding(SIM_F_USE_AFTER_FREE, site, "%s loaded by %s reaches %s, freed at %s:%d",
				    sim_objtab_name(p, c, sizeof(c)), sim_thread_name(reader),
				    desc(o, b, sizeof(b)), o->free->file, o->free->line);
		}
	}
}

const char *sim_objtab_name(const void *p, char *buf, size_t n)
{
	struct sim_obj *o = p ? sim_objtab_find_containing(p) : NULL;

	if (!o)
		snprintf(buf, n, "%#llx", (unsigned long long)(uintptr_t)p);
	else if (o->p == p)
		snprintf(buf, n, "obj#%d", sim_objtab_num(o));
	else
		snprintf(buf, n, "obj#%d+%#zx", sim_objtab_num(o), (size_t)((char *)p - (char *)o->p));
	return buf;
}

void sim_objtab_check_leaks(void)
{
	char b[64];

	for (int i = 0; i < nobjs; i++) {
		struct sim_obj *o = &objs[i];

		if (!o->freed)
			sim_finding(SIM_F_LEAK, o->alloc, "%s (%zu bytes) is never freed",
				    desc(o, b, sizeof(b)), o->size);
	}
}

void sim_objtab_flush(void)
{
	for (int i = 0; i < nobjs; i++) {
		if (objs[i].released)
			continue;
		SIM_UNPOISON(objs[i].p, objs[i].size);
		free(objs[i].p);
	}
	nobjs = 0;
}

/* ---- what SRCU readers loaded ---- */

void sim_loaded_note(struct sim_loaded *l, int tid, bool in_section, const void *p,
		     const struct sim_site *site, bool (*reach)(const void *loaded, const void *obj))
{
	/* Under a weak model a stale load can return a pointer already freed:
	 * the dereference that follows is a use-after-free. */
	sim_objtab_check_live(p, site, "a stale pointer loaded: the load");
	if (reach && sim_objtab_live(p))
		sim_objtab_check_reaches(p, reach, site, tid);
	if (!in_section)
		return;
	for (int i = 0; i < l->n[tid]; i++)
		if (l->p[tid][i] == p)
			return;
	if (l->n[tid] == SIM_MAX_LOADED)
		sim_fatal("too many pointers loaded in one read section");
	l->site[tid][l->n[tid]] = site;
	l->p[tid][l->n[tid]++] = p;
}

bool sim_loaded_reaches(const struct sim_loaded *l, int tid, const void *p,
			bool (*reach)(const void *loaded, const void *obj), const struct sim_site **site)
{
	for (int k = 0; k < l->n[tid]; k++) {
		const void *q = l->p[tid][k];

		if (q == p || (reach && sim_objtab_live(q) && reach(q, p))) {
			*site = l->site[tid][k];
			return true;
		}
	}
	return false;
}
