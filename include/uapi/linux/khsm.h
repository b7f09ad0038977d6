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
 * 1: GET_INFO, INFO and RANDOM ioctls. 2: the world, the ACS, card sets,
 * softcards and tokens. 3: application keys (KEY_GENERATE, KEY_IMPORT) and
 * the LOAD, DESTROY, OP, OP_BATCH and PUBKEY ioctls. 4: the audit log
 * (AUDIT_GET, AUDIT_ACK, AUDIT_CHECKPOINT, AUDIT_STATUS, the audit options).
 */
#define KHSM_ABI_VERSION		4

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
 * @KHSM_WORLD_LOADING: a world file was given without a host binding key;
 *	the module waits for the load-world quorum of ACS cards from the
 *	connection that asked
 */
enum khsm_world_state {
	KHSM_WORLD_UNINITIALISED,
	KHSM_WORLD_OPERATIONAL,
	KHSM_WORLD_ERROR,
	KHSM_WORLD_LOADING,
};

/**
 * enum khsm_acs_token - the logical tokens every ACS card holds a share of
 * @KHSM_TOKEN_ACS: the full ACS quorum: authorises security-officer work
 *	(policy, replacing the ACS, binding keys) for the NSO timeout
 * @KHSM_TOKEN_LOAD_WORLD: decrypts the world file on a host without its
 *	binding key
 * @KHSM_TOKEN_KEY_RECOVERY: authorises key recovery (when enabled)
 * @KHSM_TOKEN_PP_RECOVERY: authorises passphrase replacement (when enabled)
 */
enum khsm_acs_token {
	KHSM_TOKEN_ACS,
	KHSM_TOKEN_LOAD_WORLD,
	KHSM_TOKEN_KEY_RECOVERY,
	KHSM_TOKEN_PP_RECOVERY,

	KHSM_TOKEN__COUNT,
};

/**
 * enum khsm_protection - how an application key is protected
 * @KHSM_PROTECT_MODULE: by the world's module key alone
 * @KHSM_PROTECT_SOFTCARD: by a softcard (passphrase-protected token)
 * @KHSM_PROTECT_OCS: by an operator card set
 */
enum khsm_protection {
	KHSM_PROTECT_MODULE,
	KHSM_PROTECT_SOFTCARD,
	KHSM_PROTECT_OCS,

	KHSM_PROTECT__COUNT,
};
#define KHSM_PROTECT__ALL	((1U << KHSM_PROTECT__COUNT) - 1)

/**
 * enum khsm_mech - mechanisms a policy may allow (bit numbers of a mask)
 * @KHSM_MECH_AES_GCM: AES-GCM encrypt and decrypt
 * @KHSM_MECH_AES_KW: AES key wrap (RFC 3394)
 * @KHSM_MECH_AES_KWP: AES key wrap with padding (RFC 5649)
 * @KHSM_MECH_HMAC_SHA256: HMAC with SHA-256
 * @KHSM_MECH_HMAC_SHA384: HMAC with SHA-384
 * @KHSM_MECH_HMAC_SHA512: HMAC with SHA-512
 * @KHSM_MECH_AES_CMAC: CMAC with AES
 * @KHSM_MECH_ECDSA_P256_SHA256: ECDSA on P-256 with SHA-256
 * @KHSM_MECH_ECDSA_P384_SHA384: ECDSA on P-384 with SHA-384
 * @KHSM_MECH_ECDH_P256: ECDH on P-256 deriving a new key
 */
enum khsm_mech {
	KHSM_MECH_AES_GCM,
	KHSM_MECH_AES_KW,
	KHSM_MECH_AES_KWP,
	KHSM_MECH_HMAC_SHA256,
	KHSM_MECH_HMAC_SHA384,
	KHSM_MECH_HMAC_SHA512,
	KHSM_MECH_AES_CMAC,
	KHSM_MECH_ECDSA_P256_SHA256,
	KHSM_MECH_ECDSA_P384_SHA384,
	KHSM_MECH_ECDH_P256,

	KHSM_MECH__COUNT,
};
#define KHSM_MECH__ALL		((1U << KHSM_MECH__COUNT) - 1)

/* Limits shared by the module and the tools. */
#define KHSM_MAX_CARDS		64	/* N of any card set */
#define KHSM_NAME_MAX		64	/* card and set names, with the NUL */
#define KHSM_WORLD_ID_LEN	16
#define KHSM_SET_ID_LEN		16
#define KHSM_PP_SALT_LEN	16
#define KHSM_PP_KEY_LEN		32	/* PBKDF2-HMAC-SHA256 output */
#define KHSM_AUDIT_PUBKEY_LEN	65	/* uncompressed P-256 point */
#define KHSM_FILE_MAX		16384	/* any world or card file */
#define KHSM_BIND_DESC_MAX	256	/* binding key description, with the NUL */

/*
 * DOC: Generic netlink control channel
 *
 * Family %KHSM_GENL_NAME, version %KHSM_GENL_VERSION, in the initial network
 * namespace only; callers outside the initial user namespace are refused.
 * Every command has a strict attribute policy: unknown attributes and wrong
 * lengths fail with EINVAL, values outside an attribute's range with
 * ERANGE, each with an extack message.
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
 *               KHSM_A_INFO_SLOTS             u32
 *               [KHSM_A_INFO_WORLD_ID]        while loading or loaded
 *               [the other KHSM_A_INFO_* of the world]  once operational
 *
 * KHSM_CMD_WORLD_NEW (role: officer; no world loaded)
 *   request:  KHSM_A_WORLD_OPTS, KHSM_A_CARDS (N entries: INDEX, NAME,
 *             [PP_SALT, PP_KEY, PBKDF2_ITER]), [KHSM_A_BIND_KEY_TYPE,
 *             KHSM_A_BIND_KEY_DESC]
 *   reply:    KHSM_A_WORLD_ID, KHSM_A_AUDIT_PUBKEY, KHSM_A_WORLD_FILE,
 *             KHSM_A_CARDS (INDEX, FILE), KHSM_A_WARNING...
 *   The new world is loaded (OPERATIONAL) and no ACS token is authorised.
 *   Hard invariants (1 <= K <= N <= 64, every quorum 1..N, a quorum given
 *   for a disabled feature, N card entries with indexes 1..N once each)
 *   fail with EINVAL. Recommendations (N < 2K, feature quorums below K,
 *   recovery quorums above 1) come back as KHSM_A_WARNING, or fail with
 *   EINVAL under KHSM_A_OPT_STRICT.
 *
 * KHSM_CMD_WORLD_LOAD (role: officer; no world loaded)
 *   request:  KHSM_A_WORLD_FILE, [KHSM_A_BIND_KEY_TYPE, KHSM_A_BIND_KEY_DESC]
 *   reply:    KHSM_A_WORLD_ID, KHSM_A_WORLD_STATE
 *   With a binding key the world is OPERATIONAL at once. Without, it is
 *   LOADING: the same connection then inserts ACS cards until the
 *   load-world quorum is met; closing the connection abandons the load.
 *   A damaged, truncated or foreign file, or a wrong key: EBADMSG, and
 *   nothing changes. An unknown format version: EPROTONOSUPPORT.
 *
 * KHSM_CMD_WORLD_UNLOAD, KHSM_CMD_CLEAR, KHSM_CMD_ACS_LOGOUT (role:
 * officer; no attributes). CLEAR unloads every token and key and ends the
 * ACS authorisations; the world stays. UNLOAD forgets the world as well.
 *
 * KHSM_CMD_CARD_INSERT (role: operator; ACS cards: officer)
 *   request:  KHSM_A_SLOT, KHSM_A_CARD_IMAGE, [KHSM_A_PP_KEY],
 *             [KHSM_A_VERIFY_ONLY]
 *   reply:    KHSM_A_CARDS (one entry describing the card), KHSM_A_QUORUM
 *   The card's shares count towards this connection's quorums; the card
 *   may be removed afterwards without undoing that. Refusals: EBADMSG
 *   damaged card; EXDEV card of another world or of a replaced set;
 *   EEXIST card already read (or slot taken: EBUSY); EACCES wrong
 *   passphrase (the extack says when to try again); EAGAIN the card's retry
 *   delay has not passed (the extack gives the seconds left); EPERM card
 *   locked after too many failures; ENOKEY no world.
 *
 * KHSM_CMD_CARD_PASSPHRASE (role: operator; ACS cards: officer)
 *   request:  KHSM_A_CARD_IMAGE, [KHSM_A_PP_KEY] (the old passphrase's),
 *             KHSM_A_CARDS (one entry: the card's INDEX, a NAME (ignored:
 *             the card keeps its own) and, unless the card is to have no
 *             passphrase, the new PP_SALT, PP_KEY and PBKDF2_ITER)
 *   reply:    KHSM_A_CARDS (INDEX, FILE): the card under its new passphrase
 *   Opening the card with the old passphrase is an attempt like any
 *   CARD_INSERT: the same errors, delays and lockout. A softcard keeps a
 *   passphrase (EINVAL). The old card file stays valid: replace it.
 *   A lost passphrase: without PP_KEY, a card of a set made with
 *   passphrase recovery is opened through its escrow copy, when the
 *   passphrase-recovery ACS quorum is authorised (EACCES otherwise;
 *   EOPNOTSUPP for a set without passphrase recovery).
 *
 * KHSM_CMD_CARD_REMOVE (role: operator)  request: KHSM_A_SLOT
 *   Only the connection that inserted a card removes it; closing the
 *   connection removes all of its cards.
 *
 * KHSM_CMD_SLOT_LIST (role: khsm group)  reply: KHSM_A_SLOTS
 *
 * KHSM_CMD_ACS_REPLACE (role: officer; needs KHSM_TOKEN_ACS)
 *   request:  KHSM_A_WORLD_OPTS (ACS_K, ACS_N and quorums), KHSM_A_CARDS
 *   reply:    as WORLD_NEW (same world id and audit key)
 *   Starts from the current options: quorums not given follow a new K;
 *   the recovery switches are fixed (EINVAL if changed). The world file
 *   key is rotated, the old cards stop working (EXDEV), the slots are
 *   emptied and the ACS authorisations end.
 * KHSM_CMD_WORLD_BIND (role: officer; needs KHSM_TOKEN_ACS)
 *   request:  KHSM_A_BIND_KEY_TYPE, KHSM_A_BIND_KEY_DESC
 *   reply:    KHSM_A_WORLD_FILE
 * KHSM_CMD_POLICY_SET (role: officer; needs KHSM_TOKEN_ACS)
 *   request:  KHSM_A_WORLD_OPTS (quorums and recovery switches, if given,
 *             must all equal the current ones: EINVAL otherwise)
 *   reply:    KHSM_A_WORLD_FILE, KHSM_A_WARNING...
 *   Without the authorisation: EACCES, and the extack names the quorum.
 *
 * KHSM_CMD_CARDSET_CREATE (role: operator; a world loaded)
 *   request:  KHSM_A_CARDSET, KHSM_A_CARDS (N entries as for WORLD_NEW)
 *   reply:    KHSM_A_CARDSET (with SET_ID), KHSM_A_CARDS (INDEX, FILE)
 *   Needs no ACS. Presenting K of its cards with CARD_INSERT (from one
 *   connection, optionally with KHSM_A_SHARE_GID) loads its token: the
 *   CARD_INSERT reply then carries KHSM_A_TOKEN_ID. A non-persistent
 *   token lasts while the last card read stays in its slot; a persistent
 *   one (and every softcard) until its connection closes, TOKEN_UNLOAD,
 *   CLEAR or its timeout. A token that went cannot come back from the
 *   cards already read: they must be presented again.
 *
 * KHSM_CMD_KEY_GENERATE, KHSM_CMD_KEY_IMPORT (role: operator; a world loaded)
 *   request:  KHSM_A_KEY (TYPE, [LEN], PROTECTION, ACL, APP, IDENT,
 *             [RECOVERY]; IMPORT: SECRET or PUBLIC), [KHSM_A_TOKEN_ID]
 *             (softcard and OCS protection: a loaded token of that kind the
 *             caller may use)
 *   reply:    KHSM_A_KEY (BLOB, KEY_HASH)
 *   The protection and every mechanism of the ACL must be allowed by the
 *   policy (EPERM otherwise), import must be allowed (EPERM), the token
 *   loaded and usable by the caller (ENOKEY, EACCES) and not revoked
 *   (EKEYREVOKED). ACLs that give a wrap or unwrap key any other operation,
 *   mechanisms that do not fit the key type, and operations no mechanism of
 *   the ACL performs: EINVAL. RECOVERY 1 needs key recovery on for the
 *   world and the token's set (EINVAL).
 *
 * KHSM_CMD_KEY_RECOVER (role: officer; needs KHSM_TOKEN_KEY_RECOVERY)
 *   request:  KHSM_A_KEY (BLOB), KHSM_A_TOKEN_ID (the replacement set's or
 *             softcard's loaded token, usable by the caller)
 *   reply:    KHSM_A_KEY (BLOB, KEY_HASH)
 *   Opens the blob's recovery copy with the world's recovery key and seals
 *   the key again under the new token: same key, key id and ACL, new
 *   protection and set. A key made with recovery off: EPERM. The new blob
 *   keeps a recovery copy only if the new set allows recovery.
 *
 * KHSM_CMD_TOKEN_LIST (role: khsm group)  reply: KHSM_A_TOKENS
 * KHSM_CMD_TOKEN_UNLOAD (role: operator; the loading uid or officer)
 *   request:  KHSM_A_TOKEN_ID.  ENOKEY: no such token.
 *
 * Errors common to the world commands: ENOKEY no world loaded; EEXIST a
 * world is already loaded; EACCES an ACS authorisation is needed;
 * EIO the module is in its error state. ENOENT is never used: to the tools
 * it means "module not loaded".
 *
 * Multicast group %KHSM_MCGRP_AUDIT carries audit records; joining it needs
 * CAP_SYS_ADMIN.
 *
 * KHSM_CMD_AUDIT_GET (role: officer; a dump)
 *   request:  [KHSM_A_AUDIT (SEQ)]           the first record wanted
 *                                            (absent: the oldest kept)
 *   reply:    one message per record: KHSM_A_AUDIT (RECORD, DIGEST)
 *   Records still in the module's ring from SEQ on, in order. A record
 *   older than the ring's oldest is gone: the dump starts at the oldest
 *   and the caller sees the gap in the sequence numbers. The group's
 *   messages have the same command and layout.
 * KHSM_CMD_AUDIT_ACK (role: officer)
 *   request:  KHSM_A_AUDIT (INSTANCE, SEQ)   every record up to SEQ is safe
 *   ESTALE: INSTANCE is not the module's (it was reloaded); ERANGE: SEQ
 *   was never issued. Acknowledging lets a forced-audit ring reuse them.
 * KHSM_CMD_AUDIT_CHECKPOINT (role: officer)
 *   reply:    KHSM_A_AUDIT (SEQ)             the checkpoint record made now
 *   ENOKEY: no world is operational, so there is no key to sign with.
 * KHSM_CMD_AUDIT_STATUS (role: khsm group)
 *   reply:    KHSM_A_AUDIT (INSTANCE, FIRST, NEXT, ACKED, RING,
 *             LAST_CHECKPOINT, LOST, [FORCED], [BLOCKED])
 *
 * Under forced audit (%KHSM_A_OPT_FORCED_AUDIT), once the records nobody
 * has acknowledged fill the ring (less a reserve for what the module must
 * record anyway: timeouts, clear, unload), every audited request fails
 * with EBUSY and an extack message, and every /dev/khsm ioctl but INFO
 * with EBUSY, until AUDIT_ACK makes room. AUDIT_*, queries, CLEAR,
 * WORLD_UNLOAD, ACS_LOGOUT and CARD_REMOVE are never held back.
 */
