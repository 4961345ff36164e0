/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Segregated-fit index arithmetic shared by the ckremm pools.
 *
 * Free runs are filed by size, in 16-byte units, into classes of a
 * two-level index in the style of TLSF.  The first level splits sizes by
 * powers of two, the second splits each power of two into 16 equal
 * classes; sizes below 16 units get one class per unit.  One bitmap per
 * level says which classes hold free runs, so finding a class whose every
 * run fits a request takes two find-first-set operations.
 *
 * The pools keep the lists themselves (in the arena for the header pool,
 * in the table for the table pool); this header owns the class arithmetic,
 * the heads and the bitmaps.  It is allocator logic, not a port's: it
 * needs nothing of a port but its types and bit operations, and a pool
 * lifted into another project takes this folder with port/ and its own.
 */
#ifndef CKREMM_SEGFIT_H
#define CKREMM_SEGFIT_H

#include "ckremm_port.h"

#define CKREMM_SF_SL_SHIFT	4
#define CKREMM_SF_SL_COUNT	BIT(CKREMM_SF_SL_SHIFT)
/*
 * A size whose top bit is at position f >= CKREMM_SF_SL_SHIFT is in first
 * level f - CKREMM_SF_SL_SHIFT + 1; sizes fit 32 bits, so f <= 31.
 */
#define CKREMM_SF_FL_COUNT	(32 - CKREMM_SF_SL_SHIFT + 1)
#define CKREMM_SF_NIL		0xffffffffU
/*
 * Runs of the highest class read to report the largest free run: bounds
 * the lock hold of a statistics call, at the price of exactness when that
 * class holds more runs (a class spans 1/16 of its sizes).
 */
#define CKREMM_SF_TOP_SCAN	64

struct ckremm_segfit {
	u32 fl_map;
	u32 sl_map[CKREMM_SF_FL_COUNT];
	u32 heads[CKREMM_SF_FL_COUNT][CKREMM_SF_SL_COUNT];
};

static inline void ckremm_sf_init(struct ckremm_segfit *sf)
{
	sf->fl_map = 0;
	memset(sf->sl_map, 0, sizeof(sf->sl_map));
	memset(sf->heads, 0xff, sizeof(sf->heads));
}

/* The class a run of @units is filed in. */
static inline void ckremm_sf_class(u32 units, unsigned int *fl,
				   unsigned int *sl)
{
	unsigned int f;

	if (units < CKREMM_SF_SL_COUNT) {
		*fl = 0;
		*sl = units;
		return;
	}
	f = ckremm_fls32(units) - 1;
	*fl = f - CKREMM_SF_SL_SHIFT + 1;
	*sl = (units >> (f - CKREMM_SF_SL_SHIFT)) - CKREMM_SF_SL_COUNT;
}

/* Record that class (@fl, @sl) has runs, or has none left. */
static inline void ckremm_sf_set(struct ckremm_segfit *sf, unsigned int fl,
				 unsigned int sl, bool nonempty)
{
	if (nonempty) {
		sf->sl_map[fl] |= 1U << sl;
		sf->fl_map |= 1U << fl;
		return;
	}
	sf->sl_map[fl] &= ~(1U << sl);
	if (!sf->sl_map[fl])
		sf->fl_map &= ~(1U << fl);
}

/*
 * Head of a non-empty class every run of which holds @units, or
 * CKREMM_SF_NIL.  The request is rounded up to the next class boundary,
 * which is what makes the search constant-time: a run up to 1/16 larger
 * than the request may be passed over.
 */
static inline u32 ckremm_sf_search(const struct ckremm_segfit *sf, u32 units)
{
	unsigned int fl, sl;
	u32 bits;

	if (units >= CKREMM_SF_SL_COUNT) {
		unsigned int f = ckremm_fls32(units) - 1;
		u32 round = (1U << (f - CKREMM_SF_SL_SHIFT)) - 1;

		if (units > CKREMM_SF_NIL - round)
			return CKREMM_SF_NIL;
		units += round;
	}
	ckremm_sf_class(units, &fl, &sl);
	bits = sf->sl_map[fl] & (~0U << sl);
	if (!bits) {
		if (fl + 1 >= CKREMM_SF_FL_COUNT)
			return CKREMM_SF_NIL;
		bits = sf->fl_map & (~0U << (fl + 1));
		if (!bits)
			return CKREMM_SF_NIL;
		fl = ckremm_ffs32(bits);
		bits = sf->sl_map[fl];
	}
	return sf->heads[fl][ckremm_ffs32(bits)];
}

