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

static const char *const finding_names[] = {
#define SIM_FINDING(id, name, what) [SIM_F_##id] = name,
#include "findings.def"
#undef SIM_FINDING
};

const char *sim_finding_name(enum sim_finding_class cls)
{
	return (unsigned)cls < SIM_F_NR ? finding_names[cls] : "?";
}

void sim_finding_print(enum sim_finding_class cls, const char *fmt, ...)
{
	va_list ap;

	printf("FINDING %s: ", sim_finding_name(cls));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
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
