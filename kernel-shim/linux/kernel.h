/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
#ifndef BUSFUZZ_SHIM_LINUX_KERNEL_H
#define BUSFUZZ_SHIM_LINUX_KERNEL_H

#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
/* include/linux/align.h's: older trees' ioeventfd_in_range() checks the datamatch pointer with it. */
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)

#define ALIGN(x, a) (((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define BIT_ULL(nr) (1ULL << (nr))
#define BITS_PER_LONG (8 * (int)sizeof(long))

#endif /* BUSFUZZ_SHIM_LINUX_KERNEL_H */
