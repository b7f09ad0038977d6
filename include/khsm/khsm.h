/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkhsm: client library for khsm, the software HSM in the Linux kernel.
 *
 * A struct khsm handle holds up to two channels to the module: the generic
 * netlink family "khsm" (control: state and management) and the misc device
 * /dev/khsm (data: ioctls on the hot path). Every function that can fail
 * returns 0 or a negative errno; none prints, exits or aborts. After a
 * failed request, khsm_errmsg() has the kernel's explanation, if it gave one.
 *
 * A handle is not thread-safe: share one between threads only under a lock
 * of your own, or open one handle per thread. Distinct handles are
 * independent. The functions that take no handle are thread-safe.
 *
 * See libkhsm(3).
 */
#ifndef KHSM_KHSM_H
#define KHSM_KHSM_H

#include <stdint.h>
#include <linux/khsm.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define KHSM_API __attribute__((visibility("default")))
#else
#define KHSM_API
#endif

/* An open connection to the khsm module; opaque. */
struct khsm;

/* Channels for khsm_open(); 0 opens both. */
enum khsm_open_flags {
	KHSM_OPEN_CONTROL	= 1U << 0,	/* generic netlink family */
	KHSM_OPEN_DATA		= 1U << 1,	/* /dev/khsm or $KHSM_DEVICE */
};

/* Default data channel; the KHSM_DEVICE environment variable overrides it. */
#define KHSM_DEVICE_PATH	"/dev/khsm"

/*
 * What khsm_get_info() learnt. The library zeroes the whole struct before
 * filling it in; fields added later come out of __reserved, so the size of
 * the struct, and what old callers see, never changes for soname 1.
 */
struct khsm_info {
	uint32_t sections;		/* KHSM_INFO_F_* actually answered */
	uint32_t abi_version;		/* KHSM_ABI_VERSION of the module */
	uint32_t selftest_state;	/* enum khsm_selftest_state */
	uint32_t world_state;		/* enum khsm_world_state */
	char module_version[64];	/* "" if unknown (data channel only) */
	char selftest_reason[128];	/* "" unless the self-test failed */
	uint64_t __reserved[8];
};

/*
 * Open a handle with the channels in @flags. On success store it in *@out
 * and return 0; on failure set *@out to NULL and return a negative errno:
 * -ENOENT when the module is not loaded (no "khsm" family or no device
 * node), -EACCES or -EPERM when the caller may not use the device, -EINVAL
 * for unknown flags.
 */
KHSM_API int khsm_open(struct khsm **out, unsigned int flags);

/* Close both channels and free @h. NULL is a no-op. */
KHSM_API void khsm_close(struct khsm *h);

/*
 * Ask the module for its state: KHSM_CMD_GET_INFO on the control channel or,
 * if only the data channel is open, KHSM_IOC_INFO (which carries no version
 * string nor self-test reason). @sections is a mask of KHSM_INFO_F_*, 0 for
 * everything; the data channel ignores it. info->sections tells what came.
 */
KHSM_API int khsm_get_info_sections(struct khsm *h, uint32_t sections,
				    struct khsm_info *info);

/* khsm_get_info_sections(h, 0, info). */
KHSM_API int khsm_get_info(struct khsm *h, struct khsm_info *info);

/*
 * Text for an errno (negative or positive) as the khsm module means it,
 * e.g. EIO is "module is in its error state (self-test failed)". Never NULL;
 * the string is static.
 */
KHSM_API const char *khsm_strerror(int err);

/*
 * The kernel's extended-ack message for the last failed request on @h, or ""
 * if it sent none (or @h is NULL). Valid until the next call on @h.
 */
KHSM_API const char *khsm_errmsg(const struct khsm *h);

/*
 * Byte offset, from the start of the request's netlink header, of the
 * attribute the kernel blamed for the last failed request on @h, or -1.
 */
KHSM_API int khsm_erroffset(const struct khsm *h);

/* "pending", "passed", "failed"; "unknown" for values this library lacks. */
KHSM_API const char *khsm_selftest_state_name(uint32_t state);

/* "uninitialised", "operational", "error"; "unknown" likewise. */
KHSM_API const char *khsm_world_state_name(uint32_t state);

/*
 * Escape hatches for tests and tools that speak the ABI directly: the
 * resolved generic netlink family id, and the file descriptor of the data
 * channel (owned by @h: do not close it). -ENOTCONN if that channel is not
 * open on @h.
 */
KHSM_API int khsm_family_id(const struct khsm *h);
KHSM_API int khsm_device_fd(const struct khsm *h);

/* Version of this library, e.g. "0.1.0". */
KHSM_API const char *khsm_version(void);

#ifdef __cplusplus
}
#endif

#endif /* KHSM_KHSM_H */
