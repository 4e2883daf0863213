// SPDX-License-Identifier: GPL-2.0-only
/* The libFuzzer target: one input, one execution; a finding aborts. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct busfuzz_opts o = { .abort_on_finding = true };

	busfuzz_run_one(data, size, &o);
	return 0;
}
