// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Linux port's one out-of-line part: ckremm's tracepoints
 * (ckremm_trace.h), defined here once for the whole module and exported
 * so that other modules (the KUnit suites) may attach probes to them.
 */
#define CREATE_TRACE_POINTS
#include "ckremm_trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(ckremm_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(ckremm_free);
EXPORT_TRACEPOINT_SYMBOL_GPL(ckremm_resize);
EXPORT_TRACEPOINT_SYMBOL_GPL(ckremm_refuse);
EXPORT_TRACEPOINT_SYMBOL_GPL(ckremm_reorder_step);
