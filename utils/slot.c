// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl slot: what each virtual card reader holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cards.h"
#include "json.h"

static void list_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s slot list [--json]\n"
		"\n"
		"Show each slot: empty, or the card in it and who inserted it.\n"
		"\n"
		"  --json    print one JSON array instead of text\n",
		PROG_NAME);
}

static void print_text(const struct khsm_slot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!s[i].occupied) {
			printf("slot %u: empty\n", s[i].number);
			continue;
		}
		printf("slot %u: card %u '%s' of set '%s', pid %u\n",
		       s[i].number, s[i].card_index, s[i].card_name,
		       s[i].set_name, s[i].owner_pid);
	}
}

static void print_json(const struct khsm_slot *s, size_t n)
{
	bool first;
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		first = true;
		fputs(i ? ", {" : "{", stdout);
		json_key(stdout, &first, "slot");
		printf("%u", s[i].number);
		json_key(stdout, &first, "occupied");
		json_bool(stdout, s[i].occupied);
		json_key(stdout, &first, "card_index");
		json_uint(stdout, s[i].occupied, s[i].card_index);
		json_key(stdout, &first, "card_name");
		json_string(stdout, s[i].occupied ? s[i].card_name : NULL);
		json_key(stdout, &first, "set_name");
		json_string(stdout, s[i].occupied ? s[i].set_name : NULL);
		json_key(stdout, &first, "owner_pid");
		json_uint(stdout, s[i].occupied, s[i].owner_pid);
		putchar('}');
	}
	fputs("]\n", stdout);
}

static const struct option list_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int slot_list(int argc, char *argv[])
{
	const char *cmd = "slot list";
	struct khsm_slot *slots = NULL;
	struct verb_args va;
	struct khsm *h = NULL;
	char err[256];
	size_t n = 0;
	int ret, e;

	ret = usage_or_run(parse_verb_args(argc, argv, list_options, 0, &va,
					   err, sizeof(err)),
			   cmd, err, list_usage);
	if (ret >= 0)
		return ret;
	ret = open_control(cmd, &h);
	if (ret)
		goto out;
	e = khsm_slot_list(h, &slots, &n);
	if (e) {
		ret = report_error(cmd, h, e);
		goto out;
	}
	if (va.json)
		print_json(slots, n);
	else
		print_text(slots, n);
out:
	free(slots);
	khsm_close(h);
	return ret;
}

static const struct verb slot_verbs[] = {
	{ "list", slot_list, "Show what each slot holds" },
};

int slot_main(int argc, char *argv[])
{
	return run_verb("slot", slot_verbs, ARRAY_SIZE(slot_verbs), argc, argv);
}
