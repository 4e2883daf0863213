/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
#ifndef BUSFUZZ_SHIM_LINUX_UNALIGNED_H
#define BUSFUZZ_SHIM_LINUX_UNALIGNED_H

#include <string.h>

/* A plain access of the caller's buffer (the guest's written value). */
#define get_unaligned(p) ({ __typeof__(*(p)) __gu; memcpy(&__gu, (p), sizeof(__gu)); __gu; })

#endif /* BUSFUZZ_SHIM_LINUX_UNALIGNED_H */
