// SPDX-License-Identifier: GPL-2.0-only
/*
 * busfuzz stress: the scenarios of fuzz/harness.c on real threads (the native
 * backend, sim/native/), one execution after another with fresh threads, for
 * --time seconds.  Each execution's scenario bytes come from a PRNG seeded
 * per execution; the interleaving is the OS's.  The first finding ends the
 * run: its FINDING line, the time to it and the scenario seed to rerun.
 * TSan and ASan reports are findings too.  Exit 0 clean, 1 finding, 2 usage.
 */
#include "extracted.h"	/* generated: the tree's version */
#include "harness.h"
#include "native.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRESS_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define STRESS_ASAN 1
#endif
#endif

#define SCENARIO_BYTES 48

static double t0;
static unsigned long execs;		/* atomic: the watchdog reads it */
static uint64_t exec_start_us;		/* atomic: when the current execution began */
static uint64_t cur_scenario;
static const char *build_name =
#if defined(STRESS_TSAN)
	"tsan";
#elif defined(STRESS_ASAN)
	"asan";
#else
	"plain";
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* After the FINDING line: what a benchmark and a rerun need (once). */
static void on_finding(void)
{
	static int said;
	unsigned long n = __atomic_load_n(&execs, __ATOMIC_RELAXED);

	if (__atomic_exchange_n(&said, 1, __ATOMIC_ACQ_REL))
		return;

	printf("stress: first finding after %.3f s, in execution %lu (%s build), scenario %016llx\n",
	       now() - t0, n + 1, build_name, (unsigned long long)__atomic_load_n(&cur_scenario, __ATOMIC_RELAXED));
	printf("stress: rerun that scenario with --scenario %016llx\n",
	       (unsigned long long)__atomic_load_n(&cur_scenario, __ATOMIC_RELAXED));
	fflush(stdout);
}

#ifdef STRESS_TSAN
int __tsan_get_report_data(void *report, const char **description, int *count, int *stack_count,
			   int *mop_count, int *loc_count, int *mutex_count, int *thread_count,
			   int *unique_tid_count, void **sleep_trace, unsigned long trace_size);
int __tsan_get_report_mop(void *report, unsigned long idx, int *tid, void **addr, int *size, int *write,
			  int *atomic, void **trace, unsigned long trace_size);
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t n);

/* Sites as the simulator names them: "virt/kvm/kvm_main.c:5858" (the kernel's #line, under
 * the build folder) and "fuzz/harness.c:219" (under the source folder). */
static void strip_build_dir(char *s)
{
	static const char *const dirs[] = { BUSFUZZ_BINARY_DIR "/", BUSFUZZ_SOURCE_DIR "/" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = strstr(s, dirs[i]);

		if (p)
			memmove(p, p + strlen(dirs[i]), strlen(p + strlen(dirs[i])) + 1);
	}
}

/* halt_on_error: the first report ends the process, as a finding does. */
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:exitcode=1:report_signal_unsafe=0";
}

/* A TSan report becomes a finding: its kind and the two accesses' sites. */
void __tsan_on_report(void *report)
{
	const char *d = "?";
	int count, stacks, mops = 0, locs, mutexes, threads, tids;
	void *sleep[1];
	char msg[900];
	size_t n;

	bool freed = false;

	__tsan_get_report_data(report, &d, &count, &stacks, &mops, &locs, &mutexes, &threads, &tids, sleep, 1);
	n = snprintf(msg, sizeof(msg), "ThreadSanitizer: %s", d);
	for (int i = 0; i < mops && i < 2 && n < sizeof(msg); i++) {
		void *addr, *trace[6] = { 0 };
		int tid, size, write, atomic;
		char where[256] = "?";

		__tsan_get_report_mop(report, i, &tid, &addr, &size, &write, &atomic, trace, 6);
		/* The first frame of the kernel code or the harness: not an interceptor
		 * (memcpy, free) nor the backend (sim_kfree()).  A free() racing with
		 * an access is a use-after-free (--classic frees at once). */
		for (int f = 0; f < 6 && trace[f]; f++) {
			__sanitizer_symbolize_pc(trace[f], "%f %S", where, sizeof(where));
			if (f == 0 && (!strncmp(where, "free ", 5) || !strncmp(where, "__interceptor_free ", 19)))
				freed = true;
			if (strncmp(where, "__interceptor_", 14) && strncmp(where, "__tsan", 6) &&
			    strncmp(where, "free ", 5) && strncmp(where, "sim_", 4))
				break;
		}
		strip_build_dir(where);
		n += snprintf(msg + n, sizeof(msg) - n, "%s %s%s of %d bytes in %s", i ? ";" : ":",
			      atomic ? "atomic " : "", freed && write && i == 0 ? "kfree()" : write ? "write" : "read",
			      size, where);
	}
	sim_finding_print(!strcmp(d, "heap-use-after-free") || (!strcmp(d, "data-race") && freed) ?
			  SIM_F_USE_AFTER_FREE : !strcmp(d, "data-race") ? SIM_F_RACE : SIM_F_TSAN, "%s", msg);
	on_finding();
}
#endif

#if defined(STRESS_ASAN) || defined(STRESS_TSAN)
#include <sanitizer/common_interface_defs.h>
#endif

#ifdef STRESS_ASAN
#include <sanitizer/asan_interface.h>