#define KHSM_GENL_NAME			"khsm"
#define KHSM_GENL_VERSION		1
#define KHSM_MCGRP_AUDIT		"audit"

/**
 * enum khsm_cmd - generic netlink commands (roles in Documentation/abi.md)
 * @KHSM_CMD_UNSPEC: never used
 * @KHSM_CMD_GET_INFO: module, self-test and world state
 * @KHSM_CMD_WORLD_NEW: create a world and its ACS; returns the world file
 *	and the card files
 * @KHSM_CMD_WORLD_LOAD: load a world file, with a host binding key or
 *	(state LOADING) waiting for the load-world quorum of ACS cards
 * @KHSM_CMD_WORLD_UNLOAD: forget the world (zeroised)
 * @KHSM_CMD_CARD_INSERT: present a card in a slot
 * @KHSM_CMD_CARD_REMOVE: take a card out of its slot
 * @KHSM_CMD_SLOT_LIST: what each slot holds
 * @KHSM_CMD_ACS_LOGOUT: end the ACS authorisations now
 * @KHSM_CMD_ACS_REPLACE: write a new ACS (needs %KHSM_TOKEN_ACS); the old
 *	cards stop working; returns the new world file and card files
 * @KHSM_CMD_WORLD_BIND: add or replace the host binding key (needs
 *	%KHSM_TOKEN_ACS); returns the new world file
 * @KHSM_CMD_POLICY_SET: change the policy (needs %KHSM_TOKEN_ACS); returns
 *	the new world file
 * @KHSM_CMD_CLEAR: unload every token and key, end the ACS authorisations
 * @KHSM_CMD_CARDSET_CREATE: make an operator card set or a softcard;
 *	returns its card files
 * @KHSM_CMD_TOKEN_LIST: the loaded logical tokens
 * @KHSM_CMD_TOKEN_UNLOAD: unload a logical token now
 * @KHSM_CMD_KEY_GENERATE: make an application key inside the module;
 *	returns its key blob
 * @KHSM_CMD_KEY_IMPORT: seal given key material into a key blob (when the
 *	policy allows import)
 * @KHSM_CMD_KEY_RECOVER: re-seal a key's recovery copy to a replacement
 *	card set or softcard (needs %KHSM_TOKEN_KEY_RECOVERY)
 * @KHSM_CMD_CARD_PASSPHRASE: a card file sealed again under a new
 *	passphrase, given the old one
 * @KHSM_CMD_AUDIT_GET: dump the audit records kept from a sequence number
 *	(also the command of the records multicast on %KHSM_MCGRP_AUDIT)
 * @KHSM_CMD_AUDIT_ACK: acknowledge the records a consumer stored
 * @KHSM_CMD_AUDIT_CHECKPOINT: make a signed checkpoint record now
 * @KHSM_CMD_AUDIT_STATUS: the audit ring's state
 */
