// SPDX-License-Identifier: GPL-2.0-only
/*
 * Outside-in consistency checks for the header pool host tests; see
 * pool_check.h.
 */
#include <stdlib.h>
#include <string.h>

#include "pool_check.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>

/*
 * Allocation failure must be seen as NULL, as in the kernel, not as a
 * sanitizer abort; and no single allocation may exceed 4 GiB, so that the
 * tests can ask for a legal pool the host cannot give.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=4096:"
	       "detect_leaks=1:abort_on_error=0";
}
#endif

/*
 * The host port rounds an arena's allocation up to whole pages.  Poison
 * the rounding, so that AddressSanitizer sees a pool touch past the end
 * of its arena and not only past the end of the allocation.
 */
static void poison_arena_tail(struct h_pool *pool)
{
#ifdef __SANITIZE_ADDRESS__
	unsigned char *base;
	size_t size = pool_arena(pool, &base);
	size_t page = 4096, rounded = (size + page - 1) & ~(page - 1);

	if ((uintptr_t)base % page == 0)
		ASAN_POISON_MEMORY_REGION(base + size, rounded - size);
#else
	(void)pool;
#endif
}

struct h_pool *pool_new(size_t size)
{
#ifdef POOL_KEYED
	struct h_pool *pool = h_pool_create(size, H_POOL_KEYED);
#else
	struct h_pool *pool = h_pool_create(size, 0);
#endif

	ASSERT_TRUE(pool != NULL, "create_h_pool(%zu)", size);
	poison_arena_tail(pool);
	return pool;
}

void pool_del(struct h_pool *pool)
{
	EXPECT_TRUE(destroy_h_pool(pool));
}

void pool_stats(struct h_pool *pool, struct h_pool_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	h_pool_get_stats(pool, st);
}

size_t pool_arena(struct h_pool *pool, unsigned char **base)
{
	size_t size = 0;

	*base = h_pool_arena(pool, &size);
	return size;
}

bool in_arena(struct h_pool *pool, const void *p, size_t len)
{
	unsigned char *base;
	size_t size = pool_arena(pool, &base);
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	return a >= b && a - b <= size && len <= size - (a - b);
}

size_t pool_walk_all(struct h_pool *pool, struct h_pool_extent **out)
{
	size_t cap = 64, n = 0, cursor = 0;
	struct h_pool_extent *ext = malloc(cap * sizeof(*ext));
	unsigned char *base;
	size_t arena = pool_arena(pool, &base);
	unsigned int got;

	ASSERT_TRUE(ext != NULL);
	for (;;) {
		size_t before = cursor;

		if (n + 16 > cap) {
			cap *= 2;
			ext = realloc(ext, cap * sizeof(*ext));
			ASSERT_TRUE(ext != NULL);
		}
		got = h_pool_walk(pool, &cursor, ext + n, 16);
		if (!got)
			break;
		ASSERT_TRUE(got <= 16, "walk returned %u for max 16", got);
		n += got;
		/* A walk that does not move would never end. */
		ASSERT_TRUE(cursor > before && cursor <= arena,
			    "walk cursor %zu -> %zu (arena %zu)", before, cursor,
			    arena);
	}
	EXPECT_TRUE(cursor == arena, "walk ended at cursor %zu, arena %zu", cursor,
		    arena);
	*out = ext;
	return n;
}

bool extents_equal(const struct h_pool_extent *a, size_t na,
		   const struct h_pool_extent *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].offset != b[i].offset || a[i].size != b[i].size ||
		    a[i].used != b[i].used)
			return false;
	return true;
}

bool pool_consistent(struct h_pool *pool, const char *where)
{
	struct h_pool_fault fault = { .offset = 0, .reason = NULL };
	struct h_pool_stats st;
	struct h_pool_extent *ext;
	size_t n, i, pos = 0, used_bytes = 0, free_bytes = 0;
	size_t used_blocks = 0, free_blocks = 0, largest = 0;
	unsigned char *base;
	size_t arena = pool_arena(pool, &base);
	int rc = h_pool_validate(pool, &fault);
	bool ok = true;

	ok &= EXPECT_TRUE(rc == 0, "%s: validate %d at offset %zu: %s", where, rc,
			  fault.offset, fault.reason ? fault.reason : "(null)");
	pool_stats(pool, &st);
	ok &= EXPECT_TRUE(st.arena_size == arena, "%s: stats arena %zu, arena %zu",
			  where, st.arena_size, arena);
	ok &= EXPECT_TRUE(st.used_bytes + st.free_bytes == st.arena_size,
			  "%s: used %zu + free %zu != arena %zu", where,
			  st.used_bytes, st.free_bytes, st.arena_size);
	ok &= EXPECT_TRUE(st.header_bytes ==
			  H_POOL_HEADER_SIZE * (st.used_blocks + st.free_blocks),
			  "%s: header_bytes %zu, blocks %zu+%zu", where,
			  st.header_bytes, st.used_blocks, st.free_blocks);
	ok &= EXPECT_TRUE(st.frag_permille <= 1000, "%s: frag %u", where,
			  st.frag_permille);
	ok &= EXPECT_TRUE(st.peak_used >= st.used_bytes, "%s: peak %zu < used %zu",
			  where, st.peak_used, st.used_bytes);
	if (st.free_blocks <= 1)
		ok &= EXPECT_TRUE(st.frag_permille == 0,
				  "%s: frag %u with %zu free block(s)", where,
				  st.frag_permille, st.free_blocks);

	n = pool_walk_all(pool, &ext);
	for (i = 0; i < n; i++) {
		ok &= EXPECT_TRUE(ext[i].offset == pos,
				  "%s: extent %zu at %zu, expected %zu", where, i,
				  ext[i].offset, pos);
		ok &= EXPECT_TRUE(ext[i].size >= 32 && ext[i].size % 16 == 0,
				  "%s: extent %zu size %zu", where, i, ext[i].size);
		if (i && !ext[i].used)
			ok &= EXPECT_TRUE(ext[i - 1].used,
					  "%s: free extents %zu and %zu adjacent",
					  where, i - 1, i);
		if (!ok)
			break;
		pos = ext[i].offset + ext[i].size;
		if (ext[i].used) {
			used_blocks++;
			used_bytes += ext[i].size;
		} else {
			free_blocks++;
			free_bytes += ext[i].size;
			if (ext[i].size - H_POOL_HEADER_SIZE > largest)
				largest = ext[i].size - H_POOL_HEADER_SIZE;
		}
	}
	free(ext);
	if (!ok)
		return false;
	ok &= EXPECT_TRUE(pos == arena, "%s: extents end at %zu, arena %zu", where,
			  pos, arena);
	ok &= EXPECT_TRUE(used_blocks == st.used_blocks && free_blocks ==
			  st.free_blocks, "%s: walk %zu used/%zu free, stats %zu/%zu",
			  where, used_blocks, free_blocks, st.used_blocks,
			  st.free_blocks);
	ok &= EXPECT_TRUE(used_bytes == st.used_bytes && free_bytes == st.free_bytes,
			  "%s: walk %zu/%zu bytes, stats %zu/%zu", where,
			  used_bytes, free_bytes, st.used_bytes, st.free_bytes);
	ok &= EXPECT_TRUE(largest == st.largest_free,
			  "%s: largest free payload %zu by walk, stats %zu", where,
			  largest, st.largest_free);
	return ok;
}

