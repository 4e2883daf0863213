/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BUSFUZZ_FUZZ_HARNESS_H
#define BUSFUZZ_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sim/shared.h"	/* sim_fatal(), which the harness calls */

struct busfuzz_opts {
	bool trace;		/* print the scenario and the whole interleaving */
	bool abort_on_finding;	/* libFuzzer saves the input on abort() */
	bool abandon_dropped;	/* a finding the hook drops ends the execution only */
	int model;		/* enum sim_model */
	int srcu;		/* enum sim_srcu_mode */
	/* Where decisions come from (fuzz/explore.c): see struct sim_config. */
	int strategy;		/* enum sim_strategy */
	uint64_t seed;
	unsigned pct_depth, pct_steps;
	bool preempt_bounded;
	unsigned preempt_bound;
};

/* BUSFUZZ_MODEL / BUSFUZZ_SRCU, or --model / --srcu: exits 2 on a bad name. */
void busfuzz_parse_mode(struct busfuzz_opts *o, const char *model, const char *srcu);

/* The whole file, malloc()ed (never NULL on success, even when empty); NULL if unreadable. */
uint8_t *busfuzz_read_file(const char *path, size_t *size);

/* One execution of the scenario that the input describes. */
int busfuzz_run_one(const uint8_t *data, size_t size, const struct busfuzz_opts *o);

#endif /* BUSFUZZ_FUZZ_HARNESS_H */