enum khsm_cmd {
	KHSM_CMD_UNSPEC,
	KHSM_CMD_GET_INFO,
	KHSM_CMD_WORLD_NEW,
	KHSM_CMD_WORLD_LOAD,
	KHSM_CMD_WORLD_UNLOAD,
	KHSM_CMD_CARD_INSERT,
	KHSM_CMD_CARD_REMOVE,
	KHSM_CMD_SLOT_LIST,
	KHSM_CMD_ACS_LOGOUT,
	KHSM_CMD_ACS_REPLACE,
	KHSM_CMD_WORLD_BIND,
	KHSM_CMD_POLICY_SET,
	KHSM_CMD_CLEAR,
	KHSM_CMD_CARDSET_CREATE,
	KHSM_CMD_TOKEN_LIST,
	KHSM_CMD_TOKEN_UNLOAD,
	KHSM_CMD_KEY_GENERATE,
	KHSM_CMD_KEY_IMPORT,
	KHSM_CMD_KEY_RECOVER,
	KHSM_CMD_CARD_PASSPHRASE,
	KHSM_CMD_AUDIT_GET,
	KHSM_CMD_AUDIT_ACK,
	KHSM_CMD_AUDIT_CHECKPOINT,
	KHSM_CMD_AUDIT_STATUS,

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
 * @KHSM_A_WORLD_OPTS: nest of &enum khsm_opt_attr: world options and policy
 * @KHSM_A_CARDS: nested array of %KHSM_A_CARD_ENTRY nests (&enum
 *	khsm_card_attr)
 * @KHSM_A_WORLD_FILE: binary, a world file (&struct khsm_world_hdr ...)
 * @KHSM_A_WORLD_ID: binary, %KHSM_WORLD_ID_LEN bytes
 * @KHSM_A_AUDIT_PUBKEY: binary, the world's audit public key
 * @KHSM_A_WARNING: string, a recommendation the request did not follow
 *	(repeated; WORLD_NEW, ACS_REPLACE and POLICY_SET replies)
 * @KHSM_A_BIND_KEY_TYPE: string, "logon", "user", "encrypted" or "trusted"
 * @KHSM_A_BIND_KEY_DESC: string, the key's description in the keyrings the
 *	caller can search
 * @KHSM_A_SLOT: u8, a slot number
 * @KHSM_A_CARD_IMAGE: binary, the contents of a card file (&struct
 *	khsm_card_hdr ...), for CARD_INSERT
 * @KHSM_A_PP_KEY: binary, %KHSM_PP_KEY_LEN bytes of PBKDF2 output for the
 *	card's passphrase (absent: the card has none)
 * @KHSM_A_VERIFY_ONLY: flag: CARD_INSERT checks the card and its
 *	passphrase and then forgets it (card audits)
 * @KHSM_A_QUORUM: nested array of %KHSM_A_QUORUM_ENTRY nests
 *	(&enum khsm_quorum_attr): progress of each token after CARD_INSERT
 * @KHSM_A_SLOTS: nested array of %KHSM_A_SLOT_ENTRY nests
 *	(&enum khsm_slot_attr): SLOT_LIST reply
 * @KHSM_A_WORLD_STATE: u32, &enum khsm_world_state (WORLD_LOAD reply)
 * @KHSM_A_CARDSET: nest of &enum khsm_cardset_attr
 * @KHSM_A_TOKENS: nested array of %KHSM_A_TOKEN_ENTRY nests (&enum
 *	khsm_token_attr): TOKEN_LIST reply
 * @KHSM_A_TOKEN_ID: u64, a loaded token (CARD_INSERT reply, TOKEN_UNLOAD)
 * @KHSM_A_SHARE_GID: u32, CARD_INSERT: the group that may use the token
 *	besides the loading uid; the caller must be in it (or an officer).
 *	Only the card that completes the quorum's counts
 * @KHSM_A_KEY: nest of &enum khsm_key_attr
 * @KHSM_A_AUDIT: nest of &enum khsm_audit_attr
 */
enum khsm_attr {
	KHSM_A_UNSPEC,
	KHSM_A_PAD,
	KHSM_A_INFO,
	KHSM_A_INFO_SECTIONS,
	KHSM_A_WORLD_OPTS,
	KHSM_A_CARDS,
	KHSM_A_WORLD_FILE,
	KHSM_A_WORLD_ID,
	KHSM_A_AUDIT_PUBKEY,
	KHSM_A_WARNING,
	KHSM_A_BIND_KEY_TYPE,
	KHSM_A_BIND_KEY_DESC,
	KHSM_A_SLOT,
	KHSM_A_CARD_IMAGE,
	KHSM_A_PP_KEY,
	KHSM_A_VERIFY_ONLY,
	KHSM_A_QUORUM,
	KHSM_A_SLOTS,
	KHSM_A_WORLD_STATE,
	KHSM_A_CARDSET,
	KHSM_A_TOKENS,
	KHSM_A_TOKEN_ID,
	KHSM_A_SHARE_GID,
	KHSM_A_KEY,
	KHSM_A_AUDIT,

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
 * @KHSM_A_INFO_WORLD_ID: binary, when a world is loaded (or loading)
 * @KHSM_A_INFO_WORLD_OPTS: nest of &enum khsm_opt_attr, the world's options
 * @KHSM_A_INFO_ACS_SET_ID: binary, the current ACS's set id
 * @KHSM_A_INFO_CREATED: u64, world creation time (seconds since the epoch)
 * @KHSM_A_INFO_GENERATION: u32, bumped each time the world file changes
 * @KHSM_A_INFO_AUDIT_PUBKEY: binary, the world's audit public key
 * @KHSM_A_INFO_TOKENS_LOADED: u32, logical tokens loaded (OCS, softcards)
 * @KHSM_A_INFO_ACS_AUTH: u32, mask of (1 << &enum khsm_acs_token) currently
 *	authorised by an ACS quorum
 * @KHSM_A_INFO_ACS_AUTH_REMAINING: u32, milliseconds left of them
 * @KHSM_A_INFO_SLOTS: u32, number of slots
 * @KHSM_A_INFO_BOUND: flag, the world file has a host binding key slot
 * @KHSM_A_INFO_BIND_KEY_TYPE: string, the type ("logon", "user",
 *	"encrypted" or "trusted") of the kernel key the world was bound to or
 *	opened with since it was loaded; absent when it was loaded with the
 *	ACS and not bound since (the world file does not record the type)
 */
enum khsm_info_attr {
	KHSM_A_INFO_UNSPEC,
	KHSM_A_INFO_MODULE_VERSION,
	KHSM_A_INFO_ABI_VERSION,
	KHSM_A_INFO_SELFTEST_STATE,
	KHSM_A_INFO_SELFTEST_REASON,
	KHSM_A_INFO_WORLD_STATE,
	KHSM_A_INFO_PAD,
	KHSM_A_INFO_WORLD_ID,
	KHSM_A_INFO_WORLD_OPTS,
	KHSM_A_INFO_ACS_SET_ID,
	KHSM_A_INFO_CREATED,
	KHSM_A_INFO_GENERATION,
	KHSM_A_INFO_AUDIT_PUBKEY,
	KHSM_A_INFO_TOKENS_LOADED,
	KHSM_A_INFO_ACS_AUTH,
	KHSM_A_INFO_ACS_AUTH_REMAINING,
	KHSM_A_INFO_SLOTS,
	KHSM_A_INFO_BOUND,
	KHSM_A_INFO_BIND_KEY_TYPE,

	__KHSM_A_INFO_MAX,
};
#define KHSM_A_INFO_MAX (__KHSM_A_INFO_MAX - 1)

/**
 * enum khsm_opt_attr - world options (%KHSM_A_WORLD_OPTS)
 *
 * Fixed at creation: the quorums and the recovery switches (changing them
 * means KHSM_CMD_ACS_REPLACE, or a new world). POLICY_SET may change the
 * rest. Absent attributes take the defaults in brackets.
 *
 * @KHSM_A_OPT_UNSPEC: never used
 * @KHSM_A_OPT_ACS_K: u8, ACS quorum K (1..N) [1]
 * @KHSM_A_OPT_ACS_N: u8, ACS cards N (1..64) [1]
 * @KHSM_A_OPT_LOAD_QUORUM: u8, cards that load the world [K]
 * @KHSM_A_OPT_KEY_RECOVERY: u8 0/1, key recovery enabled [1]
 * @KHSM_A_OPT_KR_QUORUM: u8, cards that authorise key recovery [K]
 * @KHSM_A_OPT_PP_RECOVERY: u8 0/1, passphrase recovery enabled [0]
 * @KHSM_A_OPT_PR_QUORUM: u8, cards that authorise passphrase recovery [K]
 * @KHSM_A_OPT_NSO_TIMEOUT: u32, seconds an ACS authorisation lasts
 *	(1..86400) [600]
 * @KHSM_A_OPT_PP_MIN_LEN: u32, passphrase minimum length (0..1024) [0];
 *	the tools enforce it: passphrases never reach the module
 * @KHSM_A_OPT_PP_SHORT_REFUSE: u8 0/1, refuse (1) or warn about (0) short
 *	passphrases [0]
 * @KHSM_A_OPT_RETRY_BASE_MS: u32, first delay after a wrong passphrase
 *	(1..3600000) [1000]; each further failure doubles it
 * @KHSM_A_OPT_RETRY_MAX_MS: u32, longest delay (base..3600000) [60000]
 * @KHSM_A_OPT_LOCKOUT: u32, failures that lock a card until the module is
 *	reloaded (0: never) [0]
 * @KHSM_A_OPT_FORCED_AUDIT: u8 0/1, fail closed rather than lose audit
 *	records [0]
 * @KHSM_A_OPT_PBKDF2_ITER: u32, PBKDF2 iterations for new card passphrases
 *	(1000..10000000) [200000]
 * @KHSM_A_OPT_STRICT: u8 0/1, refuse (rather than warn about) options
 *	that go against the recommendations [0]
 * @KHSM_A_OPT_PROTECTIONS: u32 mask of (1 << &enum khsm_protection) new
 *	keys may use, not 0 [all]
 * @KHSM_A_OPT_MECHANISMS: u32 mask of (1 << &enum khsm_mech) keys may be
 *	made for, not 0 [all]
 * @KHSM_A_OPT_OPERATOR_GID: u32, the operator group: queries and operator
 *	commands on the control channel; 0 means the module's gid parameter [0]
 * @KHSM_A_OPT_USER_GID: u32, the user group: who may open /dev/khsm besides
 *	the operator group and CAP_SYS_ADMIN; 0 leaves it to the device
 *	node's permissions [0]
 * @KHSM_A_OPT_NO_IMPORT: u8 0/1, refuse KEY_IMPORT: keys may only be
 *	generated inside the module [0]
 * @KHSM_A_OPT_AUDIT_CHECKPOINT: u32, records between two signed audit
 *	checkpoints (1..65535) [64]
 * @KHSM_A_OPT_AUDIT_PER_OP: u8 0/1, one audit record per data-path
 *	operation rather than per-key summaries [0]
 */
enum khsm_opt_attr {
	KHSM_A_OPT_UNSPEC,
	KHSM_A_OPT_ACS_K,
	KHSM_A_OPT_ACS_N,
	KHSM_A_OPT_LOAD_QUORUM,
	KHSM_A_OPT_KEY_RECOVERY,
	KHSM_A_OPT_KR_QUORUM,
	KHSM_A_OPT_PP_RECOVERY,
	KHSM_A_OPT_PR_QUORUM,
	KHSM_A_OPT_NSO_TIMEOUT,
	KHSM_A_OPT_PP_MIN_LEN,
	KHSM_A_OPT_PP_SHORT_REFUSE,
	KHSM_A_OPT_RETRY_BASE_MS,
	KHSM_A_OPT_RETRY_MAX_MS,
	KHSM_A_OPT_LOCKOUT,
	KHSM_A_OPT_FORCED_AUDIT,
	KHSM_A_OPT_PBKDF2_ITER,
	KHSM_A_OPT_STRICT,
	KHSM_A_OPT_PROTECTIONS,
	KHSM_A_OPT_MECHANISMS,
	KHSM_A_OPT_OPERATOR_GID,
	KHSM_A_OPT_USER_GID,
	KHSM_A_OPT_NO_IMPORT,
	KHSM_A_OPT_AUDIT_CHECKPOINT,
	KHSM_A_OPT_AUDIT_PER_OP,

	__KHSM_A_OPT_MAX,
};
#define KHSM_A_OPT_MAX (__KHSM_A_OPT_MAX - 1)

/**
 * enum khsm_card_attr - one card (%KHSM_A_CARDS entries)
 *
 * Request (WORLD_NEW, ACS_REPLACE): INDEX, NAME, PP_SALT with PP_KEY when
 * the card has a passphrase, and PBKDF2_ITER used for it. Reply: INDEX and
 * FILE. CARD_INSERT's reply describes the card read with INDEX, NAME,
 * SET_NAME, SET_ID, K and N.
 *
 * @KHSM_A_CARD_UNSPEC: never used
 * @KHSM_A_CARD_ENTRY: the nest of one card inside %KHSM_A_CARDS
 * @KHSM_A_CARD_INDEX: u8, 1..N
 * @KHSM_A_CARD_NAME: string, the card's name (holder or label)
 * @KHSM_A_CARD_PP_SALT: binary, %KHSM_PP_SALT_LEN bytes
 * @KHSM_A_CARD_PP_KEY: binary, %KHSM_PP_KEY_LEN bytes
 * @KHSM_A_CARD_PBKDF2_ITER: u32, iterations behind PP_KEY
 * @KHSM_A_CARD_FILE: binary, the card file
 * @KHSM_A_CARD_SET_NAME: string
 * @KHSM_A_CARD_SET_ID: binary, %KHSM_SET_ID_LEN bytes
 * @KHSM_A_CARD_K: u8
 * @KHSM_A_CARD_N: u8
 */
enum khsm_card_attr {
	KHSM_A_CARD_UNSPEC,
	KHSM_A_CARD_ENTRY,
	KHSM_A_CARD_INDEX,
	KHSM_A_CARD_NAME,
	KHSM_A_CARD_PP_SALT,
	KHSM_A_CARD_PP_KEY,
	KHSM_A_CARD_PBKDF2_ITER,
	KHSM_A_CARD_FILE,
	KHSM_A_CARD_SET_NAME,
	KHSM_A_CARD_SET_ID,
	KHSM_A_CARD_K,
	KHSM_A_CARD_N,

