/* SPDX-License-Identifier: GPL-2.0-only */
/* WARN_ON() and BUG_ON() are findings, never prints. */
#ifndef BUSFUZZ_SHIM_LINUX_BUG_H
#define BUSFUZZ_SHIM_LINUX_BUG_H

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
#define WARN(c, fmt, ...) ({							\
	bool __c = !!(c);							\
	if (unlikely(__c))							\
		sim_finding(SIM_F_WARN, SIM_SITE("WARN"), "WARN(%s)", #c);		\
	__c; })
#define WARN_ONCE WARN
#define BUG_ON(c) do {								\
	if (unlikely(c))							\
		sim_finding(SIM_F_BUG, SIM_SITE("BUG_ON"), "BUG_ON(%s)", #c);	\
} while (0)
#define BUG() sim_finding(SIM_F_BUG, SIM_SITE("BUG"), "BUG()")
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON(" #c ")")

#endif /* BUSFUZZ_SHIM_LINUX_BUG_H */
