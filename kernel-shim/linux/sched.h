/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: stub */
#ifndef BUSFUZZ_SHIM_LINUX_SCHED_H
#define BUSFUZZ_SHIM_LINUX_SCHED_H

#include <linux/types.h>

struct mm_struct { int unused; };
struct task_struct {
	struct mm_struct *mm;
};
/* The ioctl caller; VM creation reads current->mm only to pin it (a stub). */
extern struct task_struct *sim_current_task;
#define current sim_current_task

#endif /* BUSFUZZ_SHIM_LINUX_SCHED_H */
