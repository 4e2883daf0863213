// SPDX-License-Identifier: GPL-2.0-only
/*
 * The libFuzzer target: one input, one execution; a finding aborts so that
 * libFuzzer saves the input.  BUSFUZZ_TRACE=1 prints the interleaving, as
 * the replay driver does, so a reproducer's trace can be compared across the
 * plain and the sanitizer builds.
 *
 * BUSFUZZ_KEEP_GOING=DIR (busfuzz fuzz --keep-going): a finding does not end
 * the process.  The first input of each bug (sim_finding_bug()) is written to
 * DIR, and the execution is given up; bugs listed in BUSFUZZ_KNOWN_BUGS (one
 * a line, what busfuzz kept so far) are dropped the same way.  So libFuzzer
 * goes on at full speed instead of restarting after every finding.
 */
#include "harness.h"
#include "sim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
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
	static const struct { const char *needle; enum sim_finding_class cls; } map[] = {
		{ "use-after-free", SIM_F_USE_AFTER_FREE }, { "use-after-poison", SIM_F_USE_AFTER_FREE },
		{ "double-free", SIM_F_DOUBLE_FREE }, { "null-deref", SIM_F_CRASH }, { "SEGV", SIM_F_CRASH },
		{ "stack-overflow", SIM_F_CRASH },
	};

	(void)report;
	sim_trace_print();
	if (__asan_report_present()) {
		const char *d = __asan_get_report_description();
		enum sim_finding_class cls = SIM_F_MEMORY;

		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strstr(d, map[i].needle))
				cls = map[i].cls;
		sim_finding_print(cls, "AddressSanitizer: %s at %p", d, __asan_get_report_address());
	}
	fflush(stdout);
}
#endif

/* bench/run: each input runs this many times (the file read once), to time executions alone. */
static unsigned long repeat = 1;

/* ---- --keep-going ---- */

#define MAX_BUGS 512
static const char *keep_dir, *known_file;
static char *bugs[MAX_BUGS];
static int nbugs;
static const uint8_t *cur_data;
static size_t cur_size;

static bool bug_known(const char *bug)
{
	for (int i = 0; i < nbugs; i++)
		if (!strcmp(bugs[i], bug))
			return true;
	return false;
}

static void bug_add(const char *bug)
{
	if (nbugs < MAX_BUGS && !bug_known(bug))
		bugs[nbugs++] = strdup(bug);
}

/* What busfuzz kept so far (other workers' bugs included). */
static void read_known(void)
{
	char line[400];
	FILE *f = known_file ? fopen(known_file, "r") : NULL;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			bug_add(line);
	}
	fclose(f);
}

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
	return h;
}

/* Written under a dot name, then renamed: busfuzz never reads half a file. */
static void save_input(const char *cls)
{
	char tmp[4096], path[4096];
	uint64_t h = fnv1a(cur_data, cur_size, 0xcbf29ce484222325ull);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s-%016llx.%d", keep_dir, cls, (unsigned long long)h, (int)getpid());
	snprintf(path, sizeof(path), "%s/%s-%016llx", keep_dir, cls, (unsigned long long)h);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, cur_data, cur_size) != (ssize_t)cur_size || close(fd) || rename(tmp, path)) {
		fprintf(stderr, "busfuzz: cannot write %s\n", path);
		exit(2);
	}
}

/* The finding hook: a new bug's input is kept, and every finding gives the execution up. */
static bool keep_going(enum sim_finding_class cls, const char *msg)
{
	const char *bug = sim_finding_bug();

	(void)msg;
	if (!bug_known(bug)) {
		read_known();
		if (!bug_known(bug)) {
			save_input(sim_finding_name(cls));
			sim_finding_print(cls, "%s", msg);
			printf("bug: %s\n", bug);
			fflush(stdout);
		}
		bug_add(bug);
	}
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("BUSFUZZ_TRACE"), *r = getenv("BUSFUZZ_BENCH_REPEAT");

	opts.trace = t && *t == '1';
	if (r && strtoul(r, NULL, 10) > 0)
		repeat = strtoul(r, NULL, 10);
	busfuzz_parse_mode(&opts, getenv("BUSFUZZ_MODEL"), getenv("BUSFUZZ_SRCU"));
	keep_dir = getenv("BUSFUZZ_KEEP_GOING");
	if (keep_dir && *keep_dir) {
		known_file = getenv("BUSFUZZ_KNOWN_BUGS");
		read_known();
		opts.abandon_dropped = true;
		sim_set_finding_hook(keep_going);
	}
#ifdef BUSFUZZ_ASAN
	__asan_set_error_report_callback(on_asan_report);
#endif
	return 0;
}

/* fuzz/mutator.c, when linked in (OSS-Fuzz's build has libFuzzer's mutations only). */
__attribute__((weak)) void busfuzz_mutator_before_run(const uint8_t *data, size_t size);
__attribute__((weak)) void busfuzz_mutator_after_run(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cur_data = data;
	cur_size = size;
	if (busfuzz_mutator_before_run)
		busfuzz_mutator_before_run(data, size);
	for (unsigned long i = 0; i < repeat; i++)
		busfuzz_run_one(data, size, &opts);
	if (busfuzz_mutator_after_run)
		busfuzz_mutator_after_run();
	return 0;
}
