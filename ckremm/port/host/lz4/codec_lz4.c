// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The compressed store's codec in the hosted port: liblz4's block format
 * (LZ4_compress_default(), LZ4_decompress_safe()).  Link with -llz4.  In
 * a folder of its own so that a hosted build without the compressed store
 * (ckremm.mk takes every file of the port's folder) needs no liblz4.
 */
#include <lz4.h>

#include "ckremm_port.h"
#include <ckremm/zstore.h>

static size_t lz4_host_bound(size_t len)
{
	return len > LZ4_MAX_INPUT_SIZE ? 0 : (size_t)LZ4_COMPRESSBOUND(len);
}

/*
 * liblz4 returns 0 when the output would not fit in @cap.  Its state
 * lives on the stack (16 KiB): no scratch area.
 */
static int lz4_host_compress(const void *src, size_t len, void *dst,
			     size_t cap, void *scratch)
{
	int n;

	(void)scratch;
	if (len > LZ4_MAX_INPUT_SIZE)
		return -E2BIG;
	if (cap > (size_t)LZ4_COMPRESSBOUND(LZ4_MAX_INPUT_SIZE))
		cap = LZ4_COMPRESSBOUND(LZ4_MAX_INPUT_SIZE);
	n = LZ4_compress_default(src, dst, (int)len, (int)cap);
	return n > 0 ? n : -E2BIG;
}

static int lz4_host_decompress(const void *src, size_t clen, void *dst,
			       size_t len)
{
	int n;

	if (clen > (size_t)LZ4_COMPRESSBOUND(LZ4_MAX_INPUT_SIZE) ||
	    len > LZ4_MAX_INPUT_SIZE)
		return -EIO;
	n = LZ4_decompress_safe(src, dst, (int)clen, (int)len);
	return n >= 0 && (size_t)n == len ? 0 : -EIO;
}

const struct ckremm_codec ckremm_codec_lz4 = {
	.name = "lz4",
	.bound = lz4_host_bound,
	.compress = lz4_host_compress,
	.decompress = lz4_host_decompress,
};
