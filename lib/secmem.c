// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory for passphrases and the keys stretched from them.
 *
 * Not memfd_secret(2): it is off on 6.1 unless the kernel is booted with
 * secretmem.enable=1, and its pages cannot be pinned, which AF_ALG does
 * with what it is sent: tried on 6.12 (where it is on), khsm_pp_derive()
 * from secretmem pages failed (EPERM) in every ceremony. Private anonymous
 * pages, locked so they never reach swap, out of core dumps, and wiped in
 * a forked child, are the portable floor.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static size_t round_pages(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) / page * page;
}

KHSM_API void *khsm_secure_alloc(size_t size)
{
	size_t len;
	void *p;
	int err;

	if (!size || size > SIZE_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	len = round_pages(size);
	/*
	 * MAP_LOCKED marks the mapping locked from its first instant (and is
	 * what locks it under AddressSanitizer, whose mlock does nothing);
	 * mlock faults the pages in and fails loudly where MAP_LOCKED would
	 * quietly leave them out.
	 */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mlock(p, len) || madvise(p, len, MADV_DONTDUMP))
		goto fail;
	/* Kernels before 4.14 lack it; the page is locked and undumped anyway. */
	if (madvise(p, len, MADV_WIPEONFORK) && errno != EINVAL)
		goto fail;
	return p;	/* anonymous pages come zeroed */
fail:
	err = errno;
	munmap(p, len);
	errno = err;
	return NULL;
}

KHSM_API void khsm_secure_free(void *p, size_t size)
{
	size_t len;

	if (!p)
		return;
	len = round_pages(size);
	explicit_bzero(p, len);
	munlock(p, len);
	munmap(p, len);
}
