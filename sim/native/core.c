// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native backend, core: threads are real pthreads (fresh ones every
 * execution), the OS schedules them, a preemption point may yield or spin a
 * little to widen race windows, and a finding ends the process at once (the
 * first one wins: other threads are stopped mid-flight, as in a kernel oops).
 */
#define _GNU_SOURCE
#include "native.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../sanitizer.h"

#ifdef SIM_TSAN_INSTRUMENTED
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#endif

struct sim_config sim_cfg;
struct sim_native_opts sim_native = { .delay_pct = 10 };
struct nthread sim_nt[SIM_MAX_THREADS];
int sim_nt_count;
__thread int sim_nt_self = -1;
__thread const struct sim_site *sim_nt_site;

static const uint8_t *in;
static size_t in_size, in_pos;		/* in_pos: atomic */
static uint64_t exec_seed, main_rng;
static int stopping;			/* atomic */
static unsigned long nsteps[SIM_MAX_THREADS];

const char *const sim_model_name[] = { "lkmm", "tso", "sc" };
const char *const sim_srcu_mode_name[] = { "doc", "impl" };

static int parse_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

int sim_model_parse(const char *s)
{
	return parse_name(sim_model_name, 3, s);
}

int sim_srcu_mode_parse(const char *s)
{
	return parse_name(sim_srcu_mode_name, 2, s);
}

/* ---- the checker lock ------------------------------------------------------ */

static pthread_mutex_t checker;
static __thread int checker_depth;	/* this thread's nesting inside the checker */

__attribute__((constructor)) static void checker_init(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&checker, &a);
	pthread_mutexattr_destroy(&a);
}

void sim_check_begin(void)
{
#ifdef SIM_TSAN_INSTRUMENTED
	AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
#endif
	pthread_mutex_lock(&checker);
#ifdef SIM_TSAN_INSTRUMENTED
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
	AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
	checker_depth++;
}

void sim_check_end(void)
{
	checker_depth--;
#ifdef SIM_TSAN_INSTRUMENTED
	AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
	pthread_mutex_unlock(&checker);
#ifdef SIM_TSAN_INSTRUMENTED
	AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
#endif
}

/* ---- findings ---------------------------------------------------------------- */

static pthread_mutex_t finding_lock = PTHREAD_MUTEX_INITIALIZER;

void sim_finding(enum sim_finding_class cls, const struct sim_site *site, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	/* A finding of the checker itself: leave it first (TSan wants its ignores ended). */
	while (checker_depth > 0)
		sim_check_end();
	/* The first finding wins; a second thread's waits here until the exit. */
	pthread_mutex_lock(&finding_lock);
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (site && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, " [%s at %s:%d, thread %s]", site->what, site->file,
			 site->line, sim_thread_name(sim_nt_self));
	sim_finding_at(site, site ? sim_thread_name(sim_nt_self) : NULL);
	sim_finding_bug_of(sim_finding_name(cls), site);
	sim_finding_print(cls, "%s", msg);
	printf("bug: %s\n", sim_finding_bug());
	if (sim_native.on_finding)
		sim_native.on_finding();
	fflush(stdout);
	fflush(stderr);
	_exit(1);
}

/* Native threads are never given up halfway: a finding ends the process. */
bool sim_abandoned(void)
{
	return false;
}

void sim_native_report_stuck(double secs)
{
	char buf[1024];
	size_t n = 0;
	int nt = __atomic_load_n(&sim_nt_count, __ATOMIC_ACQUIRE), waiting = 0, running = 0;

	sim_check_begin();	/* reads what other threads set up: the checker's reads */
	buf[0] = 0;
	for (int i = 0; i < nt && n < sizeof(buf); i++) {
		struct nthread *t = &sim_nt[i];
		const char *what = __atomic_load_n(&t->wait_what, __ATOMIC_RELAXED);
		int holder = __atomic_load_n(&t->wait_holder, __ATOMIC_RELAXED);

		if (__atomic_load_n(&t->done, __ATOMIC_RELAXED) || (t->daemon && !what))
			continue;
		if (!what) {
			running++;
			continue;
		}
		waiting++;
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s waits for %s", n ? "; " : "", t->name, what);
		if (n < sizeof(buf) && holder >= 0)
			n += snprintf(buf + n, sizeof(buf) - n, " held by %s%s", sim_nt[holder].name,
				      __atomic_load_n(&sim_nt[holder].done, __ATOMIC_RELAXED) ? " (exited)" : "");
	}
	if (waiting && !running)
		sim_finding(SIM_F_DEADLOCK, NULL, "no thread progressed for %.0f s, every one waits: %s", secs, buf);
	sim_finding(SIM_F_HANG, NULL, "the execution did not end within %.0f s (%d thread(s) running%s%s)", secs,
		    running, waiting ? "; " : "", buf);
}

