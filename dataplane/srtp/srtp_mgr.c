/* SPDX-License-Identifier: BSD-3-Clause */
/* intel-ipsec-mb manager creation and aligned allocation, shared by the engine
 * and key set-up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_internal.h"

static const char *const arch_names[IMB_ARCH_NUM] = {
	[IMB_ARCH_NONE] = "none", [IMB_ARCH_NOAESNI] = "no-aesni", [IMB_ARCH_SSE] = "sse",
	[IMB_ARCH_AVX] = "avx", [IMB_ARCH_AVX2] = "avx2", [IMB_ARCH_AVX512] = "avx512",
};

IMB_MGR *xs_imb_mgr_create(const char **arch_name)
{
	IMB_ARCH arch = IMB_ARCH_NONE;
	IMB_MGR *mgr = alloc_mb_mgr(0);

	if (!mgr) {
		errno = ENOMEM;
		return NULL;
	}
	init_mb_mgr_auto(mgr, &arch);
	if (imb_get_errno(mgr) != 0 || arch == IMB_ARCH_NONE) {
		free_mb_mgr(mgr);
		errno = ENOTSUP;
		return NULL;
	}
	if (arch_name)
		*arch_name = (unsigned)arch < IMB_ARCH_NUM ? arch_names[arch] : "unknown";
	return mgr;
}

/* One manager per thread for key set-up (key expansion, HMAC precomputation).
 * Created on first use and kept for the thread's life. */
IMB_MGR *xs_imb_setup_mgr(void)
{
	static __thread IMB_MGR *mgr;

	if (!mgr)
		mgr = xs_imb_mgr_create(NULL);
	return mgr;
}

void *xs_aligned_zalloc(size_t size)
{
	size_t rounded = (size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, rounded);

	if (p)
		memset(p, 0, rounded);
	return p;
}
