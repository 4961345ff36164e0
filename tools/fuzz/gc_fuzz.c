// SPDX-License-Identifier: GPL-2.0-only
/*
 * gc_fuzz.c - libFuzzer harness for the garbage collector (ckremm/gc)
 * over the table pool, built for the host with the host port layer and
 * CONFIG_CKREMM_GC=1.
 *
 * Input: byte 0 sets the heap up: bits 0-1 the arena (4, 16, 64 or
 * 256 KiB), bit 2 a manual collector (else paced, with small triggers and
 * steps), bits 3-4 the pin set (1, 2, 4 or 16), bits 5-6 the scope's
 * bound (2, 8, 32 or 64), bit 7 a finaliser queue of one.  Then
 * operations follow, each an opcode byte (modulo the mutator's table, see
 * tools/tests/gc/gc_mutator.c) and the choices the operation makes, two
 * bytes each, read as it needs them.
 *
 * The operations are the host tests' mutator's (gc_mutator.h): typed
 * allocations of every kind, links and cuts through the pool's writes,
 * copies and cleans, stale and forged values, root slots, the scope,
 * pins and holds alone with writes through their addresses, collection
 * steps of any budget, finalisers, frees of unreachable objects, reorder
 * steps and whole collections, each checked against the reference
 * collector (ckremm/model/gc_model.h) as that header lists.  Every 64
 * operations and at the end every byte of every object is compared; at
 * the end all roots go and a collection must leave the heap empty.  Any
 * broken promise aborts.
 */
#include "fuzz_common.h"

#include "gc_mutator.h"

#define MAX_OPS		2048
#define VERIFY_EVERY	64

static struct fuzz_in *input;
static struct gc_mut mu;
static struct fuzz_op_kind kinds[GC_MUT_OPS];

static uint32_t from_input(void *arg)
{
	(void)arg;
	return in_u16(input);
}

static void report(void *arg, const char *what)
{
	(void)arg;
	FAIL("%s", what);
}

static void step(const struct fuzz_op_kind *kind, struct fuzz_in *in)
{
	(void)in;
	gc_mut_op(&mu, (unsigned int)(kind - kinds));
	if (!(fuzz_op % VERIFY_EVERY))
		gc_mut_verify(&mu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t arenas[4] = { 4 << 10, 16 << 10, 64 << 10,
					  256 << 10 };
	static const unsigned int pins[4] = { 1, 2, 4, 16 };
	static const unsigned int scopes[4] = { 2, 8, 32, 64 };
	struct fuzz_in in = { data, size };
	struct gc_mut_config cfg = { .max_objs = 1024, .max_size = 4096 };
	unsigned int i;
	uint8_t setup;

	fuzz_begin();
	for (i = 0; i < GC_MUT_OPS; i++)
		kinds[i].name = gc_mut_op_name(i);
	input = &in;
	setup = in_u8(&in);
	cfg.arena = arenas[setup & 3];
	cfg.capacity = (unsigned int)(cfg.arena / 32);
	cfg.step_bytes = cfg.arena / 64;
	cfg.params.manual = setup & 4;
	cfg.params.max_pins = pins[(setup >> 3) & 3];
	cfg.scope_max = scopes[(setup >> 5) & 3];
	cfg.params.finalize_queue = setup & 0x80 ? 1 : 0;
	cfg.params.roots = 4;
	if (!cfg.params.manual) {
		cfg.params.trigger_min = cfg.arena / 32;
		cfg.params.pace_bytes = 256;
		cfg.params.step_budget = 16;
	}
	TRACE("arena %zu, %s, pins %u, scope %u, queue %u\n", cfg.arena,
	      cfg.params.manual ? "manual" : "paced", cfg.params.max_pins,
	      cfg.scope_max, cfg.params.finalize_queue);
	if (gc_mut_init(&mu, &cfg, from_input, report, NULL))
		abort();

	fuzz_run_ops(&in, kinds, GC_MUT_OPS, MAX_OPS, step);

	fuzz_op_name = "finish";
	gc_mut_finish(&mu);
	return 0;
}
