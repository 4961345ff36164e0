// SPDX-License-Identifier: GPL-2.0-only
/* Host diagnostics and keyed hashing for the ckremm port layer. */
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "ckremm_port.h"

unsigned long ckremm_host_warnings;

void ckremm_host_warn(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	__atomic_fetch_add(&ckremm_host_warnings, 1, __ATOMIC_RELAXED);
	if (verbose < 0) {
		const char *v = getenv("CKREMM_VERBOSE");

		verbose = v && *v == '1';
	}
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static u64 rotl64(u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(u64 v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13) ^ v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17) ^ v[2];
	v[2] = rotl64(v[2], 32);
}

/* SipHash-1-3 of the 16-byte message a, b, c, d, folded to 32 bits. */
u32 ckremm_hash4(const struct ckremm_hash_key *k, u32 a, u32 b, u32 c, u32 d)
{
	u64 m[2] = { (u64)b << 32 | a, (u64)d << 32 | c };
	u64 v[4] = {
		k->key[0] ^ 0x736f6d6570736575ULL,
		k->key[1] ^ 0x646f72616e646f6dULL,
		k->key[0] ^ 0x6c7967656e657261ULL,
		k->key[1] ^ 0x7465646279746573ULL,
	};
	u64 last = (u64)16 << 56;
	int i;

	for (i = 0; i < 2; i++) {
		v[3] ^= m[i];
		sip_round(v);
		v[0] ^= m[i];
	}
	v[3] ^= last;
	sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (i = 0; i < 3; i++)
		sip_round(v);
	last = v[0] ^ v[1] ^ v[2] ^ v[3];
	return (u32)(last >> 32) ^ (u32)last;
}

/* splitmix64 over an atomic counter: no lock, no two callers alike. */
u32 ckremm_random_u32(void)
{
	static u64 counter;
	u64 z, seed = 0;

	if (!__atomic_load_n(&counter, __ATOMIC_RELAXED)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (u64)ts.tv_nsec ^ (u64)ts.tv_sec << 32 ^ (u64)getpid() << 16;
		__atomic_compare_exchange_n(&counter, &(u64){ 0 }, seed | 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	z = __atomic_add_fetch(&counter, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)(z ^ (z >> 31));
}
