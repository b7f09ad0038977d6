// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * EC key encodings a user hands to khsmctl key import: a PKCS#8 private
 * key or an X.509 SubjectPublicKeyInfo, PEM or DER (OpenSSL does the
 * decoding; this checks what libkhsm makes of its answer). Byte 0 picks
 * which; the rest is the file.
 */
#include <stdint.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t curve_bytes(uint32_t type)
{
	return type == KHSM_KEY_EC_P256 ? 32 : type == KHSM_KEY_EC_P384 ? 48 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[KHSM_PUBKEY_MAX];
	uint32_t type = 0;
	size_t len = 0;
	int ret;

	if (size < 2)
		return 0;
	if (data[0] & 1) {
		ret = khsm_ec_point_from_spki(data + 1, size - 1, &type, out, &len);
		if (!ret) {
			FUZZ_ASSERT(curve_bytes(type));
			FUZZ_ASSERT(len == 1 + 2 * curve_bytes(type));
			FUZZ_ASSERT(out[0] == 0x04);
		}
	} else {
		ret = khsm_ec_private_from_pkcs8(data + 1, size - 1, &type, out,
						 &len);
		if (!ret) {
			FUZZ_ASSERT(curve_bytes(type));
			FUZZ_ASSERT(len == curve_bytes(type));
		}
	}
	FUZZ_SAY("%s: %d type %u len %zu\n", data[0] & 1 ? "spki" : "pkcs8",
		 ret, type, len);
	FUZZ_ASSERT(ret <= 0);
	return 0;
}
