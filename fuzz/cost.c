// SPDX-License-Identifier: GPL-2.0-only
/*
 * busfuzz cost's driver: one run of the VMM sequence at one HZ.
 *   busfuzz-cost-t --hz N --params FILE --steps FILE
 * FILE of params: "key value" lines (tools/srcu_timing.py, from the tree's
 * srcutree.c); of steps: "op count" lines (tools/cost.py checked them).
 * Prints fuzz/cost_vmm.c's lines.  Exit 0, or 2 with one line on bad input.
 */
#include "cost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_name[COST_NOPS] = {
	[COST_IOEVENTFD] = "ioeventfd", [COST_DEASSIGN] = "deassign", [COST_COALESCED] = "coalesced",
	[COST_VCPU] = "vcpu", [COST_MEMSLOT] = "memslot", [COST_RUN] = "run", [COST_WAIT] = "wait",
};

__attribute__((noreturn)) static void bad(const char *what, const char *file, int line)
{
	fprintf(stderr, "busfuzz: cost: %s:%d: %s\n", file, line, what);
	exit(2);
}

static void read_params(const char *path, struct sim_cost_params *p)
{
	static const struct { const char *key; size_t off; bool flag; } keys[] = {
#define K(k, f) { k, offsetof(struct sim_cost_params, f), false }
#define F(k, f) { k, offsetof(struct sim_cost_params, f), true }
		K("interval", interval), K("max_interval", max_interval), F("grows", grows),
		F("nodelay", nodelay), K("retry_delay", retry_delay), K("phase_lo", phase_lo),
		K("phase_hi", phase_hi), F("reschedule_count", reschedule_count),
		F("cbdelay_get_delay", cbdelay_get_delay),
#undef K
#undef F
	};
	char key[64], buf[256];
	long v;
	int line = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		bad("cannot read the SRCU timing parameters", path, 0);
	while (fgets(buf, sizeof(buf), f)) {
		bool known = false;

		line++;
		if (buf[0] == '#' || buf[0] == '\n' || !strncmp(buf, "rule ", 5))
			continue;
		if (sscanf(buf, "%63s %ld", key, &v) != 2)
			bad("not 'key value'", path, line);
		if (!strcmp(key, "exp_holdoff_ns")) {
			p->exp_holdoff_ns = (unsigned long)v;
			continue;
		}
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strcmp(key, keys[i].key))
				continue;
			if (keys[i].flag)
				*(bool *)((char *)p + keys[i].off) = v != 0;
			else
				*(int *)((char *)p + keys[i].off) = (int)v;
			known = true;
		}
		if (!known)
			bad("unknown parameter", path, line);
	}
	fclose(f);
}

static int read_steps(const char *path, struct cost_step *steps, int max)
{
	char op[32], buf[256];
	int n = 0, line = 0, count;
	FILE *f = fopen(path, "r");

	if (!f)
		bad("cannot read the steps", path, 0);
	while (fgets(buf, sizeof(buf), f)) {
		int k;

		line++;
		if (sscanf(buf, "%31s %d", op, &count) != 2 || count < 0)
			bad("not 'op count'", path, line);
		for (k = 0; k < COST_NOPS && strcmp(op, op_name[k]); k++)
			;
		if (k == COST_NOPS)
			bad("unknown step", path, line);
		if (n == max)
			bad("too many steps", path, line);
		steps[n].op = k;
		steps[n++].count = count;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	struct sim_cost_params p = { 0 };
	static struct cost_step steps[256];
	const char *params = NULL, *stepf = NULL;
	int nsteps;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hz") && i + 1 < argc)
			p.hz = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--params") && i + 1 < argc)
			params = argv[++i];
		else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			stepf = argv[++i];
		else {
			fprintf(stderr, "usage: %s --hz N --params FILE --steps FILE\n", argv[0]);
			return 2;
		}
	}
	if (!p.hz || !params || !stepf) {
		fprintf(stderr, "usage: %s --hz N (at least 1) --params FILE --steps FILE\n", argv[0]);
		return 2;
	}
	read_params(params, &p);
	nsteps = read_steps(stepf, steps, 256);
	sim_install_crash_handler();
	printf("HZ %u\n", p.hz);
	busfuzz_cost_run(steps, nsteps, &p);
	printf("END %lu\n", sim_cost_jiffies());
	return 0;
}
