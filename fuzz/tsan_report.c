// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TSan build's side of the drivers: TSan's options, the simulator
 * library it must ignore, and its reports as busfuzz findings.  A data race
 * between plain accesses of the kernel code becomes "FINDING race:" with
 * both accesses' kernel lines and threads, after the interleaving (all of it
 * when tracing, else the last steps), as a simulator finding prints it.
 * TSan's own report goes to stderr first; the first report ends the run.
 */
#include "sim.h"

#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* TSan's debugging interface (compiler-rt tsan_debugging.cpp). */
int __tsan_get_report_data(void *report, const char **description, int *count, int *stack_count,
			   int *mop_count, int *loc_count, int *mutex_count, int *thread_count,
			   int *unique_tid_count, void **sleep_trace, unsigned long trace_size);
int __tsan_get_report_mop(void *report, unsigned long idx, int *tid, void **addr, int *size,
			  int *write, int *atomic, void **trace, unsigned long trace_size);
int __tsan_get_report_thread(void *report, unsigned long idx, int *tid, uint64_t *os_id,
			     int *running, const char **name, int *parent_tid, void **trace,
			     unsigned long trace_size);
const char *__tsan_default_options(void);
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *mem, unsigned long size,
			     const char *desc);
/* libFuzzer's inline 8-bit edge counters (absent without -fsanitize=fuzzer). */
extern char __start___sancov_cntrs[] __attribute__((weak));
extern char __stop___sancov_cntrs[] __attribute__((weak));
const char *__tsan_default_suppressions(void);
void __tsan_on_report(void *report);
void __sanitizer_report_error_summary(const char *summary);

/* exitcode 1: a finding, as the replay driver's; libFuzzer's death callback
 * saves the input first.  libFuzzer's own crash handler calls malloc(): not
 * the kernel's bug. */
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:exitcode=1:report_signal_unsafe=0";
}

/* The simulator's bookkeeping (a library of its own, not instrumented) is
 * invisible: TSan's interceptors ignore the calls it makes. */
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:libbusfuzz-sim-tsan.so\n";
}

/* The edge counters are plain increments from every fiber: not the kernel's races. */
__attribute__((constructor)) static void ignore_coverage_counters(void)
{
	if (__start___sancov_cntrs && __stop___sancov_cntrs > __start___sancov_cntrs)
		AnnotateBenignRaceSized(__FILE__, __LINE__, __start___sancov_cntrs,
					(unsigned long)(__stop___sancov_cntrs - __start___sancov_cntrs),
					"libFuzzer's edge counters");
}

/* The part of a source path from the tree's or the repo's top folders on. */
static const char *short_path(const char *p)
{
	static const char *const roots[] = { "/virt/", "/include/", "/arch/", "/fuzz/", "/kernel-shim/" };
	const char *best = NULL;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const char *q = strstr(p, roots[i]);

		if (q && (!best || q < best))
			best = q;
	}
	return best ? best + 1 : p;
}

/* "FILE:LINE" of the first frames outside TSan's runtime (the access, then its caller). */
static void where(void **trace, int n, char *out, size_t len)
{
	int found = 0;

	out[0] = 0;
	for (int i = 0; i < n && trace[i] && found < 2; i++) {
		char b[512];

		__sanitizer_symbolize_pc(trace[i], "%s:%l", b, sizeof(b));
		if (strstr(b, "compiler-rt") || strstr(b, "sanitizer") || !strncmp(b, "<null>", 6))
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s%s", found ? " from " : "", short_path(b));
		found++;
	}
	if (!found)
		snprintf(out, len, "an unknown site");
}

static const char *thread_name(void *report, int nthreads, int tid)
{
	for (int i = 0; i < nthreads; i++) {
		int t, running, parent;
		uint64_t os;
		const char *name = NULL;
		void *tr[1];

		if (__tsan_get_report_thread(report, i, &t, &os, &running, &name, &parent, tr, 1) && t == tid)
			return name && *name ? name : "main";
	}
	return "?";
}

void __tsan_on_report(void *report)
{
	const char *desc;
	int count, stacks, mops, locs, mutexes, threads, utids;
	void *sleep[1];
	char acc[2][700], top[600];

	if (!__tsan_get_report_data(report, &desc, &count, &stacks, &mops, &locs, &mutexes, &threads, &utids,
				    sleep, 1))
		return;
	top[0] = 0;
	for (int i = 0; i < 2; i++) {
		void *trace[16] = { 0 }, *addr = NULL;
		int tid = -1, size = 0, write = 0, atomic = 0;
		char obj[32], site[560];

		acc[i][0] = 0;
		if (i >= mops || !__tsan_get_report_mop(report, i, &tid, &addr, &size, &write, &atomic, trace, 16))
			continue;
		where(trace, 16, site, sizeof(site));
		snprintf(acc[i], sizeof(acc[i]), "%s %s of %d bytes of %s at %s by %s", i ? "earlier" : "a",
			 write ? "plain write" : "plain read", size, sim_obj_name(addr, obj, sizeof(obj)), site,
			 thread_name(report, threads, tid));
		if (i == 0)
			snprintf(top, sizeof(top), "%.*s, thread %s", (int)strcspn(site, " "), site,
				 thread_name(report, threads, tid));
	}
	sim_trace_print();
	sim_finding_print(!strcmp(desc, "data-race") ? SIM_F_RACE : SIM_F_TSAN,
			  "ThreadSanitizer: %s: %s; %s, with no happens-before between them in the model "
			  "[plain access at %s]",
			  desc, acc[0], acc[1][0] ? acc[1] : "no earlier access", top);
	fflush(stdout);
}

/*
 * A fatal signal in kernel code (a NULL dereference) is TSan's deadly-signal
 * report, not a race report: its summary line is the only hook.  The
 * default prints the summary; so does this.
 */
void __sanitizer_report_error_summary(const char *summary)
{
	static const char *const fatal[] = { ": SEGV ", ": BUS ", ": FPE ", ": ILL ", ": stack-overflow " };

	fprintf(stderr, "%s\n", summary);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		if (strstr(summary, fatal[i])) {
			sim_trace_print();
			sim_finding_at(sim_last_site(), sim_thread_name(sim_current()));
			sim_finding_print(SIM_F_CRASH, "%s [%s at %s:%d, thread %s]", summary + strcspn(summary, " ") + 1,
					  sim_last_site() ? sim_last_site()->what : "?",
					  sim_last_site() ? sim_last_site()->file : "?",
					  sim_last_site() ? sim_last_site()->line : 0, sim_thread_name(sim_current()));
			fflush(stdout);
			return;
		}
	}
}
