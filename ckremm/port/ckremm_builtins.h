/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the ports that have no kernel to take it from (host/, baremetal/)
 * take from the compiler: the kernel's names of the fixed-size types, and
 * bit scans and overflow checks from the built-ins of GCC and Clang.
 * Where the CPU has no count-leading-zeros instruction the compiler calls
 * its own runtime (libgcc's __clzsi2), not a C library.
 */
#ifndef CKREMM_BUILTINS_H
#define CKREMM_BUILTINS_H

/* As the kernel spells them, so that the pools' formats hold everywhere. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifndef BIT
#define BIT(n) (1UL << (n))
#endif
#ifndef U16_MAX
#define U16_MAX 0xffffU
#endif
#ifndef U32_MAX
#define U32_MAX 0xffffffffU
#endif

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
