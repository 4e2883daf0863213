// SPDX-License-Identifier: GPL-2.0-only
/*
 * The structure-aware mutator of the libFuzzer targets (fuzz/fuzz_bus.c).
 *
 * libFuzzer's byte mutations break an input's structure (fuzz/input.h): one
 * flipped head bit changes the number of vCPUs and shifts every op and every
 * decision after it, and its inputs start short, so the decision stream runs
 * out and nothing is preempted.  This mutator edits the three parts apart:
 *
 *   scenario   one field of the head or of an op (threads, ops, kinds,
 *              slots, buses), resizing the op arrays without moving the
 *              stream;
 *   schedule   where preemptions fall and who runs (a choice byte), run
 *              lengths (a budget byte), a pct-style priority change (another
 *              thread runs, then long runs), a fresh random tail, a tail
 *              spliced from another input;
 *   data       stale loads, allocation failures, grace-period progress,
 *              by kind (the roles say which byte is which): another message
 *              or the newest, a fault added, moved or taken away, a read
 *              section waited for or not; with failslab off, a fault
 *              injected at one of the allocations the execution made (as
 *              the kernel's fail_nth), the rest of it unchanged.
 *
 * It knows which stream byte is which from the scheduler (sim_record_roles()):
 * the roles of the latest execution, which is the input being mutated
 * whenever libFuzzer stacks mutations (-mutate_depth); otherwise the
 * mutations that need no roles.  Many results are blind generation's
 * (fuzz/explore.c's random strategy): a whole new input, or a corpus input's
 * scenario with every decision drawn again, to the end of the room (the
 * random strategy's stream never runs out); coverage picks the scenarios.
 * The crossover gives one input's scenario another's schedule.  libFuzzer's
 * own mutations stay, at a low rate.  Every result is an ordinary input: it
 * replays with `busfuzz replay`.
 *
 * Interleaving feedback: a counter per (site switched from, site resumed at)
 * pair (sim_count_orders()) and one per load site that read a stale value
 * (sim_count_stale(), in the same counters), registered as extra 8-bit
 * coverage counters, cut to 0 or 1 after each execution (which pairs met,
 * which loads went stale, not how often).  Edges cannot see a stale load:
 * the same lines run whichever value it read.
 */
#include "input.h"
#include "sim.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end);

#define MAX_INPUT 4096
#define ORDER_COUNTERS 4096

static uint8_t last[MAX_INPUT];			/* the latest execution's input */
static size_t last_size;
static struct sim_role_rec roles[MAX_INPUT];	/* and what each byte was to the scheduler */
#define MAX_ALLOCS 512
static uint16_t allocs[MAX_ALLOCS];		/* failslab off: where it allocated (stream positions) */
static size_t nallocs;
static uint8_t orders[ORDER_COUNTERS] __attribute__((aligned(8)));
static uint64_t seen[ORDER_COUNTERS / 8];	/* the counters any execution reached, a byte each */
static uintptr_t order_pcs[2 * ORDER_COUNTERS];	/* libFuzzer wants a "PC" and flags per counter */

/* Registered with libFuzzer before main(), as the compiler's own counters are. */
__attribute__((constructor)) static void register_orders(void)
{
	for (int i = 0; i < ORDER_COUNTERS; i++)
		order_pcs[2 * i] = (uintptr_t)&orders[i];	/* distinct, and named as such in -print_pcs */
	__sanitizer_cov_8bit_counters_init(orders, orders + ORDER_COUNTERS);
	__sanitizer_cov_pcs_init(order_pcs, order_pcs + 2 * ORDER_COUNTERS);
}

/* BUSFUZZ_MUTATOR=0: libFuzzer's own mutations only, no order counters (bench/run's baseline). */
static int enabled = -1;

static bool mutator_on(void)
{
	if (enabled < 0) {
		const char *e = getenv("BUSFUZZ_MUTATOR");

		enabled = !(e && !strcmp(e, "0"));
	}
	return enabled;
}

/*
 * The order counters in use: 1024 (BUSFUZZ_MUT_ORDERS: how many, a power of
 * two up to ORDER_COUNTERS; 0: none).  All 4096 kept four times the inputs
 * (each written to disk): 78 % of plain libFuzzer's executions per CPU
 * second, 91 % with 1024 (bench/README.md).
 */
static size_t order_mask = 1024 - 1;

