/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SipHash-1-3 for the ports that have no keyed hash of their own (host/,
 * baremetal/): ckremm_hash4() hashes four 32-bit words under a 128-bit key
 * that ckremm_hash_key_init() draws from the port's ckremm_random_u32(),
 * which the including ckremm_target.h declares first.  Portable C: 64-bit
 * additions, rotations and exclusive ors only.
 */
#ifndef CKREMM_SIPHASH_H
#define CKREMM_SIPHASH_H

/* A keyed hash: SipHash-1-3 with a 128-bit key. */
struct ckremm_hash_key {
	u64 key[2];
};

static inline u64 ckremm_rotl64(u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void ckremm_sip_round(u64 v[4])
{
	v[0] += v[1];
	v[1] = ckremm_rotl64(v[1], 13) ^ v[0];
	v[0] = ckremm_rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = ckremm_rotl64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ckremm_rotl64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ckremm_rotl64(v[1], 17) ^ v[2];
	v[2] = ckremm_rotl64(v[2], 32);
}

/* SipHash-1-3 of the 16-byte message a, b, c, d, folded to 32 bits. */
static inline u32 ckremm_hash4(const struct ckremm_hash_key *k, u32 a, u32 b,
			       u32 c, u32 d)
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
		ckremm_sip_round(v);
		v[0] ^= m[i];
	}
	v[3] ^= last;
	ckremm_sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (i = 0; i < 3; i++)
		ckremm_sip_round(v);
	last = v[0] ^ v[1] ^ v[2] ^ v[3];
	return (u32)(last >> 32) ^ (u32)last;
}

static inline void ckremm_hash_key_init(struct ckremm_hash_key *k)
{
	k->key[0] = (u64)ckremm_random_u32() << 32 | ckremm_random_u32();
	k->key[1] = (u64)ckremm_random_u32() << 32 | ckremm_random_u32();
}

#endif /* CKREMM_SIPHASH_H */
