// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory model's cost: ns per marked access under each model, for a
 * message-passing pattern (two threads, relaxed and release/acquire) run to
 * completion many times from a fixed pseudo-random decision stream, so
 * loads do read stale values under lkmm.  Build it plain (no sanitizer).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 50	/* marked accesses per thread per execution: 4 per round */

static const struct sim_site S = { "bench/bench_model.c", 0, "bench" };
static long x, y, flag;

static void writer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= ROUNDS; i++) {
		sim_store(&x, i, sizeof(x), SIM_ONCE, &S);
		sim_store(&y, i, sizeof(y), SIM_ONCE, &S);
		sim_fence(SIM_WMB, &S);
		sim_store(&flag, i, sizeof(flag), SIM_RELEASE, &S);
	}
}

static void reader(void *arg)
{
	long sum = 0;

	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		sum += (long)sim_load(&flag, sizeof(flag), SIM_ACQUIRE, &S);
		sum += (long)sim_load(&y, sizeof(y), SIM_ONCE, &S);
		sim_fence(SIM_RMB, &S);
		sum += (long)sim_load(&x, sizeof(x), SIM_ONCE, &S);
	}
	*(volatile long *)arg = sum;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int execs = argc > 1 ? atoi(argv[1]) : 20000;
	static uint8_t in[4096];
	long sink;

	srand(1);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)rand();
	printf("%-6s %12s %12s\n", "model", "ns/exec", "ns/access");
	for (int m = 0; m < 3; m++) {
		struct sim_config cfg = { .model = m };
		double t0 = now(), dt;

		for (int e = 0; e < execs; e++) {
			x = y = flag = 0;
			sim_begin(&cfg, in + (e * 7) % 1024, 3072);
			sim_thread_create("w", writer, NULL, false);
			sim_thread_create("r", reader, &sink, false);
			sim_run();
			sim_end();
		}
		dt = now() - t0;
		printf("%-6s %12.0f %12.1f\n", sim_model_name[m], dt / execs * 1e9, dt / execs / (8.0 * ROUNDS) * 1e9);
		printf("{\"bench\":\"model\",\"model\":\"%s\",\"ns_per_exec\":%.0f,\"ns_per_access\":%.1f}\n",
		       sim_model_name[m], dt / execs * 1e9, dt / execs / (8.0 * ROUNDS) * 1e9);
	}
	return 0;
}