	__KHSM_A_CARD_MAX,
};
#define KHSM_A_CARD_MAX (__KHSM_A_CARD_MAX - 1)

/**
 * enum khsm_quorum_attr - progress of one ACS token (%KHSM_A_QUORUM entries)
 * @KHSM_A_QUORUM_UNSPEC: never used
 * @KHSM_A_QUORUM_ENTRY: the nest of one token inside %KHSM_A_QUORUM
 * @KHSM_A_QUORUM_TOKEN: u32, &enum khsm_acs_token
 * @KHSM_A_QUORUM_HAVE: u8, cards read so far by this connection
 * @KHSM_A_QUORUM_NEED: u8, the token's quorum
 * @KHSM_A_QUORUM_DONE: flag, the quorum was met and the token verified
 * @KHSM_A_QUORUM_SET_ID: binary, for an operator card set or softcard
 *	(then %KHSM_A_QUORUM_TOKEN is absent)
 */
enum khsm_quorum_attr {
	KHSM_A_QUORUM_UNSPEC,
	KHSM_A_QUORUM_ENTRY,
	KHSM_A_QUORUM_TOKEN,
	KHSM_A_QUORUM_HAVE,
	KHSM_A_QUORUM_NEED,
	KHSM_A_QUORUM_DONE,
	KHSM_A_QUORUM_SET_ID,

	__KHSM_A_QUORUM_MAX,
};
#define KHSM_A_QUORUM_MAX (__KHSM_A_QUORUM_MAX - 1)

/**
 * enum khsm_slot_attr - one slot (%KHSM_A_SLOTS entries)
 * @KHSM_A_SLOT_UNSPEC: never used
 * @KHSM_A_SLOT_ENTRY: the nest of one slot inside %KHSM_A_SLOTS
 * @KHSM_A_SLOT_NUMBER: u8
 * @KHSM_A_SLOT_OCCUPIED: flag
 * @KHSM_A_SLOT_CARD_INDEX: u8
 * @KHSM_A_SLOT_CARD_NAME: string
 * @KHSM_A_SLOT_SET_NAME: string
 * @KHSM_A_SLOT_OWNER_PID: u32, the process that inserted the card
 */
enum khsm_slot_attr {
	KHSM_A_SLOT_UNSPEC,
	KHSM_A_SLOT_ENTRY,
	KHSM_A_SLOT_NUMBER,
	KHSM_A_SLOT_OCCUPIED,
	KHSM_A_SLOT_CARD_INDEX,
	KHSM_A_SLOT_CARD_NAME,
	KHSM_A_SLOT_SET_NAME,
	KHSM_A_SLOT_OWNER_PID,

	__KHSM_A_SLOT_MAX,
};
#define KHSM_A_SLOT_MAX (__KHSM_A_SLOT_MAX - 1)

/**
 * enum khsm_cardset_attr - an operator card set or softcard (%KHSM_A_CARDSET)
 *
 * CARDSET_CREATE request: TYPE, NAME, K, N and the optional rest; reply:
 * SET_ID and everything as the module fixed it. A softcard is a 1-of-1 set
 * whose card must have a passphrase.
 *
 * @KHSM_A_CARDSET_UNSPEC: never used
 * @KHSM_A_CARDSET_TYPE: u8, %KHSM_SET_OCS or %KHSM_SET_SOFTCARD
 * @KHSM_A_CARDSET_NAME: string
 * @KHSM_A_CARDSET_K: u8, quorum (1..N)
 * @KHSM_A_CARDSET_N: u8, cards (1..64)
 * @KHSM_A_CARDSET_PERSISTENT: u8 0/1: the token outlives the removal of
 *	the last card (softcards always) [0]
 * @KHSM_A_CARDSET_TIMEOUT: u32, seconds after loading that the token is
 *	unloaded, up to 30 days (2592000); 0 none [0]
 * @KHSM_A_CARDSET_RECOVERY: u8 0/1, keys may be recovered to a replacement
 *	set [the world's key recovery switch]; 1 needs it on
 * @KHSM_A_CARDSET_PP_RECOVERY: u8 0/1, passphrases may be replaced with
 *	the passphrase-recovery quorum [0]; 1 needs the world's switch on
 * @KHSM_A_CARDSET_SET_ID: binary, %KHSM_SET_ID_LEN bytes
 */
enum khsm_cardset_attr {
	KHSM_A_CARDSET_UNSPEC,
	KHSM_A_CARDSET_TYPE,
	KHSM_A_CARDSET_NAME,
	KHSM_A_CARDSET_K,
	KHSM_A_CARDSET_N,
	KHSM_A_CARDSET_PERSISTENT,
	KHSM_A_CARDSET_TIMEOUT,
	KHSM_A_CARDSET_RECOVERY,
	KHSM_A_CARDSET_PP_RECOVERY,
	KHSM_A_CARDSET_SET_ID,

	__KHSM_A_CARDSET_MAX,
};
#define KHSM_A_CARDSET_MAX (__KHSM_A_CARDSET_MAX - 1)

/**
 * enum khsm_token_attr - a loaded logical token (%KHSM_A_TOKENS entries)
 * @KHSM_A_TOKEN_UNSPEC: never used
 * @KHSM_A_TOKEN_ENTRY: the nest of one token inside %KHSM_A_TOKENS
 * @KHSM_A_TOKEN_PAD: padding for u64
 * @KHSM_A_TOKEN_TOKEN_ID: u64, random and unguessable
 * @KHSM_A_TOKEN_SET_ID: binary
 * @KHSM_A_TOKEN_NAME: string, the set's name
 * @KHSM_A_TOKEN_TYPE: u8, &enum khsm_set_type
 * @KHSM_A_TOKEN_PERSISTENT: flag
 * @KHSM_A_TOKEN_OWNER_UID: u32, the uid that loaded it
 * @KHSM_A_TOKEN_SHARE_GID: u32, the group it is shared with (absent: none)
 * @KHSM_A_TOKEN_LOADER_PID: u32, the process that presented the last card
 * @KHSM_A_TOKEN_REMAINING_MS: u32, time left before its timeout (absent:
 *	none)
 */
enum khsm_token_attr {
	KHSM_A_TOKEN_UNSPEC,
	KHSM_A_TOKEN_ENTRY,
	KHSM_A_TOKEN_PAD,
	KHSM_A_TOKEN_TOKEN_ID,
	KHSM_A_TOKEN_SET_ID,
	KHSM_A_TOKEN_NAME,
	KHSM_A_TOKEN_TYPE,
	KHSM_A_TOKEN_PERSISTENT,
	KHSM_A_TOKEN_OWNER_UID,
	KHSM_A_TOKEN_SHARE_GID,
	KHSM_A_TOKEN_LOADER_PID,
	KHSM_A_TOKEN_REMAINING_MS,

	__KHSM_A_TOKEN_MAX,
};
#define KHSM_A_TOKEN_MAX (__KHSM_A_TOKEN_MAX - 1)

/**
 * enum khsm_key_type - application key types
 * @KHSM_KEY_AES: AES, 16, 24 or 32 bytes
 * @KHSM_KEY_HMAC: generic secret for HMAC, 16 to %KHSM_HMAC_KEY_MAX bytes
 * @KHSM_KEY_EC_P256: NIST P-256 key pair (or public key alone, imported)
 * @KHSM_KEY_EC_P384: NIST P-384 key pair (or public key alone, imported)
 */
enum khsm_key_type {
	KHSM_KEY_AES = 1,
	KHSM_KEY_HMAC = 2,
	KHSM_KEY_EC_P256 = 3,
	KHSM_KEY_EC_P384 = 4,
};
#define KHSM_HMAC_KEY_MAX	128
#define KHSM_SECRET_MAX		128	/* any key's secret material */
#define KHSM_PUBKEY_MAX		97	/* uncompressed P-384 point */
#define KHSM_KEY_HASH_LEN	32
#define KHSM_KEY_ID_LEN		16
#define KHSM_APP_MAX		32	/* application name, with the NUL */
#define KHSM_IDENT_MAX		64	/* key identifier, with the NUL */

/**
 * enum khsm_op - operations an ACL may permit (bit numbers of a mask)
 * @KHSM_OP_ENCRYPT: AES-GCM encrypt
 * @KHSM_OP_DECRYPT: AES-GCM decrypt
 * @KHSM_OP_SIGN: ECDSA sign
 * @KHSM_OP_VERIFY: ECDSA verify
 * @KHSM_OP_MAC_GENERATE: HMAC or CMAC
 * @KHSM_OP_MAC_VERIFY: HMAC or CMAC, compared in constant time
 * @KHSM_OP_WRAP: wrap another key (AES-KW, AES-KWP)
 * @KHSM_OP_UNWRAP: unwrap a key into a new handle
 * @KHSM_OP_DERIVE: ECDH into a new AES or HMAC key handle
 * @KHSM_OP_EXPORT_PUBLIC: KHSM_IOC_PUBKEY
 */
enum khsm_op {
	KHSM_OP_ENCRYPT,
	KHSM_OP_DECRYPT,
	KHSM_OP_SIGN,
	KHSM_OP_VERIFY,
	KHSM_OP_MAC_GENERATE,
	KHSM_OP_MAC_VERIFY,
	KHSM_OP_WRAP,
	KHSM_OP_UNWRAP,
	KHSM_OP_DERIVE,
	KHSM_OP_EXPORT_PUBLIC,

