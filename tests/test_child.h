/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a test's execution in a child process, as a finding ends the
 * process (as it does under libFuzzer), and reading its verdict honestly:
 * tests/test_sim.c and tests/test_tsan.c.
 */
#ifndef BUSFUZZ_TEST_CHILD_H
#define BUSFUZZ_TEST_CHILD_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Runs fn in a child (a finding ends the process) and returns the class of its
 * finding, or "" when it ended cleanly without one.  Only two endings are
 * verdicts: exit 1 after a FINDING line, exit 0 without one.  Anything else
 * (a signal, another exit status, a FINDING with the wrong status) is the
 * child crashing: it is said, and returned as "(...)", which no test expects,
 * so the test fails instead of reading a crash as "no finding".
 */
static const char *test_child_finding(void (*fn)(void))
{
	static char cls[128];
	char *buf = NULL, *f;
	size_t cap = 0, tot = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		abort();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		fn();
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	/* All of it: the FINDING line comes last, after the trace. */
	do {
		if (cap - tot < 4096 && !(buf = realloc(buf, cap = 2 * cap + 8192)))
			abort();
		n = read(p[0], buf + tot, cap - tot - 1);
		tot += n > 0 ? (size_t)n : 0;
	} while (n > 0 || (n < 0 && errno == EINTR));
	buf[tot] = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			abort();
	cls[0] = 0;
	f = strstr(buf, "FINDING ");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && f) {
		sscanf(f + 8, "%63[^:]", cls);
	} else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !f)) {
		snprintf(cls, sizeof(cls), "(the child %s %d%s)",
			 WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			 f ? ", after a FINDING line" : ", without a FINDING line");
		printf("     %s\n", cls);
	}
	free(buf);
	return cls;
}

#endif
