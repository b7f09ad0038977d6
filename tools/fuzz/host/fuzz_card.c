// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm_card_parse(): a card file from removable media or kmdata, read
 * before anything is sent to the module (to ask for a passphrase, to name
 * a wrong file). The input is the file.
 */
#include <stdint.h>
#include <endian.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_FILE_PARSER(khsm_card_parse)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct khsm_card_info info;

	if (fuzz_parse_file(parse, data, size, &info, sizeof(info), 5))
		return 0;
	FUZZ_ASSERT(size >= sizeof(struct khsm_card_hdr) && size <= KHSM_FILE_MAX);
	FUZZ_ASSERT(info.version == KHSM_CARD_VERSION);
	FUZZ_ASSERT(info.set_type >= KHSM_SET_ACS &&
		    info.set_type <= KHSM_SET_SOFTCARD);
	FUZZ_ASSERT(info.n >= 1 && info.n <= KHSM_MAX_CARDS);
	FUZZ_ASSERT(info.k >= 1 && info.k <= info.n);
	FUZZ_ASSERT(info.index >= 1 && info.index <= info.n);
	FUZZ_ASSERT(info.has_passphrase ==
		    !!(info.flags & KHSM_CARD_F_PASSPHRASE));
	if (info.has_passphrase)
		FUZZ_ASSERT(info.pbkdf2_iter >= 1000 &&
			    info.pbkdf2_iter <= 10000000);
	FUZZ_TERMINATED(info.set_name);
	FUZZ_TERMINATED(info.card_name);
	FUZZ_ASSERT(!memcmp(info.world_id,
			    data + offsetof(struct khsm_card_hdr, world_id),
			    KHSM_WORLD_ID_LEN));
	return 0;
}
