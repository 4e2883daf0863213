/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BUSFUZZ_SHIM_LINUX_ERRNO_H
#define BUSFUZZ_SHIM_LINUX_ERRNO_H

#include <errno.h>

#endif /* BUSFUZZ_SHIM_LINUX_ERRNO_H */
