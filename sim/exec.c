// SPDX-License-Identifier: GPL-2.0-only
/*
 * The execution life cycle: sim_begin() resets every part of the simulator
 * for a new execution, sim_end() runs the end-of-execution checks, and a new
 * thread's per-thread state starts afresh (sim_thread_create() calls
 * sim_thread_reset_state()).  One place that knows every part, so the parts
 * need not know each other.
 */
#include "sim_internal.h"

#include <setjmp.h>

struct sim_config sim_cfg;
jmp_buf sim_end_jmp;

void sim_thread_reset_state(int tid)
{
	sim_lockdep_thread_reset(tid);
	sim_srcu_thread_reset(tid);
	sim_mem_thread_reset(tid);
}

void sim_begin(const struct sim_config *cfg, const uint8_t *data, size_t size)
{
	sim_cfg = *cfg;
	if (!sim_cfg.max_steps)
		sim_cfg.max_steps = 200000;
	sim_sched_reset();
	sim_trace_reset();
	sim_mem_reset();
	sim_lockdep_reset(NULL);	/* one OS thread: no lock around a lookup */
	sim_srcu_reset();
	sim_objtab_reset();
	sim_input_set(data, size);
}

void sim_end(void)
{
	/* A finding dropped by the end-of-execution checks comes back here (sim_abandon()). */
	if (!sim_s.abandoned && !setjmp(sim_end_jmp)) {
		sim_s.in_end = true;
		sim_srcu_check_end();
		sim_objtab_check_leaks();
	}
	sim_s.in_end = false;
	sim_objtab_flush();
}
