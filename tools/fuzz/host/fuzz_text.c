// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The small text parsers of libkhsm. Byte 0 picks one, the rest is its
 * text:
 *   0  khsm_cardset_record_parse(): a card set record from kmdata; what
 *	parses must be written back by khsm_cardset_record_format() and
 *	read back the same
 *   1  khsm_bind_key_parse(): "TYPE:DESC" of a host binding key
 *   2  khsm_ops_parse() and khsm_mechs_parse(): ACL lists
 *   3  khsm_key_type_parse()
 */
#include <stdint.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void record(const char *text)
{
	struct khsm_cardset_record *r = malloc(sizeof(*r));
	struct khsm_cardset_record *back = malloc(sizeof(*back));
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	FUZZ_ASSERT(r && back);
	ret = khsm_cardset_record_parse(text, r, err, sizeof(err));
	FUZZ_SAY("record: %d %s\n", ret, err);
	fuzz_check_err(err, sizeof(err), ret);
	FUZZ_ASSERT(khsm_cardset_record_parse(text, back, NULL, 0) == ret);
	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL || ret == -EPROTONOSUPPORT);
		goto out;
	}
	FUZZ_ASSERT(khsm_cardset_name_valid(r->name));
	FUZZ_ASSERT(r->k >= 1 && r->k <= r->n && r->n <= KHSM_MAX_CARDS);
	f = open_memstream(&out, &len);
	FUZZ_ASSERT(f);
	ret = khsm_cardset_record_format(r, f);
	FUZZ_ASSERT(fclose(f) == 0);
	if (ret)
		fprintf(stderr, "a record that parses does not format: %d\n", ret);
	FUZZ_ASSERT(ret == 0);
	ret = khsm_cardset_record_parse(out, back, err, sizeof(err));
	if (ret)
		fprintf(stderr, "formatted record does not parse: %s\n%s", err, out);
	FUZZ_ASSERT(ret == 0);
	FUZZ_ASSERT(!memcmp(r, back, sizeof(*r)));
	free(out);
out:
	free(r);
	free(back);
}

static void bind_key(const char *text)
{
	struct khsm_bind_key k;

	memset(&k, 0xa5, sizeof(k));
	if (khsm_bind_key_parse(text, &k)) {
		FUZZ_SAY("bind key: refused\n");
		return;
	}
	FUZZ_SAY("bind key: %s %s\n", k.type, k.desc);
	FUZZ_TERMINATED(k.type);
	FUZZ_TERMINATED(k.desc);
	FUZZ_ASSERT(k.desc[0] != '\0');
	FUZZ_ASSERT(!strcmp(k.type, "logon") || !strcmp(k.type, "user") ||
		    !strcmp(k.type, "encrypted") || !strcmp(k.type, "trusted"));
}

static void lists(const char *text)
{
	char err[128];
	uint32_t m = 0;
	int ret;

	ret = khsm_ops_parse(text, &m, err, sizeof(err));
	FUZZ_SAY("ops: %d %s\n", ret, err);
	fuzz_check_err(err, sizeof(err), ret);
	if (!ret)
		FUZZ_ASSERT(m && !(m & ~KHSM_OP__ALL));
	ret = khsm_mechs_parse(text, &m, err, sizeof(err));
	FUZZ_SAY("mechs: %d %s\n", ret, err);
	fuzz_check_err(err, sizeof(err), ret);
	if (!ret) {
		FUZZ_ASSERT(m && !(m & ~KHSM_MECH__ALL));
		FUZZ_ASSERT(khsm_mech_name(__builtin_ctz(m)) != NULL);
	}
}

static void key_type(const char *text)
{
	uint32_t t = 0;

	FUZZ_SAY("key type: %d\n", khsm_key_type_parse(text, &t));
	if (!khsm_key_type_parse(text, &t))
		FUZZ_ASSERT(!strcmp(khsm_key_type_name(t), text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (!size)
		return 0;
	text = fuzz_strdup(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		record(text);
		break;
	case 1:
		bind_key(text);
		break;
	case 2:
		lists(text);
		break;
	default:
		key_type(text);
		break;
	}
	free(text);
	return 0;
}