	KHSM_OP__COUNT,
};
#define KHSM_OP__ALL		((1U << KHSM_OP__COUNT) - 1)

/* ACL flags */
#define KHSM_ACL_F_CALLER_IV	(1U << 0) /* encrypt may take the caller's IV */
#define KHSM_ACL_F_WRAPPABLE	(1U << 1) /* may be exported under a wrap key */
#define KHSM_ACL_F_UID		(1U << 2) /* only processes with euid @uid */
#define KHSM_ACL_F_GID		(1U << 3) /* only processes in group @gid */
#define KHSM_ACL_F__ALL		((1U << 4) - 1)

/**
 * struct khsm_acl - what a key may be used for; fixed when the blob is made
 * @ops: mask of (1 << &enum khsm_op), not 0
 * @mechs: mask of (1 << &enum khsm_mech) the key may be used with, not 0
 * @flags: %KHSM_ACL_F_*
 * @uid: with %KHSM_ACL_F_UID, the only effective uid that may use it
 * @gid: with %KHSM_ACL_F_GID, the group a user must be in
 * @__reserved0: zero
 * @usage_limit: operations allowed over all handles of the key while it is
 *	loaded anywhere (0: no limit)
 * @not_before: seconds since the epoch before which it refuses (0: none)
 * @not_after: seconds since the epoch after which it refuses (0: none)
 * @wrap_key_hash: wrap keys only: the one key (by its key hash) it may
 *	wrap; all zero: any key whose ACL has %KHSM_ACL_F_WRAPPABLE
 * @__reserved: zero
 *
 * A wrap or unwrap key may do nothing else (EINVAL at creation).
 */
struct khsm_acl {
	__le32 ops;
	__le32 mechs;
	__le32 flags;
	__le32 uid;
	__le32 gid;
	__le32 __reserved0;
	__le64 usage_limit;
	__le64 not_before;
	__le64 not_after;
	__u8 wrap_key_hash[KHSM_KEY_HASH_LEN];
	__u8 __reserved[16];
};

/**
 * enum khsm_key_attr - an application key (%KHSM_A_KEY)
 * @KHSM_A_KEY_UNSPEC: never used
 * @KHSM_A_KEY_TYPE: u32, &enum khsm_key_type
 * @KHSM_A_KEY_LEN: u32, bytes of secret for GENERATE of AES (16, 24, 32
 *	[32]) and HMAC (16..%KHSM_HMAC_KEY_MAX [32]) keys
 * @KHSM_A_KEY_PROTECTION: u8, &enum khsm_protection
 * @KHSM_A_KEY_ACL: binary, exactly a &struct khsm_acl
 * @KHSM_A_KEY_APP: string, the application (letters, digits, '-', '_')
 * @KHSM_A_KEY_IDENT: string, the key's name within it (same characters)
 * @KHSM_A_KEY_RECOVERY: u8 0/1, seal a recovery copy [on when the world
 *	and the token's set allow it]
 * @KHSM_A_KEY_SECRET: binary, IMPORT: AES or HMAC bytes, or the EC
 *	private scalar (big endian, the curve's length)
 * @KHSM_A_KEY_PUBLIC: binary, IMPORT: an uncompressed EC point only (a
 *	key that can verify and export its public half)
 * @KHSM_A_KEY_BLOB: binary, the key blob (reply; KEY_RECOVER's request)
 * @KHSM_A_KEY_HASH: binary, %KHSM_KEY_HASH_LEN bytes (reply)
 */
enum khsm_key_attr {
	KHSM_A_KEY_UNSPEC,
	KHSM_A_KEY_TYPE,
	KHSM_A_KEY_LEN,
	KHSM_A_KEY_PROTECTION,
	KHSM_A_KEY_ACL,
	KHSM_A_KEY_APP,
	KHSM_A_KEY_IDENT,
	KHSM_A_KEY_RECOVERY,
	KHSM_A_KEY_SECRET,
	KHSM_A_KEY_PUBLIC,
	KHSM_A_KEY_BLOB,
	KHSM_A_KEY_HASH,

	__KHSM_A_KEY_MAX,
};
#define KHSM_A_KEY_MAX (__KHSM_A_KEY_MAX - 1)

/**
 * enum khsm_audit_attr - the audit log (%KHSM_A_AUDIT)
 * @KHSM_A_AUDIT_UNSPEC: never used
 * @KHSM_A_AUDIT_PAD: padding for u64
 * @KHSM_A_AUDIT_RECORD: binary, one record's encoding (&struct
 *	khsm_audit_hdr and its items), at most %KHSM_AUDIT_REC_MAX bytes
 * @KHSM_A_AUDIT_DIGEST: binary, %KHSM_AUDIT_DIGEST_LEN bytes: the record's
 *	chain digest
 * @KHSM_A_AUDIT_SEQ: u64, a sequence number (AUDIT_GET: the first wanted;
 *	AUDIT_ACK: the last acknowledged; AUDIT_CHECKPOINT: the checkpoint's)
 * @KHSM_A_AUDIT_INSTANCE: binary, %KHSM_AUDIT_INSTANCE_LEN bytes: names the
 *	module's life the sequence numbers belong to
 * @KHSM_A_AUDIT_FIRST: u64, the oldest record the ring still holds
 * @KHSM_A_AUDIT_NEXT: u64, the sequence number of the next record
 * @KHSM_A_AUDIT_ACKED: u64, the last acknowledged (0: none)
 * @KHSM_A_AUDIT_RING: u32, records the ring holds (module parameter)
 * @KHSM_A_AUDIT_LAST_CHECKPOINT: u64, the last checkpoint's (0: none)
 * @KHSM_A_AUDIT_LOST: u64, records dropped from the ring before any
 *	consumer acknowledged them
 * @KHSM_A_AUDIT_FORCED: flag, the world's policy asks for forced audit
 * @KHSM_A_AUDIT_BLOCKED: flag, forced audit is refusing work now
 */
enum khsm_audit_attr {
	KHSM_A_AUDIT_UNSPEC,
	KHSM_A_AUDIT_PAD,
	KHSM_A_AUDIT_RECORD,
	KHSM_A_AUDIT_DIGEST,
	KHSM_A_AUDIT_SEQ,
	KHSM_A_AUDIT_INSTANCE,
	KHSM_A_AUDIT_FIRST,
	KHSM_A_AUDIT_NEXT,
	KHSM_A_AUDIT_ACKED,
	KHSM_A_AUDIT_RING,
	KHSM_A_AUDIT_LAST_CHECKPOINT,
	KHSM_A_AUDIT_LOST,
	KHSM_A_AUDIT_FORCED,
	KHSM_A_AUDIT_BLOCKED,