__attribute__((constructor)) static void order_knob(void)
{
	const char *e = getenv("BUSFUZZ_MUT_ORDERS");

	if (e)
		order_mask = (size_t)atoi(e) > 0 && (size_t)atoi(e) <= ORDER_COUNTERS ? (size_t)atoi(e) - 1 : 0;
}

/* fuzz/fuzz_bus.c, before each execution: keep the input, record the roles. */
void busfuzz_mutator_before_run(const uint8_t *data, size_t size)
{
	if (!mutator_on())
		return;
	if (size > MAX_INPUT)
		size = MAX_INPUT;
	memcpy(last, data, size);
	last_size = size;
	memset(roles, 0, size * sizeof(roles[0]));
	sim_record_roles(roles, size);
	sim_record_allocs(allocs, MAX_ALLOCS, &nallocs);
	if (order_mask)
		sim_count_orders(orders, order_mask);
}

/*
 * fuzz/fuzz_bus.c, after each execution: an order counter says whether the
 * pair of sites met, not how often (libFuzzer's count buckets would keep an
 * input for every new count: the corpus grows on schedules that only repeat).
 */
static int k_presence = -1;

void busfuzz_mutator_after_run(void)
{
	uint64_t *w = (uint64_t *)orders;

	if (k_presence < 0) {
		const char *e = getenv("BUSFUZZ_MUT_PRESENCE");

		k_presence = e ? atoi(e) : 1;
	}
	if (!k_presence || !mutator_on())
		return;
	for (size_t i = 0; i < ORDER_COUNTERS / 8; i++)
		if (w[i]) {	/* each nonzero byte to 1 */
			w[i] = ((w[i] | w[i] >> 1 | w[i] >> 2 | w[i] >> 3 | w[i] >> 4 | w[i] >> 5 | w[i] >> 6 |
				 w[i] >> 7) & 0x0101010101010101ull);
			seen[i] |= w[i];
		}
}

/*
 * BUSFUZZ_FEATURE_STATS: at exit, how many interleaving counters the run
 * reached (libFuzzer's "cov" counts them beside the edges; bench/run
 * tells the two apart).
 */
__attribute__((destructor)) static void feature_stats(void)
{
	size_t n = 0;

	if (!getenv("BUSFUZZ_FEATURE_STATS"))
		return;
	for (size_t i = 0; i < ORDER_COUNTERS / 8; i++)
		n += (size_t)__builtin_popcountll(seen[i]);
	fprintf(stderr, "stat::interleaving_features: %zu\n", n);
}

/* ---- randomness: libFuzzer's seed per call ------------------------------- */

static uint64_t rs;

static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

/* ---- the input, decoded -------------------------------------------------- */

struct in {
	uint8_t b[IN_HEAD];
	int nioctl, nvcpus, nvops;
	uint8_t ioctl[IN_MAX_IOCTL_OPS];
	uint8_t vop[IN_MAX_VCPUS][IN_MAX_VCPU_OPS];
	const struct sim_role_rec *roles;	/* of the stream's bytes, NULL: unknown */
	size_t used;				/* with roles: the stream bytes the execution read */
	size_t start;				/* with roles: where the stream starts in the input */
	size_t len;
	uint8_t s[MAX_INPUT];			/* the stream */
};

/* Missing bytes read as the harness reads them: 0. */
static void decode(struct in *in, const uint8_t *d, size_t size)
{
	size_t p = IN_HEAD, start = in_stream_start(d, size);

	memset(in, 0, offsetof(struct in, s));
	for (int i = 0; i < IN_HEAD; i++)
		in->b[i] = i < (int)size ? d[i] : 0;
	in->nioctl = in_nioctl(in->b[1]);
	in->nvcpus = in_nvcpus(in->b[0]);
	in->nvops = in_nvops(in->b[2]);
	for (int i = 0; i < in->nioctl; i++, p++)
		in->ioctl[i] = p < size ? d[p] : 0;
	for (int v = 0; v < in->nvcpus; v++)
		for (int i = 0; i < in->nvops; i++, p++)
			in->vop[v][i] = p < size ? d[p] : 0;
	in->len = size - start;
	memcpy(in->s, d + start, in->len);
	/* The roles of the latest execution, if that is this input. */
	if (size == last_size && !memcmp(d, last, size)) {
		size_t left = sim_input_remaining();	/* the scheduler's state is the latest execution's */

		in->roles = roles + start;
		in->used = size - left > start ? size - left - start : 0;
		in->start = start;
	}
}

