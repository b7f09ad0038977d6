// SPDX-License-Identifier: GPL-2.0
/*
 * The floor under every kernel back end: one bare system call (getppid),
 * timed like any operation so that khsm's KHSM_IOC_INFO round trip and the
 * per-operation costs can be read against it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static bool sys_supports(const struct workload *w)
{
	return w->kind == WL_NULL;
}

static int sys_ctx_new(const struct workload *w, void **ctx)
{
	(void)w;
	*ctx = NULL;
	return 0;
}

static void sys_ctx_free(void *ctx)
{
	(void)ctx;
}

static int sys_run(void *ctx, unsigned int n)
{
	(void)ctx;
	for (unsigned int i = 0; i < n; i++)
		syscall(SYS_getppid);	/* glibc caches nothing here, but be sure */
	return 0;
}

struct backend be_syscall = {
	.name = "getppid",
	.batch = 1,
	.supports = sys_supports,
	.ctx_new = sys_ctx_new,
	.ctx_free = sys_ctx_free,
	.run = sys_run,
};
