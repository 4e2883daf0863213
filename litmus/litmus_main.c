// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exhaustive exploration of one litmus test (tools/litmus.py generates the
 * test's translation unit): every execution the simulator's explorer can
 * produce is run once, and the result is one JSON line for the driver.
 *
 *   litmus-binary [--model lkmm|tso|sc] [--srcu doc|impl] [--max-execs N]
 *                 [--state-cache on|off] [--stop-early on|off]
 *
 * Under lkmm an execution that reaches a state explored before stops there
 * (sim_cfg.state_cache: it adds no outcome); it counts as an execution, and
 * "pruned" says how many were.  Once the proposition has been both true and
 * false (Sometimes) no further execution can change the verdict: the
 * exploration stops there unless --stop-early off.
 *
 * Exit status: 0 explored (the verdict is in the JSON line), 1 a finding
 * (sim_finding() prints it and exits), 2 bad arguments.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "litmus_rt.h"

static const char *const verdict_name[] = { "Never", "Sometimes", "Always" };

static void usage(const char *msg)
{
	fprintf(stderr, "busfuzz litmus: %s\n", msg);
	exit(2);
}

/*
 * herd7 keeps only complete executions: one where a thread deadlocks on
 * itself (synchronize_rcu() inside its own read section, a lock taken again)
 * is dropped, not an error.  Those two are caught in the thread that
 * deadlocks, so the execution is given up there (sim_cfg.abandon_dropped);
 * every other finding still stops the exploration.
 */
static bool keep_finding(enum sim_finding_class cls, const char *msg)
{
	if (cls == SIM_F_LOCKDEP && strstr(msg, "grace-period wait on ") && strstr(msg, "inside its own read section"))
		return false;
	if (cls == SIM_F_DEADLOCK && strstr(msg, "acquired again by the thread that holds it"))
		return false;
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *const names[SIM_MAX_THREADS] = { "P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7" };
	struct sim_config cfg = { .strategy = SIM_STRAT_DFS, .model = SIM_MODEL_LKMM, .srcu = SIM_SRCU_DOC, .max_steps = 100000,
				  .defer_loads = true };
	unsigned long long max_execs = 0, execs = 0, passed = 0, satisfied = 0;
	bool limit = false, validated, cache = true, stop_early = true;
	double start;
	int v;

	for (int i = 1; i < argc; i += 2) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!val)
			usage("an option without its value");
		if (!strcmp(arg, "--model")) {
			if ((v = sim_model_parse(val)) < 0)
				usage("unknown --model (lkmm, tso, sc)");
			cfg.model = (enum sim_model)v;
		} else if (!strcmp(arg, "--srcu")) {
			if ((v = sim_srcu_mode_parse(val)) < 0)
				usage("unknown --srcu (doc, impl)");
			cfg.srcu = (enum sim_srcu_mode)v;
		} else if (!strcmp(arg, "--max-execs")) {
			max_execs = strtoull(val, &end, 10);
			if (*end || !max_execs)
				usage("--max-execs must be a positive number");
		} else if (!strcmp(arg, "--state-cache") || !strcmp(arg, "--stop-early")) {
			if (strcmp(val, "on") && strcmp(val, "off"))
				usage("--state-cache and --stop-early take on or off");
			*(!strcmp(arg, "--state-cache") ? &cache : &stop_early) = !strcmp(val, "on");
		} else {
			usage("unknown option");
		}
	}
	if (lt_test.nthreads < 1 || lt_test.nthreads > SIM_MAX_THREADS)
		usage("bad number of threads in the test");

	/* The state hash covers the lkmm model's state only. */
	cfg.state_cache = cache && cfg.model == SIM_MODEL_LKMM;
	cfg.abandon_dropped = true;
	cfg.rmw_older = true;
	sim_set_finding_hook(keep_finding);
	start = now();
	sim_dfs_reset();
	for (;;) {
		sim_begin(&cfg, NULL, 0);
		lt_test.init();
		if (lt_test.callbacks)
			sim_srcu_start_worker();
		for (int t = 0; t < lt_test.nthreads; t++)
			sim_thread_create(names[t], lt_test.threads[t], NULL, false);
		sim_run();
		execs++;
		/* Registers are captured when the threads end, memory holds the
		 * newest store of each location: read both before sim_end(). */
		if (!sim_abandoned() && lt_test.filter()) {
			passed++;
			satisfied += lt_test.cond();
		}
		sim_end();
		if (!sim_dfs_next())
			break;
		if (stop_early && satisfied && satisfied < passed)
			break;
		if (max_execs && execs >= max_execs) {
			limit = true;
			break;
		}
	}

	v = satisfied == 0 ? 0 : satisfied == passed ? 2 : 1;
	switch (lt_test.quantifier) {
	case LT_EXISTS:
		validated = satisfied > 0;
		break;
	case LT_NOT_EXISTS:
		validated = satisfied == 0;
		break;
	default:
		validated = satisfied == passed;
		break;
	}
	printf("{\"executions\": %llu, \"pruned\": %lu, \"filtered\": %llu, \"satisfied\": %llu, \"observed\": \"%s\", "
	       "\"validated\": %s, \"limit\": %s, \"seconds\": %.6f, \"model\": \"%s\", \"srcu\": \"%s\"}\n",
	       execs, sim_dfs_pruned(), passed, satisfied, verdict_name[v], validated ? "true" : "false", limit ? "true" : "false",
	       now() - start, sim_model_name[cfg.model], sim_srcu_mode_name[cfg.srcu]);
	return 0;
}