static size_t encode(const struct in *in, uint8_t *d, size_t max)
{
	size_t p = 0;

	for (int i = 0; i < IN_HEAD && p < max; i++)
		d[p++] = in->b[i];
	for (int i = 0; i < in->nioctl && p < max; i++)
		d[p++] = in->ioctl[i];
	for (int v = 0; v < in->nvcpus; v++)
		for (int i = 0; i < in->nvops && p < max; i++)
			d[p++] = in->vop[v][i];
	for (size_t i = 0; i < in->len && p < max; i++)
		d[p++] = in->s[i];
	return p;
}

static void set_counts(struct in *in)
{
	static const uint8_t vcpus[5] = { 0, 0, 1, 2, 2 | IN_B0_VCPU4 };

	in->b[0] = (in->b[0] & ~(IN_B0_VCPUS | IN_B0_VCPU4)) | vcpus[in->nvcpus];
	in->b[1] = (in->b[1] & ~IN_B1_NIOCTL) | (in->nioctl - 1);
	in->b[2] = (in->b[2] & ~IN_B2_NVOPS) | (in->nvops - 1);
}

/* ---- scenario ------------------------------------------------------------ */

static uint8_t rnd_field(uint8_t op, unsigned shift, unsigned bits)
{
	uint8_t m = (uint8_t)(((1u << bits) - 1) << shift);

	return (uint8_t)((op & ~m) | ((rnd() << shift) & m));
}

static void mutate_ioctl_op(uint8_t *op)
{
	switch (below(7)) {
	case 0: *op ^= IN_IOCTL_UNREG; break;
	case 1: *op = rnd_field(*op, IN_IOCTL_SLOT_SHIFT, 2); break;
	case 2: *op ^= IN_IOCTL_PIO; break;
	case 3: *op = rnd_field(*op, IN_IOCTL_KIND_SHIFT, 2); break;
	case 4: *op ^= IN_IOCTL_DATAMATCH; break;
	case 5:	/* a memslot op or not */
		*op = in_memslot_op(*op) ? *op & ~IN_IOCTL_MEMSLOT : (*op & ~IN_IOCTL_MEMSLOT_MASK) | IN_IOCTL_MEMSLOT;
		break;
	default: *op = (uint8_t)rnd(); break;
	}
}

static void mutate_vcpu_op(uint8_t *op)
{
	switch (below(6)) {
	case 0: *op = rnd_field(*op, 0, 2); break;
	case 1: *op = rnd_field(*op, IN_VCPU_SLOT_SHIFT, 2); break;
	case 2: *op ^= IN_VCPU_PIO; break;
	case 3: *op = rnd_field(*op, IN_VCPU_COOKIE_SHIFT, 2); break;
	case 4: *op ^= IN_VCPU_EMULATED; break;
	default: *op = (uint8_t)rnd(); break;
	}
}

static void mutate_scenario(struct in *in)
{
	int v = below(in->nvcpus), i;

	switch (below(10)) {
	case 0:	/* another number of vCPUs: the ops of those that stay stay */
		in->nvcpus = 1 + below(IN_MAX_VCPUS);
		for (int w = 0; w < IN_MAX_VCPUS; w++)
			for (i = 0; i < IN_MAX_VCPU_OPS; i++)
				if (w >= in->nvcpus || i >= in->nvops)
					in->vop[w][i] = (uint8_t)rnd();
		break;
	case 1:	/* another number of ops per vCPU */
		in->nvops = 1 + below(IN_MAX_VCPU_OPS);
		for (int w = 0; w < IN_MAX_VCPUS; w++)
			for (i = in->nvops; i < IN_MAX_VCPU_OPS; i++)
				in->vop[w][i] = (uint8_t)rnd();
		break;
	case 2:	/* an ioctl op more, anywhere, or one less */
		i = below(in->nioctl + 1);
		if (in->nioctl < IN_MAX_IOCTL_OPS && (rnd() & 1 || in->nioctl == 1)) {
			memmove(in->ioctl + i + 1, in->ioctl + i, in->nioctl - i);
			in->ioctl[i] = (uint8_t)rnd();
			in->nioctl++;
		} else if (in->nioctl > 1) {
			i = below(in->nioctl);
			memmove(in->ioctl + i, in->ioctl + i + 1, in->nioctl - i - 1);
			in->nioctl--;
		}
		break;
	case 3:
		in->b[0] ^= IN_B0_FAILSLAB;
		break;
	case 4:
		in->b[0] ^= rnd() & 1 ? IN_B0_VGIC : 0;
		if (rnd() & 1)	/* x86 or not */
			in->b[0] = in_x86(in->b[0]) ? in->b[0] & ~IN_B0_X86 : in->b[0] | IN_B0_X86;
		in->b[2] ^= rnd() & 1 ? IN_B2_EMUL_RMB : 0;
		break;
	case 5: case 6:
		mutate_ioctl_op(&in->ioctl[below(in->nioctl)]);
		break;
	case 7: case 8:
		mutate_vcpu_op(&in->vop[v][below(in->nvops)]);
		break;
	default: {	/* two ops trade places */
		int a = below(in->nvops), b = below(in->nvops), w = below(in->nvcpus);
		uint8_t t = in->vop[v][a];

		in->vop[v][a] = in->vop[w][b];
		in->vop[w][b] = t;
		break;
	}
	}
	set_counts(in);
	in->roles = NULL;	/* the decisions fall elsewhere now */
}

