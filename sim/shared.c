// SPDX-License-Identifier: GPL-2.0-only
/* What both backends need and neither owns: the internal-error exit. */
#include "shared.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
