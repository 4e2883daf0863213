/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tso model's rules (x86), in one place: each thread reads one global
 * memory at a monotonic snapshot (gseen, a point of the execution counter
 * every message is stamped with), its own stores forwarded from its store
 * buffer; full fences and RMWs read the present.  Stores enter coherence
 * order in execution order (mem.c places them newest).
 *
 * Private to sim/mem.c, which includes it after its types: static inline,
 * since every marked access runs through here (the hot path).
 */
#ifndef SIM_MEM_TSO_H
#define SIM_MEM_TSO_H

/* What a thread has seen and stored (its store buffer included). */
static inline uint32_t tso_horizon(const struct tstate *t)
{
	return t->gseen > t->gwrote ? t->gseen : t->gwrote;
}

/* A new thread sees what its creator saw and stored. */
static inline void tso_thread_reset(struct tstate *t, const struct tstate *parent)
{
	t->gseen = tso_horizon(parent);
}

/* Where a load's readable messages start, before its view moves it up: the
 * latest message at the snapshot. */
static inline int tso_first_readable(const struct loc *l, const struct tstate *t)
{
	int i = 0;

	for (int k = 0; k < l->nmsg; k++)
		if (l->m[k].g <= t->gseen)
			i = k;
	return i;
}

/* A full fence or an RMW drains the store buffer: the thread reads the present. */
static inline void tso_read_present(struct tstate *t, uint32_t now)
{
	t->gseen = now;
}

/* A load of message m moves the snapshot up to it; a load of its own store
 * still in the store buffer says nothing of memory. */
static inline void tso_read_from(struct tstate *t, int tid, const struct msg *m)
{
	if (m->tid != tid && m->g > t->gseen)
		t->gseen = m->g;
}

/* A store enters the thread's store buffer. */
static inline void tso_stored(struct tstate *t, const struct msg *m)
{
	t->gwrote = m->g;
}

/* Grace periods and read sections: the view is one point of the execution counter. */
static inline void tso_export(const struct tstate *t, struct sim_vview *v)
{
	uint32_t g = tso_horizon(t);

	if (v->t[SIM_MAX_LOC] < g)
		v->t[SIM_MAX_LOC] = g;
}

static inline void tso_import(struct tstate *t, const struct sim_vview *v)
{
	if (t->gseen < v->t[SIM_MAX_LOC])
		t->gseen = v->t[SIM_MAX_LOC];
}

#endif
