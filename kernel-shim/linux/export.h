/* SPDX-License-Identifier: GPL-2.0-only */ /* shim kind: forward */
/* lib/rbtree.c and lib/interval_tree.c export their functions: one program here, nothing to export. */
#ifndef BUSFUZZ_SHIM_LINUX_EXPORT_H
#define BUSFUZZ_SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif /* BUSFUZZ_SHIM_LINUX_EXPORT_H */
