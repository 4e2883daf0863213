/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/*
 * eventfd contexts as the ioeventfd code sees them.  A context is a slab
 * object with a reference count outside the memory model (the kernel's kref
 * on the eventfd file: nothing here races on it), so a reference never put is
 * a leak at the end, a put too many a use-after-free, and a signal after the
 * last put a use-after-free.  Userspace's side (eventfd(2), close(2)) is
 * sim_eventfd_open()/sim_eventfd_close() on the simulator's table of open
 * files (sim/eventfd.c, which also keeps what each thread signalled).
 */
#ifndef BUSFUZZ_SHIM_LINUX_EVENTFD_H
#define BUSFUZZ_SHIM_LINUX_EVENTFD_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/compiler.h>

struct eventfd_ctx {
	int refs;				/* the file's and each fdget()'s (atomic: a kref) */
	int fd;
	int serial;				/* the scenario's name for it, -1 */
	u64 count;				/* eventfd_signal()s */
};

static inline struct eventfd_ctx *sim_eventfd_fdget(int fd, const struct sim_site *site)
{
	struct eventfd_ctx *ctx;

	sim_preempt(site);
	ctx = sim_eventfd_file(fd);
	if (!ctx)
		return ERR_PTR(-EBADF);
	sim_check_live(ctx, site, "eventfd_ctx_fdget");
	sim_trace(site, 0, "eventfd ctx of fd %d: %d reference(s)", fd, __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL));
	return ctx;
}

static inline void sim_eventfd_put(struct eventfd_ctx *ctx, const struct sim_site *site)
{
	int refs;

	sim_preempt(site);
	sim_check_live(ctx, site, "eventfd_ctx_put");
	refs = __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL);
	if (refs < 0)
		sim_finding(SIM_F_USE_AFTER_FREE, site, "eventfd ctx of fd %d: reference count underflow", ctx->fd);
	sim_trace(site, 0, "eventfd ctx of fd %d: %d reference(s)", ctx->fd, refs);
	if (!refs)
		sim_kfree(ctx, site);
}

static inline void sim_eventfd_signal(struct eventfd_ctx *ctx, const struct sim_site *site)
{
	sim_preempt(site);
	sim_check_live(ctx, site, "eventfd_signal");
	/* The kernel's count is under the eventfd's wait-queue lock: atomic here. */
	sim_eventfd_note_signal(ctx->serial);
	sim_trace(site, 0, "eventfd of fd %d signalled (count %llu)", ctx->fd,
		  (unsigned long long)__atomic_add_fetch(&ctx->count, 1, __ATOMIC_RELAXED));
}

#define eventfd_ctx_fdget(fd) sim_eventfd_fdget(fd, SIM_SITE("eventfd_ctx_fdget"))
#define eventfd_ctx_put(ctx) sim_eventfd_put(ctx, SIM_SITE("eventfd_ctx_put"))
/* 6.1 passes a count (always 1 here); 6.8+ does not. */
#define eventfd_signal(ctx, ...) sim_eventfd_signal(ctx, SIM_SITE("eventfd_signal"))

/* Userspace: eventfd(2) (its allocation may fail like any other), close(2). */
static inline int sim_eventfd_open_at(const struct sim_site *site)
{
	struct eventfd_ctx *ctx;

	for (int fd = 0; fd < SIM_EVENTFD_FILES; fd++) {
		if (sim_eventfd_file(fd))
			continue;
		ctx = sim_kmalloc(sizeof(*ctx), true, site);
		if (!ctx)
			return -ENOMEM;
		sim_obj_label(ctx, "(eventfd ctx)");
		ctx->refs = 1;
		ctx->fd = fd;
		ctx->serial = -1;
		sim_eventfd_set_file(fd, ctx);
		return fd;
	}
	return -EMFILE;
}

static inline void sim_eventfd_close_at(int fd, const struct sim_site *site)
{
	struct eventfd_ctx *ctx = sim_eventfd_file(fd);

	sim_eventfd_set_file(fd, NULL);
	sim_eventfd_put(ctx, site);
}

#define sim_eventfd_open() sim_eventfd_open_at(SIM_SITE("eventfd"))
#define sim_eventfd_close(fd) sim_eventfd_close_at(fd, SIM_SITE("close"))

/* The scenario's name for an open file's context (-1: none), for the checker. */
static inline void sim_eventfd_set_serial(int fd, int serial)
{
	((struct eventfd_ctx *)sim_eventfd_file(fd))->serial = serial;
}

#endif /* BUSFUZZ_SHIM_LINUX_EVENTFD_H */
