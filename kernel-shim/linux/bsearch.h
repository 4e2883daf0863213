/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
#ifndef BUSFUZZ_SHIM_LINUX_BSEARCH_H
#define BUSFUZZ_SHIM_LINUX_BSEARCH_H

/* Same contract as the kernel's lib/bsearch.c: any matching element. */
#include <stdlib.h>

#endif /* BUSFUZZ_SHIM_LINUX_BSEARCH_H */
