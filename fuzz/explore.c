// SPDX-License-Identifier: GPL-2.0-only
/*
 * The other strategies over the same decision stream (busfuzz fuzz
 * --strategy random|pct|exhaustive): no coverage feedback, the decisions come
 * from a generator in the scheduler, which records them as an ordinary input.
 * On a finding that input is written out, so it replays, minimizes and
 * traces like one found by libFuzzer.
 *
 *   random      an endless random input: uniform thread choices, a random
 *               run length between switches, random stale loads and faults.
 *   pct         probabilistic concurrency testing (Burckhardt et al., ASPLOS
 *               2010): random distinct thread priorities, the highest runnable
 *               runs, and d - 1 random points lower the running thread's
 *               priority.  Finds a bug of depth d with probability at least
 *               1/(n k^(d-1)) per execution (n threads, k steps).
 *   exhaustive  depth-first over every choice (schedules, stale loads,
 *               faults) with at most --preemptions preemptions, scenario after
 *               scenario (the given files' heads, then random ones), at most
 *               --per-scenario executions each.
 *
 * Executions run in a child process; a finding ends the child, and the
 * parent starts a new one at the next execution (exhaustive: the next
 * scenario), so no state of an execution cut short leaks into the next.
 * Findings are told apart by their bug (sim_finding_bug()): with
 * --keep-going a known one ends its execution quietly and exploring goes on
 * in the same child; without, the first finding ends the run.
 *
 * Progress goes to stderr once a second: "#EXECS elapsed S exec/s N ...".
 * Exit 0 clean, 1 finding (reproducer written), 2 bad usage or error.
 */
#include "harness.h"
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_KEYS 256
#define KEY_LEN 200

/* Shared between the parent and its child: where to go on, what was found. */
static struct shared {
	unsigned long long execs, scenarios, scenarios_done;
	char key[KEY_LEN];		/* the child's new finding */
} *sh;

static struct busfuzz_opts o;
static const char *out_dir = ".";
static char keys[MAX_KEYS][KEY_LEN];	/* known findings: their bugs (sim_finding_bug()) */
static int nkeys;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(const char *msg)
{
	fprintf(stderr, "busfuzz-explore: %s (usage: --strategy random|pct|exhaustive [--seed N] [--time S] "
		"[--runs N] [--depth D] [--preemptions B] [--per-scenario N] [--model M] [--srcu S] [--out DIR] "
		"[SCENARIO...])\n", msg);
	exit(2);
}

static unsigned long long num(const char *flag, const char *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%s needs a number, not '%s'", flag, v);
		usage(msg);
	}
	return x;
}

/* The finding hook (in the child): a new finding saves what the execution consumed, as an input. */
static bool save_reproducer(enum sim_finding_class cls, const char *msg)
{
	char path[4096];
	const char *key = sim_finding_bug();	/* one bug, one reproducer */
	size_t len;
	const uint8_t *rec = sim_recording(&len);
	FILE *f;

	(void)msg;
	for (int i = 0; i < nkeys; i++)
		if (!strcmp(keys[i], key))
			return false;
	snprintf(sh->key, sizeof(sh->key), "%s", key);
	snprintf(path, sizeof(path), "%s/%s-%s-s%llu-e%llu", out_dir, sim_finding_name(cls), sim_strategy_name[o.strategy],
		 (unsigned long long)o.seed, sh->execs);
	f = fopen(path, "wb");
	if (!f || fwrite(rec, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "busfuzz-explore: cannot write %s\n", path);
		exit(2);
	}
	printf("reproducer written to %s (%zu bytes, execution %llu)\n", path, len, sh->execs);
	fflush(stdout);
	return true;
}

static void progress(double start, bool final)
{
	double el = now() - start;

	fprintf(stderr, "#%llu elapsed %.1f exec/s %.0f strategy %s findings %d", sh->execs, el,
		el > 0 ? sh->execs / el : 0.0, sim_strategy_name[o.strategy], nkeys);
	if (o.strategy == SIM_STRAT_DFS)
		fprintf(stderr, " scenarios %llu explored-fully %llu", sh->scenarios, sh->scenarios_done);
	fprintf(stderr, "%s\n", final ? " done" : "");
}

struct limits {
	unsigned long long runs, per_scenario;
	double deadline;
	char **files;
	int nfiles;
	uint64_t base;
};

static bool out_of_budget(const struct limits *l)
{
	return (l->runs && sh->execs >= l->runs) || (l->deadline && now() >= l->deadline);
}

