/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/* The tree's linux/rbtree.h includes it: NULL, offsetof, true/false. */
#ifndef BUSFUZZ_SHIM_LINUX_STDDEF_H
#define BUSFUZZ_SHIM_LINUX_STDDEF_H

#include <stddef.h>
#include <linux/types.h>

#endif /* BUSFUZZ_SHIM_LINUX_STDDEF_H */
