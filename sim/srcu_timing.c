// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grace-period cost (busfuzz cost): Tree SRCU's timing on a virtual jiffies
 * clock.  Off unless sim_cost_start() turned it on; it never changes what
 * the SRCU model of sim/srcu.c decides (who waits for whom, when callbacks
 * may run): it is an accounting beside it, asked by srcu.c's hooks how long
 * each grace-period wait of the calling thread lasts on the clock.
 *
 * It is a model of kernel/rcu/srcutree.c, not that file compiled: each
 * function below says which srcutree.c function it follows, and each timing
 * decision is a rule (enum below) whose line tools/srcu_timing.py looks up in
 * the tree measured; where trees differ (5.10, 6.1, 6.12, 7.x) the
 * parameters it reads from the tree choose the variant (struct
 * sim_cost_params).  Assumed: SRCU_SIZE_SMALL (no srcu_node tree: every
 * request goes through the boot CPU's srcu_data, as below big_cpu_lim CPUs
 * without contention), rcu_gp_is_normal() false, srcu_init_done, and work
 * items that run at once when due and take no time.  Readers inside a read
 * section while a grace period scans (t_try_check_zero() spinning) are not
 * modelled: cost runs have no preemption, and such a scan traps.
 *
 * The clock: jiffies, advanced only when the calling thread waits (a
 * grace period, srcu_barrier(), or userspace sleeping) and only to the next
 * timer; everything due at the present runs first, in the order it was
 * queued (timers in order of expiry, then the workqueue FIFO).
 */
#include "sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sim_cost_on;
static struct sim_cost_params P;
static unsigned long now;		/* jiffies */

/* rcu.h's rcu_seq_*(): the low two bits of a sequence are the state. */
#define SEQ_STATE_MASK 3UL
#define seq_state(s) ((s) & SEQ_STATE_MASK)
#define seq_snap(s) (((s) + 2 * SEQ_STATE_MASK + 1) & ~SEQ_STATE_MASK)
#define CMP_LT(a, b) ((long)((a) - (b)) < 0)
#define CMP_GE(a, b) ((long)((a) - (b)) >= 0)
#define SCAN1 1
#define SCAN2 2

#define MAX_TCB 256
#define MAX_STARTS 64

enum { W_NONE, W_GP, W_CB };	/* work items: sup->work (process_srcu), sdp->work (srcu_invoke_callbacks) */

struct tcb {			/* a callback in the srcu_data's segmented list */
	unsigned long s;	/* the grace period it waits for (rcu_seq_snap() at queueing) */
	int waiter;		/* a wait's id (synchronize/barrier), -1: a call_srcu() callback */
};

struct tsrcu {
	struct sim_srcu *s;
	/* struct srcu_usage */
	unsigned long gp_seq, gp_seq_needed, gp_seq_needed_exp, gp_start, n_exp_nodelay;
	unsigned long reschedule_jiffies, reschedule_count, last_gp_end;
	/* the boot CPU's struct srcu_data */
	unsigned long sdp_needed, sdp_needed_exp;
	struct tcb cbs[MAX_TCB];
	int ncb;
	/* who asked for each grace period: gp_seq_needed raised to .s by .site */
	struct { unsigned long s; const struct sim_site *site; } starts[MAX_STARTS];
	int nstarts;
	const struct sim_site *cur_starter;	/* of the grace period in progress */
	/* timers: sup->work's delayed-work timer and sdp->delay_work */
	bool gp_timer, cb_timer;
	unsigned long gp_timer_at, cb_timer_at;
	int gp_timer_rule, cb_timer_rule;
	bool gp_queued, cb_queued;	/* in the workqueue FIFO (WORK_STRUCT_PENDING) */
};

static struct tsrcu T[SIM_MAX_SRCU];
static int nT;

/* The workqueue: items in the order queued. */
static struct { struct tsrcu *t; int kind; } fifo[4 * SIM_MAX_SRCU];
static int nfifo;

/* Waits of the calling thread, until the driver takes them. */
#define MAX_WAITS 16
static struct sim_cost_wait waits[MAX_WAITS];
static int nwaits;
static struct { bool done; unsigned long at; } wstate[MAX_WAITS];

