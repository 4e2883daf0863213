// SPDX-License-Identifier: GPL-2.0-only
/*
 * `busfuzz replay --litmus OUT`: an ordering finding's shared accesses as a
 * herd7 C litmus test (tools/memory-model/), built from the structured trace
 * (struct sim_tacc), so a maintainer can check the outcome against the LKMM.
 *
 * The reader (P1) is the finding's thread, from the load that observed the
 * publication to its latest stale load (with the SRCU read section around
 * them).  The writer (P0) is the thread whose store that observation read,
 * from its latest store to the stale load's location before it, through it.
 * Two locations (x: the stale one, y: the observed one), values renumbered:
 * 0 stands for anything older than the test (the initial value), the stores
 * of the test 1, 2, ... in trace order.  Everything else on those threads in
 * those windows is either exported (fences, SRCU read sections and grace
 * periods, fully ordered RMWs as smp_mb()) or listed in the comment as left
 * out, with the reason.
 */
#include "sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUT 256

static const struct sim_tev *tr;
static size_t ntr;

__attribute__((noreturn, format(printf, 1, 2))) static void refuse(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "busfuzz: --litmus: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static bool is_store(const struct sim_tev *e)
{
	return e->acc.kind == SIM_TK_STORE || e->acc.kind == SIM_TK_RMW;
}

/* The step of the store whose message is g, before step 'before'; -1: the initial value. */
static long store_of(uint32_t g, size_t before)
{
	if (!g)
		return -1;
	for (size_t i = before; i-- > 0;)
		if (is_store(&tr[i]) && tr[i].acc.g == g)
			return (long)i;
	return -1;
}

struct out {
	char code[160];		/* the C statement, "" when left out */
	char note[400];		/* the comment line */
};

struct thr {
	int tid;
	struct out o[MAX_OUT];
	int n, nregs, nidx, open[8], nopen;
	bool uses_srcu;
};

struct ctx {
	const void *loc[2];	/* x, y */
	uint32_t num_g[2][MAX_OUT];	/* the stores of the test, per location: number i+1 */
	int nnum[2];
	char vals[2][600];	/* what the numbers stand for */
	char cond[200];
	int nsrcu;
	const void *srcu[1];
};

static int loc_of(const struct ctx *c, const void *a)
{
	return a == c->loc[0] ? 0 : a == c->loc[1] ? 1 : -1;
}

static int value_of(const struct ctx *c, int l, uint32_t g)
{
	for (int i = 0; i < c->nnum[l]; i++)
		if (c->num_g[l][i] == g)
			return i + 1;
	return 0;
}

/* The test's one srcu_struct (two would need a naming scheme no finding has needed). */
static const char *srcu_var(struct ctx *c, struct thr *t, const void *s)
{
	if (c->nsrcu && c->srcu[0] != s)
		refuse("the accesses use two srcu_structs: not exported");
	c->srcu[0] = s;
	c->nsrcu = 1;
	t->uses_srcu = true;
	return "s";
}

static const char *value_name(uint64_t v, char *b, size_t n)
{
	if (v > 0xffff)
		return sim_obj_name((const void *)(uintptr_t)v, b, n);
	snprintf(b, n, "%#llx", (unsigned long long)v);
	return b;
}

static void where(const struct sim_tev *e, size_t step, char *b, size_t n)
{
	if (e->site)
		snprintf(b, n, "step %zu: %s at %s:%d", step, e->site->what, e->site->file, e->site->line);
	else
		snprintf(b, n, "step %zu: %.60s", step, e->detail);
}

static struct out *next_out(struct thr *t)
{
	if (t->n == MAX_OUT)
		refuse("more than %d steps in one thread's part of the test", MAX_OUT);
	t->o[t->n].code[0] = 0;
	t->o[t->n].note[0] = 0;
	return &t->o[t->n++];
}

/* Under --srcu impl, Tree SRCU's smp_mb() in __srcu_read_lock()/__srcu_read_unlock(),
 * written out: herd7's srcu_read_lock() has none (nor has --srcu doc). */
static void impl_mb(struct thr *t, const char *where)
{
	struct out *o;

	if (sim_cfg.srcu != SIM_SRCU_IMPL)
		return;
	o = next_out(t);
	snprintf(o->code, sizeof(o->code), "smp_mb();");
	snprintf(o->note, sizeof(o->note), "  -> smp_mb() (--srcu impl: Tree SRCU's smp_mb() in %s)", where);
}

/* One step of thread t as a litmus statement (or a left-out note); reg gets the register of a load of the reader. */
static void emit(struct ctx *c, struct thr *t, size_t step, bool reader)
{
	const struct sim_tev *e = &tr[step];
	const struct sim_tacc *a = &e->acc;
	const char *what = e->site ? e->site->what : "";
	struct out *o;
	char at[360];
	int l = loc_of(c, a->addr);

	if (a->kind == SIM_TK_NONE)
		return;		/* allocations, stubs: no shared access */
	if (a->kind == SIM_TK_SRCU_UNLOCK)
		impl_mb(t, "__srcu_read_unlock()");
	o = next_out(t);
	where(e, step, at, sizeof(at));
	switch (a->kind) {
	case SIM_TK_LOAD:
		if (l < 0) {
			snprintf(o->note, sizeof(o->note), "%s: left out (a load of another location)", at);
			return;
		}
		{
			const char *x = l ? "y" : "x";
			int r = t->nregs++, v = value_of(c, l, a->g);

			if (a->order == SIM_ACQUIRE)
				snprintf(o->code, sizeof(o->code), "r%d = smp_load_acquire(%s);", r, x);
			else if (a->order == SIM_PLAIN)
				snprintf(o->code, sizeof(o->code), "r%d = *%s;", r, x);
			else
				/* READ_ONCE() for rcu/srcu_dereference() too: herd7's
				 * linux-kernel.def has no srcu_dereference(), its
				 * rcu_dereference() is a READ_ONCE(), and an address
				 * dependency is through the register in either case. */
				snprintf(o->code, sizeof(o->code), "r%d = READ_ONCE(*%s);", r, x);
			snprintf(o->note, sizeof(o->note), "%s -> %s (read %d%s)", at, o->code, v,
				 a->stale ? ", STALE" : "");
			if (reader) {
				size_t len = strlen(c->cond);

				snprintf(c->cond + len, sizeof(c->cond) - len, "%s1:r%d=%d", len ? " /\\ " : "", r, v);
			}
		}
		return;
	case SIM_TK_STORE:
		if (l < 0) {
			snprintf(o->note, sizeof(o->note), "%s: left out (a store to another location, which %s does not read)",
				 at, reader ? "P0" : "P1");
			return;
		}
		{
			const char *x = l ? "y" : "x";
			int v = value_of(c, l, a->g);

			if (!strcmp(what, "rcu_assign_pointer"))
				snprintf(o->code, sizeof(o->code), "rcu_assign_pointer(*%s, %d);", x, v);
			else if (a->order == SIM_RELEASE)
				snprintf(o->code, sizeof(o->code), "smp_store_release(%s, %d);", x, v);
			else if (a->order == SIM_PLAIN)
				snprintf(o->code, sizeof(o->code), "*%s = %d;", x, v);
			else
				snprintf(o->code, sizeof(o->code), "WRITE_ONCE(*%s, %d);", x, v);
			snprintf(o->note, sizeof(o->note), "%s -> %s", at, o->code);
		}
		return;
	case SIM_TK_RMW:
		if (l >= 0)
			refuse("%s is a read-modify-write of a location of the test: not exported", at);
		if (a->order == SIM_FULL) {
			snprintf(o->code, sizeof(o->code), "smp_mb();");
			snprintf(o->note, sizeof(o->note), "%s -> smp_mb() (a value-returning RMW of another location: fully ordered)", at);
		} else {
			snprintf(o->note, sizeof(o->note), "%s: left out (an RMW of another location, not fully ordered)", at);
		}
		return;
	case SIM_TK_FENCE:
		switch (a->order) {
		case SIM_RMB: snprintf(o->code, sizeof(o->code), "smp_rmb();"); break;
		case SIM_WMB: snprintf(o->code, sizeof(o->code), "smp_wmb();"); break;
		case SIM_MB_AFTER_SRCU_LOCK:
			if (sim_cfg.srcu == SIM_SRCU_IMPL) {
				snprintf(o->note, sizeof(o->note), "%s: left out (empty under --srcu impl: srcu_read_lock() has the smp_mb())", at);
				return;
			}
			/* Not in herd7's linux-kernel.def; the kernel makes it a full
			 * barrier where srcu_read_lock() has none, as busfuzz does. */
			snprintf(o->code, sizeof(o->code), "smp_mb();");
			snprintf(o->note, sizeof(o->note), "%s -> smp_mb() (herd7 has no smp_mb__after_srcu_read_lock())", at);
			return;
		default:
			snprintf(o->code, sizeof(o->code), "%s();", what[0] ? what : "smp_mb");
			break;
		}
		snprintf(o->note, sizeof(o->note), "%s -> %s", at, o->code);
		return;
	case SIM_TK_SRCU_LOCK:
		if (t->nopen == 8)
			refuse("more than eight nested SRCU read sections");
		t->open[t->nopen++] = t->nidx;
		snprintf(o->code, sizeof(o->code), "idx%d = srcu_read_lock(%s);", t->nidx++, srcu_var(c, t, a->addr));
		snprintf(o->note, sizeof(o->note), "%s -> %s", at, o->code);
		impl_mb(t, "__srcu_read_lock()");
		return;
	case SIM_TK_SRCU_UNLOCK:
		if (!t->nopen)
			refuse("%s closes a read section opened before the test's first step", at);
		snprintf(o->code, sizeof(o->code), "srcu_read_unlock(%s, idx%d);", srcu_var(c, t, a->addr),
			 t->open[--t->nopen]);
		snprintf(o->note, sizeof(o->note), "%s -> %s", at, o->code);
		return;
	case SIM_TK_SYNC:
		snprintf(o->code, sizeof(o->code), "%s(%s);", a->order ? "synchronize_srcu_expedited" : "synchronize_srcu",
			 srcu_var(c, t, a->addr));
		snprintf(o->note, sizeof(o->note), "%s -> %s", at, o->code);
		return;
	case SIM_TK_CALL_SRCU:
		/* It orders none of the caller's own accesses (only its callback's,
		 * which is not in the test), so leaving it out changes no outcome. */
		snprintf(o->note, sizeof(o->note), "%s: left out (herd7 cannot express call_srcu(); it orders none of the caller's accesses)", at);
		return;
	default:
		refuse("%s: an SRCU callback's start is not expressible in herd7", at);
	}
}

static void print_thread(FILE *f, int p, const struct thr *t)
{
	fprintf(f, "P%d(int *x, int *y%s)\n{\n", p, t->uses_srcu ? ", struct srcu_struct *s" : "");
	for (int i = 0; i < t->nregs; i++)
		fprintf(f, "\tint r%d;\n", i);
	for (int i = 0; i < t->nidx; i++)
		fprintf(f, "\tint idx%d;\n", i);
	if (t->nregs || t->nidx)
		fputc('\n', f);
	for (int i = 0; i < t->n; i++)
		if (t->o[i].code[0])
			fprintf(f, "\t%s\n", t->o[i].code);
	fprintf(f, "}\n\n");
}

/* A comment line: "(*" would open a nested OCaml comment, "*)" end it early. */
static void note(FILE *f, const char *pre, const char *s)
{
	fprintf(f, " * %s", pre);
	for (; *s; s++) {
		fputc(*s, f);
		if ((s[0] == '(' && s[1] == '*') || (s[0] == '*' && s[1] == ')'))
			fputc(' ', f);
	}
	fputc('\n', f);
}

void sim_litmus_export(const struct sim_finding_rec *fr, const char *path, const char *name)
{
	static struct thr w, r;
	static struct ctx c;
	const char *cls = sim_finding_name(fr->cls), *msg = fr->msg;
	int rt = fr->tid, wt;
	size_t s, o = 0, e = 0, n0 = 0, lock_from;
	long rf_s;
	bool found = false;
	FILE *f;

	tr = sim_trace_steps(&ntr);
	if (strcmp(cls, "ordering"))
		refuse("only an ordering finding exports as a litmus test, this one is %s", cls);
	/* S: the reader's latest stale load. */
	for (s = ntr; s-- > 0;)
		if (tr[s].tid == rt && tr[s].acc.kind == SIM_TK_LOAD && tr[s].acc.stale)
			break;
	if (s == (size_t)-1)
		refuse("%s made no stale load: the finding is no reordering of its loads", sim_thread_name(rt));
	rf_s = store_of(tr[s].acc.g, s);
	/* O: its latest load before S that read a store of another thread W
	 * made after W's store to S's location, which S missed. */
	for (o = s; o-- > 0 && !found;) {
		long st;

		if (tr[o].tid != rt || tr[o].acc.kind != SIM_TK_LOAD || tr[o].acc.addr == tr[s].acc.addr)
			continue;
		st = store_of(tr[o].acc.g, o);
		if (st < 0 || tr[st].tid == rt)
			continue;
		e = (size_t)st;
		for (n0 = e; n0-- > 0;)
			if (tr[n0].tid == tr[e].tid && is_store(&tr[n0]) && tr[n0].acc.addr == tr[s].acc.addr)
				break;
		if (n0 != (size_t)-1 && (long)n0 > rf_s) {
			found = true;
			break;
		}
	}
	if (!found)
		refuse("no load of %s before its stale load at step %zu read a store that comes after a newer store to that location",
		       sim_thread_name(rt), s);
	wt = tr[e].tid;
	for (size_t i = 0; i < n0; i++)
		if (tr[i].tid == wt && tr[i].acc.kind == SIM_TK_CALLBACK)
			refuse("the writer %s is running a call_srcu() callback, which herd7 cannot express, and the outcome depends on its grace period",
			       sim_thread_name(wt));

	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	w.tid = wt;
	r.tid = rt;
	c.loc[0] = tr[s].acc.addr;
	c.loc[1] = tr[o].acc.addr;
	/* Number the test's stores per location, in trace order. */
	for (size_t i = n0; i <= s; i++) {
		int l = loc_of(&c, tr[i].acc.addr);
		bool in = (tr[i].tid == wt && i <= e) || (tr[i].tid == rt && i >= o);

		if (in && tr[i].acc.kind == SIM_TK_STORE && l >= 0 && c.nnum[l] < MAX_OUT) {
			char b[32];
			size_t len = strlen(c.vals[l]);

			c.num_g[l][c.nnum[l]++] = tr[i].acc.g;
			snprintf(c.vals[l] + len, sizeof(c.vals[l]) - len, ", %d: %s", c.nnum[l],
				 value_name(tr[i].acc.val, b, sizeof(b)));
		}
	}
	for (size_t i = n0; i <= e; i++)
		if (tr[i].tid == wt)
			emit(&c, &w, i, false);
	/* The read sections still open at O (in program order: they come first). */
	lock_from = o;
	{
		size_t stack[8];
		int depth = 0;

		for (size_t i = 0; i < o; i++) {
			if (tr[i].tid != rt)
				continue;
			if (tr[i].acc.kind == SIM_TK_SRCU_LOCK && depth < 8)
				stack[depth++] = i;
			else if (tr[i].acc.kind == SIM_TK_SRCU_UNLOCK && depth)
				depth--;
		}
		for (int k = 0; k < depth; k++)
			emit(&c, &r, stack[k], true);
		if (depth)
			lock_from = stack[0];
	}
	for (size_t i = o; i <= s; i++)
		if (tr[i].tid == rt)
			emit(&c, &r, i, true);

	f = fopen(path, "w");
	if (!f)
		refuse("cannot write %s", path);
	fprintf(f, "C busfuzz-%s\n\n(*\n", name);
	fprintf(f, " * Result: Sometimes\n *\n");
	fprintf(f, " * Written by busfuzz replay --litmus (model %s, srcu %s), which observed the\n"
		   " * outcome of the exists clause; check it against the LKMM with herd7\n"
		   " * (tools/memory-model: herd7 -conf linux-kernel.cfg FILE).  The finding:\n",
		sim_model_name[sim_cfg.model], sim_srcu_mode_name[sim_cfg.srcu]);
	note(f, "  FINDING ordering: ", msg);
	fprintf(f, " *\n");
	{
		char b[32], b2[32], b3[48], b4[48];

		fprintf(f, " * x is %s, the location of %s's stale load, which read %s (0: older than the test%s)\n",
			sim_obj_name(c.loc[0], b3, sizeof(b3)), sim_thread_name(rt),
			value_name(tr[s].acc.val, b, sizeof(b)), c.vals[0]);
		fprintf(f, " * y is %s, the location of its observation, which read %s (0: older than the test%s)\n",
			sim_obj_name(c.loc[1], b4, sizeof(b4)), value_name(tr[o].acc.val, b2, sizeof(b2)), c.vals[1]);
	}
	fprintf(f, " *\n * P0 is %s, steps %zu to %zu of the trace; P1 is %s, steps %zu to %zu:\n",
		sim_thread_name(wt), n0, e, sim_thread_name(rt), lock_from, s);
	for (int i = 0; i < w.n; i++)
		if (w.o[i].note[0])
			note(f, "  P0 ", w.o[i].note);
	for (int i = 0; i < r.n; i++)
		if (r.o[i].note[0])
			note(f, "  P1 ", r.o[i].note);
	if (r.nopen)
		fprintf(f, " *   P1: its open read section%s closed after the finding (added so the test is balanced)\n",
			r.nopen > 1 ? "s are" : " is");
	fprintf(f, " *)\n\n{}\n\n");
	/* Close what the reader left open, innermost first. */
	while (r.nopen) {
		impl_mb(&r, "__srcu_read_unlock()");
		snprintf(next_out(&r)->code, sizeof(r.o[0].code), "srcu_read_unlock(s, idx%d);", r.open[--r.nopen]);
	}
	print_thread(f, 0, &w);
	print_thread(f, 1, &r);
	fprintf(f, "exists (%s)\n", c.cond);
	if (fclose(f))
		refuse("cannot write %s", path);
	fprintf(stderr, "busfuzz: litmus test of the finding written to %s\n", path);
}