	__KHSM_A_AUDIT_MAX,
};
#define KHSM_A_AUDIT_MAX (__KHSM_A_AUDIT_MAX - 1)

/*
 * DOC: Files
 *
 * The module hands userland world and card files and takes them back; the
 * tools only store them (kmdata, removable media). All integers are little
 * endian; every header is covered by the file's authentication, so a
 * flipped bit anywhere is refused.
 *
 * World file: &struct khsm_world_hdr, then @nkeyslots &struct
 * khsm_world_keyslot, then the body: nonce (12) || AES-256-GCM ciphertext
 * of the world secrets under the world file key || tag (16), with the
 * header as associated data. Each key slot wraps the world file key:
 * %KHSM_KEYSLOT_ACS under the load-world token (Shamir-shared on the ACS
 * cards), %KHSM_KEYSLOT_BIND under a key derived from a host binding key in
 * the kernel keyring.
 *
 * Card file (@hdr_len + @body_len + @escrow_len + 32 bytes): &struct
 * khsm_card_hdr,
 * then nonce (12) || AES-256-GCM
 * ciphertext of the card's shares || tag (16), under a card key derived
 * from the world's card secret, the card's identity and, when it has one,
 * its passphrase's PBKDF2-HMAC-SHA256 output (@pp_salt, @pbkdf2_iter);
 * then, when @escrow_len is not 0, the same shares sealed the same way
 * under an escrow key derived from the world's card secret and the card's
 * identity alone; then an HMAC-SHA256 (32) over everything before it, under a key that does
 * not depend on the passphrase, so a damaged card is told apart from a
 * wrong passphrase. An ACS card holds one share of each &enum
 * khsm_acs_token.
 */
#define KHSM_WORLD_MAGIC	"KHSMWRLD"
#define KHSM_WORLD_VERSION	1
#define KHSM_CARD_MAGIC		"KHSMCARD"
#define KHSM_CARD_VERSION	1

/**
 * struct khsm_world_opts - world options as stored in the world file
 * @acs_k: ACS quorum
 * @acs_n: ACS cards
 * @load_quorum: cards that load the world
 * @kr_quorum: cards that authorise key recovery (0: disabled)
 * @pr_quorum: cards that authorise passphrase recovery (0: disabled)
 * @__reserved0: zero
 * @audit_checkpoint: records between audit checkpoints (0: 64)
 * @flags: %KHSM_WORLD_F_*
 * @nso_timeout: seconds
 * @pp_min_len: passphrase minimum length
 * @retry_base_ms: first delay after a wrong passphrase
 * @retry_max_ms: longest delay
 * @lockout: failures that lock a card (0: never)
 * @pbkdf2_iter: PBKDF2 iterations for new passphrases
 * @protections: mask of allowed &enum khsm_protection
 * @mechanisms: mask of allowed &enum khsm_mech
 * @operator_gid: operator group (0: the module's gid parameter)
 * @user_gid: user group (0: the device node's permissions decide)
 */
struct khsm_world_opts {
	__u8 acs_k;
	__u8 acs_n;
	__u8 load_quorum;
	__u8 kr_quorum;
	__u8 pr_quorum;
	__u8 __reserved0[1];
	__le16 audit_checkpoint;
	__le32 flags;
	__le32 nso_timeout;
	__le32 pp_min_len;
	__le32 retry_base_ms;
	__le32 retry_max_ms;
	__le32 lockout;
	__le32 pbkdf2_iter;
	__le32 protections;
	__le32 mechanisms;
	__le32 operator_gid;
	__le32 user_gid;
};

#define KHSM_WORLD_F_PP_SHORT_REFUSE	(1U << 0)
#define KHSM_WORLD_F_FORCED_AUDIT	(1U << 1)
#define KHSM_WORLD_F_STRICT		(1U << 2)
#define KHSM_WORLD_F_NO_IMPORT		(1U << 3)
#define KHSM_WORLD_F_AUDIT_PER_OP	(1U << 4)

/**
 * struct khsm_world_hdr - start of a world file
 * @magic: %KHSM_WORLD_MAGIC
 * @version: %KHSM_WORLD_VERSION
 * @hdr_len: sizeof(struct khsm_world_hdr)
 * @generation: bumped each time the module rewrites the file
 * @world_id: random, names the world
 * @acs_set_id: the current ACS; cards of an older one are refused
 * @created: seconds since the epoch
 * @opts: the options and policy
 * @acs_salt: mixed into the ACS card keys: an ACS card is useless without
 *	its world file
 * @token_check: per &enum khsm_acs_token, an HMAC that proves a combined
 *	token right
 * @audit_pubkey: the world's audit public key (uncompressed P-256 point)
 * @nkeyslots: key slots that follow the header (1 or 2)
 * @__reserved: zero
 * @body_len: bytes of the body after the key slots
 * @__reserved2: zero
 */
struct khsm_world_hdr {
	__u8 magic[8];
	__le16 version;
	__le16 hdr_len;
	__le32 generation;
	__u8 world_id[KHSM_WORLD_ID_LEN];
	__u8 acs_set_id[KHSM_SET_ID_LEN];
	__le64 created;
	struct khsm_world_opts opts;
	__u8 acs_salt[32];
	__u8 token_check[KHSM_TOKEN__COUNT][32];
	__u8 audit_pubkey[KHSM_AUDIT_PUBKEY_LEN];
	__u8 nkeyslots;
	__u8 __reserved[2];
	__le32 body_len;
	__le32 __reserved2;
};

enum khsm_keyslot_type {
	KHSM_KEYSLOT_ACS = 1,
	KHSM_KEYSLOT_BIND = 2,
};

/**
 * struct khsm_world_keyslot - the world file key, wrapped
 * @type: &enum khsm_keyslot_type
 * @__reserved: zero
 * @nonce: AES-GCM nonce
 * @wrapped: the world file key, encrypted
 * @tag: AES-GCM tag (associated data: world id and @type)
 */
struct khsm_world_keyslot {
	__u8 type;
	__u8 __reserved[3];
	__u8 nonce[12];
	__u8 wrapped[32];
	__u8 tag[16];
};

enum khsm_set_type {
	KHSM_SET_ACS = 1,
	KHSM_SET_OCS = 2,
	KHSM_SET_SOFTCARD = 3,
};

#define KHSM_CARD_F_PASSPHRASE	(1U << 0)

/**
 * struct khsm_card_hdr - start of a card file
 * @magic: %KHSM_CARD_MAGIC
 * @version: %KHSM_CARD_VERSION
 * @hdr_len: sizeof(struct khsm_card_hdr)
 * @body_len: bytes of nonce, ciphertext and tag after the header
 * @created: seconds since the epoch
 * @world_id: the world the card belongs to
 * @set_id: the card set
 * @set_type: &enum khsm_set_type
 * @index: this card's number, 1..@n (its Shamir x)
 * @k: the set's quorum
 * @n: the set's size
 * @flags: %KHSM_CARD_F_*
 * @pbkdf2_iter: PBKDF2 iterations for the passphrase
 * @pp_salt: PBKDF2 salt for the passphrase
 * @set_name: NUL-terminated
 * @card_name: NUL-terminated
 * @escrow_len: bytes of the escrow copy after the body (0: none); a set
 *	made with passphrase recovery has one: the same shares sealed under a
 *	key that does not depend on the passphrase, which the module opens
 *	only with the passphrase-recovery ACS quorum
 */
struct khsm_card_hdr {
	__u8 magic[8];
	__le16 version;
	__le16 hdr_len;
	__le32 body_len;
	__le64 created;
	__u8 world_id[KHSM_WORLD_ID_LEN];
	__u8 set_id[KHSM_SET_ID_LEN];
	__u8 set_type;
	__u8 index;
	__u8 k;
	__u8 n;
	__le32 flags;
	__le32 pbkdf2_iter;
	__u8 pp_salt[KHSM_PP_SALT_LEN];
	char set_name[KHSM_NAME_MAX];
	char card_name[KHSM_NAME_MAX];
	__le32 escrow_len;
};

#define KHSM_KEY_MAGIC		"KHSMKEY\0"
#define KHSM_KEY_VERSION	1
#define KHSM_KEY_F_RECOVERY	(1U << 0) /* a recovery copy follows */

/**
 * struct khsm_key_hdr - start of a key blob
 * @magic: %KHSM_KEY_MAGIC
 * @version: %KHSM_KEY_VERSION
 * @hdr_len: sizeof(struct khsm_key_hdr)
 * @type: &enum khsm_key_type
 * @protection: &enum khsm_protection
 * @flags: %KHSM_KEY_F_*
 * @secret_len: bytes of secret material sealed in the body (0: public only)
 * @pub_len: bytes of @pubkey used (EC keys)
 * @world_id: the world whose module (or recovery) key seals it
 * @key_id: random; names this key for its usage count
 * @set_id: the softcard or card set protecting it (zero: module)
 * @__reserved1: zero
 * @created: seconds since the epoch
 * @acl: the key's ACL
 * @key_hash: SHA-256 naming the key (wrap restrictions, fingerprints)
 * @pubkey: the public point of an EC key, uncompressed
 * @__reserved0: zero
 * @app: application name, NUL-terminated
 * @ident: key identifier, NUL-terminated
 * @body_len: bytes of the sealed secret after the header (0 or
 *	@secret_len + 28)
 * @rec_len: bytes of the recovery copy after the body (0 or @body_len)
 *
 * A key blob is the header, then nonce (12) || AES-256-GCM ciphertext of
 * the secret || tag (16) under a key derived from the module key (module
 * protection) or from the token's key and @key_id, then the same secret
 * sealed under a key derived from the world's recovery key when
 * %KHSM_KEY_F_RECOVERY is set. The header is the associated data of both.
 */
struct khsm_key_hdr {
	__u8 magic[8];
	__le16 version;
	__le16 hdr_len;
	__le32 type;
	__u8 protection;
	__u8 flags;
	__u8 secret_len;
	__u8 pub_len;
	__u8 world_id[KHSM_WORLD_ID_LEN];
	__u8 key_id[KHSM_KEY_ID_LEN];
	__u8 set_id[KHSM_SET_ID_LEN];
	__u8 __reserved1[4];
	__le64 created;
	struct khsm_acl acl;
	__u8 key_hash[KHSM_KEY_HASH_LEN];
	__u8 pubkey[KHSM_PUBKEY_MAX];
	__u8 __reserved0[7];
	char app[KHSM_APP_MAX];
	char ident[KHSM_IDENT_MAX];
	__le32 body_len;
	__le32 rec_len;
};

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
	KHSM_IOC_NR_LOAD,
	KHSM_IOC_NR_DESTROY,
	KHSM_IOC_NR_OP,
	KHSM_IOC_NR_OP_BATCH,
	KHSM_IOC_NR_PUBKEY,
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

/*
 * DOC: key handles
 *
 * LOAD turns a key blob into a handle: a random, unguessable, non-zero
 * 64-bit value that works only on the file descriptor that loaded it
 * (anywhere else: ENOENT). Closing the descriptor destroys its handles. A
 * handle of a softcard or OCS key stops working when its token goes
 * (EKEYREVOKED), as does every handle after CLEAR or WORLD_UNLOAD. An
 * operation the ACL does not permit fails with EPERM; one whose ACL refuses
 * the caller, the time or the usage count with EACCES, EKEYEXPIRED or
 * EDQUOT. Documentation/abi.md has the table of operations.
 */
#define KHSM_BLOB_MAX		4096	/* any key blob */
#define KHSM_DATA_MAX		(1U << 20) /* input or output of one operation */
#define KHSM_BATCH_MAX		1024	/* operations in one OP_BATCH */
#define KHSM_HANDLES_MAX	16384	/* handles on one file descriptor */

/**
 * struct khsm_ioc_load - KHSM_IOC_LOAD: a key blob becomes a handle
 * @size: sizeof(struct khsm_ioc_load)
 * @flags: must be 0
 * @blob_len: bytes at @blob_uptr, up to %KHSM_BLOB_MAX
 * @__reserved: must be 0
 * @blob_uptr: the key blob
 * @token_id: the token that protects a softcard or OCS key; 0 picks a
 *	loaded token of the key's set that the caller may use
 * @out_handle: the new handle
 * @out_type: &enum khsm_key_type
 * @out_ops: the ACL's operations
 *
 * Errors: ENOKEY no world or no usable token of the key's set; EXDEV blob
 * of another world; EBADMSG damaged blob or wrong token; EACCES the token
 * is not the caller's; EKEYREVOKED the token went; ENOSPC too many handles.
 */
struct khsm_ioc_load {
	__u32 size;
	__u32 flags;
	__u32 blob_len;
	__u32 __reserved;
	__aligned_u64 blob_uptr;
	__aligned_u64 token_id;
	__aligned_u64 out_handle;
	__u32 out_type;
	__u32 out_ops;
};
#define KHSM_IOC_LOAD		_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_LOAD)

/**
 * struct khsm_ioc_destroy - KHSM_IOC_DESTROY: forget a handle
 * @size: sizeof(struct khsm_ioc_destroy)
 * @flags: must be 0
 * @handle: the handle; ENOENT if this descriptor has no such handle
 *
 * An operation running on the handle in another thread finishes first
 * with the key it started with; the key is wiped when the last one ends.
 */
struct khsm_ioc_destroy {
	__u32 size;
	__u32 flags;
	__aligned_u64 handle;
};
#define KHSM_IOC_DESTROY	_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_DESTROY)

/* KHSM_IOC_OP flags */
#define KHSM_OP_F_CALLER_IV	(1U << 0) /* encrypt with the IV at @iv_uptr */
#define KHSM_OP_F_PREHASHED	(1U << 1) /* sign/verify: @in is the digest */
#define KHSM_OP_F__ALL		((1U << 2) - 1)

/**
 * struct khsm_ioc_op - KHSM_IOC_OP: one operation with a key
 * @size: sizeof(struct khsm_ioc_op)
 * @flags: %KHSM_OP_F_*
 * @handle: the key
 * @op: &enum khsm_op
 * @mech: &enum khsm_mech
 * @in_len: bytes at @in_uptr, up to %KHSM_DATA_MAX
 * @out_len: room at @out_uptr; the module writes back the bytes produced
 *	(and, on EMSGSIZE, the bytes it would need)
 * @in_uptr: the input: plaintext (ENCRYPT), ciphertext || tag (DECRYPT),
 *	the message or digest (SIGN, VERIFY, MAC_*), the wrapped key
 *	(UNWRAP), the peer's uncompressed public point (DERIVE)
 * @out_uptr: the output: ciphertext || 16-byte tag, plaintext, DER
 *	signature, MAC, wrapped key; unused by VERIFY, MAC_VERIFY, UNWRAP and
 *	DERIVE
 * @iv_len: 12 for AES-GCM, else 0
 * @aad_len: bytes of associated data (AES-GCM), up to %KHSM_DATA_MAX
 * @iv_uptr: AES-GCM IV: written by the module on ENCRYPT unless
 *	%KHSM_OP_F_CALLER_IV (which the ACL must allow), read on DECRYPT
 * @aad_uptr: AES-GCM associated data
 * @aux_len: bytes at @aux_uptr
 * @new_type: UNWRAP and DERIVE: &enum khsm_key_type of the new key (AES or
 *	HMAC)
 * @aux_uptr: VERIFY: the DER signature; MAC_VERIFY: the MAC
 * @key2: WRAP: the handle of the key to wrap (same descriptor)
 * @acl_uptr: UNWRAP and DERIVE: the &struct khsm_acl of the new key
 * @new_len: DERIVE: bytes of the new key (16, 24 or 32 for AES; 16..32
 *	for HMAC), taken from the start of the shared secret's x
 * @out_status: 0, or the negative errno this operation failed with (for
 *	OP_BATCH, where the call itself succeeds)
 * @out_handle: UNWRAP and DERIVE: the new key's handle
 *
 * VERIFY and MAC_VERIFY succeed with 0 and fail with EBADMSG on a
 * mismatch, as DECRYPT does on a wrong tag (then nothing is written).
 */
struct khsm_ioc_op {
	__u32 size;
	__u32 flags;
	__aligned_u64 handle;
	__u32 op;
	__u32 mech;
	__u32 in_len;
	__u32 out_len;
	__aligned_u64 in_uptr;
	__aligned_u64 out_uptr;
	__u32 iv_len;
	__u32 aad_len;
	__aligned_u64 iv_uptr;
	__aligned_u64 aad_uptr;
	__u32 aux_len;
	__u32 new_type;
	__aligned_u64 aux_uptr;
	__aligned_u64 key2;
	__aligned_u64 acl_uptr;
	__u32 new_len;
	__s32 out_status;
	__aligned_u64 out_handle;
};
#define KHSM_IOC_OP		_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_OP)

/**
 * struct khsm_ioc_batch - KHSM_IOC_OP_BATCH: many operations in one call
 * @size: sizeof(struct khsm_ioc_batch)
 * @flags: must be 0
 * @count: operations at @ops_uptr, 1..%KHSM_BATCH_MAX
 * @op_size: sizeof(struct khsm_ioc_op) as the caller knows it (the same
 *	rules as @size of a single OP)
 * @ops_uptr: an array of @count operations; each gets its own
 *	@out_status, @out_len and outputs written back
 * @out_done: operations that succeeded
 * @__reserved: must be 0
 *
 * The call itself fails only when the batch is malformed (EINVAL, E2BIG,
 * EFAULT on the array); a failing operation does not stop the others.
 */
struct khsm_ioc_batch {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 op_size;
	__aligned_u64 ops_uptr;
	__u32 out_done;
	__u32 __reserved;
};
#define KHSM_IOC_OP_BATCH	_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_OP_BATCH)

/**
 * struct khsm_ioc_pubkey - KHSM_IOC_PUBKEY: an EC key's public point
 * @size: sizeof(struct khsm_ioc_pubkey)
 * @flags: must be 0
 * @handle: the key; its ACL must permit %KHSM_OP_EXPORT_PUBLIC
 * @out_len: room at @out_uptr; written back with the point's length
 * @__reserved: must be 0
 * @out_uptr: receives the uncompressed point (65 or 97 bytes)
 */
struct khsm_ioc_pubkey {
	__u32 size;
	__u32 flags;
	__aligned_u64 handle;
	__u32 out_len;
	__u32 __reserved;
	__aligned_u64 out_uptr;
};
#define KHSM_IOC_PUBKEY		_IO(KHSM_IOCTL_TYPE, KHSM_IOC_NR_PUBKEY)

/*
 * DOC: Audit records
 *
 * Every security-relevant event is one record. A record's encoding is
 * &struct khsm_audit_hdr, then items up to @len: each item is a __le16
 * tag (&enum khsm_audit_tag), a __le16 length and that many bytes, with no
 * padding. Integers are little endian; strings are not NUL-terminated
 * (their length is the item's). A reader skips tags it does not know;
 * tags, events and causes are only ever appended. No record ever holds
 * key material, passphrases or anything derived from them.
 *
 * Sequence numbers start at 1 when the module loads (the first record,
 * %KHSM_AUDIT_MODULE_LOAD, is the instance's genesis) and are never
 * reused or reset (CLEAR does not reset them) while it stays loaded;
 * @instance, random, tells one module life from the next.
 *
 * Chain: D(0) = SHA-256("khsm audit genesis v1" || instance) and
 * D(n) = SHA-256(D(n-1) || encoding(n)). D(n) travels with record n
 * (%KHSM_A_AUDIT_DIGEST) and is stored after it in a log file.
 *
 * Checkpoint: a %KHSM_AUDIT_CHECKPOINT record, made every
 * %KHSM_A_OPT_AUDIT_CHECKPOINT records, on AUDIT_CHECKPOINT, right after a
 * world becomes operational and as its last record before it goes.
 * Its last item is %KHSM_AUDIT_T_SIGNATURE, a DER ECDSA P-256 signature
 * by the world's audit key (@world_id's %KHSM_A_AUDIT_PUBKEY) of the
 * digest SHA-256("khsm audit checkpoint v1" || le64 seq || S), where S =
 * SHA-256(D(seq-1) || the record without its signature item, @len
 * counting only what precedes it). So each checkpoint vouches for every
 * record before it and for itself; records after the last checkpoint
 * are not vouched for yet. No checkpoint is made while no world is
 * operational; the next one covers those records.
 *
 * The first record about a world is its %KHSM_AUDIT_WORLD_CREATE (or
 * %KHSM_AUDIT_WORLD_LOAD after a reload), which carries the world's
 * creation time, generation and audit public key; the checkpoint signed
 * by that key follows it.
 *
 * Documentation/audit.md describes each event's items.
 */
#define KHSM_AUDIT_VERSION	1
#define KHSM_AUDIT_DIGEST_LEN	32
#define KHSM_AUDIT_INSTANCE_LEN	16
#define KHSM_AUDIT_REC_MAX	512	/* the longest record the module makes */
#define KHSM_AUDIT_CHECKPOINT_DEFAULT	64
#define KHSM_AUDIT_GENESIS_LABEL	"khsm audit genesis v1"
#define KHSM_AUDIT_CHECKPOINT_LABEL	"khsm audit checkpoint v1"

/* struct khsm_audit_hdr @flags */
#define KHSM_AUDIT_F_REFUSED	(1U << 0) /* refused by policy, ACL or role */
#define KHSM_AUDIT_F_MODULE	(1U << 1) /* the module's own doing (timer) */
#define KHSM_AUDIT_F_TRUNCATED	(1U << 2) /* items left out: no room */

/**
 * struct khsm_audit_hdr - start of every audit record
 * @len: bytes of the record, this header included
 * @version: %KHSM_AUDIT_VERSION
 * @flags: %KHSM_AUDIT_F_*
 * @event: &enum khsm_audit_event
 * @hdr_len: sizeof(struct khsm_audit_hdr): where the items start
 * @seq: sequence number, from 1
 * @wall_ns: CLOCK_REALTIME, nanoseconds since the epoch
 * @boot_ns: CLOCK_BOOTTIME, nanoseconds since boot
 * @result: 0, or the errno (positive) the operation failed with
 * @uid: the acting process's effective uid (initial user namespace);
 *	0xffffffff for the module's own doing
 * @loginuid: its audit login uid (0xffffffff: unset)
 * @sessionid: its audit session id (0xffffffff: unset)
 * @pid: its thread group id (initial pid namespace); 0: the module
 * @__reserved: zero
 * @comm: its command name, NUL-padded
 * @instance: random at module load: names the chain
 * @world_id: the world loaded (or loading) at the time; zero: none
 */
struct khsm_audit_hdr {
	__le16 len;
	__u8 version;
	__u8 flags;
	__le16 event;
	__le16 hdr_len;
	__le64 seq;
	__le64 wall_ns;
	__le64 boot_ns;
	__le32 result;
	__le32 uid;
	__le32 loginuid;
	__le32 sessionid;
	__le32 pid;
	__le32 __reserved;
	char comm[16];
	__u8 instance[KHSM_AUDIT_INSTANCE_LEN];
	__u8 world_id[KHSM_WORLD_ID_LEN];
};

/**
 * enum khsm_audit_event - what a record is about
 * @KHSM_AUDIT_UNSPEC: never used
 * @KHSM_AUDIT_MODULE_LOAD: the module loaded: the chain's first record
 *	(VERSION, RING)
 * @KHSM_AUDIT_MODULE_UNLOAD: the module is going
 * @KHSM_AUDIT_SELFTEST: the known-answer tests' outcome (STATE, REASON)
 * @KHSM_AUDIT_CHECKPOINT: signed checkpoint (FIRST, SIGNATURE last)
 * @KHSM_AUDIT_WORLD_CREATE: WORLD_NEW (CREATED, GENERATION, PUBKEY,
 *	ACS_SET_ID, OPTS, K, N)
 * @KHSM_AUDIT_WORLD_LOAD: WORLD_LOAD (the same, and STATE)
 * @KHSM_AUDIT_WORLD_UNLOAD: the world went (unload, failed ACS
 *	replacement, module exit)
 * @KHSM_AUDIT_CARD_INSERT: a card presented (SET_ID, SET_TYPE, SET_NAME,
 *	CARD_INDEX, CARD_NAME, K, N, SLOT, [VERIFY_ONLY], [QUORUM],
 *	[TOKEN_ID], [DELAY_MS], [REASON]); names are those the card claims
 * @KHSM_AUDIT_CARD_REMOVE: a card taken out of its slot (SLOT)
 * @KHSM_AUDIT_CARD_PASSPHRASE: a card's passphrase changed (as INSERT)
 * @KHSM_AUDIT_TOKEN_LOAD: a card set's token loaded (TOKEN_ID, SET_ID,
 *	SET_TYPE, SET_NAME, OWNER_UID, [SHARE_GID], [TIMEOUT])
 * @KHSM_AUDIT_TOKEN_UNLOAD: a token went (TOKEN_ID, SET_ID, SET_NAME,
 *	CAUSE)
 * @KHSM_AUDIT_ACS_AUTHORISE: an ACS quorum authorised a token (ACS_TOKEN,
 *	TIMEOUT)
 * @KHSM_AUDIT_ACS_EXPIRE: ACS authorisations ended by the NSO timeout
 *	(ACS_TOKEN)
 * @KHSM_AUDIT_ACS_LOGOUT: ACS authorisations ended on request or by
 *	CLEAR (ACS_TOKEN)
 * @KHSM_AUDIT_ACS_REPLACE: ACS_REPLACE (ACS_SET_ID, GENERATION, K, N)
 * @KHSM_AUDIT_WORLD_BIND: WORLD_BIND (GENERATION)
 * @KHSM_AUDIT_POLICY_SET: POLICY_SET (GENERATION, OPTS: the new policy)
 * @KHSM_AUDIT_CARDSET_CREATE: CARDSET_CREATE (SET_ID, SET_TYPE,
 *	SET_NAME, K, N, [TIMEOUT])
 * @KHSM_AUDIT_KEY_GENERATE: KEY_GENERATE (KEY_HASH, KEY_TYPE, PROTECTION,
 *	[SET_ID], APP, IDENT, ACL_OPS, ACL_MECHS, RECOVERY)
 * @KHSM_AUDIT_KEY_IMPORT: KEY_IMPORT (as GENERATE)
 * @KHSM_AUDIT_KEY_RECOVER: KEY_RECOVER (as GENERATE; SET_ID the new set)
 * @KHSM_AUDIT_KEY_LOAD: KHSM_IOC_LOAD (KEY_HASH, [SET_ID], APP, IDENT,
 *	[TOKEN_ID]); on failure the names the blob claims
 * @KHSM_AUDIT_KEY_DESTROY: KHSM_IOC_DESTROY (KEY_HASH)
 * @KHSM_AUDIT_KEY_USAGE: one key's operations since its last summary
 *	(KEY_HASH, USES, FAILS, PERIOD_NS)
 * @KHSM_AUDIT_KEY_OP: one data-path operation (KEY_HASH, OP, MECH): each
 *	refused one, and every one under %KHSM_A_OPT_AUDIT_PER_OP
 * @KHSM_AUDIT_REFUSED: a request refused before it ran (CMD, REASON):
 *	its role, the module's state or forced audit
 * @KHSM_AUDIT_CLEAR: CLEAR
 * @KHSM_AUDIT_SUPPRESSED: refusals not recorded one by one because they
 *	came too fast (COUNT)
 * @KHSM_AUDIT_POWER: the host suspends, hibernates or reboots (CAUSE);
 *	what it took follows (ACS_LOGOUT, TOKEN_UNLOAD, WORLD_UNLOAD)
 */
enum khsm_audit_event {
	KHSM_AUDIT_UNSPEC,
	KHSM_AUDIT_MODULE_LOAD,
	KHSM_AUDIT_MODULE_UNLOAD,
	KHSM_AUDIT_SELFTEST,
	KHSM_AUDIT_CHECKPOINT,
	KHSM_AUDIT_WORLD_CREATE,
	KHSM_AUDIT_WORLD_LOAD,
	KHSM_AUDIT_WORLD_UNLOAD,
	KHSM_AUDIT_CARD_INSERT,
	KHSM_AUDIT_CARD_REMOVE,
	KHSM_AUDIT_CARD_PASSPHRASE,
	KHSM_AUDIT_TOKEN_LOAD,
	KHSM_AUDIT_TOKEN_UNLOAD,
	KHSM_AUDIT_ACS_AUTHORISE,
	KHSM_AUDIT_ACS_EXPIRE,
	KHSM_AUDIT_ACS_LOGOUT,
	KHSM_AUDIT_ACS_REPLACE,
	KHSM_AUDIT_WORLD_BIND,
	KHSM_AUDIT_POLICY_SET,
	KHSM_AUDIT_CARDSET_CREATE,
	KHSM_AUDIT_KEY_GENERATE,
	KHSM_AUDIT_KEY_IMPORT,
	KHSM_AUDIT_KEY_RECOVER,
	KHSM_AUDIT_KEY_LOAD,
	KHSM_AUDIT_KEY_DESTROY,
	KHSM_AUDIT_KEY_USAGE,
	KHSM_AUDIT_KEY_OP,
	KHSM_AUDIT_REFUSED,
	KHSM_AUDIT_CLEAR,
	KHSM_AUDIT_SUPPRESSED,
	KHSM_AUDIT_POWER,