const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static void on_asan_report(const char *report)
{
	static const struct { const char *needle; enum sim_finding_class cls; } map[] = {
		{ "use-after-free", SIM_F_USE_AFTER_FREE }, { "use-after-poison", SIM_F_USE_AFTER_FREE },
		{ "double-free", SIM_F_DOUBLE_FREE }, { "null-deref", SIM_F_CRASH }, { "SEGV", SIM_F_CRASH },
		{ "stack-overflow", SIM_F_CRASH },
	};
	const char *d;
	enum sim_finding_class cls = SIM_F_MEMORY;

	(void)report;
	if (!__asan_report_present())
		return;
	d = __asan_get_report_description();
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strstr(d, map[i].needle))
			cls = map[i].cls;
	sim_finding_print(cls, "AddressSanitizer: %s at %p", d, __asan_get_report_address());
	on_finding();
}
#endif

/* Ends an execution that runs too long: a deadlock (every thread waits) or a hang. */
static double hang_secs = 10;

static void watchdog(void *arg)
{
	(void)arg;
	sim_nt_self = -2;
	for (;;) {
		unsigned long n = __atomic_load_n(&execs, __ATOMIC_RELAXED);
		double start = __atomic_load_n(&exec_start_us, __ATOMIC_RELAXED) / 1e6;
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (n == __atomic_load_n(&execs, __ATOMIC_RELAXED) && start > 0 && now() - start > hang_secs)
			sim_native_report_stuck(now() - start);
	}
}

static void *watchdog_thread(void *arg)
{
	watchdog(arg);
	return NULL;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--time S] [--runs N] [--seed N] [--scenario HEX] [--delay PCT] [--hang S] "
		"[--classic] [--quiet]\n", argv0);
	exit(2);
}

static unsigned long long number(const char *argv0, const char *opt, const char *s, int base)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || !*s || *end || *s == '-') {
		fprintf(stderr, "busfuzz: stress: %s wants a number, not '%s'\n", opt, s);
		(void)argv0;
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct busfuzz_opts o = { 0 };
	double secs = 30, last = 0, hang = 0;
	unsigned long long runs = 0, seed = 1, scenario = 0;
	bool one = false, quiet = false, tty = isatty(2);
	pthread_t wd;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quiet") || !strcmp(a, "--classic")) {
			quiet |= !strcmp(a, "--quiet");
			sim_native.classic |= !strcmp(a, "--classic");
			continue;
		}
		if (!v)
			usage(argv[0]);
		i++;
		if (!strcmp(a, "--time"))
			secs = (double)number(argv[0], a, v, 10);
		else if (!strcmp(a, "--runs"))
			runs = number(argv[0], a, v, 10);
		else if (!strcmp(a, "--seed"))
			seed = number(argv[0], a, v, 10);
		else if (!strcmp(a, "--scenario"))
			scenario = number(argv[0], a, v, 16), one = true;
		else if (!strcmp(a, "--delay"))
			sim_native.delay_pct = (unsigned)number(argv[0], a, v, 10);
		else if (!strcmp(a, "--hang"))
			hang = (double)number(argv[0], a, v, 10);
		else
			usage(argv[0]);
	}
	if (secs < 1 || sim_native.delay_pct > 100) {
		fprintf(stderr, "busfuzz: stress: --time must be at least 1 and --delay at most 100\n");
		return 2;
	}
#ifdef STRESS_TSAN
	hang_secs = 30;		/* TSan runs several times slower */
#endif
	if (hang >= 1)
		hang_secs = hang;
#ifdef STRESS_ASAN
	__asan_set_error_report_callback(on_asan_report);
#endif
#if defined(STRESS_ASAN) || defined(STRESS_TSAN)
	/* A report with no hook of ours (UBSan's): the time to it all the same; its class is in its text. */
	__sanitizer_set_death_callback(on_finding);
#endif
#if !defined(STRESS_ASAN) && !defined(STRESS_TSAN)
	sim_install_crash_handler();
#endif
	sim_native.on_finding = on_finding;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&wd, NULL, watchdog_thread, NULL))
		sim_fatal("cannot start the watchdog");
	pthread_detach(wd);
	t0 = now();
	fprintf(stderr, "stress: kernel %s, %s build, %s checks, %.0f s, seed %llu, delays at %u%% of preemption points\n",
		BUSFUZZ_TREE_VERSION, build_name, sim_native.classic ? "classic" : "busfuzz's", secs, seed,
		sim_native.delay_pct);
	for (unsigned long n = 0;; n++) {
		uint8_t in[SCENARIO_BYTES];
		uint64_t s = one ? scenario : mix(seed * 0x100000001b3ull + n);
		double el = now() - t0;

		if (el >= secs || (runs && n >= runs)) {
			printf("stress: %.1f s, %lu executions (%.0f/s), %s build: no finding\n", el, n,
			       el > 0 ? n / el : 0.0, build_name);
			return 0;
		}
		if (!quiet && el - last >= (tty ? 1 : 5)) {
			last = el;
			fprintf(stderr, "%s[%4.0fs] %10lu execs %8.0f/s", tty ? "\r" : "", el, n, n / el);
			if (!tty)
				fputc('\n', stderr);
		}
		for (int i = 0; i < SCENARIO_BYTES; i++) {
			uint64_t x = s + (uint64_t)i;

			in[i] = (uint8_t)mix(x);
		}
		__atomic_store_n(&cur_scenario, s, __ATOMIC_RELAXED);
		sim_native_seed(s);
		__atomic_store_n(&exec_start_us, (uint64_t)(now() * 1e6), __ATOMIC_RELAXED);
		busfuzz_run_one(in, sizeof(in), &o);
		__atomic_store_n(&execs, n + 1, __ATOMIC_RELAXED);
	}
}
