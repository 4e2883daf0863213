/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which sanitizer this file is compiled under, for both backends: SIM_ASAN
 * when ASan instruments it (clang's __has_feature or gcc's macro), with
 * SIM_POISON()/SIM_UNPOISON() of a quarantined object (no-ops otherwise).
 * SIM_TSAN is not detected here: the simulator's TSan build defines it
 * without instrumenting itself (sim/tsan.h).
 */
#ifndef BUSFUZZ_SIM_SANITIZER_H
#define BUSFUZZ_SIM_SANITIZER_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SIM_TSAN_INSTRUMENTED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SIM_ASAN)
#define SIM_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SIM_TSAN_INSTRUMENTED)
#define SIM_TSAN_INSTRUMENTED 1
#endif

#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#define SIM_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SIM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SIM_POISON(p, n) ((void)(p), (void)(n))
#define SIM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#endif /* BUSFUZZ_SIM_SANITIZER_H */
