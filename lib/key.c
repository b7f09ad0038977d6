// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Application keys on the control channel: KEY_GENERATE, KEY_IMPORT and
 * KEY_RECOVER. Each sends one KHSM_A_KEY nest and gets a key blob back.
 * An import request carries key material and is wiped before it is
 * freed, as the requests with passphrase keys are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

KHSM_API void khsm_key_req_init(struct khsm_key_req *req)
{
	if (!req)
		return;
	memset(req, 0, sizeof(*req));
	req->recovery = KHSM_KEY_RECOVERY_DEFAULT;
}

/* What the module would refuse anyway, refused before a request is made. */
static int key_check(const struct khsm_key_req *req, bool import)
{
	bool secret = req->secret && req->secret_len;
	bool public = req->public_key && req->public_len;

	if (!khsm_key_name_valid(req->app, sizeof(req->app)) ||
	    !khsm_key_name_valid(req->ident, sizeof(req->ident)))
		return -EINVAL;
	if (req->recovery < KHSM_KEY_RECOVERY_DEFAULT || req->recovery > 1)
		return -EINVAL;
	if (!import)
		return req->secret || req->public_key ? -EINVAL : 0;
	if (secret == public || req->len)
		return -EINVAL;
	if (req->secret_len > KHSM_SECRET_MAX ||
	    req->public_len > KHSM_PUBKEY_MAX)
		return -EINVAL;
	return 0;
}

static int put_material(struct nl_msg *msg, const struct khsm_key_req *req)
{
	if (req->secret)
		return nla_put(msg, KHSM_A_KEY_SECRET, (int)req->secret_len,
			       req->secret);
	return nla_put(msg, KHSM_A_KEY_PUBLIC, (int)req->public_len,
		       req->public_key);
}

/* LEN, RECOVERY and TOKEN_ID only when given: the module's defaults. */
int khsm_key_put(struct nl_msg *msg, const struct khsm_key_req *req,
		 bool import)
{
	struct nlattr *nest;
	int ret;

	ret = key_check(req, import);
	if (ret)
		return ret;
	nest = nla_nest_start(msg, KHSM_A_KEY | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, KHSM_A_KEY_TYPE, req->type) ||
	    (req->len && nla_put_u32(msg, KHSM_A_KEY_LEN, req->len)) ||
	    nla_put_u8(msg, KHSM_A_KEY_PROTECTION, req->protection) ||
	    nla_put(msg, KHSM_A_KEY_ACL, sizeof(req->acl), &req->acl) ||
	    nla_put_string(msg, KHSM_A_KEY_APP, req->app) ||
	    nla_put_string(msg, KHSM_A_KEY_IDENT, req->ident) ||
	    (req->recovery >= 0 &&
	     nla_put_u8(msg, KHSM_A_KEY_RECOVERY, (uint8_t)req->recovery)) ||
	    (import && put_material(msg, req)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	if (req->token_id && nla_put_u64(msg, KHSM_A_TOKEN_ID, req->token_id))
		return -EMSGSIZE;
	return 0;
}

static int key_reply(struct nl_msg *msg, void *arg)
{
	return khsm_key_result_parse(msg, arg);
}

static int key_make(struct khsm *h, uint8_t cmd,
		    const struct khsm_key_req *req, struct khsm_key_result *res)
{
	bool import = cmd == KHSM_CMD_KEY_IMPORT;
	struct nl_msg *msg;
	int ret;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	if (!req)
		return -EINVAL;
	msg = khsm_nl_request(h->family, cmd, KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = khsm_key_put(msg, req, import);
	if (!ret)
		ret = khsm_nl_transact(h, msg, key_reply, res);
	if (!ret && !res->blob)		/* ACKed without a reply */
		ret = -EPROTO;
	if (ret)
		khsm_key_result_free(res);
	if (import)
		khsm_nl_free_wiped(msg);
	else
		nlmsg_free(msg);
	return ret;
}

KHSM_API int khsm_key_generate(struct khsm *h, const struct khsm_key_req *req,
			       struct khsm_key_result *res)
{
	return key_make(h, KHSM_CMD_KEY_GENERATE, req, res);
}

KHSM_API int khsm_key_import(struct khsm *h, const struct khsm_key_req *req,
			     struct khsm_key_result *res)
{
	return key_make(h, KHSM_CMD_KEY_IMPORT, req, res);
}

/* KEY_RECOVER's attributes: the blob in a KHSM_A_KEY nest, the token. */
int khsm_key_recover_put(struct nl_msg *msg, const void *blob, size_t len,
			 uint64_t token_id)
{
	struct nlattr *nest;

	if (!blob || !len || !token_id)
		return -EINVAL;
	if (len > KHSM_BLOB_MAX)
		return -EFBIG;
	nest = nla_nest_start(msg, KHSM_A_KEY | NLA_F_NESTED);
	if (!nest || nla_put(msg, KHSM_A_KEY_BLOB, (int)len, blob))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return nla_put_u64(msg, KHSM_A_TOKEN_ID, token_id) ? -EMSGSIZE : 0;
}

KHSM_API int khsm_key_recover(struct khsm *h, const void *blob, size_t len,
			      uint64_t token_id, struct khsm_key_result *res)
{
	struct nl_msg *msg;
	int ret;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request_size(h->family, KHSM_CMD_KEY_RECOVER,
				   KHSM_GENL_VERSION, KHSM_BLOB_MAX + 1024);
	if (!msg)
		return -ENOMEM;
	ret = khsm_key_recover_put(msg, blob, len, token_id);
	if (!ret)
		ret = khsm_nl_transact(h, msg, key_reply, res);
	if (!ret && !res->blob)		/* ACKed without a reply */
		ret = -EPROTO;
	if (ret)
		khsm_key_result_free(res);
	nlmsg_free(msg);
	return ret;
}

KHSM_API void khsm_key_result_free(struct khsm_key_result *res)
{
	if (!res)
		return;
	free(res->blob);
	memset(res, 0, sizeof(*res));
}
