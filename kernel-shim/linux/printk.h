/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: model */
/* Kernel messages go into the trace; they are not findings by themselves. */
#ifndef BUSFUZZ_SHIM_LINUX_PRINTK_H
#define BUSFUZZ_SHIM_LINUX_PRINTK_H

#include <linux/compiler.h>

#define printk(fmt, ...) sim_trace(SIM_SITE("printk"), 0, fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) sim_trace(SIM_SITE("pr_err"), 0, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) sim_trace(SIM_SITE("pr_warn"), 0, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) sim_trace(SIM_SITE("pr_info"), 0, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) sim_trace(SIM_SITE("pr_debug"), 0, fmt, ##__VA_ARGS__)
#define pr_err_ratelimited pr_err
#define pr_warn_ratelimited pr_warn

#endif /* BUSFUZZ_SHIM_LINUX_PRINTK_H */
