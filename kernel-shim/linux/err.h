/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
#ifndef BUSFUZZ_SHIM_LINUX_ERR_H
#define BUSFUZZ_SHIM_LINUX_ERR_H

#include <linux/types.h>

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

/* x86's __x86_set_memory_region() returns its errors as user pointers. */
#define ERR_PTR_USR(error) ((void __user *)ERR_PTR(error))

#endif /* BUSFUZZ_SHIM_LINUX_ERR_H */
