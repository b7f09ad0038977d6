/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AES key wrap: RFC 3394 through the kernel's kw(aes), and RFC 5649 (with
 * padding) for keys whose length is not a multiple of 8.
 */
#ifndef _KHSM_WRAP_H
#define _KHSM_WRAP_H

#include <linux/types.h>

/*
 * @in and @out may be any kernel memory, stack included: the work is done
 * in a private kmalloc'd copy, so @out is written only on success (an
 * unwrap that fails leaves no unauthenticated plaintext there). Inputs are
 * capped at 1 MiB. Both calls may sleep (GFP_KERNEL, tfm allocation).
 */

/* Bytes the wrapped form of @len bytes takes (0: length not wrappable). */
size_t khsm_aes_wrap_len(bool pad, size_t len);

/*
 * Wraps @in_len bytes under the AES key @kek (16, 24 or 32 bytes) into
 * @out, which has room for khsm_aes_wrap_len(@pad, @in_len) bytes.
 * RFC 3394 (@pad false) needs @in_len a multiple of 8 and at least 16;
 * RFC 5649 (@pad true) takes any @in_len from 1. -EINVAL otherwise.
 */
int khsm_aes_wrap(const u8 *kek, size_t kek_len, bool pad, const u8 *in,
		  size_t in_len, u8 *out, size_t *out_len);
/*
 * The reverse; -EBADMSG when the integrity check fails, -EINVAL for a
 * length no wrapping produces. @out has room for @in_len - 8 bytes.
 */
int khsm_aes_unwrap(const u8 *kek, size_t kek_len, bool pad, const u8 *in,
		    size_t in_len, u8 *out, size_t *out_len);

/* Known-answer tests (RFC 3394 and RFC 5649 examples), run at load. */
int khsm_wrap_selftest(void);

#endif /* _KHSM_WRAP_H */