__attribute__((noreturn, format(printf, 1, 2))) static void trap(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "busfuzz: cost: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void sim_cost_start(const struct sim_cost_params *p)
{
	P = *p;
	if (!P.hz)
		trap("HZ must be at least 1");
	sim_cost_on = true;
	now = 0;
	nT = nfifo = nwaits = 0;
	memset(T, 0, sizeof(T));
}

void sim_cost_stop(void)
{
	sim_cost_on = false;
}

unsigned long sim_cost_jiffies(void)
{
	return now;
}

static struct tsrcu *tof(struct sim_srcu *s)
{
	struct tsrcu *t = NULL;

	for (int i = 0; i < nT; i++) {
		if (T[i].s == s)
			return &T[i];
		if (!T[i].s && !t)
			t = &T[i];	/* cleaned up: free again */
	}
	if (!t && nT == SIM_MAX_SRCU)
		sim_fatal("cost: too many srcu_structs");
	if (!t)
		t = &T[nT++];
	/* init_srcu_struct_fields(): everything at the same initial sequence */
	memset(t, 0, sizeof(*t));
	t->s = s;
	t->last_gp_end = now;
	return t;
}

/* ---- workqueue and timers ---------------------------------------------------- */

static void wq_queue(struct tsrcu *t, int kind)
{
	bool *q = kind == W_GP ? &t->gp_queued : &t->cb_queued;

	if (*q)
		return;		/* already pending: queue_work() does nothing */
	*q = true;
	fifo[nfifo].t = t;
	fifo[nfifo++].kind = kind;
}

/* queue_delayed_work(): a no-op while pending (queued, or its timer armed). */
static void queue_delayed_gp(struct tsrcu *t, unsigned long delay, int rule)
{
	if (t->gp_queued || t->gp_timer)
		return;
	if (!delay) {
		wq_queue(t, W_GP);
		return;
	}
	t->gp_timer = true;
	t->gp_timer_at = now + delay;
	t->gp_timer_rule = rule;
}

/* srcu_queue_delayed_work_on(): queue_work_on() for no delay, else timer_reduce(). */
static void queue_cbs(struct tsrcu *t, unsigned long delay, int rule)
{
	if (!delay) {
		wq_queue(t, W_CB);
		return;
	}
	if (!t->cb_timer || CMP_LT(now + delay, t->cb_timer_at)) {
		t->cb_timer_at = now + delay;
		t->cb_timer_rule = rule;
	}
	t->cb_timer = true;
}

/* ---- srcutree.c ------------------------------------------------------------------ */

static bool t_gp_is_expedited(struct tsrcu *t)	/* srcu_gp_is_expedited() */
{
	return CMP_LT(t->gp_seq, t->gp_seq_needed_exp);
}

static unsigned long nodelay_phase(void)	/* SRCU_DEFAULT_MAX_NODELAY_PHASE, at P.hz */
{
	unsigned long v = 2UL * 1000000UL / P.hz / (P.retry_delay ? P.retry_delay : 1);

	if (v < (unsigned long)P.phase_lo)
		v = P.phase_lo;
	if (v > (unsigned long)P.phase_hi)
		v = P.phase_hi;
	return v;
}

/* srcu_get_delay() */
static unsigned long t_get_delay(struct tsrcu *t)
{
	unsigned long jbase = P.interval, j;

	if (t_gp_is_expedited(t))
		jbase = 0;
	if (!P.grows)		/* 5.10: 0 when expedited, else SRCU_INTERVAL */
		return jbase;
	if (seq_state(t->gp_seq)) {
		j = now - 1;
		if (CMP_LT(t->gp_start, j))	/* time_after(j, gpstart) */
			jbase += j - t->gp_start;
		if (!jbase && P.nodelay) {
			t->n_exp_nodelay++;
			if (t->n_exp_nodelay > nodelay_phase())
				jbase = 1;
		}
	}
	return jbase > (unsigned long)P.max_interval ? (unsigned long)P.max_interval : jbase;
}

static const struct sim_site *starter_of(struct tsrcu *t, unsigned long endseq)
{
	for (int i = 0; i < t->nstarts; i++)
		if (CMP_GE(t->starts[i].s, endseq))
			return t->starts[i].site;
	return NULL;
}

/* srcu_gp_start() */
static void t_gp_start(struct tsrcu *t)
{
	t->gp_start = now;
	t->n_exp_nodelay = 0;
	t->gp_seq++;		/* rcu_seq_start() */
	t->cur_starter = starter_of(t, (t->gp_seq | SEQ_STATE_MASK) + 1);
}

/* srcu_reschedule() */
static void t_reschedule(struct tsrcu *t, unsigned long delay, int rule)
{
	bool pushgp = true;

	if (CMP_GE(t->gp_seq, t->gp_seq_needed)) {
		if (!seq_state(t->gp_seq))
			pushgp = false;
	} else if (!seq_state(t->gp_seq)) {
		t_gp_start(t);
	}
	if (pushgp)
		queue_delayed_gp(t, delay, rule);
}

/* t_try_check_zero(): the readers of the index; a reader inside is not modelled. */
static void t_try_check_zero(struct tsrcu *t)
{
	int n;

	(void)t_get_delay(t);	/* its srcu_n_exp_nodelay count */
	n = sim_srcu_nreaders(t->s);
	if (n)
		trap("a grace period of %s scans while %d reader(s) are inside: t_try_check_zero()'s "
		     "waiting for readers is not modelled", sim_srcu_name(t->s), n);
}

/* srcu_gp_end() */
static void t_gp_end(struct tsrcu *t)
{
	unsigned long cbdelay = 1;

	if (P.cbdelay_get_delay)
		cbdelay = t_get_delay(t);		/* 5.10 */
	else if (t_gp_is_expedited(t))
		cbdelay = 0;
	t->last_gp_end = now;
	t->gp_seq = (t->gp_seq | SEQ_STATE_MASK) + 1;	/* rcu_seq_end() */
	if (CMP_LT(t->gp_seq_needed_exp, t->gp_seq))
		t->gp_seq_needed_exp = t->gp_seq;
	/* Each open wait on this srcu_struct whose grace period this is, or comes after. */
	for (int i = 0; i < nwaits; i++)
		if (!wstate[i].done && waits[i].srcu == t->s && CMP_GE(waits[i].need_seq, t->gp_seq))
			waits[i].gps++;
	/* SRCU_SIZE_SMALL: the boot CPU's srcu_data, whether or not it has callbacks */
	queue_cbs(t, cbdelay, SIM_COST_R_GP_END_CBDELAY);
	if (!seq_state(t->gp_seq) && CMP_LT(t->gp_seq, t->gp_seq_needed)) {
		t_gp_start(t);
		t_reschedule(t, 0, SIM_COST_R_GP_END_NEXT);
	}
}

/* srcu_advance_state() */
static void t_advance_state(struct tsrcu *t)
{
	if (seq_state(t->gp_seq) == 0) {
		if (CMP_GE(t->gp_seq, t->gp_seq_needed))
			return;
		t_gp_start(t);
	}
	if (seq_state(t->gp_seq) == SCAN1) {
		t_try_check_zero(t);
		t->gp_seq = (t->gp_seq & ~SEQ_STATE_MASK) | SCAN2;	/* after srcu_flip() */
		t->n_exp_nodelay = 0;
	}
	if (seq_state(t->gp_seq) == SCAN2) {
		t_try_check_zero(t);
		t->n_exp_nodelay = 0;
		t_gp_end(t);
	}
}

/* t_process_srcu() */
static void t_process_srcu(struct tsrcu *t)
{
	unsigned long curdelay;

	t_advance_state(t);
	curdelay = t_get_delay(t);
	if (P.reschedule_count) {
		if (curdelay) {
			t->reschedule_count = 0;
		} else if (t->reschedule_jiffies == now) {
			if (++t->reschedule_count > (nodelay_phase() > 100 ? nodelay_phase() : 100))
				curdelay = 1;
		} else {
			t->reschedule_count = 1;
			t->reschedule_jiffies = now;
		}
	}
	t_reschedule(t, curdelay, SIM_COST_R_PROCESS_RESCHEDULE);
}

/* srcu_invoke_callbacks(): every callback whose grace period is done, in order. */
static void t_invoke_callbacks(struct tsrcu *t)
{
	int kept = 0;

	for (int i = 0; i < t->ncb; i++) {
		struct tcb *c = &t->cbs[i];

		if (CMP_GE(t->gp_seq, c->s)) {	/* rcu_segcblist_advance(): its grace period is done */
			if (c->waiter >= 0) {
				wstate[c->waiter].done = true;
				wstate[c->waiter].at = now;
			}
			continue;
		}
		t->cbs[kept++] = *c;
	}
	t->ncb = kept;
}

/* srcu_funnel_gp_start(), SRCU_SIZE_SMALL: no srcu_node to walk. */
static void t_funnel_gp_start(struct tsrcu *t, unsigned long s, bool do_norm, const struct sim_site *site)
{
	if (CMP_LT(t->gp_seq_needed, s)) {
		int k = 0;

		for (int i = 0; i < t->nstarts; i++)	/* forget the requests of grace periods done */
			if (CMP_LT(t->gp_seq, t->starts[i].s))
				t->starts[k++] = t->starts[i];
		t->nstarts = k;
		if (t->nstarts < MAX_STARTS) {
			t->starts[t->nstarts].s = s;
			t->starts[t->nstarts++].site = site;
		}
		t->gp_seq_needed = s;
	}
	if (!do_norm && CMP_LT(t->gp_seq_needed_exp, s))
		t->gp_seq_needed_exp = s;
	if (!CMP_GE(t->gp_seq, s) && seq_state(t->gp_seq) == 0) {
		t_gp_start(t);
		/* 7.x: irq_work_queue() -> srcu_irq_work(), which runs at once; 6.x: directly */
		queue_delayed_gp(t, !!t_get_delay(t), SIM_COST_R_KICK);
	}
}

/* srcu_funnel_exp_start(), SRCU_SIZE_SMALL */
static void t_funnel_exp_start(struct tsrcu *t, unsigned long s)
{
	if (CMP_LT(t->gp_seq_needed_exp, s))
		t->gp_seq_needed_exp = s;
}

/* srcu_gp_start_if_needed(); waiter: the wait the callback ends, -1 for call_srcu(). */
static unsigned long t_gp_start_if_needed(struct tsrcu *t, int waiter, bool do_norm, const struct sim_site *site)
{
	unsigned long s = seq_snap(t->gp_seq);
	bool needgp = false, needexp = false;

	if (t->ncb == MAX_TCB)
		sim_fatal("cost: too many pending callbacks");
	t->cbs[t->ncb].s = s;
	t->cbs[t->ncb++].waiter = waiter;
	if (CMP_LT(t->sdp_needed, s)) {
		t->sdp_needed = s;
		needgp = true;
	}
	if (!do_norm && CMP_LT(t->sdp_needed_exp, s)) {
		t->sdp_needed_exp = s;
		needexp = true;
	}
	if (needgp)
		t_funnel_gp_start(t, s, do_norm, site);
	else if (needexp)
		t_funnel_exp_start(t, s);
	return s;
}

/* srcu_should_expedite() (srcu_might_be_idle() before 6.13) */
static bool t_should_expedite(struct tsrcu *t)
{
	for (int i = 0; i < t->ncb; i++)
		if (!CMP_GE(t->gp_seq, t->cbs[i].s))
			return false;	/* callbacks pending: not idle */
	if (!P.exp_holdoff_ns || (now - t->last_gp_end) * (1000000000UL / P.hz) < P.exp_holdoff_ns)
		return false;	/* too soon after the last grace period (ns on the jiffies clock) */
	return !CMP_LT(t->gp_seq, t->gp_seq_needed);
}

/* ---- the event loop ------------------------------------------------------------- */

/* Everything due now, in order: expired timers queue their work, then the FIFO runs. */
static void drain(void)
{
	for (;;) {
		for (int i = 0; i < nT; i++) {
			struct tsrcu *t = &T[i];

			if (t->gp_timer && CMP_GE(now, t->gp_timer_at)) {
				t->gp_timer = false;
				wq_queue(t, W_GP);
			}
			if (t->cb_timer && CMP_GE(now, t->cb_timer_at)) {
				t->cb_timer = false;
				wq_queue(t, W_CB);	/* srcu_delay_timer() */
			}
		}
		if (!nfifo)
			return;
		struct tsrcu *t = fifo[0].t;
		int kind = fifo[0].kind;

		memmove(fifo, fifo + 1, --nfifo * sizeof(fifo[0]));
		if (kind == W_GP) {
			t->gp_queued = false;	/* pending is cleared before the function runs */
			t_process_srcu(t);
		} else {
			t->cb_queued = false;
			t_invoke_callbacks(t);
		}
	}
}

/* The next timer to fire, and the rule that armed it; false if none. */
static bool next_timer(unsigned long *at, int *rule)
{
	bool any = false;

	for (int i = 0; i < nT; i++) {
		struct tsrcu *t = &T[i];

		if (t->gp_timer && (!any || CMP_LT(t->gp_timer_at, *at)))
			*at = t->gp_timer_at, *rule = t->gp_timer_rule, any = true;
		if (t->cb_timer && (!any || CMP_LT(t->cb_timer_at, *at)))
			*at = t->cb_timer_at, *rule = t->cb_timer_rule, any = true;
	}
	return any;
}

/* The calling thread waits until wait w is done: time passes, timer by timer. */
static void wait_for(int w)
{
	drain();
	while (!wstate[w].done) {
		unsigned long at;
		int rule;

		if (!next_timer(&at, &rule))
			trap("a grace-period wait at %s:%d that nothing would end", waits[w].site->file,
			     waits[w].site->line);
		if (CMP_LT(now, at)) {
			waits[w].rules |= 1u << rule;
			now = at;
		}
		drain();
	}
	waits[w].t1 = wstate[w].at;
	if (waits[w].t1 != now)
		sim_fatal("cost: a wait ended in the past");
}

static int new_wait(struct tsrcu *t, const char *kind, const struct sim_site *site)
{
	int w;

	if (nwaits == MAX_WAITS)
		sim_fatal("cost: more than %d grace-period waits in one step", MAX_WAITS);
	w = nwaits++;
	memset(&waits[w], 0, sizeof(waits[w]));
	waits[w].kind = kind;
	waits[w].site = site;
	waits[w].srcu = t->s;
	waits[w].t0 = now;
	waits[w].t1 = (unsigned long)-1;
	wstate[w].done = false;
	/* What it waits behind: the grace period in progress, else the one it starts. */
	waits[w].behind = seq_state(t->gp_seq) ? t->cur_starter : NULL;
	return w;
}

/* ---- hooks of sim/srcu.c ------------------------------------------------------------ */

void sim_cost_srcu_init(struct sim_srcu *s)
{
	(void)tof(s);
}

void sim_cost_call(struct sim_srcu *s, bool expedited, const struct sim_site *site)
{
	struct tsrcu *t = tof(s);

	drain();
	t_gp_start_if_needed(t, -1, !expedited, site);	/* __call_srcu(ssp, rhp, func, do_norm) */
	drain();		/* srcu_irq_work() and work due now run at once */
}

void sim_cost_synchronize(struct sim_srcu *s, bool expedited, const struct sim_site *site)
{
	struct tsrcu *t = tof(s);
	int w;

	drain();
	/* synchronize_srcu(): expedited when srcu_should_expedite() says idle */
	if (!expedited && t_should_expedite(t))
		expedited = true;
	w = new_wait(t, expedited ? "expedited" : "normal", site);
	waits[w].need_seq = t_gp_start_if_needed(t, w, !expedited, site);	/* __synchronize_srcu() */
	if (!waits[w].behind)
		waits[w].behind = t->cur_starter;
	wait_for(w);
}

void sim_cost_barrier(struct sim_srcu *s, const struct sim_site *site)
{
	struct tsrcu *t = tof(s);
	int w;

	drain();
	w = new_wait(t, "barrier", site);
	if (!t->ncb) {		/* rcu_segcblist_entrain() on an empty list: nothing to wait for */
		wstate[w].done = true;
		wstate[w].at = now;
		waits[w].behind = NULL;
	} else {
		/* entrained after the last callback: ready with it */
		unsigned long s = t->cbs[t->ncb - 1].s;

		waits[w].need_seq = s;
		waits[w].behind = starter_of(t, s);
		t->cbs[t->ncb].s = s;
		t->cbs[t->ncb++].waiter = w;
	}
	wait_for(w);
}

/* cleanup_srcu_struct(): flush_delayed_work() runs what is pending now. */
void sim_cost_cleanup(struct sim_srcu *s)
{
	struct tsrcu *t = tof(s);

	if (t->gp_timer) {
		t->gp_timer = false;
		wq_queue(t, W_GP);
	}
	if (t->cb_timer) {
		t->cb_timer = false;
		wq_queue(t, W_CB);
	}
	drain();
	t->s = NULL;		/* a later srcu_struct may reuse the pool slot */
}

/* Userspace sleeps: time passes, due work runs. */
void sim_cost_sleep(unsigned long jiffies)
{
	unsigned long end = now + jiffies, at;
	int rule;

	drain();
	while (next_timer(&at, &rule) && CMP_GE(end, at)) {
		if (CMP_LT(now, at))
			now = at;
		drain();
	}
	now = end;
	drain();
}

int sim_cost_take_waits(struct sim_cost_wait *out, int max)
{
	int n = nwaits < max ? nwaits : max;

	memcpy(out, waits, n * sizeof(*out));
	nwaits = 0;
	return n;
}
