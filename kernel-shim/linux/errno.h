/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/*
 * The kernel's errno values.  Defined here rather than taken from <errno.h>:
 * glibc's errno.h itself includes <linux/errno.h>, which this file shadows.
 */
#ifndef BUSFUZZ_SHIM_LINUX_ERRNO_H
#define BUSFUZZ_SHIM_LINUX_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define EINTR 4
#define ENXIO 6
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOTTY 25
#define EMFILE 24
#define ENOSPC 28
#define ERANGE 34
#define EOPNOTSUPP 95
#define ENOTSUPP 524

#endif /* BUSFUZZ_SHIM_LINUX_ERRNO_H */
