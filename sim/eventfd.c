// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace's eventfd files and the eventfd each thread signalled last: the
 * scenario's and its checker's state, kept here rather than in the shim
 * header that gives the kernel code its eventfd_ctx (kernel-shim/linux/eventfd.h).
 * Both backends: a file is opened and closed by the ioctl thread, and each
 * thread writes only its own slot.
 */
#include "shared.h"

#include <string.h>

static void *files[SIM_EVENTFD_FILES];
static int signalled[SIM_MAX_THREADS];

void *sim_eventfd_file(int fd)
{
	return fd >= 0 && fd < SIM_EVENTFD_FILES ? files[fd] : NULL;
}

void sim_eventfd_set_file(int fd, void *ctx)
{
	files[fd] = ctx;
}

void sim_eventfd_reset(void)
{
	memset(files, 0, sizeof(files));
}

void sim_eventfd_note_signal(int serial)
{
	int tid = sim_current();

	if (tid >= 0)
		signalled[tid] = serial;
}

void sim_eventfd_clear_signal(int tid)
{
	signalled[tid] = -1;
}

int sim_eventfd_signalled_by(int tid)
{
	return signalled[tid];
}
