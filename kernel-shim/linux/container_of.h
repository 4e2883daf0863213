/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/* The tree's linux/rbtree.h includes it: container_of() is linux/kernel.h's. */
#ifndef BUSFUZZ_SHIM_LINUX_CONTAINER_OF_H
#define BUSFUZZ_SHIM_LINUX_CONTAINER_OF_H

#include <linux/kernel.h>

#endif /* BUSFUZZ_SHIM_LINUX_CONTAINER_OF_H */
