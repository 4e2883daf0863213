/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
#ifndef BUSFUZZ_SHIM_LINUX_OVERFLOW_H
#define BUSFUZZ_SHIM_LINUX_OVERFLOW_H

#include <linux/types.h>

/* Saturating like the kernel's, so an overflowing size makes the allocation fail. */
static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}
static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}
#define flex_array_size(p, member, count) size_mul(count, sizeof(*(p)->member))
#define struct_size(p, member, count) size_add(sizeof(*(p)), flex_array_size(p, member, count))
#define struct_size_t(type, member, count) struct_size((type *)NULL, member, count)
#define array_size(a, b) size_mul(a, b)

#endif /* BUSFUZZ_SHIM_LINUX_OVERFLOW_H */