	__KHSM_AUDIT_EVENT_MAX,
};
#define KHSM_AUDIT_EVENT_MAX (__KHSM_AUDIT_EVENT_MAX - 1)

/**
 * enum khsm_audit_tag - items of a record (type and length in brackets)
 * @KHSM_AUDIT_T_UNSPEC: never used
 * @KHSM_AUDIT_T_REASON: string, why it was refused (the extack text)
 * @KHSM_AUDIT_T_CMD: u8, the generic netlink command (&enum khsm_cmd)
 * @KHSM_AUDIT_T_VERSION: string, the module's version
 * @KHSM_AUDIT_T_RING: u32, records the ring holds
 * @KHSM_AUDIT_T_STATE: u32, &enum khsm_selftest_state (SELFTEST) or
 *	&enum khsm_world_state (WORLD_LOAD)
 * @KHSM_AUDIT_T_SIGNATURE: DER ECDSA signature; a checkpoint's last item
 * @KHSM_AUDIT_T_FIRST: u64, the first record a checkpoint is the first to
 *	vouch for
 * @KHSM_AUDIT_T_CREATED: u64, world creation, seconds since the epoch
 * @KHSM_AUDIT_T_GENERATION: u32, the world file's generation
 * @KHSM_AUDIT_T_PUBKEY: the world's audit public key (65, uncompressed)
 * @KHSM_AUDIT_T_ACS_SET_ID: the ACS's set id (16)
 * @KHSM_AUDIT_T_OPTS: &struct khsm_world_opts, as in the world file
 * @KHSM_AUDIT_T_SET_ID: a card set's id (16)
 * @KHSM_AUDIT_T_SET_TYPE: u8, &enum khsm_set_type
 * @KHSM_AUDIT_T_SET_NAME: string
 * @KHSM_AUDIT_T_CARD_INDEX: u8
 * @KHSM_AUDIT_T_CARD_NAME: string
 * @KHSM_AUDIT_T_K: u8, a quorum
 * @KHSM_AUDIT_T_N: u8, cards in a set
 * @KHSM_AUDIT_T_SLOT: u8
 * @KHSM_AUDIT_T_VERIFY_ONLY: u8 1, the card was checked and forgotten
 * @KHSM_AUDIT_T_QUORUM: u32, CARD_INSERT: mask of (1 << &enum
 *	khsm_acs_token) this connection's ACS cards have now met
 * @KHSM_AUDIT_T_TOKEN_ID: u64, a logical token
 * @KHSM_AUDIT_T_DELAY_MS: u32, the retry delay now in force for the card
 * @KHSM_AUDIT_T_CAUSE: u8, &enum khsm_audit_cause
 * @KHSM_AUDIT_T_ACS_TOKEN: u32, mask of (1 << &enum khsm_acs_token)
 * @KHSM_AUDIT_T_TIMEOUT: u32, seconds (NSO timeout, token timeout)
 * @KHSM_AUDIT_T_OWNER_UID: u32, the uid a token belongs to
 * @KHSM_AUDIT_T_SHARE_GID: u32, the group a token is shared with
 * @KHSM_AUDIT_T_KEY_HASH: the key's hash (32): names a key
 * @KHSM_AUDIT_T_KEY_TYPE: u32, &enum khsm_key_type
 * @KHSM_AUDIT_T_PROTECTION: u8, &enum khsm_protection
 * @KHSM_AUDIT_T_APP: string
 * @KHSM_AUDIT_T_IDENT: string
 * @KHSM_AUDIT_T_ACL_OPS: u32, the ACL's operations
 * @KHSM_AUDIT_T_ACL_MECHS: u32, the ACL's mechanisms
 * @KHSM_AUDIT_T_RECOVERY: u8 0/1, a recovery copy was sealed
 * @KHSM_AUDIT_T_OP: u32, &enum khsm_op
 * @KHSM_AUDIT_T_MECH: u32, &enum khsm_mech
 * @KHSM_AUDIT_T_USES: __le64 per &enum khsm_op: operations that succeeded
 * @KHSM_AUDIT_T_FAILS: __le64 per &enum khsm_op: operations that failed
 *	(bad input, wrong tag or signature) without being refused
 * @KHSM_AUDIT_T_PERIOD_NS: u64, CLOCK_BOOTTIME nanoseconds a summary
 *	covers
 * @KHSM_AUDIT_T_COUNT: u64
 */
enum khsm_audit_tag {
	KHSM_AUDIT_T_UNSPEC,
	KHSM_AUDIT_T_REASON,
	KHSM_AUDIT_T_CMD,
	KHSM_AUDIT_T_VERSION,
	KHSM_AUDIT_T_RING,
	KHSM_AUDIT_T_STATE,
	KHSM_AUDIT_T_SIGNATURE,
	KHSM_AUDIT_T_FIRST,
	KHSM_AUDIT_T_CREATED,
	KHSM_AUDIT_T_GENERATION,
	KHSM_AUDIT_T_PUBKEY,
	KHSM_AUDIT_T_ACS_SET_ID,
	KHSM_AUDIT_T_OPTS,
	KHSM_AUDIT_T_SET_ID,
	KHSM_AUDIT_T_SET_TYPE,
	KHSM_AUDIT_T_SET_NAME,
	KHSM_AUDIT_T_CARD_INDEX,
	KHSM_AUDIT_T_CARD_NAME,
	KHSM_AUDIT_T_K,
	KHSM_AUDIT_T_N,
	KHSM_AUDIT_T_SLOT,
	KHSM_AUDIT_T_VERIFY_ONLY,
	KHSM_AUDIT_T_QUORUM,
	KHSM_AUDIT_T_TOKEN_ID,
	KHSM_AUDIT_T_DELAY_MS,
	KHSM_AUDIT_T_CAUSE,
	KHSM_AUDIT_T_ACS_TOKEN,
	KHSM_AUDIT_T_TIMEOUT,
	KHSM_AUDIT_T_OWNER_UID,
	KHSM_AUDIT_T_SHARE_GID,
	KHSM_AUDIT_T_KEY_HASH,
	KHSM_AUDIT_T_KEY_TYPE,
	KHSM_AUDIT_T_PROTECTION,
	KHSM_AUDIT_T_APP,
	KHSM_AUDIT_T_IDENT,
	KHSM_AUDIT_T_ACL_OPS,
	KHSM_AUDIT_T_ACL_MECHS,
	KHSM_AUDIT_T_RECOVERY,
	KHSM_AUDIT_T_OP,
	KHSM_AUDIT_T_MECH,
	KHSM_AUDIT_T_USES,
	KHSM_AUDIT_T_FAILS,
	KHSM_AUDIT_T_PERIOD_NS,
	KHSM_AUDIT_T_COUNT,

