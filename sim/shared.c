// SPDX-License-Identifier: GPL-2.0-only
/* What both backends need and neither owns: the internal-error exit, a finding's bug. */
#include "shared.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sim_fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "busfuzz: internal error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Per OS thread: the native backend's checkers run on many. */
static __thread const struct sim_site *origin;
static __thread char bug[320];

void sim_finding_origin(const struct sim_site *o)
{
	origin = o;
}

const char *sim_finding_bug_of(const char *cls, const struct sim_site *site)
{
	const struct sim_site *s = origin ? origin : site;

	origin = NULL;
	if (s)
		snprintf(bug, sizeof(bug), "%s at %s:%d", cls, s->file, s->line);
	else
		snprintf(bug, sizeof(bug), "%s", cls);
	return bug;
}

const char *sim_finding_bug(void)
{
	return bug;
}
