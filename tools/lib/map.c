// SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
/*
 * Arena maps: cut an arena into equal cells, account each extent of a
 * walk to the cells it overlaps, and draw the cells as one character each.
 *
 * Everything here is a pure function of its arguments, so the device tests
 * can check it on any host without /dev/ckremm.
 *
 * Cell boundaries are floor(arena_size * i / ncells), computed without
 * forming the product, so any 64-bit arena size works.
 */
#include <errno.h>
#include <string.h>

#include "libckremm.h"

void ckremm_map_init(struct ckremm_map *map, __u64 arena_size,
		     struct ckremm_map_cell *cells, unsigned int ncells)
{
	memset(map, 0, sizeof(*map));
	map->arena_size = arena_size;
	map->ncells = ncells;
	map->cells = cells;
	memset(cells, 0, (size_t)ncells * sizeof(*cells));
}

__u64 ckremm_map_cell_start(const struct ckremm_map *map, unsigned int i)
{
	__u64 q = map->arena_size / map->ncells;
	__u64 r = map->arena_size % map->ncells;

	/* arena_size = q * ncells + r, and r * i < ncells^2 cannot overflow */
	return q * i + r * i / map->ncells;
}

/* The cell holding arena byte @offset (< arena_size). */
static unsigned int cell_of(const struct ckremm_map *map, __u64 offset)
{
	unsigned int lo = 0, hi = map->ncells - 1;

	/* The last cell whose start is <= offset. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo + 1) / 2;

		if (ckremm_map_cell_start(map, mid) <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

void ckremm_map_add(struct ckremm_map *map, const struct ckremm_extent *e)
{
	bool used = e->flags & CKREMM_EXTENT_USED;
	__u64 start = e->offset;
	__u64 end = e->offset + e->size;
	unsigned int i;

	if (end < start)		/* wrapped: count what fits */
		end = ~(__u64)0;

	if (used) {
		map->used_bytes += e->size;
		map->used_blocks++;
		if (e->flags & CKREMM_EXTENT_PINNED)
			map->pinned_blocks++;
	} else {
		map->free_bytes += e->size;
		map->free_blocks++;
		if (e->size > map->largest_free) {
			map->largest_free = e->size;
			map->largest_free_payload =
				e->size > e->meta ? e->size - e->meta : 0;
		}
	}

	if (end > map->arena_size) {
		map->outside_bytes += end - max_u64(start, map->arena_size);
		end = map->arena_size;
	}
	if (start >= end || !map->ncells)
		return;

	for (i = cell_of(map, start); i < map->ncells; i++) {
		__u64 cell_start = ckremm_map_cell_start(map, i);
		__u64 cell_end = ckremm_map_cell_start(map, i + 1);
		__u64 overlap;

		if (cell_start >= end)
			break;
		overlap = min_u64(end, cell_end) - max_u64(start, cell_start);
		if (used)
			map->cells[i].used += overlap;
		else
			map->cells[i].free += overlap;
	}
}

enum ckremm_cell ckremm_map_cell_state(const struct ckremm_map *map,
				       unsigned int i)
{
	const struct ckremm_map_cell *c = &map->cells[i];

	if (c->used && c->free)
		return CKREMM_CELL_MIXED;
	if (c->used)
		return CKREMM_CELL_USED;
	if (c->free)
		return CKREMM_CELL_FREE;
	return CKREMM_CELL_NONE;
}

unsigned int ckremm_map_frag_permille(const struct ckremm_map *map)
{
	__u64 largest = map->largest_free;

	if (!map->free_bytes || largest >= map->free_bytes)
		return 0;
	/* Divide first: largest <= free_bytes, and 1000 * free may overflow. */
	if (map->free_bytes > ~(__u64)0 / 1000)
		return 1000 - (unsigned int)(largest / (map->free_bytes / 1000));
	return 1000 - (unsigned int)(1000 * largest / map->free_bytes);
}

/* The picture of one cell, as a NUL-terminated string. */
static const char *cell_glyph(const struct ckremm_map_cell *c,
			      enum ckremm_cell state, bool utf8)
{
	switch (state) {
	case CKREMM_CELL_USED:
		return utf8 ? "\u2588" : "#";
	case CKREMM_CELL_MIXED:
		if (!utf8)
			return "+";
		return c->used >= c->free ? "\u2593" : "\u2592";
	case CKREMM_CELL_FREE:
		return utf8 ? "\u2591" : ".";
	default:
		return " ";
	}
}

int ckremm_map_draw(const struct ckremm_map *map, unsigned int first,
		    unsigned int count, bool utf8, char *out, size_t out_size)
{
	size_t len = 0;
	unsigned int i;

	if (!out_size)
		return -ENOSPC;
	for (i = first; i < map->ncells && i - first < count; i++) {
		const char *g = cell_glyph(&map->cells[i],
					   ckremm_map_cell_state(map, i), utf8);
		size_t glen = strlen(g);

		if (len + glen + 1 > out_size) {
			out[0] = '\0';
			return -ENOSPC;
		}
		memcpy(out + len, g, glen);
		len += glen;
	}
	out[len] = '\0';
	return (int)len;
}
