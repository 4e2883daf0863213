// SPDX-License-Identifier: GPL-2.0-only
/* Reading an input file, for the drivers that take files (replay, explore). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

uint8_t *busfuzz_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf ? buf : malloc(1);
}
