/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm garbage collector driven in the background (Linux only): a
 * delayed work item that runs a collection cycle of a collector
 * (include/ckremm/gc.h), a bounded step at a time, every interval, and
 * its finalisers, so that an in-kernel user needs no step of its own.
 * Documented with kernel-doc in ckremm/dev/gc_work.c.
 */
#ifndef CKREMM_GC_WORK_H
#define CKREMM_GC_WORK_H

#include <ckremm/gc.h>

struct ckremm_gc_work;

struct ckremm_gc_work *ckremm_gc_work_start(struct ckremm_gc *gc,
					    unsigned int interval_ms);
void ckremm_gc_work_stop(struct ckremm_gc_work *work);

#endif /* CKREMM_GC_WORK_H */
