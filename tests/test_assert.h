/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Assertions for the C tests, in the style of tools/testing/vma: a failed one
 * prints where it is and what it checked, then makes its test fail.
 *
 *   ASSERT_TRUE(e), ASSERT_FALSE(e)     in a bool test function: print, return false
 *   ASSERT_EQ(a, b), ASSERT_NE(a, b)    integers; both values are printed
 *   ASSERT_GE(a, b)                     integers: a >= b
 *   ASSERT_STREQ(a, b), ASSERT_STRNE    strings; both are printed
 *   EXPECT_TRUE(e), EXPECT_EQ(a, b),
 *   EXPECT_GE(a, b), EXPECT_STREQ(a, b) anywhere (threads too): print, count in
 *                                       test_failures, go on
 *
 *   Assert FAILED at tests/test_sim.c:123:test_double_free(): cls == "x" is FALSE.
 */
#ifndef BUSFUZZ_TEST_ASSERT_H
#define BUSFUZZ_TEST_ASSERT_H

#include <stdio.h>
#include <string.h>

/* Failed EXPECT_*s (atomic: worker threads may fail one). */
static int test_failures __attribute__((unused));

#define TEST_REPORT_(kind, fmt, ...)							\
	do {										\
		printf("%s FAILED at %s:%d:%s(): " fmt "\n", kind, __FILE__, __LINE__,	\
		       __func__, __VA_ARGS__);						\
		fflush(stdout);								\
	} while (0)

#define ASSERT_TRUE(_expr)								\
	do {										\
		if (!(_expr)) {								\
			TEST_REPORT_("Assert", "%s is FALSE.", #_expr);			\
			return false;							\
		}									\
	} while (0)
#define ASSERT_FALSE(_expr) ASSERT_TRUE(!(_expr))

#define ASSERT_CMP_(_a, _op, _b)							\
	do {										\
		long long a_ = (long long)(_a), b_ = (long long)(_b);			\
		if (!(a_ _op b_)) {							\
			TEST_REPORT_("Assert", "%s %s %s is FALSE (%lld, %lld).",	\
				     #_a, #_op, #_b, a_, b_);				\
			return false;							\
		}									\
	} while (0)
#define ASSERT_EQ(_a, _b) ASSERT_CMP_(_a, ==, _b)
#define ASSERT_NE(_a, _b) ASSERT_CMP_(_a, !=, _b)
#define ASSERT_GE(_a, _b) ASSERT_CMP_(_a, >=, _b)

#define ASSERT_STR_(_a, _eq, _b)							\
	do {										\
		const char *a_ = (_a), *b_ = (_b);					\
		if ((strcmp(a_, b_) == 0) != (_eq)) {					\
			TEST_REPORT_("Assert", "%s %s %s is FALSE (\"%s\", \"%s\").",	\
				     #_a, (_eq) ? "==" : "!=", #_b, a_, b_);		\
			return false;							\
		}									\
	} while (0)
#define ASSERT_STREQ(_a, _b) ASSERT_STR_(_a, 1, _b)
#define ASSERT_STRNE(_a, _b) ASSERT_STR_(_a, 0, _b)

#define EXPECT_TRUE(_expr)								\
	do {										\
		if (!(_expr)) {								\
			TEST_REPORT_("Expect", "%s is FALSE.", #_expr);			\
			__atomic_fetch_add(&test_failures, 1, __ATOMIC_RELAXED);	\
		}									\
	} while (0)

#define EXPECT_CMP_(_a, _op, _b)							\
	do {										\
		long long a_ = (long long)(_a), b_ = (long long)(_b);			\
		if (!(a_ _op b_)) {							\
			TEST_REPORT_("Expect", "%s %s %s is FALSE (%lld, %lld).",	\
				     #_a, #_op, #_b, a_, b_);				\
			__atomic_fetch_add(&test_failures, 1, __ATOMIC_RELAXED);	\
		}									\
	} while (0)
#define EXPECT_EQ(_a, _b) EXPECT_CMP_(_a, ==, _b)
#define EXPECT_STREQ(_a, _b)								\
	do {										\
		const char *a_ = (_a), *b_ = (_b);					\
		if (strcmp(a_, b_)) {							\
			TEST_REPORT_("Expect", "%s == %s is FALSE (\"%s\", \"%s\").",	\
				     #_a, #_b, a_, b_);					\
			__atomic_fetch_add(&test_failures, 1, __ATOMIC_RELAXED);	\
		}									\
	} while (0)
#define EXPECT_GE(_a, _b) EXPECT_CMP_(_a, >=, _b)

#endif
