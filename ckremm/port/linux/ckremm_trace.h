/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm's tracepoints, in the trace system "ckremm": every allocation,
 * free and resize of both pools with its result, every call a pool refuses
 * and why, and every step of a table pool's reorder with what it moved.
 * They are read as any kernel event is, through tracefs
 * (events/ckremm/), perf, trace-cmd or bpftrace.
 *
 * The pools stay portable and never name these events: they call the
 * ckremm_trace_*() hooks of the port layer, which the Linux port maps onto
 * them (ckremm_target.h) and every other port onto nothing.  Each event names
 * its pool by the name debugfs shows it under (ckremm/dev/debugfs.c) and
 * its block as the device does: the arena offset of a header pool block's
 * payload, a table pool block's handle.
 *
 * A disabled event costs its call site one static branch, patched to a
 * no-op where the architecture has jump labels; its arguments are only
 * evaluated once it is enabled.  The events fire with the pool lock
 * dropped, except ckremm_refuse, which fires where the refusal is decided,
 * under the lock: tracing is safe in any context.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ckremm

#if !defined(CKREMM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CKREMM_TRACE_H

#include <linux/tracepoint.h>
#include <linux/version.h>

/*
 * __assign_str() takes the source again up to 6.9 and only the field from
 * 6.10, where __string() has recorded the source (the version test is the
 * one include/ckremm/ckremm_ns.h makes).
 */
#ifndef ckremm_assign_str
#if LINUX_VERSION_MAJOR > 6 || \
	(LINUX_VERSION_MAJOR == 6 && LINUX_VERSION_PATCHLEVEL >= 10)
#define ckremm_assign_str(dst, ...) __assign_str(dst)
#else
#define ckremm_assign_str(dst, ...) __assign_str(dst, __VA_ARGS__)
#endif
#endif

/*
 * An allocation from @pool: @block on success (@result 0), or why it failed
 * (-EINVAL refused, -ENOMEM nothing fits).  A batch gives one event per
 * block, or one with its error.
 */
TRACE_EVENT(ckremm_alloc,
	    TP_PROTO(const char *pool, size_t size, u64 block, int result,
		     unsigned long call_site),
	    TP_ARGS(pool, size, block, result, call_site),
	    TP_STRUCT__entry(__string(pool, pool)
			     __field(unsigned long, call_site)
			     __field(size_t, size)
			     __field(u64, block)
			     __field(int, result)),
	    TP_fast_assign(ckremm_assign_str(pool, pool);
			   __entry->call_site = call_site;
			   __entry->size = size;
			   __entry->block = block;
			   __entry->result = result;),
	    TP_printk("pool=%s call_site=%pS size=%zu block=0x%llx result=%d",
		      __get_str(pool), (void *)__entry->call_site, __entry->size,
		      __entry->block, __entry->result));

/*
 * A free of @block: @result 0, -EINVAL (refused: not a live block) or
 * -EBUSY (pinned or held).  A batch gives one event per block, or one with
 * its error and the block that refused it (0 if the batch itself was
 * refused).
 */
TRACE_EVENT(ckremm_free,
	    TP_PROTO(const char *pool, u64 block, int result,
		     unsigned long call_site),
	    TP_ARGS(pool, block, result, call_site),
	    TP_STRUCT__entry(__string(pool, pool)
			     __field(unsigned long, call_site)
			     __field(u64, block)
			     __field(int, result)),
	    TP_fast_assign(ckremm_assign_str(pool, pool);
			   __entry->call_site = call_site;
			   __entry->block = block;
			   __entry->result = result;),
	    TP_printk("pool=%s call_site=%pS block=0x%llx result=%d",
		      __get_str(pool), (void *)__entry->call_site,
		      __entry->block, __entry->result));

/* A header pool block resized to @size: now at @moved (@result 0). */
TRACE_EVENT(ckremm_resize,
	    TP_PROTO(const char *pool, u64 block, size_t size, u64 moved,
		     int result, unsigned long call_site),
	    TP_ARGS(pool, block, size, moved, result, call_site),
	    TP_STRUCT__entry(__string(pool, pool)
			     __field(unsigned long, call_site)
			     __field(u64, block)
			     __field(size_t, size)
			     __field(u64, moved)
			     __field(int, result)),
	    TP_fast_assign(ckremm_assign_str(pool, pool);
			   __entry->call_site = call_site;
			   __entry->block = block;
			   __entry->size = size;
			   __entry->moved = moved;
			   __entry->result = result;),
	    TP_printk("pool=%s call_site=%pS block=0x%llx size=%zu moved=0x%llx result=%d",
		      __get_str(pool), (void *)__entry->call_site, __entry->block,
		      __entry->size, __entry->moved, __entry->result));

/* A call @pool refused as a caller's mistake, counted in refused_calls. */
TRACE_EVENT(ckremm_refuse,
	    TP_PROTO(const char *pool, const char *reason),
	    TP_ARGS(pool, reason),
	    TP_STRUCT__entry(__string(pool, pool)
			     __string(reason, reason)),
	    TP_fast_assign(ckremm_assign_str(pool, pool);
			   ckremm_assign_str(reason, reason);),
	    TP_printk("pool=%s reason=\"%s\"", __get_str(pool), __get_str(reason)));

/*
 * One step of a table pool's reorder: blocks it started moving and bytes
 * it moved, whether the pass has more to do, and the largest free run
 * after it.
 */
TRACE_EVENT(ckremm_reorder_step,
	    TP_PROTO(const char *pool, unsigned int blocks_moved,
		     size_t bytes_moved, bool more, size_t largest_free),
	    TP_ARGS(pool, blocks_moved, bytes_moved, more, largest_free),
	    TP_STRUCT__entry(__string(pool, pool)
			     __field(unsigned int, blocks_moved)
			     __field(size_t, bytes_moved)
			     __field(size_t, largest_free)
			     __field(bool, more)),
	    TP_fast_assign(ckremm_assign_str(pool, pool);
			   __entry->blocks_moved = blocks_moved;
			   __entry->bytes_moved = bytes_moved;
			   __entry->largest_free = largest_free;
			   __entry->more = more;),
	    TP_printk("pool=%s blocks_moved=%u bytes_moved=%zu largest_free=%zu more=%d",
		      __get_str(pool), __entry->blocks_moved, __entry->bytes_moved,
		      __entry->largest_free, __entry->more));

#endif /* CKREMM_TRACE_H */

/* Out of tree: the header is found through the include path (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ckremm_trace
#include <trace/define_trace.h>
