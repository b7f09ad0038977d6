// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm_policy_parse(): an administrator's policy text (khsmctl world new
 * --policy, policy set). The input is the text. What parses must format
 * back to a text that parses to the same text again (format(parse(t)) is
 * a fixed point), and the options must stay inside their ranges.
 */
#include <stdint.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The text khsm_policy_format() writes for @o (malloc'd). */
static char *format(const struct khsm_world_options *o, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	FUZZ_ASSERT(f);
	FUZZ_ASSERT(khsm_policy_format(o, f) == 0);
	FUZZ_ASSERT(fclose(f) == 0);
	return buf;
}

static void in_range(const struct khsm_world_options *o)
{
	uint32_t v, min, max;
	unsigned int a;

	for (a = 1; a <= KHSM_A_OPT_MAX; a++) {
		if (khsm_world_options_get(o, a, &v))
			continue;
		FUZZ_ASSERT(!khsm_world_options_range(a, &min, &max));
		FUZZ_ASSERT(v >= min && v <= max);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct khsm_world_options o, back, before;
	char *text = fuzz_strdup(data, size), *t1, *t2;
	char err[256], small[2];
	size_t l1, l2;
	int ret;

	khsm_world_options_init(&o);
	before = o;
	ret = khsm_policy_parse(text, &o, err, sizeof(err));
	FUZZ_SAY("%d %s\n", ret, err);
	fuzz_check_err(err, sizeof(err), ret);
	khsm_world_options_init(&back);
	FUZZ_ASSERT(khsm_policy_parse(text, &back, small, sizeof(small)) == ret);
	FUZZ_ASSERT(khsm_policy_parse(text, &back, NULL, 0) == ret);
	free(text);
	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL);
		/* Nothing is applied unless the whole text parses. */
		FUZZ_ASSERT(!memcmp(&o, &before, sizeof(o)));
		return 0;
	}
	in_range(&o);
	khsm_world_options_check(&o, err, sizeof(err));

	t1 = format(&o, &l1);
	khsm_world_options_init(&back);
	ret = khsm_policy_parse(t1, &back, err, sizeof(err));
	if (ret)
		fprintf(stderr, "formatted text does not parse: %s\n%s", err, t1);
	FUZZ_ASSERT(ret == 0);
	in_range(&back);
	t2 = format(&back, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1))
		fprintf(stderr, "not a fixed point:\n%s---\n%s", t1, t2);
	FUZZ_ASSERT(l1 == l2 && !memcmp(t1, t2, l1));
	free(t1);
	free(t2);
	return 0;
}
