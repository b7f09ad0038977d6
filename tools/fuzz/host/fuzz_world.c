// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm_world_file_parse(): a world file from kmdata or a backup, with its
 * options (khsm_opts_from_file()). The input is the file.
 */
#include <stdint.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_FILE_PARSER(khsm_world_file_parse)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct khsm_world_file_info info;
	const struct khsm_world_hdr *h = (const void *)data;

	if (fuzz_parse_file(parse, data, size, &info, sizeof(info), 3))
		return 0;
	FUZZ_ASSERT(size >= sizeof(*h) && size <= KHSM_FILE_MAX);
	FUZZ_ASSERT(info.version == KHSM_WORLD_VERSION);
	FUZZ_ASSERT(info.nkeyslots == 1 || info.nkeyslots == 2);
	FUZZ_ASSERT(info.bound <= 1);
	FUZZ_ASSERT(size == sizeof(*h) + info.nkeyslots *
		    sizeof(struct khsm_world_keyslot) + le32toh(h->body_len));
	/* Options a file states are marked given; the getters agree. */
	FUZZ_ASSERT(info.opts.set & KHSM_OPT_BIT(KHSM_A_OPT_ACS_K));
	FUZZ_ASSERT(info.opts.acs_k == h->opts.acs_k);
	FUZZ_ASSERT(info.opts.acs_n == h->opts.acs_n);
	return 0;
}
