// SPDX-License-Identifier: GPL-2.0-only
/*
 * Findings and the interleaving trace (the execution life cycle: sim/exec.c).
 * Tracing costs two stores per step when off (a ring of the last steps, so a
 * fuzzing crash still shows where each thread was); with sim_cfg.trace every
 * step is kept with its detail for `busfuzz replay`.
 */
#include "sim_internal.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#define RING 64
static struct { const struct sim_site *site; int tid; } ring[RING];
static unsigned long ring_n;

static struct sim_tev *tr;
static size_t tr_n, tr_cap;

static char finding_cls[32];
static char finding_msg[512];

void sim_trace_reset(void)
{
	tr_n = 0;
	ring_n = 0;
}

static struct sim_tev *tr_push(int tid, const struct sim_site *site, uint64_t val)
{
	struct sim_tev *e;

	if (tr_n == tr_cap) {
		tr_cap = tr_cap ? tr_cap * 2 : 4096;
		tr = realloc(tr, tr_cap * sizeof(*tr));
		if (!tr)
			sim_fatal("out of memory for the trace");
	}
	e = &tr[tr_n++];
	e->tid = tid;
	e->site = site;
	e->val = val;
	e->detail[0] = 0;
	e->acc.kind = SIM_TK_NONE;
	return e;
}

/* The current thread's latest step if it is at site (it may have parked
 * since, so other threads' steps can come after it), else a new one. */
static struct sim_tev *cur_step(const struct sim_site *site, uint64_t val)
{
	for (size_t i = tr_n; i-- > 0;) {
		if (tr[i].tid != sim_s.cur)
			continue;
		if (tr[i].site == site)
			return &tr[i];
		break;
	}
	return tr_push(sim_s.cur, site, val);
}

void sim_trace_acc(const struct sim_site *site, enum sim_tkind kind, int order, const void *addr,
		   uint64_t val, uint32_t g, bool stale)
{
	struct sim_tev *e;

	if (!sim_cfg.trace)
		return;
	e = cur_step(site, val);
	e->acc = (struct sim_tacc){ .kind = kind, .order = order, .stale = stale, .addr = addr, .val = val, .g = g };
}

const struct sim_tev *sim_trace_steps(size_t *n)
{
	*n = tr_n;
	return tr;
}

void sim_trace_event(int tid, const struct sim_site *site, uint64_t val, const char *detail)
{
	if (!sim_cfg.trace) {
		if (site) {
			ring[ring_n % RING].site = site;
			ring[ring_n % RING].tid = tid;
			ring_n++;
		}
		return;
	}
	struct sim_tev *e = tr_push(tid, site, val);

	if (detail)
		snprintf(e->detail, sizeof(e->detail), "%s", detail);
}

/* Adds detail to the current thread's latest step (the primitive just entered). */
void sim_trace(const struct sim_site *site, uint64_t val, const char *fmt, ...)
{
	struct sim_tev *e;
	va_list ap;
	size_t len;

	if (!sim_cfg.trace)
		return;
	e = cur_step(site, val);
	e->val = val;
	len = strlen(e->detail);
	if (len && len < sizeof(e->detail) - 2) {
		e->detail[len++] = ';';
		e->detail[len++] = ' ';
		e->detail[len] = 0;
	}
	va_start(ap, fmt);
	vsnprintf(e->detail + len, sizeof(e->detail) - len, fmt, ap);
	va_end(ap);
}

/* ---- the trace as Chrome trace events (ui.perfetto.dev, chrome://tracing) ---- */

static const char *perfetto_path;

void sim_trace_set_perfetto(const char *path)
{
	perfetto_path = path;
}

/*
 * What a step opens (1) or closes (-1: a read section, -2: a lock hold) as a
 * slice: "&kvm->srcu read section", "holds &kvm->slots_lock".
 */
