/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
#ifndef BUSFUZZ_SHIM_LINUX_TYPES_H
#define BUSFUZZ_SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <linux/kconfig.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned int gfp_t;
/* uapi types (include/uapi/linux/kvm.h's structures) */
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int8_t __s8;
typedef int16_t __s16;
typedef int32_t __s32;
typedef int64_t __s64;
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[]

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;

/* The kernel's callback_head: call_srcu()/call_rcu() queue it. */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
#define callback_head rcu_head

struct list_head {
	struct list_head *next, *prev;
};
struct hlist_head {
	struct hlist_node *first;
};
struct hlist_node {
	struct hlist_node *next, **pprev;
};

#endif /* BUSFUZZ_SHIM_LINUX_TYPES_H */
