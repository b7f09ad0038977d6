// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm_key_blob_parse(): the header of a key blob, read without any key
 * (listing, public-key export). The input is the blob.
 */
#include <stdint.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_FILE_PARSER(khsm_key_blob_parse)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct khsm_key_info info;

	if (fuzz_parse_file(parse, data, size, &info, sizeof(info), 9))
		return 0;
	FUZZ_ASSERT(size <= KHSM_BLOB_MAX);
	FUZZ_ASSERT(size == sizeof(struct khsm_key_hdr) + info.body_len +
		    info.rec_len);
	FUZZ_ASSERT(info.type >= KHSM_KEY_AES && info.type <= KHSM_KEY_EC_P384);
	FUZZ_ASSERT(info.protection < KHSM_PROTECT__COUNT);
	FUZZ_ASSERT(info.secret_len <= KHSM_SECRET_MAX);
	FUZZ_ASSERT(info.pub_len <= KHSM_PUBKEY_MAX);
	FUZZ_ASSERT(info.body_len == (info.secret_len ? info.secret_len + 28u : 0));
	FUZZ_ASSERT(info.rec_len == (info.has_recovery ? info.body_len : 0));
	FUZZ_ASSERT(khsm_key_name_valid(info.app, sizeof(info.app)));
	FUZZ_ASSERT(khsm_key_name_valid(info.ident, sizeof(info.ident)));
	FUZZ_ASSERT(le32toh(info.acl.ops) &&
		    !(le32toh(info.acl.ops) & ~KHSM_OP__ALL));
	FUZZ_ASSERT(le32toh(info.acl.mechs) &&
		    !(le32toh(info.acl.mechs) & ~KHSM_MECH__ALL));
	/* Names print: what a listing shows. */
	FUZZ_ASSERT(khsm_key_type_name(info.type) != NULL);
	FUZZ_ASSERT(khsm_protection_name(info.protection) != NULL);
	return 0;
}
