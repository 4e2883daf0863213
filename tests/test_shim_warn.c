// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shim's WARN(c, fmt, ...) keeps the kernel's message in the finding, on
 * its one line (the trailing newline dropped): ctest shim-warn matches the
 * line this prints.
 */
#include <linux/bug.h>

int main(void)
{
	int x = 2;

	WARN(x > 1, "x is %d, want %s\n", x, "1");
	return 0;	/* not reached: a finding ends the process */
}