/* The child: executions from sh->execs on, until the budget is spent (exit 0) or a finding. */
static void explore(const struct limits *l)
{
	for (;;) {
		const uint8_t *scen = NULL;
		size_t scen_len = 0;
		uint8_t *heap = NULL, rnd[32];
		unsigned long long n = 0;
		bool more = true;

		if (o.strategy == SIM_STRAT_DFS) {
			/* The scenario: the next file's head, else random bytes. */
			if (sh->scenarios < (unsigned long long)l->nfiles) {
				heap = busfuzz_read_file(l->files[sh->scenarios], &scen_len);
				if (!heap) {
					fprintf(stderr, "busfuzz-explore: cannot read scenario %s\n",
						l->files[sh->scenarios]);
					exit(2);
				}
				scen = heap;
			} else {
				uint64_t x = l->base + sh->scenarios * 0x9e3779b97f4a7c15ull;

				for (size_t b = 0; b < sizeof(rnd); b++) {
					x ^= x >> 33;
					x *= 0xff51afd7ed558ccdull;
					rnd[b] = (uint8_t)(x >> 56);
				}
				scen = rnd;
				scen_len = sizeof(rnd);
			}
			/* Counted before it runs: after a finding, the parent goes on with the next one. */
			sh->scenarios++;
			sim_dfs_reset();
		}
		do {
			if (out_of_budget(l))
				exit(0);
			o.seed = l->base + sh->execs;
			busfuzz_run_one(scen, scen_len, &o);
			sh->execs++;
			n++;
			/* pct's change points fall within the longest execution so far. */
			if (sim_steps() > o.pct_steps)
				o.pct_steps = (unsigned)sim_steps();
			if (o.strategy == SIM_STRAT_DFS)
				more = sim_dfs_next();
		} while (more && (o.strategy != SIM_STRAT_DFS || n < l->per_scenario));
		sh->scenarios_done += !more;
		free(heap);
	}
}

int main(int argc, char **argv)
{
	const char *model = NULL, *srcu = NULL;
	unsigned long long seed = 1, time_s = 0;
	struct limits l = { .per_scenario = 20000 };
	bool keep_going = false;
	int found = 0;
	pid_t parent;
	double start, last;

	o.strategy = SIM_STRAT_RANDOM;
	o.pct_depth = 3;
	o.preempt_bounded = true;
	o.preempt_bound = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strncmp(a, "--", 2)) {
			l.files = &argv[i];
			l.nfiles = argc - i;
			break;
		}
		if (!strcmp(a, "--keep-going")) {
			keep_going = true;
			continue;
		}
		if (!v)
			usage("missing value");
		i++;
		if (!strcmp(a, "--strategy")) {
			o.strategy = sim_strategy_parse(v);
			if (o.strategy <= SIM_STRAT_INPUT)
				usage("unknown strategy");
		} else if (!strcmp(a, "--seed")) {
			seed = num(a, v);
		} else if (!strcmp(a, "--time")) {
			time_s = num(a, v);
		} else if (!strcmp(a, "--runs")) {
			l.runs = num(a, v);
		} else if (!strcmp(a, "--depth")) {
			o.pct_depth = (unsigned)num(a, v);
			if (o.pct_depth < 1 || o.pct_depth > 16)
				usage("--depth must be 1 to 16");
		} else if (!strcmp(a, "--preemptions")) {
			o.preempt_bound = (unsigned)num(a, v);
		} else if (!strcmp(a, "--per-scenario")) {
			l.per_scenario = num(a, v);
		} else if (!strcmp(a, "--model")) {
			model = v;
		} else if (!strcmp(a, "--srcu")) {
			srcu = v;
		} else if (!strcmp(a, "--out")) {
			out_dir = v;
		} else {
			usage("unknown option");
		}
	}
	busfuzz_parse_mode(&o, model, srcu);
	/* A known finding ends its execution, not the child: no restart for a bug already kept. */
	o.abandon_dropped = keep_going;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		usage("cannot map shared memory");
	/* Executions of one run get distinct generators; runs with other seeds too. */
	l.base = seed * 0x2545f4914f6cdd1dull;
	o.pct_steps = 100;
	start = last = now();
	l.deadline = time_s ? start + time_s : 0;
	parent = getpid();
	while (!out_of_budget(&l)) {
		int status;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0)
			usage("cannot fork");
		if (pid == 0) {
			/* Killed with the parent (busfuzz stops a worker by killing it), not left running. */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(0);
			sim_install_crash_handler();
			sim_set_finding_hook(save_reproducer);
			explore(&l);
		}
		while (waitpid(pid, &status, WNOHANG) == 0) {
			usleep(20000);
			if (now() - last >= 1.0) {
				last = now();
				progress(start, false);
			}
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			break;
		if (WIFEXITED(status) && (WEXITSTATUS(status) == 1 || WEXITSTATUS(status) == SIM_EXIT_DROPPED)) {
			if (WEXITSTATUS(status) == 1) {
				found++;
				if (nkeys < MAX_KEYS)
					snprintf(keys[nkeys++], KEY_LEN, "%s", sh->key);
			}
			sh->execs++;		/* the one that found it */
			if (!keep_going && found)
				break;
			continue;
		}
		fprintf(stderr, "busfuzz-explore: execution %llu ended with %s %d\n", sh->execs,
			WIFSIGNALED(status) ? "signal" : "status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return 2;
	}
	progress(start, true);
	return found ? 1 : 0;
}
