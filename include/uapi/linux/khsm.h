/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * khsm: a software hardware security module in the Linux kernel.
 *
 * This is the one ABI header, shared by the module (kmod/) and the library
 * (lib/). The ABI grows only by appending: enum values are never renumbered,
 * ioctl structs only grow at their end, and a new field's zero value always
 * means "behave as before".
 */
#ifndef _UAPI_LINUX_KHSM_H
#define _UAPI_LINUX_KHSM_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * DOC: ABI version
 *
 * KHSM_ABI_VERSION is bumped when a command, attribute, ioctl or field is
 * appended, so a client can tell what the running module understands.
 */
#define KHSM_ABI_VERSION		1

/**
 * enum khsm_selftest_state - outcome of the known-answer tests run at load
 * @KHSM_SELFTEST_PENDING: not run yet (only seen during module init)
 * @KHSM_SELFTEST_PASSED: every known-answer test passed; the module works
 * @KHSM_SELFTEST_FAILED: a test failed; the module refuses all work and
 *	GET_INFO carries the reason in %KHSM_A_INFO_SELFTEST_REASON
 */
enum khsm_selftest_state {
	KHSM_SELFTEST_PENDING,
	KHSM_SELFTEST_PASSED,
	KHSM_SELFTEST_FAILED,
};

/**
 * enum khsm_world_state - state of the Security World in the module
 * @KHSM_WORLD_UNINITIALISED: no world loaded
 * @KHSM_WORLD_OPERATIONAL: a world is loaded and usable
 * @KHSM_WORLD_ERROR: the module is in its error state (see the self-test
 *	state); nothing works until it is reloaded
 */
enum khsm_world_state {
	KHSM_WORLD_UNINITIALISED,
	KHSM_WORLD_OPERATIONAL,
	KHSM_WORLD_ERROR,
};

/*
 * DOC: Generic netlink control channel
 *
 * Family %KHSM_GENL_NAME, version %KHSM_GENL_VERSION, in the initial network
 * namespace only; callers outside the initial user namespace are refused.
 * Every command has a strict attribute policy: unknown attributes, wrong
 * lengths and out-of-range values fail with EINVAL and an extack message.
 *
 * KHSM_CMD_GET_INFO (role: khsm group)
 *   request:  [KHSM_A_INFO_SECTIONS u32]     which sections to include
 *                                            (KHSM_INFO_F_*; absent = all)
 *   reply:    KHSM_A_INFO (nest)
 *               KHSM_A_INFO_MODULE_VERSION    string
 *               KHSM_A_INFO_ABI_VERSION       u32
 *               KHSM_A_INFO_SELFTEST_STATE    u32 (enum khsm_selftest_state)
 *               [KHSM_A_INFO_SELFTEST_REASON] string, when it failed
 *               KHSM_A_INFO_WORLD_STATE       u32 (enum khsm_world_state)
 *
 * Multicast group %KHSM_MCGRP_AUDIT carries audit records; joining it needs
 * CAP_SYS_ADMIN.
 */
#define KHSM_GENL_NAME			"khsm"
#define KHSM_GENL_VERSION		1
#define KHSM_MCGRP_AUDIT		"audit"

/**
 * enum khsm_cmd - generic netlink commands
 * @KHSM_CMD_UNSPEC: never used
 * @KHSM_CMD_GET_INFO: module, self-test and world state
 */
enum khsm_cmd {
	KHSM_CMD_UNSPEC,
	KHSM_CMD_GET_INFO,

	__KHSM_CMD_MAX,
};
#define KHSM_CMD_MAX (__KHSM_CMD_MAX - 1)

/**
 * enum khsm_info_flags - sections of a GET_INFO reply
 * @KHSM_INFO_F_MODULE: module and ABI version
 * @KHSM_INFO_F_SELFTEST: self-test state and reason
 * @KHSM_INFO_F_WORLD: world state
 */
enum khsm_info_flags {
	KHSM_INFO_F_MODULE	= 1U << 0,
	KHSM_INFO_F_SELFTEST	= 1U << 1,
	KHSM_INFO_F_WORLD	= 1U << 2,

	KHSM_INFO_F__ALL	= (1U << 3) - 1,
};