/* ---- schedule and data --------------------------------------------------- */

static void random_tail(struct in *in, size_t from, size_t room)
{
	/*
	 * Random bytes are the random strategy's decisions (a choice, a 0-15
	 * budget, data), to the end of the room: the random strategy's stream is
	 * endless, and a stream that runs out ends the preemptions, the stale
	 * loads and the faults for the rest of the execution.
	 */
	if (from > room)
		from = room;
	for (size_t i = from; i < room; i++)
		in->s[i] = (uint8_t)rnd();
	in->len = room;
}

static void generate(struct in *in, size_t room)
{
	uint8_t b[IN_HEAD + IN_MAX_IOCTL_OPS + IN_MAX_VCPUS * IN_MAX_VCPU_OPS];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)rnd();
	decode(in, b, sizeof(b));
	in->len = 0;
	random_tail(in, 0, room);
}

/* The stream positions of one role (of the latest execution); n found. */
static size_t find_role(const struct in *in, int role, size_t *pos, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < in->used && n < cap; i++)
		if (in->roles[i].role == role)
			pos[n++] = i;
	return n;
}

static size_t pick(const struct in *in, int role)
{
	static size_t pos[MAX_INPUT];
	size_t n = find_role(in, role, pos, MAX_INPUT);

	return n ? pos[below((unsigned)n)] : (size_t)-1;
}

/* A choice byte that picks candidate c among n: keep the high bits, fewer changed bytes. */
static uint8_t choose(uint8_t old, unsigned n, unsigned c)
{
	unsigned base = old - old % n;

	return (uint8_t)(base + c < 256 ? base + c : c);
}

/*
 * Fault injection where the execution allocated, as the kernel's fail_nth
 * does: with failslab off (the execution noted its allocations), failslab on
 * and a byte at each allocation, all of them "succeed" but one; the rest of
 * the execution up to that allocation stays as it was.
 */
static bool inject_fault(struct in *in, size_t room)
{
	size_t k = below((unsigned)nallocs), at, n = 0;
	static uint8_t s[MAX_INPUT];

	if (!nallocs || in->len + nallocs > room)
		return false;
	for (size_t i = 0, j = 0; i <= in->len; i++) {
		for (; j < nallocs && allocs[j] <= in->start + i; j++)
			if (allocs[j] >= in->start)
				s[n++] = j == k ? 7 : 0;
		if (i < in->len)
			s[n++] = in->s[i];
	}
	at = n;
	memcpy(in->s, s, at);
	in->len = at;
	in->b[0] |= IN_B0_FAILSLAB;
	return true;
}

