// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the fuzzer knows of the family it learns from the kernel, not from
 * the header: the family id, its commands and their flags
 * (CTRL_CMD_GETFAMILY), and the attribute policy of every command,
 * nested policies included (CTRL_CMD_GETPOLICY): types, ranges, masks,
 * lengths. A command or attribute the module grows later is fuzzed
 * without a change here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"	/* and nlpol.h, the parser shared with the selftests */

struct fz_family fam;

static void take_attr(struct fz_pattr *d, const struct np_attr *s)
{
	d->present = s->present;
	d->type = s->type;
	d->has_s = s->has_s;
	d->min_s = s->min_s;
	d->max_s = s->max_s;
	d->has_u = s->has_u;
	d->min_u = s->min_u;
	d->max_u = s->max_u;
	/* One bound is enough: the other stays 0, as the kernel left it. */
	d->has_len = s->has_min_len || s->has_max_len;
	d->min_len = (uint32_t)s->min_len;
	d->max_len = (uint32_t)s->max_len;
	d->has_mask = s->has_mask;
	d->mask = s->mask;
	d->nested = s->nested;
	d->nested_maxtype = s->nested_maxtype;
}

/* fam from what nlpol.c parsed: command 0 (UNSPEC) is never "present". */
static void take_family(const struct np_family *f)
{
	unsigned int c, p, a;
	int g;

	fam.id = f->id;
	fam.version = f->version;
	fam.maxattr = f->maxattr;
	for (c = 0; c < FZ_MAX_CMD; c++) {
		fam.cmd[c].present = c && f->cmd[c].present;
		fam.cmd[c].flags = c ? f->cmd[c].flags : 0;
		fam.cmd[c].do_policy = f->cmd[c].do_pol;
		fam.cmd[c].dump_policy = f->cmd[c].dump_pol;
	}
	for (p = 0; p < FZ_MAX_POL; p++) {
		fam.pol[p].present = f->pol[p].present;
		fam.pol[p].maxtype = f->pol[p].maxtype;
		for (a = 0; a < FZ_MAX_ATTR; a++)
			take_attr(&fam.pol[p].a[a], &f->pol[p].a[a]);
	}
	for (g = 0; g < f->ngroups; g++)
		if (!strcmp(f->group_name[g], KHSM_MCGRP_AUDIT))
			fam.audit_group = f->group_id[g];
}

int fz_learn(void)
{
	struct np_family *f = calloc(1, sizeof(*f));
	struct np_conn c;
	int i, err;

	memset(&fam, 0, sizeof(fam));
	for (i = 0; i < FZ_MAX_CMD; i++)
		fam.cmd[i].do_policy = fam.cmd[i].dump_policy = -1;
	if (!f)
		return -ENOMEM;
	err = np_open(&c);
	if (!err) {
		err = np_learn(&c, KHSM_GENL_NAME, f);
		np_close(&c);
	}
	if (!err)
		take_family(f);
	free(f);
	return err;
}

const struct fz_policy *fz_cmd_policy(uint8_t cmd)
{
	int p = cmd < FZ_MAX_CMD ? fam.cmd[cmd].do_policy : -1;

	return p >= 0 && p < FZ_MAX_POL && fam.pol[p].present ? &fam.pol[p] :
	       NULL;
}

const struct fz_pattr *fz_attr(const struct fz_policy *pol, uint32_t type)
{
	if (!pol || type >= FZ_MAX_ATTR || !pol->a[type].present)
		return NULL;
	return &pol->a[type];
}

static const char *type_name(uint32_t t)
{
	static const char *const names[] = {
		"invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16",
		"s32", "s64", "binary", "string", "nul-string", "nested",
		"nested-array", "bitfield32", "sint", "uint",
	};

	return t < ARRAY_SIZE(names) ? names[t] : "?";
}

void fz_print_family(void)
{
	unsigned int c, p, a, ncmd = 0, npol = 0, nattr = 0;

	for (c = 0; c < FZ_MAX_CMD; c++)
		ncmd += fam.cmd[c].present;
	for (p = 0; p < FZ_MAX_POL; p++) {
		npol += fam.pol[p].present;
		for (a = 0; a < FZ_MAX_ATTR; a++)
			nattr += fam.pol[p].a[a].present;
	}
	fprintf(stderr, "khsm-fuzz: family %u version %u maxattr %u: %u commands, %u policies, %u attributes, audit group %u\n",
		fam.id, fam.version, fam.maxattr, ncmd, npol, nattr,
		fam.audit_group);
	if (!opt.verbose)
		return;
	for (c = 0; c < FZ_MAX_CMD; c++) {
		if (!fam.cmd[c].present)
			continue;
		fprintf(stderr, "  cmd %2u %-16s flags 0x%02x do-policy %d\n", c,
			cmd_name(c), fam.cmd[c].flags, fam.cmd[c].do_policy);
	}
	for (p = 0; p < FZ_MAX_POL; p++) {
		if (!fam.pol[p].present)
			continue;
		fprintf(stderr, "  policy %u (maxtype %u)\n", p,
			fam.pol[p].maxtype);
		for (a = 0; a < FZ_MAX_ATTR; a++) {
			const struct fz_pattr *x = &fam.pol[p].a[a];

			if (!x->present)
				continue;
			fprintf(stderr, "    %2u %-12s", a, type_name(x->type));
			if (x->has_u)
				fprintf(stderr, " u %llu..%llu",
					(unsigned long long)x->min_u,
					(unsigned long long)x->max_u);
			if (x->has_s)
				fprintf(stderr, " s %lld..%lld",
					(long long)x->min_s, (long long)x->max_s);
			if (x->has_len)
				fprintf(stderr, " len %u..%u", x->min_len,
					x->max_len);
			if (x->has_mask)
				fprintf(stderr, " mask 0x%llx",
					(unsigned long long)x->mask);
			if (x->nested >= 0)
				fprintf(stderr, " -> policy %d", x->nested);
			fputc('\n', stderr);
		}
	}
}
