/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Bit scans and overflow checks from the compiler's built-ins (GCC and
 * Clang), for the ports that have no kernel to take them from (host/,
 * baremetal/).  Where the CPU has no count-leading-zeros instruction the
 * compiler calls its own runtime (libgcc's __clzsi2), not a C library.
 */
#ifndef CKREMM_BUILTINS_H
#define CKREMM_BUILTINS_H

/* Index (1-based) of the most significant set bit; 0 for 0. */
static inline unsigned int ckremm_fls32(u32 x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

/* Index (0-based) of the least significant set bit; x must not be 0. */
static inline unsigned int ckremm_ffs32(u32 x)
{
	return __builtin_ctz(x);
}

#define ckremm_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)

#endif /* CKREMM_BUILTINS_H */