/* A data choice of the latest execution: another candidate, or a fault moved, added or taken away. */
static bool mutate_data(struct in *in, size_t room)
{
	static size_t pos[MAX_INPUT];
	bool kinds[SIM_ROLE_WAITED + 1] = { false };
	size_t n = 0, p;
	const struct sim_role_rec *r;
	int nk = 0, k;

	if (!(in->b[0] & IN_B0_FAILSLAB) && nallocs && below(4) == 0)
		return inject_fault(in, room);
	/* A kind first, then one of its choices: an execution has many more loads than allocations. */

	for (size_t i = 0; i < in->used; i++)
		if (in->roles[i].role <= SIM_ROLE_WAITED)
			kinds[in->roles[i].role] = true;
	kinds[SIM_ROLE_CHOICE] = kinds[SIM_ROLE_BUDGET] = false;
	for (k = 0; k <= SIM_ROLE_WAITED; k++)
		nk += kinds[k];
	if (!nk)
		return false;
	for (k = 0, nk = (int)below(nk); nk || !kinds[k]; k++)
		nk -= kinds[k];
	for (size_t i = 0; i < in->used; i++)
		if (in->roles[i].role == k)
			pos[n++] = i;
	p = pos[below((unsigned)n)];
	r = &in->roles[p];
	switch (r->role) {
	case SIM_ROLE_FAULT:
		if (r->cur != 7 && rnd() & 1)	/* the only fault up to here */
			for (size_t i = 0; i < n && pos[i] < p; i++)
				if (in->roles[pos[i]].role == SIM_ROLE_FAULT && in->roles[pos[i]].cur == 7)
					in->s[pos[i]] = choose(in->s[pos[i]], 8, 0);
		in->s[p] = choose(in->s[p], 8, r->cur == 7 ? 0 : 7);
		return true;
	case SIM_ROLE_WAITED:
		in->s[p] = choose(in->s[p], 2, !r->cur);
		return true;
	default:	/* a message or a place in coherence order: the newest, or another */
		if (r->n < 2)
			in->s[p] = (uint8_t)rnd();
		else if (r->cur && rnd() & 1)
			in->s[p] = choose(in->s[p], r->n, 0);
		else
			in->s[p] = choose(in->s[p], r->n, (r->cur + 1 + below(r->n - 1)) % r->n);
		return true;
	}
}

/* Mutations that need the roles. */
static bool mutate_known(struct in *in, size_t room)
{
	size_t p;

	switch (below(6)) {
	case 0:	/* a preemption more or less: switch away where the thread went on, or stay */
	case 1: {
		const struct sim_role_rec *r;

		p = pick(in, SIM_ROLE_CHOICE);
		if (p == (size_t)-1)
			return false;
		r = &in->roles[p];
		if (r->cur != 0xff && in->s[p] % r->n != r->cur && rnd() & 1)
			in->s[p] = choose(in->s[p], r->n, r->cur);
		else
			in->s[p] = choose(in->s[p], r->n, (r->cur + 1 + below(r->n - 1)) % r->n);
		return true;
	}
	case 2: /* pct: another thread gets the highest priority here, and runs long */
		p = pick(in, SIM_ROLE_CHOICE);
		if (p == (size_t)-1)
			return false;
		in->s[p] = choose(in->s[p], in->roles[p].n, below(in->roles[p].n));
		for (size_t i = p + 1, k = 0; i < in->used && k < 8; i++) {
			const struct sim_role_rec *r = &in->roles[i];

			if (r->role == SIM_ROLE_BUDGET) {
				in->s[i] |= 15;
				k++;
			} else if (r->role == SIM_ROLE_CHOICE && r->cur != 0xff) {
				in->s[i] = choose(in->s[i], r->n, r->cur);
			}
		}
		return true;
	case 3:	/* a run length */
		p = pick(in, SIM_ROLE_BUDGET);
		if (p == (size_t)-1)
			return false;
		in->s[p] = (in->s[p] & ~15) | (rnd() & 1 ? below(16) : rnd() & 1 ? 0 : 15);
		return true;
	default: /* a data choice */
		return mutate_data(in, room);
	}
}

static const uint8_t *pool[64];			/* recent inputs, to splice from */
static size_t pool_len[64];
static uint8_t pool_buf[64][512];
static unsigned pool_n;

static void remember(const uint8_t *d, size_t size)
{
	unsigned k = pool_n++ % 64;

	if (size > sizeof(pool_buf[0]))
		size = sizeof(pool_buf[0]);
	memcpy(pool_buf[k], d, size);
	pool[k] = pool_buf[k];
	pool_len[k] = size;
}

