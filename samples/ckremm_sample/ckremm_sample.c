// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckremm_sample: a module that keeps its objects in ckremm pools.
 *
 * Records, each a key and a short text, live in a table pool and are
 * named by handles, so the pool may compact them: after half of them are
 * deleted, a reorder slides the rest together and every handle still finds
 * its record.  Messages of varying length live in a header pool, in a
 * ring that drops the oldest message when it is full; a message is named
 * by its pointer, which never moves.
 *
 * The module makes both pools at init, named so that debugfs shows them
 * as /sys/kernel/debug/ckremm/ckremm_sample-records/ and
 * ckremm_sample-ring/, checks its own work, reports it with pr_info() and
 * keeps the pools, with what it left in them, until it is unloaded.  A
 * failed check fails the load.
 *
 * It is built out of tree against ckremm's Module.symvers; see
 * "Using the pools from your module" in ckremm's README.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <ckremm/ckremm_ns.h>
#include <ckremm/h_pool.h>
#include <ckremm/t_pool.h>

#define SAMPLE_POOL_BYTES	(64 * 1024)
#define SAMPLE_TEXT_LEN		24

static unsigned int records = 64;
module_param(records, uint, 0444);
MODULE_PARM_DESC(records, "records stored in the table pool, 2..512 (default 64)");

static unsigned int ring_slots = 8;
module_param(ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots, "messages the ring keeps, 1..64 (default 8)");

/**
 * struct sample_record - what one record holds in the table pool
 * @key: the record's key
 * @text: "record <key>", NUL-padded
 */
struct sample_record {
	u32 key;
	char text[SAMPLE_TEXT_LEN];
};

static struct t_pool *record_pool;
static struct h_pool *ring_pool;
static u64 *handles;		/* by key; T_POOL_NO_HANDLE once deleted */
static char **ring;		/* ring_slots message pointers */
static unsigned int ring_head;	/* where the next message goes */

static void sample_record_fill(struct sample_record *r, u32 key)
{
	memset(r, 0, sizeof(*r));
	r->key = key;
	snprintf(r->text, sizeof(r->text), "record %u", key);
}

static int sample_record_put(u32 key)
{
	struct sample_record r;
	u64 h;

	h = t_pool_alloc_handle(record_pool, sizeof(r), 0);
	if (h == T_POOL_NO_HANDLE)
		return -ENOMEM;
	sample_record_fill(&r, key);
	handles[key] = h;
	return t_pool_write(record_pool, h, 0, &r, sizeof(r));
}

/* Whether the record of @key holds what sample_record_put() wrote. */
static bool sample_record_ok(u32 key)
{
	struct sample_record want, got;

	sample_record_fill(&want, key);
	return !t_pool_read(record_pool, handles[key], 0, &got, sizeof(got)) &&
	       !memcmp(&want, &got, sizeof(got));
}

/* Store every record, delete the odd keys, compact, check the rest. */
static int sample_records_run(unsigned int *kept, size_t *moved)
{
	struct t_pool_reorder_result res;
	unsigned int key;
	int err;

	for (key = 0; key < records; key++) {
		err = sample_record_put(key);
		if (err)
			return err;
	}
	for (key = 1; key < records; key += 2) {
		err = t_pool_free(record_pool, handles[key]);
		if (err)
			return err;
		handles[key] = T_POOL_NO_HANDLE;
	}
	err = t_pool_reorder(record_pool, &res);
	if (err)
		return err;
	*moved = res.bytes_moved;
	*kept = 0;
	for (key = 0; key < records; key += 2) {
		if (!sample_record_ok(key))
			return -EIO;
		(*kept)++;
	}
	return 0;
}

/* Append message @n to the ring, dropping the oldest if it is full. */
static int sample_ring_push(unsigned int n)
{
	char text[48];
	char *msg;
	int len;

	len = snprintf(text, sizeof(text), "message %u%*s", n, (int)(n % 17), "");
	msg = h_pool_alloc(ring_pool, len + 1);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, text, len + 1);
	if (ring[ring_head] && !h_pool_dealloc(ring_pool, ring[ring_head]))
		return -EIO;
	ring[ring_head] = msg;
	ring_head = (ring_head + 1) % ring_slots;
	return 0;
}

/* Push three rounds of the ring; the ring must hold the last round. */
static int sample_ring_run(unsigned int *pushed)
{
	unsigned int n, total = 3 * ring_slots, slot;
	char want[48];
	int err;

	for (n = 0; n < total; n++) {
		err = sample_ring_push(n);
		if (err)
			return err;
	}
	*pushed = total;
	for (n = total - ring_slots; n < total; n++) {
		slot = n % ring_slots;
		snprintf(want, sizeof(want), "message %u%*s", n, (int)(n % 17), "");
		if (strcmp(ring[slot], want))
			return -EIO;
	}
	return 0;
}

static int sample_validate(void)
{
	struct h_pool_fault hf = { 0 };
	struct t_pool_fault tf = { 0 };

	return h_pool_validate(ring_pool, &hf) ?:
	       t_pool_validate(record_pool, &tf);
}

static void sample_free(void)
{
	/* Blocks go with their pool. */
	destroy_h_pool(ring_pool);
	destroy_t_pool(record_pool);
	kfree(ring);
	kfree(handles);
}

static int __init ckremm_sample_init(void)
{
	unsigned int kept = 0, pushed = 0;
	size_t moved = 0;
	int err;

	if (records < 2 || records > 512 || !ring_slots || ring_slots > 64)
		return -EINVAL;
	handles = kcalloc(records, sizeof(*handles), GFP_KERNEL);
	ring = kcalloc(ring_slots, sizeof(*ring), GFP_KERNEL);
	record_pool = t_pool_create_named(SAMPLE_POOL_BYTES, 0,
					  KBUILD_MODNAME "-records");
	ring_pool = h_pool_create_named(SAMPLE_POOL_BYTES, 0,
					KBUILD_MODNAME "-ring");
	if (!handles || !ring || !record_pool || !ring_pool) {
		err = -ENOMEM;
		goto fail;
	}

	err = sample_records_run(&kept, &moved);
	if (err) {
		pr_err("the record store failed its check: %d\n", err);
		goto fail;
	}
	err = sample_ring_run(&pushed);
	if (err) {
		pr_err("the message ring failed its check: %d\n", err);
		goto fail;
	}
	err = sample_validate();
	if (err) {
		pr_err("a pool failed validation: %d\n", err);
		goto fail;
	}
	pr_info("%u records stored, %u kept after compaction (%zu bytes moved), %u messages through a ring of %u: all checked, pools valid\n",
		records, kept, moved, pushed, ring_slots);
	return 0;

fail:
	sample_free();
	return err;
}

static void __exit ckremm_sample_exit(void)
{
	sample_free();
	pr_info("pools destroyed\n");
}

module_init(ckremm_sample_init);
module_exit(ckremm_sample_exit);

MODULE_DESCRIPTION("Sample user of the ckremm pools: a record store and a message ring");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(CKREMM_NS);
