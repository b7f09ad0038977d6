// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for the debug-kernel run (tools/debug-kernel/guest-check):
 * multiplies every alarm(2) by $KHSM_SLOW_ALARM (default 10).  The
 * kselftest harness arms alarm(timeout) around each test, with timeouts
 * sized for a stock kernel; under KASAN, kmemleak and lockdep system calls
 * are ~10x slower, and a test cut off by its timer says nothing about
 * correctness.  Nothing else changes: what the tests assert stays the same.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

unsigned int alarm(unsigned int seconds)
{
	const char *f = getenv("KHSM_SLOW_ALARM");
	unsigned long mul = f ? strtoul(f, NULL, 10) : 10;
	unsigned long s = (unsigned long)seconds * (mul ? mul : 1);

	if (s > 86400)
		s = 86400;
	/* alarm() itself is glibc's wrapper around setitimer; the raw call
	 * keeps this shim free of dlsym.
	 */
	return (unsigned int)syscall(SYS_alarm, (unsigned int)s);
}