/* ---- randomness and waiting ---------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sim_native_seed(uint64_t seed)
{
	exec_seed = seed;
	main_rng = seed;
}

uint64_t sim_native_rand(void)
{
	return splitmix(sim_nt_self >= 0 ? &sim_nt[sim_nt_self].rng : &main_rng);
}

void sim_native_backoff(unsigned *turn)
{
	unsigned t = (*turn)++;

	if (t < 64) {
		__builtin_ia32_pause();
	} else if (t < 256) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 50 * 1000 };

		nanosleep(&ts, NULL);
	}
}

void sim_native_wait(const char *what, int holder)
{
	if (sim_nt_self < 0)
		return;
	__atomic_store_n(&sim_nt[sim_nt_self].wait_holder, holder, __ATOMIC_RELAXED);
	__atomic_store_n(&sim_nt[sim_nt_self].wait_what, what, __ATOMIC_RELAXED);
}

bool sim_native_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

/* ---- decision stream: the scenario's bytes only (the OS schedules) -------------- */

void sim_input_set(const uint8_t *data, size_t size)
{
	in = data;
	in_size = size;
	__atomic_store_n(&in_pos, 0, __ATOMIC_RELAXED);
}

uint8_t sim_input_byte(void)
{
	size_t p = __atomic_fetch_add(&in_pos, 1, __ATOMIC_RELAXED);

	return p < in_size ? in[p] : 0;
}

unsigned sim_choose(unsigned n)
{
	return n <= 1 ? 0 : sim_input_byte() % n;
}

unsigned sim_choose_as(unsigned n, int role)
{
	return sim_choose(n);
}

size_t sim_input_remaining(void)
{
	size_t p = __atomic_load_n(&in_pos, __ATOMIC_RELAXED);

	return p < in_size ? in_size - p : 0;
}

void sim_dfs_reset(void)
{
	sim_fatal("sim_dfs_reset: exhaustive exploration needs the simulator, not native threads");
}

bool sim_dfs_next(void)
{
	sim_fatal("sim_dfs_next: exhaustive exploration needs the simulator, not native threads");
}

/* ---- threads ----------------------------------------------------------------------- */