/* Another input's stream, from one of its positions on, replaces this one's from one of ours on. */
static void splice(struct in *in, const uint8_t *d, size_t size, size_t room)
{
	size_t start = in_stream_start(d, size), at = below((unsigned)in->len + 1), from, n;

	if (start >= size)
		return;
	from = start + below((unsigned)(size - start));
	if (rnd() & 1)
		from = start + (at < size - start ? at : 0);	/* the same decision point, roughly */
	n = size - from;
	if (at + n > room)
		n = room > at ? room - at : 0;
	memcpy(in->s + at, d + from, n);
	in->len = at + n;
}

static void mutate_stream(struct in *in, size_t room)
{
	size_t p = below((unsigned)in->len + 1);

	if (in->roles && below(4) != 0 && mutate_known(in, room))
		return;
	switch (below(10)) {
	case 7: case 8: case 9:
	case 0:	/* a fresh tail, from a point the execution reached */
		if (in->roles && in->used)
			p = below((unsigned)in->used);
		random_tail(in, p, room);
		break;
	case 1:	/* one decision */
		if (in->len)
			in->s[below((unsigned)in->len)] = (uint8_t)rnd();
		else
			random_tail(in, 0, room);
		break;
	case 2: /* run lengths over a stretch: long (pct-like) or short */
	{
		uint8_t v = rnd() & 1 ? 15 : 0;

		for (size_t i = p; i < in->len && i < p + 16; i++)
			in->s[i] = (in->s[i] & ~15) | (rnd() & 3 ? v : below(16));
		break;
	}
	case 3: /* a decision more (two bytes), or one less */
		if (rnd() & 1 && in->len + 2 <= room) {
			memmove(in->s + p + 2, in->s + p, in->len - p);
			in->s[p] = (uint8_t)rnd();
			in->s[p + 1] = (uint8_t)rnd();
			in->len += 2;
		} else if (in->len >= 2 && p + 2 <= in->len) {
			memmove(in->s + p, in->s + p + 2, in->len - p - 2);
			in->len -= 2;
		}
		break;
	case 4: /* the stream ends here: no preemption after */
		in->len = p;
		break;
	case 5:	/* another input's schedule */
		if (pool_n) {
			unsigned k = below(pool_n < 64 ? pool_n : 64);

			splice(in, pool[k], pool_len[k], room);
		}
		break;
	case 6: { /* libFuzzer's own mutation of the stream alone */
		size_t n = in->len;

		if (n > room)
			n = room;
		if (room)
			in->len = LLVMFuzzerMutate(in->s, n, room);
		break;
	}
	}
}

static struct in cur;

/*
 * The shares of each kind of input, in percent (BUSFUZZ_MUT_BATCH, _GEN,
 * _RES, _SCEN, _XO, _OWN override them, for bench/ experiments):
 *   batch  the first calls generate (every other one a seed, see below);
 *   gen    then a whole new input, as blind generation makes it;
 *   res    a corpus input's scenario with all its decisions drawn again
 *          (blind generation within a scenario coverage chose);
 *   scen   a scenario mutation (half of them with new decisions);
 *   the rest: a schedule or data mutation (mutate_stream());
 *   xo     of the crossovers, those that splice two inputs (the others
 *          mutate as above: libFuzzer calls the crossover as often as the
 *          mutator);
 *   own    libFuzzer's own mutations of the whole input.
 * Measured (bench/README.md): more generation finds the ordering bugs
 * sooner, less the bugs that need a scenario built op by op.
 */
static int k_batch = 256, k_gen = 25, k_res = 30, k_scen = 15, k_xo = 100, k_own = 2;

static void knobs(void)
{
	static bool done;
	const char *e;

	if (done)
		return;
	done = true;
	if ((e = getenv("BUSFUZZ_MUT_BATCH"))) k_batch = atoi(e);
	if ((e = getenv("BUSFUZZ_MUT_GEN"))) k_gen = atoi(e);
	if ((e = getenv("BUSFUZZ_MUT_RES"))) k_res = atoi(e);
	if ((e = getenv("BUSFUZZ_MUT_SCEN"))) k_scen = atoi(e);
	if ((e = getenv("BUSFUZZ_MUT_XO"))) k_xo = atoi(e);
	if ((e = getenv("BUSFUZZ_MUT_OWN"))) k_own = atoi(e);
}

/*
 * The seeds (BUSFUZZ_SEEDS, a folder: busfuzz passes corpus/seeds there
 * instead of as a corpus folder): libFuzzer would run them all before
 * anything else, which costs a bug blind generation finds in its first few
 * executions as many.  Here they take every other place of the first batch,
 * between generated inputs; a seed that reaches new coverage stays in the
 * corpus as it would have.
 */