/**
 * enum khsm_attr - top-level attributes
 * @KHSM_A_UNSPEC: never used
 * @KHSM_A_PAD: padding for 64-bit attributes
 * @KHSM_A_INFO: nest of &enum khsm_info_attr (GET_INFO reply)
 * @KHSM_A_INFO_SECTIONS: u32 mask of &enum khsm_info_flags (GET_INFO request)
 */
enum khsm_attr {
	KHSM_A_UNSPEC,
	KHSM_A_PAD,
	KHSM_A_INFO,
	KHSM_A_INFO_SECTIONS,

	__KHSM_A_MAX,
};
#define KHSM_A_MAX (__KHSM_A_MAX - 1)

/**
 * enum khsm_info_attr - attributes nested in %KHSM_A_INFO
 * @KHSM_A_INFO_UNSPEC: never used
 * @KHSM_A_INFO_MODULE_VERSION: string, the module's version
 * @KHSM_A_INFO_ABI_VERSION: u32, %KHSM_ABI_VERSION of the module
 * @KHSM_A_INFO_SELFTEST_STATE: u32, &enum khsm_selftest_state
 * @KHSM_A_INFO_SELFTEST_REASON: string, why the self-test failed
 * @KHSM_A_INFO_WORLD_STATE: u32, &enum khsm_world_state
 */
enum khsm_info_attr {
	KHSM_A_INFO_UNSPEC,
	KHSM_A_INFO_MODULE_VERSION,
	KHSM_A_INFO_ABI_VERSION,
	KHSM_A_INFO_SELFTEST_STATE,
	KHSM_A_INFO_SELFTEST_REASON,
	KHSM_A_INFO_WORLD_STATE,

	__KHSM_A_INFO_MAX,
};
#define KHSM_A_INFO_MAX (__KHSM_A_INFO_MAX - 1)

/*
 * DOC: /dev/khsm ioctls
 *
 * Every ioctl takes a pointer to a struct whose first member, @size, is the
 * size the caller compiled against. A smaller @size than the first version of
 * the struct fails with EINVAL; a larger one is accepted when the bytes the
 * module does not know are zero, and fails with E2BIG otherwise (and always
 * above the page size). Outputs are
 * written back for min(@size, the module's size) bytes. Reserved fields and
 * unknown @flags bits must be zero (EINVAL). Pointers are __aligned_u64
 * (*_uptr) so 32-bit and 64-bit callers share one layout.
 *
 * Errors common to all ioctls: ENOTTY unknown command; EFAULT bad pointer;
 * EINVAL bad size, flags or reserved field; E2BIG non-zero unknown tail;
 * EIO the module is in its error state (self-test failure).
 */
#define KHSM_IOCTL_TYPE			0xBE /* free in ioctl-number.rst */
#define KHSM_IOCTL_BASE			0x80

enum {
	KHSM_IOC_NR_INFO = KHSM_IOCTL_BASE,
	KHSM_IOC_NR_RANDOM,
};

/**
 * struct khsm_ioc_info - KHSM_IOC_INFO: state of the module
 * @size: sizeof(struct khsm_ioc_info)
 * @flags: must be 0
 * @out_abi_version: %KHSM_ABI_VERSION of the module
 * @out_selftest_state: &enum khsm_selftest_state
 * @out_world_state: &enum khsm_world_state
 * @__reserved: must be 0
 *
 * Works in the error state too, so a service can tell why nothing else does.
 */
struct khsm_ioc_info {
	__u32 size;
	__u32 flags;
	__u32 out_abi_version;
	__u32 out_selftest_state;
	__u32 out_world_state;
	__u32 __reserved;
};
#define KHSM_IOC_INFO		_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_INFO)

/* The most bytes one KHSM_IOC_RANDOM call returns. */
#define KHSM_RANDOM_MAX		4096

/**
 * struct khsm_ioc_random - KHSM_IOC_RANDOM: bytes from the kernel DRBG
 * @size: sizeof(struct khsm_ioc_random)
 * @flags: must be 0
 * @len: bytes wanted, 1 to %KHSM_RANDOM_MAX (EINVAL for 0, EMSGSIZE above)
 * @__reserved: must be 0
 * @out_uptr: user buffer of @len bytes that receives them
 */
struct khsm_ioc_random {
	__u32 size;
	__u32 flags;
	__u32 len;
	__u32 __reserved;
	__aligned_u64 out_uptr;
};
#define KHSM_IOC_RANDOM		_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_RANDOM)

#endif /* _UAPI_LINUX_KHSM_H */
