// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays inputs without libFuzzer (builds with gcc too): prints the
 * scenario, the interleaving and the finding.  Exit 0 clean, 1 finding,
 * 2 unreadable input.
 */
#include "harness.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The test's name: the input's file name, in the characters herd7 takes in a name. */
static const char *litmus_name(const char *path)
{
	static char name[128];
	const char *b = strrchr(path, '/');
	size_t i;

	b = b ? b + 1 : path;
	for (i = 0; b[i] && i < sizeof(name) - 1; i++)
		name[i] = strchr("+-_.", b[i]) || (b[i] >= '0' && b[i] <= '9') ||
			  ((b[i] | 0x20) >= 'a' && (b[i] | 0x20) <= 'z') ? b[i] : '_';
	name[i] = 0;
	return name;
}

static const char *litmus, *litmus_test;

/* --litmus: the exporter consumes the finding and its finished trace. */
static void export_litmus(const struct sim_finding_rec *f)
{
	sim_litmus_export(f, litmus, litmus_test);
}

int main(int argc, char **argv)
{
	struct busfuzz_opts o = { .trace = true };
	const char *model = NULL, *srcu = NULL, *perfetto = NULL;
	unsigned long repeat = 1;	/* bench/run: executions alone, under callgrind */
	int first = 1;

	for (; first < argc && !strncmp(argv[first], "--", 2); first++) {
		if (!strcmp(argv[first], "--quiet"))
			o.trace = false;
		else if (!strcmp(argv[first], "--model") && first + 1 < argc)
			model = argv[++first];
		else if (!strcmp(argv[first], "--srcu") && first + 1 < argc)
			srcu = argv[++first];
		else if (!strcmp(argv[first], "--repeat") && first + 1 < argc)
			repeat = strtoul(argv[++first], NULL, 10), o.trace = false;
		else if (!strcmp(argv[first], "--perfetto") && first + 1 < argc)
			sim_trace_set_perfetto(perfetto = argv[++first]);
		else if (!strcmp(argv[first], "--litmus") && first + 1 < argc)
			litmus = argv[++first];
		else
			break;
	}
	busfuzz_parse_mode(&o, model, srcu);
	if (perfetto || litmus)
		o.trace = true;		/* the files are written from the full trace */
	sim_install_crash_handler();
	if (first >= argc || !strncmp(argv[first], "--", 2)) {
		fprintf(stderr, "usage: %s [--quiet] [--repeat N] [--model lkmm|tso|sc] [--srcu doc|impl] [--perfetto OUT.json] [--litmus OUT.litmus] INPUT...\n", argv[0]);
		return 2;
	}
	if (litmus && argc - first != 1) {
		fprintf(stderr, "busfuzz: --litmus takes one input\n");
		return 2;
	}
	if (litmus) {
		litmus_test = litmus_name(argv[first]);
		sim_on_finding(export_litmus);
	}
	for (int i = first; i < argc; i++) {
		size_t size = 0;
		uint8_t *data = busfuzz_read_file(argv[i], &size);

		if (!data) {
			fprintf(stderr, "busfuzz: cannot read reproducer %s\n", argv[i]);
			return 2;
		}
		for (unsigned long r = 0; r < repeat; r++)
			busfuzz_run_one(data, size, &o);
		free(data);
	}
	printf("no finding\n");
	if (litmus) {
		fprintf(stderr, "busfuzz: --litmus: the input gives no finding, nothing to export\n");
		return 2;
	}
	return 0;
}