bool stats_equal_except(const struct h_pool_stats *a,
			const struct h_pool_stats *b, bool skip_refused,
			bool skip_failed, bool skip_peak, const char *what)
{
	bool ok = true;

#define SAME(field) \
	(ok &= EXPECT_TRUE(a->field == b->field, "%s: " #field " %zu -> %zu", \
			   what, (size_t)a->field, (size_t)b->field))
	SAME(arena_size);
	SAME(used_bytes);
	SAME(free_bytes);
	SAME(largest_free);
	SAME(used_blocks);
	SAME(free_blocks);
	SAME(header_bytes);
	SAME(frag_permille);
	if (!skip_peak)
		SAME(peak_used);
	if (!skip_failed)
		SAME(failed_allocs);
	if (!skip_refused)
		SAME(refused_calls);
#undef SAME
	return ok;
}

void snap_take(struct h_pool *pool, struct pool_snapshot *snap)
{
	unsigned char *base;

	pool_stats(pool, &snap->st);
	snap->warnings = __atomic_load_n(&ckremm_host_warnings,
					 __ATOMIC_RELAXED);
	snap->size = pool_arena(pool, &base);
	snap->bytes = malloc(snap->size);
	ASSERT_TRUE(snap->bytes != NULL);
	memcpy(snap->bytes, base, snap->size);
}

static bool snap_bytes_same(struct h_pool *pool, struct pool_snapshot *snap,
			    const char *what)
{
	unsigned char *base;
	size_t size = pool_arena(pool, &base), i;

	if (!EXPECT_TRUE(size == snap->size, "%s: arena size changed", what))
		return false;
	if (!memcmp(base, snap->bytes, size))
		return true;
	for (i = 0; i < size && base[i] == snap->bytes[i]; i++)
		;
	EXPECT_TRUE(false, "%s: arena byte at offset %zu changed %#x -> %#x", what,
		    i, snap->bytes[i], base[i]);
	return false;
}

bool snap_refused_n(struct h_pool *pool, struct pool_snapshot *snap,
		    unsigned long calls, const char *what)
{
	struct h_pool_stats now;
	unsigned long warnings = __atomic_load_n(&ckremm_host_warnings,
						 __ATOMIC_RELAXED);
	bool ok = true;

	pool_stats(pool, &now);
	ok &= EXPECT_TRUE(now.refused_calls == snap->st.refused_calls + calls,
			  "%s: refused_calls %zu -> %zu, %lu refused call(s) made",
			  what, snap->st.refused_calls, now.refused_calls, calls);
	ok &= EXPECT_TRUE(warnings >= snap->warnings + calls,
			  "%s: %lu warning(s) for %lu refused call(s)", what,
			  warnings - snap->warnings, calls);
	ok &= stats_equal_except(&snap->st, &now, true, false, false, what);
	ok &= snap_bytes_same(pool, snap, what);
	ok &= pool_consistent(pool, what);
	return ok;
}

bool snap_refused(struct h_pool *pool, struct pool_snapshot *snap,
		  const char *what)
{
	return snap_refused_n(pool, snap, 1, what);
}

bool snap_same(struct h_pool *pool, struct pool_snapshot *snap,
	       const char *what, bool refused_may_grow, bool failed_may_grow)
{
	struct h_pool_stats now;
	bool ok = true;

	pool_stats(pool, &now);
	ok &= stats_equal_except(&snap->st, &now, refused_may_grow,
				 failed_may_grow, false, what);
	ok &= snap_bytes_same(pool, snap, what);
	ok &= pool_consistent(pool, what);
	return ok;
}

void snap_free(struct pool_snapshot *snap)
{
	free(snap->bytes);
	snap->bytes = NULL;
}

void rng_fill(struct rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		uint64_t v = rng_next(r);
		size_t n = len < 8 ? len : 8;

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