#define MAX_SEEDS 64
static uint8_t *seed_in[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static int nseeds;

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_seeds(void)
{
	const char *dir = getenv("BUSFUZZ_SEEDS");
	char *names[MAX_SEEDS], path[4096];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (!dir || !*dir || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)) && n < MAX_SEEDS)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (int i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		free(names[i]);
		if (!f)
			continue;
		seed_in[nseeds] = malloc(MAX_INPUT);
		seed_len[nseeds] = seed_in[nseeds] ? fread(seed_in[nseeds], 1, MAX_INPUT, f) : 0;
		fclose(f);
		if (seed_in[nseeds])
			nseeds++;
	}
}

static unsigned long calls;

/* The next seed to try instead of a mutation, -1 if none. */
static int next_seed(unsigned long call)
{
	static bool loaded;

	if (!loaded) {
		loaded = true;
		load_seeds();
	}
	return call % 2 == 1 && (int)(call / 2) < nseeds ? (int)(call / 2) : -1;
}

static bool generating(void)
{
	return calls < (unsigned long)k_batch || (int)below(100) < k_gen;
}

/* The stream's room: what the largest scenario leaves (encode() cuts what does not fit). */
static size_t stream_room(size_t max)
{
	size_t head = IN_HEAD + IN_MAX_IOCTL_OPS + IN_MAX_VCPUS * IN_MAX_VCPU_OPS;

	return max > head ? max - head : 0;
}

/* libFuzzer's seed for this call; the sizes within our buffers. */
static void begin(unsigned int seed, size_t *max, size_t *size)
{
	rs = seed * 0x2545f4914f6cdd1dull + 1;
	if (*max > MAX_INPUT)
		*max = MAX_INPUT;
	if (*size > *max)
		*size = *max;
	knobs();
}

/* One structured mutation of cur (decoded). */
static void mutate_cur(size_t room)
{
	int r = (int)below(100);

	if (r < k_res) {
		/* The scenario stays, the decisions are drawn again: blind generation within it. */
		random_tail(&cur, 0, room);
	} else if (r < k_res + k_scen) {
		mutate_scenario(&cur);
		if (rnd() & 1)
			random_tail(&cur, 0, room);
	} else {
		mutate_stream(&cur, room);
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	size_t room;
	int k;

	begin(seed, &max_size, &size);
	if (!mutator_on())
		return LLVMFuzzerMutate(data, size, max_size);
	remember(data, size);
	if ((k = next_seed(calls++)) >= 0) {
		size = seed_len[k] < max_size ? seed_len[k] : max_size;
		memcpy(data, seed_in[k], size);
		return size;
	}
	if ((int)below(100) < k_own && size)	/* libFuzzer's own, on the whole input */
		return LLVMFuzzerMutate(data, size, max_size);
	decode(&cur, data, size);
	room = stream_room(max_size);
	if (generating() || size < IN_HEAD)
		generate(&cur, room);
	else
		mutate_cur(room);
	return encode(&cur, data, max_size);
}

/* The scenario of one input with the schedule of another, from a point of each. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
				 size_t max_out, unsigned int seed)
{
	size_t room;
	int k;

	begin(seed, &max_out, &s1);
	if (!mutator_on()) {
		if (!s1) {	/* the empty input: the other one (corpus inputs are distinct) */
			d1 = d2;
			s1 = s2 < max_out ? s2 : max_out;
		}
		memcpy(out, d1, s1);
		return LLVMFuzzerMutate(out, s1, max_out);
	}
	room = stream_room(max_out);
	if ((k = next_seed(calls++)) >= 0) {
		s1 = seed_len[k] < max_out ? seed_len[k] : max_out;
		memcpy(out, seed_in[k], s1);
		return s1;
	}
	decode(&cur, d1, s1);
	if (generating() || s1 < IN_HEAD) {
		generate(&cur, room);
		return encode(&cur, out, max_out);
	}
	if ((int)below(100) >= k_xo) {
		mutate_cur(room);
		return encode(&cur, out, max_out);
	}
	cur.roles = NULL;
	if (cur.len > room)
		cur.len = room;
	splice(&cur, d2, s2, room);
	if (rnd() & 1)
		mutate_stream(&cur, room);
	return encode(&cur, out, max_out);
}