/* Head of the highest non-empty class, where the largest run is. */
static inline u32 ckremm_sf_top(const struct ckremm_segfit *sf)
{
	unsigned int fl;

	if (!sf->fl_map)
		return CKREMM_SF_NIL;
	fl = ckremm_fls32(sf->fl_map) - 1;
	return sf->heads[fl][ckremm_fls32(sf->sl_map[fl]) - 1];
}

/* A free run as a pool shows it to ckremm_sf_check_step(). */
struct ckremm_sf_run {
	u32 units;
	u32 next;
	u32 prev;
};

/* Where a stepped check of the index has got to; zero it to start. */
struct ckremm_sf_check {
	unsigned int cls;	/* class being checked */
	bool in_list;		/* @node and @node_prev are set */
	u32 node;
	u32 node_prev;
	size_t listed;		/* runs met so far */
};

/*
 * Check the bitmaps and free lists against each other, up to @budget list
 * entries per call: every listed run must be one the pool calls free
 * (@get returns false otherwise), filed in its own class, linked both
 * ways, and the lists must hold exactly @runs runs.  Returns 1 when the
 * check is complete, 0 when it has more to do, or -EUCLEAN with *@why and
 * *@where (the run's index, or CKREMM_SF_NIL) saying what is wrong.
 */
static inline int
ckremm_sf_check_step(const struct ckremm_segfit *sf, struct ckremm_sf_check *c,
		     size_t runs, unsigned int *budget,
		     bool (*get)(const void *pool, u32 n, struct ckremm_sf_run *r),
		     const void *pool, const char **why, u32 *where)
{
	const unsigned int classes = CKREMM_SF_FL_COUNT * CKREMM_SF_SL_COUNT;
	struct ckremm_sf_run r;
	unsigned int fl, sl, rfl, rsl;

	*where = CKREMM_SF_NIL;
	while (c->cls < classes && *budget) {
		fl = c->cls / CKREMM_SF_SL_COUNT;
		sl = c->cls % CKREMM_SF_SL_COUNT;
		(*budget)--;
		if (!c->in_list) {
			bool filled = sf->heads[fl][sl] != CKREMM_SF_NIL;

			if (!sl && !!(sf->fl_map & (1U << fl)) != !!sf->sl_map[fl]) {
				*why = "bitmap levels disagree";
				return -EUCLEAN;
			}
			if (!!(sf->sl_map[fl] & (1U << sl)) != filled) {
				*why = "bitmap disagrees with a free list";
				return -EUCLEAN;
			}
			c->node = sf->heads[fl][sl];
			c->node_prev = CKREMM_SF_NIL;
			c->in_list = true;
		}
		if (c->node == CKREMM_SF_NIL) {
			c->in_list = false;
			c->cls++;
			continue;
		}
		*where = c->node;
		if (++c->listed > runs || !get(pool, c->node, &r)) {
			*why = "free list leads to a run that is not free";
			return -EUCLEAN;
		}
		ckremm_sf_class(r.units, &rfl, &rsl);
		if (rfl != fl || rsl != sl) {
			*why = "free run in a wrong class";
			return -EUCLEAN;
		}
		if (r.prev != c->node_prev) {
			*why = "free list back link broken";
			return -EUCLEAN;
		}
		c->node_prev = c->node;
		c->node = r.next;
		*where = CKREMM_SF_NIL;
	}
	if (c->cls < classes)
		return 0;
	if (c->listed != runs) {
		*why = "free run missing from the free index";
		return -EUCLEAN;
	}
	return 1;
}

#endif /* CKREMM_SEGFIT_H */
