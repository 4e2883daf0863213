// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory model.  This is the sequentially consistent base: every marked
 * access is a preemption point and reads or writes memory directly, so the
 * interleaving alone decides what a load sees.  Weak-memory choices (stale
 * loads within what LKMM allows) plug in here, behind the same calls.
 */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

static const char *order_name[] = {
	[SIM_ONCE] = "once", [SIM_ACQUIRE] = "acquire", [SIM_RELEASE] = "release",
	[SIM_DEREF] = "deref", [SIM_PLAIN] = "plain",
};

void sim_mem_reset(void)
{
}

static uint64_t raw_load(const void *addr, size_t size)
{
	switch (size) {
	case 1: return *(const volatile uint8_t *)addr;
	case 2: return *(const volatile uint16_t *)addr;
	case 4: return *(const volatile uint32_t *)addr;
	case 8: return *(const volatile uint64_t *)addr;
	}
	sim_fatal("marked access of %zu bytes", size);
}

static void raw_store(void *addr, uint64_t v, size_t size)
{
	switch (size) {
	case 1: *(volatile uint8_t *)addr = v; return;
	case 2: *(volatile uint16_t *)addr = v; return;
	case 4: *(volatile uint32_t *)addr = v; return;
	case 8: *(volatile uint64_t *)addr = v; return;
	}
	sim_fatal("marked access of %zu bytes", size);
}

static const char *value_name(uint64_t v, size_t size, char *b, size_t n)
{
	if (size == 8 && v > 0xffff)
		return sim_obj_name((const void *)(uintptr_t)v, b, n);
	snprintf(b, n, "%#llx", (unsigned long long)v);
	return b;
}

uint64_t sim_load(const void *addr, size_t size, enum sim_order o, const struct sim_site *site)
{
	uint64_t v;

	sim_preempt(site);
	v = raw_load(addr, size);
	if (sim_cfg.trace) {
		char b[32];

		sim_trace(site, v, "%s load -> %s", order_name[o], value_name(v, size, b, sizeof(b)));
	}
	return v;
}

void sim_store(void *addr, uint64_t val, size_t size, enum sim_order o, const struct sim_site *site)
{
	sim_preempt(site);
	raw_store(addr, val, size);
	if (sim_cfg.trace) {
		char b[32];

		sim_trace(site, val, "%s store %s", order_name[o], value_name(val, size, b, sizeof(b)));
	}
}

void sim_fence(enum sim_fence f, const struct sim_site *site)
{
	(void)f;
	sim_preempt(site);
}

uint64_t sim_rmw_add(void *addr, int64_t delta, size_t size, bool ordered, const struct sim_site *site)
{
	uint64_t old;

	(void)ordered;
	sim_preempt(site);
	old = raw_load(addr, size);
	raw_store(addr, old + (uint64_t)delta, size);
	if (sim_cfg.trace)
		sim_trace(site, old, "%lld -> %lld", (long long)old, (long long)(old + delta));
	return old;
}
