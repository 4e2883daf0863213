// SPDX-License-Identifier: GPL-2.0-only
/*
 * The libFuzzer target: one input, one execution; a finding aborts so that
 * libFuzzer saves the input.  BUSFUZZ_TRACE=1 prints the interleaving, as
 * the replay driver does, so a reproducer's trace can be compared across the
 * plain and the sanitizer builds.
 */
#include "harness.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BUSFUZZ_TSAN 1
#elif __has_feature(address_sanitizer)
#define BUSFUZZ_ASAN 1
#endif
#endif
#ifdef BUSFUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

static struct busfuzz_opts opts = { .abort_on_finding = true };

#ifdef BUSFUZZ_ASAN

/*
 * An ASan report ends the process without a word from the simulator: print
 * the interleaving (the last steps, or all of it when tracing) and the
 * finding in busfuzz's own terms.  (Not a death callback: libFuzzer owns the
 * only one, to save the input.)  TSan's reports: fuzz/tsan_report.c.
 */
static void on_asan_report(const char *report)
{
	static const struct { const char *needle, *cls; } map[] = {
		{ "use-after-free", "use-after-free" }, { "use-after-poison", "use-after-free" },
		{ "double-free", "double-free" }, { "null-deref", "crash" }, { "SEGV", "crash" },
		{ "stack-overflow", "crash" },
	};

	(void)report;
	sim_trace_print();
	if (__asan_report_present()) {
		const char *d = __asan_get_report_description();
		const char *cls = "memory";

		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strstr(d, map[i].needle))
				cls = map[i].cls;
		printf("FINDING %s: AddressSanitizer: %s at %p\n", cls, d, __asan_get_report_address());
	}
	fflush(stdout);
}
#endif

/* bench/run: each input runs this many times (the file read once), to time executions alone. */
static unsigned long repeat = 1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("BUSFUZZ_TRACE"), *r = getenv("BUSFUZZ_BENCH_REPEAT");

	opts.trace = t && *t == '1';
	if (r && strtoul(r, NULL, 10) > 0)
		repeat = strtoul(r, NULL, 10);
	busfuzz_parse_mode(&opts, getenv("BUSFUZZ_MODEL"), getenv("BUSFUZZ_SRCU"));
#ifdef BUSFUZZ_ASAN
	__asan_set_error_report_callback(on_asan_report);
#endif
	return 0;
}

/* fuzz/mutator.c, when linked in (OSS-Fuzz's build has libFuzzer's mutations only). */
__attribute__((weak)) void busfuzz_mutator_before_run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (busfuzz_mutator_before_run)
		busfuzz_mutator_before_run(data, size);
	for (unsigned long i = 0; i < repeat; i++)
		busfuzz_run_one(data, size, &opts);
	return 0;
}
