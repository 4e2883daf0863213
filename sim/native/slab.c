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

#include <stdlib.h>
#include <string.h>

/* The object table (sim/objtab.c) is kept under the checker lock. */

void *sim_kmalloc(size_t size, bool zero, const struct sim_site *site)
{
	void *p;

	sim_preempt(site);
	if (sim_cfg.failslab && sim_native_rand() % 8 == 7)
		return NULL;
	p = malloc(size ? size : 1);
	if (!p)
		sim_fatal("out of memory");
	memset(p, zero ? 0 : 0xa5, size);	/* uninitialized memory is not zero in the kernel */
	sim_check_begin();
	sim_objtab_add(p, size, site);
	sim_check_end();
	return p;
}

void sim_obj_label(const void *p, const char *label)
{
	sim_check_begin();
	sim_objtab_label(p, label);
	sim_check_end();
}

void sim_kfree(const void *p, const struct sim_site *site)
{
	sim_preempt(site);
	if (!p)
		return;
	/* Classic: no reader check, and the object goes back to malloc() at once. */
	sim_check_begin();
	sim_objtab_free(p, site, sim_native.classic ? NULL : sim_srcu_reader_reaching, sim_native.classic);
	sim_check_end();
	/* Outside the checker, whose accesses TSan ignores: TSan checks the free itself. */
	if (sim_native.classic)
		free((void *)p);	/* ASan's own quarantine and TSan's free race detection take over */
}

bool sim_obj_live(const void *p)
{
	bool live;

	sim_check_begin();
	live = sim_objtab_live(p);
	sim_check_end();
	return live;
}

int sim_obj_id(const void *p)
{
	int id;

	if (!p)
		return 0;
	sim_check_begin();
	id = sim_objtab_id(p);
	sim_check_end();
	return id;
}

void sim_check_live(const void *p, const struct sim_site *site, const char *what)
{
	sim_check_begin();
	sim_objtab_check_live(p, site, what);
	sim_check_end();
}

void sim_check_live_within(const void *p, const struct sim_site *site, const char *what)
{
	sim_check_begin();
	sim_objtab_check_live_within(p, site, what);
	sim_check_end();
}

const char *sim_obj_name(const void *p, char *buf, size_t n)
{
	sim_check_begin();
	sim_objtab_name(p, buf, n);
	sim_check_end();
	return buf;
}
