// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Logical tokens: the ones loaded (TOKEN_LIST), and unloading one now
 * (TOKEN_UNLOAD). Tokens are loaded by presenting cards (card.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

struct tokens_reply {
	struct khsm_token_info *tokens;
	size_t n;
	bool done;
};

static int tokens_reply(struct nl_msg *msg, void *arg)
{
	struct tokens_reply *r = arg;

	r->done = true;
	return khsm_tokens_parse(msg, &r->tokens, &r->n);
}

KHSM_API int khsm_token_list(struct khsm *h, struct khsm_token_info **tokens,
			     size_t *n)
{
	struct tokens_reply r = { 0 };
	struct nl_msg *msg;
	int ret;

	if (!tokens || !n)
		return -EINVAL;
	*tokens = NULL;
	*n = 0;
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_TOKEN_LIST, KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = khsm_nl_transact(h, msg, tokens_reply, &r);
	nlmsg_free(msg);
	if (!ret && !r.done)
		ret = -EPROTO;
	if (ret) {
		free(r.tokens);
		return ret;
	}
	*tokens = r.tokens;
	*n = r.n;
	return 0;
}

KHSM_API int khsm_token_unload(struct khsm *h, uint64_t id)
{
	struct nl_msg *msg;
	int ret;

	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_TOKEN_UNLOAD,
			      KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = nla_put_u64(msg, KHSM_A_TOKEN_ID, id) ? -EMSGSIZE :
	      khsm_nl_transact(h, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret;
}
