/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/*
 * The hash of linux/hashtable.h's buckets.  Which bucket a key lands in does
 * not matter to the code using the table, only that a key always lands in
 * the same one: the shim takes the key's low bits.
 */
#ifndef BUSFUZZ_SHIM_LINUX_HASH_H
#define BUSFUZZ_SHIM_LINUX_HASH_H

#include <linux/types.h>

#define hash_32(val, bits) ((u32)(val) & ((1U << (bits)) - 1))
#define hash_long(val, bits) ((unsigned long)(val) & ((1UL << (bits)) - 1))
/* The log2 of a power of two: the table's bits from its size. */
#define ilog2(n) ((int)(8 * sizeof(unsigned long long) - 1 - __builtin_clzll((unsigned long long)(n))))

#endif /* BUSFUZZ_SHIM_LINUX_HASH_H */