static int slice_kind(const struct sim_tev *e, char *name, size_t n)
{
	const char *w = e->site ? e->site->what : "";
	const char *a = strstr(e->detail, "acquired ");
	bool lock = !strcmp(w, "srcu_read_lock") || !strcmp(w, "rcu_read_lock") || !strcmp(w, "srcu_down_read");
	bool unlock = !strcmp(w, "srcu_read_unlock") || !strcmp(w, "rcu_read_unlock") || !strcmp(w, "srcu_up_read");

	if (lock || unlock) {
		/* The detail starts with the srcu_struct's name. */
		snprintf(name, n, "%.*s read section", (int)strcspn(e->detail, " "), e->detail);
		return lock ? 1 : -1;
	}
	if (a) {
		snprintf(name, n, "holds %.*s", (int)strcspn(a + 9, ";"), a + 9);
		return 1;
	}
	if (strstr(w, "_unlock") && strstr(e->detail, "release store"))
		return -2;
	return 0;
}

static void perfetto_write(void)
{
	struct open { char name[96]; size_t ts; } open[SIM_MAX_THREADS][16];
	int nopen[SIM_MAX_THREADS] = { 0 };
	FILE *f = fopen(perfetto_path, "w");
	bool first = true;

	if (!f) {
		fprintf(stderr, "busfuzz: cannot write %s\n", perfetto_path);
		exit(2);
	}
	fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
#define SEP() (first ? (first = false, "") : ",\n")
	for (int t = 0; t < sim_nthreads(); t++) {
		fprintf(f, "%s{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_name\",\"args\":{\"name\":", SEP(), t + 1);
		sim_json_str(f, sim_thread_name(t));
		fprintf(f, "}}");
	}
	for (size_t i = 0; i < tr_n; i++) {
		struct sim_tev *e = &tr[i];
		int t = e->tid < 0 ? 0 : e->tid, k;
		char name[96];
		bool stale = strstr(e->detail, "STALE") != NULL;

		/* One step is one microsecond of "time": the order is what matters. */
		fprintf(f, "%s{\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%zu,\"dur\":1,\"name\":", SEP(), t + 1, i);
		sim_json_str(f, e->site ? e->site->what : e->detail);
		if (stale)
			fprintf(f, ",\"cname\":\"terrible\"");
		fprintf(f, ",\"args\":{\"step\":%zu,\"stale\":%s", i, stale ? "true" : "false");
		if (e->site) {
			char where[300];

			snprintf(where, sizeof(where), "%s:%d", e->site->file, e->site->line);
			fprintf(f, ",\"site\":");
			sim_json_str(f, where);
		}
		fprintf(f, ",\"detail\":");
		sim_json_str(f, e->detail);
		fprintf(f, "}}");
		k = slice_kind(e, name, sizeof(name));
		if (k > 0 && nopen[t] < 16) {
			snprintf(open[t][nopen[t]].name, sizeof(open[t][0].name), "%s", name);
			open[t][nopen[t]++].ts = i;
		} else if (k < 0 && nopen[t] > 0) {
			int j = nopen[t] - 1;

			/* The innermost open slice of the same kind (locks: any hold). */
			while (j > 0 && (k == -1 ? strcmp(open[t][j].name, name) : strncmp(open[t][j].name, "holds ", 6)))
				j--;
			fprintf(f, "%s{\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%zu,\"dur\":%zu,\"name\":",
				SEP(), t + 1, open[t][j].ts, i + 1 - open[t][j].ts);
			sim_json_str(f, open[t][j].name);
			fprintf(f, "}");
			memmove(&open[t][j], &open[t][j + 1], (nopen[t] - j - 1) * sizeof(open[t][0]));
			nopen[t]--;
		}
	}
	for (int t = 0; t < SIM_MAX_THREADS; t++)
		for (int j = 0; j < nopen[t]; j++) {
			fprintf(f, "%s{\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%zu,\"dur\":%zu,\"name\":",
				SEP(), t + 1, open[t][j].ts, tr_n - open[t][j].ts);
			sim_json_str(f, open[t][j].name);
			fprintf(f, "}");
		}
	if (finding_cls[0]) {
		char what[600];

		snprintf(what, sizeof(what), "FINDING %s: %s", finding_cls, finding_msg);
		fprintf(f, "%s{\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":%d,\"ts\":%zu,\"name\":",
			SEP(), (sim_s.cur < 0 ? 0 : sim_s.cur) + 1, tr_n);
		sim_json_str(f, what);
		fprintf(f, "}");
	}
#undef SEP
	fprintf(f, "\n]}\n");
	fclose(f);
}

