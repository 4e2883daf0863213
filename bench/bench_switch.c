// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of one switch between simulated threads, against the physical
 * floor: a bare (non-inlined) function call.  Three figures, ns each:
 *   call      a noinline function call and return
 *   switch    sim_ctx_switch() alone, ping-pong between two coroutines
 *   preempt   sim_preempt() that switches threads (the scheduler's decision,
 *             the trace ring and the switch), per switch
 *   step      sim_preempt() that does not switch (the common case)
 * Prints a table, then one JSON line for comparison with a previous run.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

void sim_ctx_switch(void **save_sp, void *new_sp);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) static int callee(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

#define N 20000000L

static void *main_sp, *co_sp;
static long co_count;

static void co_body(void)
{
	for (;;) {
		co_count++;
		sim_ctx_switch(&co_sp, main_sp);
	}
}

static double bench_call(void)
{
	double t = now();
	int x = 0;

	for (long i = 0; i < N; i++)
		x = callee(x);
	if (x != N)
		abort();
	return (now() - t) / N * 1e9;
}

static double bench_ctx(void)
{
	size_t sz = 64 * 1024;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **sp = (void **)(stack + sz);
	double t;

	*--sp = NULL;
	*--sp = (void *)co_body;
	for (int i = 0; i < 6; i++)
		*--sp = NULL;
	co_sp = sp;
	t = now();
	for (long i = 0; i < N; i++)
		sim_ctx_switch(&main_sp, co_sp);
	t = now() - t;
	if (co_count != N)
		abort();
	return t / (2.0 * N) * 1e9;	/* two switches per round trip */
}

static const struct sim_site S = { "bench/bench_switch.c", 0, "bench step" };
static long steps_per_thread;

static void stepper(void *arg)
{
	for (long i = 0; i < steps_per_thread; i++)
		sim_preempt(&S);
}

static double bench_preempt(bool switching, unsigned long *switches)
{
	/* Two threads; with 'switching' every step hands over to the other one. */
	long n = 2000000;
	size_t len = switching ? 4 * n + 16 : 0;
	uint8_t *in = malloc(len + 1);
	struct sim_config cfg = { .max_steps = ~0ul };
	double t;

	/* Pairs (pick, budget): candidates are [a, b] in id order, so the
	 * picks alternate b, a, b, ... after the first one, and a budget of 0
	 * decides again at the next step: every step is a switch. */
	for (size_t i = 0; i < len; i += 2) {
		in[i] = (i / 2) & 1;
		in[i + 1] = 0;
	}
	steps_per_thread = n;
	sim_begin(&cfg, in, len);
	sim_thread_create("a", stepper, NULL, false);
	sim_thread_create("b", stepper, NULL, false);
	t = now();
	sim_run();
	t = now() - t;
	*switches = sim_steps();
	sim_end();
	free(in);
	return t / (2.0 * n) * 1e9;
}

int main(void)
{
	unsigned long s1, s2;
	double call = bench_call();
	double ctx = bench_ctx();
	double pre = bench_preempt(true, &s1);
	double step = bench_preempt(false, &s2);

	printf("%-10s %10s\n", "what", "ns");
	printf("%-10s %10.2f\n", "call", call);
	printf("%-10s %10.2f\n", "switch", ctx);
	printf("%-10s %10.2f\n", "preempt", pre);
	printf("%-10s %10.2f\n", "step", step);
	printf("{\"bench\":\"switch\",\"call_ns\":%.3f,\"switch_ns\":%.3f,\"preempt_switch_ns\":%.3f,\"step_ns\":%.3f}\n",
	       call, ctx, pre, step);
	return 0;
}
