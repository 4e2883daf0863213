// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays inputs without libFuzzer (builds with gcc too): prints the
 * scenario, the interleaving and the finding.  Exit 0 clean, 1 finding,
 * 2 unreadable input.
 */
#include "harness.h"
#include "input.h"
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

/* --describe-input: a finding ends the execution, not the process, so every byte still gets its role. */
static const char *describe_finding;

static bool describe_hook(enum sim_finding_class cls, const char *msg)
{
	(void)msg;
	describe_finding = sim_finding_name(cls);
	return false;
}

static void field(const char *name, int v, bool *first)
{
	printf("%s\"%s\":%d", *first ? "" : ",", name, v);
	*first = false;
}

/*
 * Each byte's role, as JSON: the scenario header's fields (fuzz/input.h), the
 * ioctl and vCPU ops, and in the decision stream what the execution read each
 * byte as (a thread choice among n, a budget, a data choice) or that it never
 * read it.  The tools take the input's layout from here (tools/inputdef.py).
 */
static int describe_input(const char *path, struct busfuzz_opts *o)
{
	size_t size = 0, used, start;
	uint8_t *d = busfuzz_read_file(path, &size);
	struct sim_role_rec *roles;
	uint8_t h[IN_HEAD] = { 0 };
	int nv, ni, nvo;
	bool first;

	if (!d) {
		fprintf(stderr, "busfuzz: cannot read input %s\n", path);
		return 2;
	}
	roles = calloc(size ? size : 1, sizeof(*roles));
	if (!roles) {
		fprintf(stderr, "busfuzz: out of memory\n");
		return 2;
	}
	memcpy(h, d, size < IN_HEAD ? size : IN_HEAD);
	nv = in_nvcpus(h[0]), ni = in_nioctl(h[1]), nvo = in_nvops(h[2]);
	start = in_stream_start(d, size);
	o->trace = false;
	o->abandon_dropped = true;
	sim_set_finding_hook(describe_hook);
	sim_record_roles(roles, size);
	busfuzz_run_one(d, size, o);
	sim_record_roles(NULL, 0);
	used = size - sim_input_remaining();
	printf("{\"size\":%zu,\"head\":%d,\"vcpus\":%d,\"ioctl_ops\":%d,\"vcpu_ops\":%d,\"stream\":%zu,\"read\":%zu,"
	       "\"finding\":%s%s%s,\"bytes\":[", size, IN_HEAD, nv, ni, nvo, start, used,
	       describe_finding ? "\"" : "", describe_finding ? describe_finding : "null", describe_finding ? "\"" : "");
	for (size_t i = 0; i < size; i++) {
		uint8_t b = d[i];

		printf("%s\n{\"at\":%zu,\"value\":%d,", i ? "," : "", i, b);
		first = true;
		if (i == 0) {
			printf("\"part\":\"scenario\",\"field\":\"b0\",\"bits\":{");
			field("vcpus", in_nvcpus(b), &first);
			field("x86", in_x86(b), &first);
			field("vgic", !!(b & IN_B0_VGIC), &first);
			field("failslab", !!(b & IN_B0_FAILSLAB), &first);
			printf("}}");
		} else if (i == 1) {
			printf("\"part\":\"scenario\",\"field\":\"b1\",\"bits\":{");
			field("ioctl_ops", in_nioctl(b), &first);
			field("create_first", !!(b & IN_B1_CREATE_FIRST), &first);
			printf("}}");
		} else if (i == 2) {
			printf("\"part\":\"scenario\",\"field\":\"b2\",\"bits\":{");
			field("vcpu_ops", in_nvops(b), &first);
			field("emul_rmb", !!(b & IN_B2_EMUL_RMB), &first);
			printf("}}");
		} else if (i < (size_t)IN_HEAD + ni) {
			printf("\"part\":\"ioctl-op\",\"index\":%zu,\"bits\":{", i - IN_HEAD);
			if (in_memslot_op(b)) {
				field("memslot", 1, &first);
				field("delete", !!(b & IN_MEMSLOT_DELETE), &first);
				field("id", b >> IN_MEMSLOT_ID_SHIFT & 1, &first);
				field("pos", b >> IN_MEMSLOT_POS_SHIFT & 3, &first);
			} else {
				if (in_malformed_op(b))
					field("malformed", 1, &first);
				field("unregister", !!(b & IN_IOCTL_UNREG), &first);
				field("slot", b >> IN_IOCTL_SLOT_SHIFT & 3, &first);
				field("pio", !!(b & IN_IOCTL_PIO), &first);
				field("kind", b >> IN_IOCTL_KIND_SHIFT & 3, &first);
				field("datamatch", !!(b & IN_IOCTL_DATAMATCH), &first);
			}
			printf("}}");
		} else if (i < start) {
			size_t k = i - IN_HEAD - ni;

			printf("\"part\":\"vcpu-op\",\"vcpu\":%zu,\"index\":%zu,\"bits\":{", k / nvo, k % nvo);
			field("kind", b & IN_VCPU_KIND, &first);
			field("slot", b >> IN_VCPU_SLOT_SHIFT & 3, &first);
			field("pio", !!(b & IN_VCPU_PIO), &first);
			field("cookie", b >> IN_VCPU_COOKIE_SHIFT & 3, &first);
			field("emulated", !!(b & IN_VCPU_EMULATED), &first);
			printf("}}");
		} else if (i >= used) {
			printf("\"part\":\"decision\",\"role\":\"unread\"}");
		} else if (roles[i].role == SIM_ROLE_CHOICE) {
			printf("\"part\":\"decision\",\"role\":\"choice\",\"among\":%d,\"current\":%d}", roles[i].n,
			       roles[i].cur == 0xff ? -1 : roles[i].cur);
		} else if (roles[i].role == SIM_ROLE_BUDGET) {
			printf("\"part\":\"decision\",\"role\":\"budget\",\"steps\":%d}", b & 15);
		} else {
			static const char *const kind[] = {
				[SIM_ROLE_OTHER] = "other", [SIM_ROLE_FAULT] = "fault", [SIM_ROLE_STALE] = "message",
				[SIM_ROLE_STORE] = "coherence-place", [SIM_ROLE_WAITED] = "waited-for",
			};
			int k = roles[i].role;

			printf("\"part\":\"decision\",\"role\":\"data\",\"kind\":\"%s\",\"among\":%d,"
			       "\"current\":%d}", k < (int)(sizeof(kind) / sizeof(kind[0])) && kind[k] ? kind[k] : "other",
			       roles[i].n, roles[i].cur);
		}
	}
	printf("\n]}\n");
	free(roles);
	free(d);
	return 0;
}

int main(int argc, char **argv)
{
	struct busfuzz_opts o = { .trace = true };
	const char *model = NULL, *srcu = NULL, *perfetto = NULL, *describe = NULL;
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
		else if (!strcmp(argv[first], "--describe-input") && first + 1 < argc)
			describe = argv[++first];
		else
			break;
	}
	busfuzz_parse_mode(&o, model, srcu);
	if (perfetto || litmus)
		o.trace = true;		/* the files are written from the full trace */
	sim_install_crash_handler();
	if (describe && first == argc)
		return describe_input(describe, &o);
	if (first >= argc || !strncmp(argv[first], "--", 2)) {
		fprintf(stderr, "usage: %s [--quiet] [--repeat N] [--model lkmm|tso|sc] [--srcu doc|impl] [--perfetto OUT.json] [--litmus OUT.litmus] INPUT...\n"
				"       %s [--model M] [--srcu S] --describe-input INPUT   (each byte's role, JSON)\n", argv[0], argv[0]);
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
