// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl status: what the module says about itself.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "khsmctl.h"

static void status_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s status [--json]\n"
		"\n"
		"Show the khsm module's version, ABI version, self-test state and\n"
		"world state.\n"
		"\n"
		"  --json    print one JSON object instead of text\n",
		PROG_NAME);
}

/*
 * The ABI only grows, so a mismatch still works for what both sides know;
 * say so on stderr, where it cannot spoil the output for a script.
 */
static void check_abi(const struct khsm_info *info)
{
	if (info->abi_version != KHSM_ABI_VERSION)
		fprintf(stderr,
			"%s: warning: module has ABI version %u, %s was built for %d\n",
			PROG_NAME, info->abi_version, PROG_NAME,
			KHSM_ABI_VERSION);
}

static void print_text(const struct khsm_info *info)
{
	printf("module version: %s\n", info->module_version);
	printf("abi version:    %u\n", info->abi_version);
	printf("self-test:      %s",
	       khsm_selftest_state_name(info->selftest_state));
	if (info->selftest_reason[0])
		printf(" (%s)", info->selftest_reason);
	printf("\nworld:          %s\n",
	       khsm_world_state_name(info->world_state));
}

static void print_json(const struct khsm_info *info)
{
	const char *reason = info->selftest_reason;

	fputs("{\"module_version\": ", stdout);
	json_string(stdout, info->module_version);
	printf(", \"abi_version\": %u, \"selftest\": {\"state\": ",
	       info->abi_version);
	json_string(stdout, khsm_selftest_state_name(info->selftest_state));
	fputs(", \"reason\": ", stdout);
	json_string(stdout, reason[0] ? reason : NULL);
	fputs("}, \"world\": {\"state\": ", stdout);
	json_string(stdout, khsm_world_state_name(info->world_state));
	fputs("}}\n", stdout);
}

enum parsed { RUN, HELP, BAD };

static enum parsed parse_args(int argc, char *argv[], bool *json)
{
	int i;

	*json = false;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			*json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			return HELP;
		} else {
			fprintf(stderr, "%s: status: unrecognised argument '%s'\n",
				PROG_NAME, argv[i]);
			return BAD;
		}
	}
	return RUN;
}

int status_main(int argc, char *argv[])
{
	struct khsm *h = NULL;
	struct khsm_info info;
	bool json;
	int ret;

	switch (parse_args(argc, argv, &json)) {
	case HELP:
		status_usage(stdout);
		return KHSMCTL_EXIT_OK;
	case BAD:
		status_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	case RUN:
		break;
	}

	/* Only the control channel has the version strings. */
	ret = khsm_open(&h, KHSM_OPEN_CONTROL);
	if (!ret)
		ret = khsm_get_info(h, &info);
	if (ret) {
		ret = report_error("status", h, ret);
		goto out;
	}
	check_abi(&info);
	if (json)
		print_json(&info);
	else
		print_text(&info);
	ret = KHSMCTL_EXIT_OK;
out:
	khsm_close(h);
	return ret;
}

/* khsmctl clear: the analogue of the HSM's clear button. */
int clear_main(int argc, char *argv[])
{
	return simple_verb(argc, argv, "clear",
			   "Unload every token and key, persistent ones too, and end the\n"
			   "ACS authorisations; the world stays loaded.",
			   khsm_clear);
}
