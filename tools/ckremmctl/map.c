// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremmctl map: the arena drawn to scale from a walk of its extents, so
 * fragmentation can be seen before and after a reorder.  The counting and
 * drawing are libckremm's pure ckremm_map_*() functions; this file only
 * walks the pool and lays the picture out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ckremmctl.h"

#define MAP_WIDTH_DEFAULT	64
#define MAP_ROWS_DEFAULT	4
#define MAP_SIDE_MAX		4096	/* most cells in a row, most rows */
#define MAP_CELLS_MAX		(1U << 16)

static int add_extent(const struct ckremm_extent *e, void *ctx)
{
	ckremm_map_add(ctx, e);
	return 0;
}

/* UTF-8 output only to a terminal whose locale says UTF-8. */
static bool want_utf8(void)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	if (!isatty(STDOUT_FILENO))
		return false;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return strcasestr(v, "UTF-8") || strcasestr(v, "utf8");
	}
	return false;
}

static unsigned int hex_digits(unsigned long long v)
{
	unsigned int n = 1;

	while (v >>= 4)
		n++;
	return n;
}

static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

static void print_legend(const struct ckremm_map *m, bool utf8)
{
	unsigned int frag = ckremm_map_frag_permille(m);
	char a[32], b[32], c[32];

	if (utf8)
		printf("\u2588 used  \u2593 mostly used  \u2592 mostly free  \u2591 free\n");
	else
		printf("# used  + used and free  . free\n");
	printf("used %llu bytes (%s) in %llu block%s",
	       (unsigned long long)m->used_bytes,
	       fmt_bytes(m->used_bytes, a, sizeof(a)),
	       (unsigned long long)m->used_blocks, plural(m->used_blocks));
	if (m->pinned_blocks)
		printf(" (%llu pinned)", (unsigned long long)m->pinned_blocks);
	printf("; free %llu bytes (%s) in %llu block%s\n",
	       (unsigned long long)m->free_bytes,
	       fmt_bytes(m->free_bytes, b, sizeof(b)),
	       (unsigned long long)m->free_blocks, plural(m->free_blocks));
	printf("largest free block %llu bytes (%s), %llu usable; fragmentation %u.%u%%\n",
	       (unsigned long long)m->largest_free,
	       fmt_bytes(m->largest_free, c, sizeof(c)),
	       (unsigned long long)m->largest_free_payload,
	       frag / 10, frag % 10);
}

int verb_map(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "width", required_argument, NULL, 'w' },
		{ "rows", required_argument, NULL, 'r' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "utf8", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int width = MAP_WIDTH_DEFAULT, rows = MAP_ROWS_DEFAULT;
	int utf8_choice = -1;	/* -1: decide from the terminal */
	struct ckremm_map_cell *cells;
	struct ckremm_pool pool;
	struct ckremm_map map;
	unsigned int ncells, digits;
	size_t line_size;
	bool utf8;
	char *line;
	int c, ret;

	while ((c = ctl_getopt(ctl, argc, argv, opts)) != -1) {
		switch (c) {
		case 'w':
			width = (unsigned int)arg_range(ctl, "--width", optarg,
							1, MAP_SIDE_MAX);
			break;
		case 'r':
			rows = (unsigned int)arg_range(ctl, "--rows", optarg,
						       1, MAP_SIDE_MAX);
			break;
		case 'a':
			utf8_choice = 0;
			break;
		case 'u':
			utf8_choice = 1;
			break;
		}
	}
	if (width * rows > MAP_CELLS_MAX)
		ctl_usage(ctl, "--width x --rows is above %u cells",
			  MAP_CELLS_MAX);
	ret = ctl_open_pool_arg(ctl, argc, argv, true, &pool);
	if (ret)
		return ret;

	/* A cell narrower than a byte would draw nothing real. */
	ncells = width * rows;
	if (pool.arena_size < ncells)
		ncells = (unsigned int)pool.arena_size;
	if (!ncells)
		return ctl_fail(0, NULL, "pool '%s' has an empty arena",
				pool.name);
	cells = calloc(ncells, sizeof(*cells));
	line_size = (size_t)width * 4 + 1;	/* 4 bytes a cell at most */
	line = malloc(line_size);
	if (!cells || !line) {
		free(cells);
		free(line);
		return ctl_fail(-ENOMEM, NULL, "map");
	}
	ckremm_map_init(&map, pool.arena_size, cells, ncells);
	ret = ckremm_walk(&pool, add_extent, &map);
	if (ret) {
		free(cells);
		free(line);
		return pool_fail(&pool, ret, NULL, "walk");
	}

	utf8 = !ctl->json && (utf8_choice < 0 ? want_utf8() : utf8_choice);
	digits = hex_digits(pool.arena_size);
	if (ctl->json) {
		json_begin();
		json_str("pool", pool.name);
		json_u64("arena_size", pool.arena_size);
		json_u64("cells", ncells);
		json_u64("width", width);
		json_array_begin("rows");
	} else {
		char human[32];

		printf("%s: %s pool, arena %llu bytes, %u cells of %s\n",
		       pool.name, ckremm_kind_name(pool.kind),
		       (unsigned long long)pool.arena_size, ncells,
		       fmt_bytes(pool.arena_size / ncells, human,
				 sizeof(human)));
	}
	for (unsigned int first = 0; first < ncells; first += width) {
		ckremm_map_draw(&map, first, width, utf8, line, line_size);
		if (ctl->json)
			json_str(NULL, line);
		else
			printf("0x%0*llx |%s|\n", (int)digits,
			       (unsigned long long)ckremm_map_cell_start(&map, first),
			       line);
	}
	if (ctl->json) {
		json_array_end();
		json_u64("used_bytes", map.used_bytes);
		json_u64("free_bytes", map.free_bytes);
		json_u64("used_blocks", map.used_blocks);
		json_u64("free_blocks", map.free_blocks);
		json_u64("pinned_blocks", map.pinned_blocks);
		json_u64("largest_free", map.largest_free);
		json_u64("largest_free_usable", map.largest_free_payload);
		json_u64("frag_permille", ckremm_map_frag_permille(&map));
		json_end();
	} else {
		print_legend(&map, utf8);
	}
	free(cells);
	free(line);
	return EXIT_OK;
}