static void print_site(FILE *f, const struct sim_site *s)
{
	if (s)
		fprintf(f, "%-28s %s:%d", s->what, s->file, s->line);
}

void sim_trace_print(void)
{
	FILE *f = stdout;

	if (sim_cfg.trace && perfetto_path)
		perfetto_write();
	if (sim_cfg.trace) {
		fprintf(f, "interleaving (%zu steps):\n", tr_n);
		for (size_t i = 0; i < tr_n; i++) {
			struct sim_tev *e = &tr[i];

			fprintf(f, "  %5zu  %-8s ", i, sim_thread_name(e->tid));
			if (e->site)
				print_site(f, e->site);
			if (e->detail[0])
				fprintf(f, "%s%s", e->site ? "  " : "", e->detail);
			fputc('\n', f);
		}
		return;
	}
	unsigned long first = ring_n > RING ? ring_n - RING : 0;

	fprintf(f, "last %lu steps (replay for the full interleaving):\n", ring_n - first);
	for (unsigned long i = first; i < ring_n; i++) {
		fprintf(f, "  %-8s ", sim_thread_name(ring[i % RING].tid));
		print_site(f, ring[i % RING].site);
		fputc('\n', f);
	}
}

static bool (*finding_hook)(enum sim_finding_class cls, const char *msg);
static void (*finding_consumer)(const struct sim_finding_rec *f);

void sim_on_finding(void (*fn)(const struct sim_finding_rec *f))
{
	finding_consumer = fn;
}

void sim_set_finding_hook(bool (*fn)(enum sim_finding_class cls, const char *msg))
{
	finding_hook = fn;
}

void sim_finding(enum sim_finding_class cls, const struct sim_site *site, const char *fmt, ...)
{
	va_list ap;
	int n;

	snprintf(finding_cls, sizeof(finding_cls), "%s", sim_finding_name(cls));
	va_start(ap, fmt);
	n = vsnprintf(finding_msg, sizeof(finding_msg), fmt, ap);
	va_end(ap);
	if (site && n >= 0 && (size_t)n < sizeof(finding_msg))
		snprintf(finding_msg + n, sizeof(finding_msg) - n, " [%s at %s:%d, thread %s]",
			 site->what, site->file, site->line, sim_thread_name(sim_s.cur));
	sim_finding_at(site, site ? sim_thread_name(sim_s.cur) : NULL);
	sim_finding_bug_of(finding_cls, site);
	if (finding_hook && !finding_hook(cls, finding_msg)) {
		sim_finding_at(NULL, NULL);
		if (sim_cfg.abandon_dropped)
			sim_abandon();
		_exit(SIM_EXIT_DROPPED);
	}
	sim_trace_print();
	sim_finding_print(cls, "%s", finding_msg);
	printf("bug: %s\n", sim_finding_bug());
	fflush(stdout);
	if (finding_consumer && sim_cfg.trace) {
		struct sim_finding_rec f = { .cls = cls, .msg = finding_msg, .site = site, .tid = sim_s.cur,
					     .bug = sim_finding_bug() };

		finding_consumer(&f);
	}
	if (sim_cfg.abort_on_finding)
		abort();
	exit(1);
}

/*
 * Without a sanitizer (the replay build) a crash in kernel code is a finding
 * too: the trace, then the class.  The handler runs on its own stack, as a
 * coroutine may have overflowed its own.
 */
static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uc;
	sim_finding(SIM_F_CRASH, sim_s.last_site, "%s%s at address %#lx (thread %s)",
		    a < 4096 && (sig == SIGSEGV || sig == SIGBUS) ? "NULL pointer dereference: " : "",
		    strsignal(sig), (unsigned long)a, sim_thread_name(sim_s.cur));
}

void sim_install_crash_handler(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_sigaction = crash_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND };
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

	sigaltstack(&ss, NULL);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void sim_stub_hit(const char *name, const char *file, int line)
{
	if (!sim_cfg.trace)
		return;
	struct sim_tev *e = tr_push(sim_s.cur, NULL, 0);

	snprintf(e->detail, sizeof(e->detail), "stub %s() at %s:%d (not on the bus path, see kernel-shim/stubs.def)",
		 name, file, line);
}
