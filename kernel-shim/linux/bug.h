/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/* WARN_ON() and BUG_ON() are findings, never prints. */
#ifndef BUSFUZZ_SHIM_LINUX_BUG_H
#define BUSFUZZ_SHIM_LINUX_BUG_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/compiler.h>

#define WARN_ON(c) ({								\
	bool __c = !!(c);							\
	if (unlikely(__c))							\
		sim_finding(SIM_F_WARN, SIM_SITE("WARN_ON"), "WARN_ON(%s)", #c);	\
	__c; })
#define WARN_ON_ONCE(c) ({							\
	bool __c = !!(c);							\
	if (unlikely(__c))							\
		sim_finding(SIM_F_WARN, SIM_SITE("WARN_ON_ONCE"), "WARN_ON_ONCE(%s)", #c); \
	__c; })
/* The kernel's message, on the finding's one line (its trailing newline dropped). */
static inline const char *sim_warn_message(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	len = strlen(buf);
	while (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	return buf;
}
#define WARN(c, fmt, ...) ({							\
	bool __c = !!(c);							\
	if (unlikely(__c)) {							\
		char __wm[256];							\
		sim_finding(SIM_F_WARN, SIM_SITE("WARN"), "WARN(%s): %s", #c,	\
			    sim_warn_message(__wm, sizeof(__wm), fmt, ##__VA_ARGS__)); \
	}									\
	__c; })
#define WARN_ONCE WARN
#define BUG_ON(c) do {								\
	if (unlikely(c))							\
		sim_finding(SIM_F_BUG, SIM_SITE("BUG_ON"), "BUG_ON(%s)", #c);	\
} while (0)
#define BUG() sim_finding(SIM_F_BUG, SIM_SITE("BUG"), "BUG()")
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON(" #c ")")

#endif /* BUSFUZZ_SHIM_LINUX_BUG_H */
