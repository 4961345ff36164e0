/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckremm symbol namespace: every pool call ckremm.ko exports is in the
 * namespace CKREMM, and a module that calls them states
 *
 *	#include <ckremm/ckremm_ns.h>
 *	MODULE_IMPORT_NS(CKREMM_NS);
 *
 * Up to Linux 6.12 EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS() take the
 * namespace as a bare identifier, which they stringify; from 6.13 they take
 * a string literal.  CKREMM_NS is whichever the kernel being built for
 * expects, so the same source builds on both; the test is on the version
 * the kernel's <linux/version.h> gives (LINUX_VERSION_MAJOR and
 * LINUX_VERSION_PATCHLEVEL, there since 5.14).
 */
#ifndef CKREMM_NS_H
#define CKREMM_NS_H

#include <linux/version.h>

#if LINUX_VERSION_MAJOR > 6 || \
	(LINUX_VERSION_MAJOR == 6 && LINUX_VERSION_PATCHLEVEL >= 13)
#define CKREMM_NS "CKREMM"
#else
#define CKREMM_NS CKREMM
#endif

#endif /* CKREMM_NS_H */
