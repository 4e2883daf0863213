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

#include <stdlib.h>
#include <string.h>

void *sim_kmalloc(size_t size, bool zero, const struct sim_site *site)
{
	struct sim_obj *o;
	void *p;

	sim_preempt(site);
	if (!sim_cfg.failslab) {
		if (__builtin_expect(sim_s.allocs != NULL, 0))
			sim_note_alloc();
	} else if (sim_choose_as(8, SIM_ROLE_FAULT) == 7) {
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
	o = sim_objtab_add(p, size, site);
	o->tid = sim_s.cur;
	o->epoch = sim_mem_order_epoch();
	if (sim_cfg.trace)
		sim_trace(site, 0, "obj#%d = %zu bytes", sim_objtab_num(o), size);
	return p;
}

void sim_obj_label(const void *p, const char *label)
{
	sim_objtab_label(p, label);
}

void sim_kfree(const void *p, const struct sim_site *site)
{
	struct sim_obj *o;

	sim_preempt(site);
	if (!p)
		return;
	o = sim_objtab_free(p, site, sim_srcu_reader_reaching, false);
	if (sim_cfg.trace)
		sim_trace(site, 0, "obj#%d freed", sim_objtab_num(o));
}

bool sim_obj_unordered_since_alloc(const void *p, int tid, uint32_t epoch, const struct sim_site **alloc)
{
	struct sim_obj *o = sim_objtab_find(p);

	if (!o || o->freed || o->tid != tid || o->epoch != epoch)
		return false;
	*alloc = o->alloc;
	return true;
}

bool sim_obj_live(const void *p)
{
	return sim_objtab_live(p);
}

int sim_obj_id(const void *p)
{
	return sim_objtab_id(p);
}

void sim_check_live(const void *p, const struct sim_site *site, const char *what)
{
	sim_objtab_check_live(p, site, what);
}

void sim_check_live_within(const void *p, const struct sim_site *site, const char *what)
{
	sim_objtab_check_live_within(p, site, what);
}

const char *sim_obj_name(const void *p, char *buf, size_t n)
{
	return sim_objtab_name(p, buf, n);
}
