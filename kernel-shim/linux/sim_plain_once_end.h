/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/* The end of a <linux/sim_plain_once.h> region: WRITE_ONCE() goes to the memory model again. */
#pragma pop_macro("WRITE_ONCE")
