// SPDX-License-Identifier: GPL-2.0-only
/*
 * The compressed store's codec in the Linux port: the kernel's LZ4
 * (lib/lz4), in ckremm.ko as CONFIG_CKREMM_LZ4 says (ckremm.config): by
 * default where the kernel has LZ4 built in.
 *
 * LZ4_decompress_safe() is in vmlinux wherever the kernel can unpack an
 * LZ4 initramfs; LZ4_compress_default() is in the lz4_compress module on
 * Debian's kernels (CONFIG_LZ4_COMPRESS=m, selected by the crypto API's
 * lz4, zram, zswap, f2fs...).  modpost finds it in the kernel's
 * Module.symvers, which lists the exports of modules too, so ckremm.ko
 * then depends on lz4_compress ("depends:" in modinfo): modprobe and DKMS
 * installs load it first, a bare insmod needs "modprobe lz4_compress"
 * before it.  A kernel with neither LZ4 built in nor as a module cannot
 * load ckremm.ko built with CONFIG_CKREMM_LZ4.
 *
 * Both calls run from any context: no sleeping, no allocation; compress
 * works in the store's scratch area (LZ4_MEM_COMPRESS bytes).
 */
#include <linux/lz4.h>

#include "ckremm_port.h"
#include <ckremm/zstore.h>

static size_t ckremm_lz4_bound(size_t len)
{
	return len > LZ4_MAX_INPUT_SIZE ? 0 : LZ4_COMPRESSBOUND(len);
}

/* LZ4 returns 0 when the output would not fit in @cap. */
static int ckremm_lz4_compress(const void *src, size_t len, void *dst,
			       size_t cap, void *scratch)
{
	int n;

	if (len > LZ4_MAX_INPUT_SIZE)
		return -E2BIG;
	cap = min_t(size_t, cap, LZ4_COMPRESSBOUND(LZ4_MAX_INPUT_SIZE));
	n = LZ4_compress_default(src, dst, len, cap, scratch);
	return n > 0 ? n : -E2BIG;
}

static int ckremm_lz4_decompress(const void *src, size_t clen, void *dst,
				 size_t len)
{
	int n;

	if (clen > LZ4_COMPRESSBOUND(LZ4_MAX_INPUT_SIZE) ||
	    len > LZ4_MAX_INPUT_SIZE)
		return -EIO;
	n = LZ4_decompress_safe(src, dst, clen, len);
	return n >= 0 && (size_t)n == len ? 0 : -EIO;
}

/*
 * ckremm_codec_lz4 - the kernel's LZ4 as a codec for ckremm_zstore_create();
 * described in include/ckremm/zstore.h.
 */
const struct ckremm_codec ckremm_codec_lz4 = {
	.name = "lz4",
	.scratch_size = LZ4_MEM_COMPRESS,
	.bound = ckremm_lz4_bound,
	.compress = ckremm_lz4_compress,
	.decompress = ckremm_lz4_decompress,
};
EXPORT_SYMBOL_NS_GPL(ckremm_codec_lz4, CKREMM_NS);