static void *trampoline(void *arg)
{
	struct nthread *t = arg;

	sim_nt_self = (int)(t - sim_nt);
	t->fn(t->arg);
	sim_native_wait(NULL, -1);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int sim_thread_create(const char *name, sim_thread_fn fn, void *arg, bool daemon)
{
	int tid = __atomic_fetch_add(&sim_nt_count, 1, __ATOMIC_ACQ_REL);
	struct nthread *t;
	uint64_t s;

	if (tid >= SIM_MAX_THREADS)
		sim_fatal("too many threads (max %d)", SIM_MAX_THREADS);
	t = &sim_nt[tid];
	s = exec_seed ^ (0x1000193ull * (tid + 1));
	*t = (struct nthread){ .name = name, .daemon = daemon, .fn = fn, .arg = arg,
			       .rng = splitmix(&s), .wait_holder = -1 };
	nsteps[tid] = 0;
	if (pthread_create(&t->pt, NULL, trampoline, t))
		sim_fatal("pthread_create failed for %s", name);
	return tid;
}

int sim_current(void)
{
	return sim_nt_self;
}

const char *sim_thread_name(int tid)
{
	if (tid < 0 || tid >= __atomic_load_n(&sim_nt_count, __ATOMIC_ACQUIRE))
		return tid == -2 ? "watchdog" : "main";
	return sim_nt[tid].name;
}

int sim_nthreads(void)
{
	return __atomic_load_n(&sim_nt_count, __ATOMIC_ACQUIRE);
}

void sim_preempt(const struct sim_site *site)
{
	sim_nt_site = site;
	if (sim_nt_self >= 0)
		nsteps[sim_nt_self]++;
	if (sim_native.delay_pct && sim_native_rand() % 100 < sim_native.delay_pct) {
		/* Widen the window here: give the CPU away, or stall a little. */
		uint64_t r = sim_native_rand();

		if ((r & 3) == 0) {
			sched_yield();
		} else {
			for (unsigned i = (r >> 8) % 512; i; i--)
				__builtin_ia32_pause();
		}
	}
}

void sim_park(sim_wake_fn wake, void *arg, const char *what, int holder)
{
	unsigned turn = 0;

	if (wake(arg))
		return;
	sim_native_wait(what, holder);
	while (!wake(arg))
		sim_native_backoff(&turn);
	sim_native_wait(NULL, -1);
}

void sim_run(void)
{
	/* Threads created while joining (the vCPUs) are joined too. */
	for (int i = 0; i < __atomic_load_n(&sim_nt_count, __ATOMIC_ACQUIRE); i++)
		if (!sim_nt[i].daemon)
			pthread_join(sim_nt[i].pt, NULL);
	/* Only daemons left: the SRCU worker runs what is queued, then stops. */
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	sim_native_srcu_stop_worker();
	for (int i = 0; i < __atomic_load_n(&sim_nt_count, __ATOMIC_ACQUIRE); i++)
		if (sim_nt[i].daemon)
			pthread_join(sim_nt[i].pt, NULL);
}

unsigned long sim_steps(void)
{
	unsigned long n = 0;

	for (int i = 0; i < sim_nthreads(); i++)
		n += nsteps[i];
	return n;
}

const struct sim_site *sim_last_site(void)
{
	return sim_nt_site;
}

/* ---- executions -------------------------------------------------------------- */

static struct {
	const void *addr;
	size_t len;
	void (*fn)(const void *addr, const struct sim_site *site);
} watch[SIM_MAX_WATCH];
static int nwatch;	/* atomic: entries are written before it counts them */

void sim_watch_stores(const void *addr, size_t len, void (*fn)(const void *addr, const struct sim_site *site))
{
	int n = __atomic_load_n(&nwatch, __ATOMIC_RELAXED);

	if (n == SIM_MAX_WATCH)
		sim_fatal("too many store watches");
	watch[n].addr = addr;
	watch[n].len = len;
	watch[n].fn = fn;
	__atomic_store_n(&nwatch, n + 1, __ATOMIC_RELEASE);
}

void sim_native_check_watch(const void *addr, const struct sim_site *site)
{
	int n = __atomic_load_n(&nwatch, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if ((const char *)addr >= (const char *)watch[i].addr &&
		    (const char *)addr < (const char *)watch[i].addr + watch[i].len)
			watch[i].fn(addr, site);
}

void sim_begin(const struct sim_config *cfg, const uint8_t *data, size_t size)
{
	if (cfg->strategy != SIM_STRAT_INPUT)
		sim_fatal("sim_begin: generated decisions (random, pct, exhaustive) need the simulator, not native threads");
	sim_cfg = *cfg;
	sim_cfg.trace = false;		/* no interleaving to keep: the OS made it */
	__atomic_store_n(&sim_nt_count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stopping, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&nwatch, 0, __ATOMIC_RELAXED);
	sim_native_lock_reset();
	sim_native_srcu_reset();
	sim_objtab_reset();
	sim_input_set(data, size);
}

void sim_end(void)
{
	sim_native_srcu_check_end();
	sim_objtab_check_leaks();
	sim_objtab_flush();
}

/* ---- the trace: none natively ----------------------------------------------------- */

void sim_trace(const struct sim_site *site, uint64_t val, const char *fmt, ...)
{
	(void)site; (void)val; (void)fmt;
}

void sim_trace_print(void)
{
	printf("(native threads: no interleaving is recorded; rerun the scenario with --scenario)\n");
}

void sim_trace_set_perfetto(const char *path)
{
	(void)path;
	sim_fatal("sim_trace_set_perfetto: native threads record no trace");
}

void sim_stub_hit(const char *name, const char *file, int line)
{
	(void)name; (void)file; (void)line;
}

static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uc;
	sim_finding(SIM_F_CRASH, sim_nt_site, "%s%s at address %#lx",
		    a < 4096 && (sig == SIGSEGV || sig == SIGBUS) ? "NULL pointer dereference: " : "",
		    strsignal(sig), (unsigned long)a);
}

void sim_install_crash_handler(void)
{
	struct sigaction sa = { .sa_sigaction = crash_handler, .sa_flags = SA_SIGINFO | SA_RESETHAND };
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}
