/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/*
 * The VM ioctls' user memory: the scenario passes pointers to its own
 * buffers as the ioctl argument, so copying from or to "user" memory is a copy
 * (no fault can happen; the number of bytes not copied is 0).  The ioctl
 * number encoding is the uapi's (include/uapi/asm-generic/ioctl.h's ABI).
 */
#ifndef BUSFUZZ_SHIM_LINUX_UACCESS_H
#define BUSFUZZ_SHIM_LINUX_UACCESS_H

#include <string.h>

#define copy_from_user(to, from, n) (memcpy((to), (const void *)(from), (n)), 0UL)
#define copy_to_user(to, from, n) (memcpy((void *)(to), (from), (n)), 0UL)

#define _IOC(dir, type, nr, size) (((dir) << 30) | ((size) << 16) | ((type) << 8) | (nr))
#define _IO(type, nr) _IOC(0U, (type), (nr), 0U)
#define _IOW(type, nr, size) _IOC(1U, (type), (nr), sizeof(size))
#define _IOR(type, nr, size) _IOC(2U, (type), (nr), sizeof(size))
#define _IOWR(type, nr, size) _IOC(3U, (type), (nr), sizeof(size))

/*
 * The memslots' user addresses are the scenario's: always in the user range
 * (the kernel's check is only that they are below TASK_SIZE), and untagged.
 */
#define access_ok(addr, size) ((void)(addr), (void)(size), 1)
#define untagged_addr(addr) (addr)

#endif /* BUSFUZZ_SHIM_LINUX_UACCESS_H */