	__KHSM_AUDIT_T_MAX,
};
#define KHSM_AUDIT_T_MAX (__KHSM_AUDIT_T_MAX - 1)

/**
 * enum khsm_audit_cause - why a token went (%KHSM_AUDIT_T_CAUSE)
 * @KHSM_AUDIT_CAUSE_UNSPEC: never used
 * @KHSM_AUDIT_CAUSE_REQUEST: TOKEN_UNLOAD
 * @KHSM_AUDIT_CAUSE_CARD_REMOVED: the last card of a non-persistent token
 *	left its slot
 * @KHSM_AUDIT_CAUSE_CLOSED: the loading connection closed
 * @KHSM_AUDIT_CAUSE_TIMEOUT: the set's timeout passed
 * @KHSM_AUDIT_CAUSE_CLEAR: CLEAR, or the world went
 * @KHSM_AUDIT_CAUSE_SUSPEND: the host suspends (tokens of cards in slots)
 * @KHSM_AUDIT_CAUSE_HIBERNATE: the host hibernates (as SUSPEND)
 * @KHSM_AUDIT_CAUSE_REBOOT: reboot, halt, power-off or kexec (the world)
 */
enum khsm_audit_cause {
	KHSM_AUDIT_CAUSE_UNSPEC,
	KHSM_AUDIT_CAUSE_REQUEST,
	KHSM_AUDIT_CAUSE_CARD_REMOVED,
	KHSM_AUDIT_CAUSE_CLOSED,
	KHSM_AUDIT_CAUSE_TIMEOUT,
	KHSM_AUDIT_CAUSE_CLEAR,
	KHSM_AUDIT_CAUSE_SUSPEND,
	KHSM_AUDIT_CAUSE_HIBERNATE,
	KHSM_AUDIT_CAUSE_REBOOT,
};

#endif /* _UAPI_LINUX_KHSM_H */
