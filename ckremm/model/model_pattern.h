/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * model_pattern.h - the byte patterns the reference models fill blocks
 * with, and the comparison they are checked by.
 *
 * Byte @k of the pattern @tag: neighbouring bytes, and the same position
 * in two blocks, differ, so a byte read from a wrong place shows up.
 * Built in the kernel and on the host alike: it needs nothing but the
 * port layer's types.
 */
#ifndef CKREMM_MODEL_PATTERN_H
#define CKREMM_MODEL_PATTERN_H

#include "ckremm_port.h"

static inline u8 model_pattern_byte(u64 tag, size_t k)
{
	u64 x = (tag * 0x9e3779b97f4a7c15ULL) ^ ((u64)k << 24) ^ k;

	x *= 0xbf58476d1ce4e5b9ULL;
	return (u8)(x >> 56);
}

/* Bytes @from to @from + @len - 1 of pattern @tag, into @buf. */
static inline void model_pattern_fill(u8 *buf, size_t len, u64 tag,
				      size_t from)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = model_pattern_byte(tag, from + k);
}

/* Index of the first byte where @a and @b differ, or @len. */
static inline size_t model_first_diff(const u8 *a, const u8 *b, size_t len)
{
	size_t k;

	if (!memcmp(a, b, len))
		return len;
	for (k = 0; a[k] == b[k]; k++)
		;
	return k;
}

#endif /* CKREMM_MODEL_PATTERN_H */
