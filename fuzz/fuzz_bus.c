// SPDX-License-Identifier: GPL-2.0-only
/*
 * The libFuzzer target: one input, one execution; a finding aborts so that
 * libFuzzer saves the input.  BUSFUZZ_TRACE=1 prints the interleaving, as
 * the replay driver does, so a reproducer's trace can be compared across the
 * plain and the sanitizer builds.
 */
#include "harness.h"

#include <stdlib.h>

static struct busfuzz_opts opts = { .abort_on_finding = true };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("BUSFUZZ_TRACE");

	opts.trace = t && *t == '1';
	busfuzz_parse_mode(&opts, getenv("BUSFUZZ_MODEL"), getenv("BUSFUZZ_SRCU"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	busfuzz_run_one(data, size, &opts);
	return 0;
}
