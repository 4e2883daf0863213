// SPDX-License-Identifier: GPL-2.0-only
/* What both backends need and neither owns: the internal-error exit, a finding's bug. */
#include "shared.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Per OS thread: the native backend's checkers run on many. */
static __thread const struct sim_site *origin;
static __thread char bug[320];
/* What the next FINDING line's record says beyond its class and message (sim_finding_at(), sim_finding_bug_of()). */
static __thread struct {
	const struct sim_site *site, *bug_site;
	const char *thread;
	bool bug;
} rec;

void sim_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void sim_finding_at(const struct sim_site *site, const char *thread)
{
	memset(&rec, 0, sizeof(rec));	/* what a dropped finding left */
	rec.site = site;
	rec.thread = thread;
}

static void json_frame(const char *role, const struct sim_site *s, const char *thread)
{
	printf("{\"role\":\"%s\",\"primitive\":", role);
	sim_json_str(stdout, s->what);
	printf(",\"file\":");
	sim_json_str(stdout, s->file);
	printf(",\"line\":%d", s->line);
	if (thread) {
		printf(",\"thread\":");
		sim_json_str(stdout, thread);
	}
	putchar('}');
}

/*
 * The machine record of the finding just printed, one JSON line (tools/findings.py
 * reads it): class, message, the check's primitive, kernel file:line and thread,
 * the bug, and the frames that identify it (the check's site; the origin, a
 * pending callback's call_srcu(), when the bug is there).
 */
static void finding_record(enum sim_finding_class cls, const char *msg)
{
	printf("record: {\"class\":\"%s\",\"message\":", sim_finding_name(cls));
	sim_json_str(stdout, msg);
	if (rec.site) {
		printf(",\"primitive\":");
		sim_json_str(stdout, rec.site->what);
		printf(",\"file\":");
		sim_json_str(stdout, rec.site->file);
		printf(",\"line\":%d", rec.site->line);
	}
	if (rec.thread) {
		printf(",\"thread\":");
		sim_json_str(stdout, rec.thread);
	}
	if (rec.bug) {
		printf(",\"bug\":");
		sim_json_str(stdout, bug);
	}
	printf(",\"frames\":[");
	if (rec.site)
		json_frame("check", rec.site, rec.thread);
	if (rec.bug && rec.bug_site && rec.bug_site != rec.site) {
		printf(rec.site ? "," : "");
		json_frame("origin", rec.bug_site, NULL);
	}
	printf("]}\n");
	memset(&rec, 0, sizeof(rec));
}

void sim_finding_print(enum sim_finding_class cls, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FINDING %s: %s\n", sim_finding_name(cls), msg);
	finding_record(cls, msg);
}

void sim_finding_origin(const struct sim_site *o)
{
	origin = o;
}

const char *sim_finding_bug_of(const char *cls, const struct sim_site *site)
{
	const struct sim_site *s = origin ? origin : site;

	origin = NULL;
	rec.bug = true;
	rec.bug_site = s;
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
