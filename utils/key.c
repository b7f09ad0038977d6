// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl key: application keys. "generate" and "import" ask the module
 * for a key blob and keep it in kmdata; "delete" removes it. Showing
 * keys is key_show.c's, using them key_use.c's.
 *
 * A softcard or card set key is made under a token of that set that is
 * loaded and that the caller may use: the module checks the token, and
 * tokens go with the connection that loaded them, so the token must be
 * held elsewhere meanwhile ("token preload NAME -- khsmctl key ...").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

/* Key material read for an import, in one khsm_secure_alloc() block. */
struct material {
	uint8_t file[KHSM_FILE_MAX + 1];
	uint8_t secret[KHSM_SECRET_MAX];
	uint8_t point[KHSM_PUBKEY_MAX];
};

/* Making one key: what it takes along the way. */
struct maker {
	const char *cmd;
	const struct key_args *a;
	struct khsm *h;
	uint32_t allowed_mechs;		/* the policy's */
	uint8_t set_id[KHSM_SET_ID_LEN];
	uint64_t token_id;
	struct khsm_key_req req;
	struct material *m;		/* import */
	size_t secret_len;		/* of m->secret, or */
	size_t public_len;		/* of m->point */
	char file[KEY_FILE_MAX];
};

/* Nothing is asked of the module for a key that could not be kept. */
static int check_file_free(struct maker *mk)
{
	key_file(mk->file, sizeof(mk->file), mk->a->app, mk->a->ident);
	if (!kmdata_exists(mk->file))
		return 0;
	if (mk->a->force) {
		warn("replacing %s/%s: the key it held is lost unless a copy of it is kept",
		     kmdata_dir, mk->file);
		return 0;
	}
	fail(mk->cmd, "%s/%s exists (--force replaces it)", kmdata_dir,
	     mk->file);
	return KHSMCTL_EXIT_FAILED;
}

static int world_policy(struct maker *mk)
{
	struct khsm_world_info wi;
	int err;

	err = khsm_world_info(mk->h, &wi);
	if (err)
		return report_error(mk->cmd, mk->h, err);
	if (wi.state != KHSM_WORLD_OPERATIONAL) {
		fail(mk->cmd, "no world loaded (the world is %s)",
		     khsm_world_state_name(wi.state));
		return KHSMCTL_EXIT_FAILED;
	}
	mk->allowed_mechs = wi.opts.mechanisms;
	return 0;
}

/*
 * The record of set @name into @r, which must be of type @want: @opt
 * ("--protect", "--to") says how to name the other type. 0 or an exit
 * status, having said why.
 */
int read_set_of_type(const char *cmd, const char *name, uint8_t want,
		     const char *opt, struct khsm_cardset_record *r)
{
	int ret;

	ret = read_set_record(cmd, name, r);
	if (!ret && r->type != want) {
		fail(cmd, "'%s' is %s, not %s (%s %s:NAME)", name,
		     r->type == KHSM_SET_SOFTCARD ? "a softcard" :
		     "an operator card set", want == KHSM_SET_SOFTCARD ?
		     "a softcard" : "a card set", opt,
		     r->type == KHSM_SET_SOFTCARD ? "softcard" : "cardset");
		ret = KHSMCTL_EXIT_USAGE;
	}
	return ret;
}

/* The set the protection names, from its record. */
static int protecting_set(struct maker *mk)
{
	const struct key_args *a = mk->a;
	uint8_t want = a->protection == KHSM_PROTECT_SOFTCARD ?
		       KHSM_SET_SOFTCARD : KHSM_SET_OCS;
	struct khsm_cardset_record *r = malloc(sizeof(*r));
	int ret;

	if (!r) {
		fail(mk->cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = read_set_of_type(mk->cmd, a->set_name, want, "--protect", r);
	if (!ret)
		memcpy(mk->set_id, r->set_id, sizeof(mk->set_id));
	free(r);
	return ret;
}

static bool in_group(uint32_t gid)
{
	gid_t *groups;
	bool found = getegid() == gid;
	int i, n = getgroups(0, NULL);

	groups = !found && n > 0 ? calloc((size_t)n, sizeof(*groups)) : NULL;
	if (groups)
		n = getgroups(n, groups);
	for (i = 0; groups && i < n && !found; i++)
		found = groups[i] == gid;
	free(groups);
	return found;
}

/* As the module decides: its loader's euid, or a group it is shared with. */
static bool usable(const struct khsm_token_info *t)
{
	return t->owner_uid == geteuid() || (t->shared && in_group(t->share_gid));
}

/*
 * A loaded token of set @name (id @set_id) that the caller may use, into
 * *@token_id; @verb ("generate", "recover") for the hint when there is
 * none. 0 or an exit status, having said why.
 */
int find_set_token(const char *cmd, struct khsm *h, const char *name,
		   const uint8_t set_id[KHSM_SET_ID_LEN], const char *verb,
		   uint64_t *token_id)
{
	struct khsm_token_info *t = NULL;
	size_t n = 0, i;
	int err;

	*token_id = 0;
	err = khsm_token_list(h, &t, &n);
	if (err)
		return report_error(cmd, h, err);
	for (i = 0; i < n; i++) {
		if (!memcmp(t[i].set_id, set_id, KHSM_SET_ID_LEN) &&
		    usable(&t[i])) {
			*token_id = t[i].id;
			break;
		}
	}
	free(t);
	if (*token_id)
		return 0;
	fail(cmd, "no token of '%s' is loaded for you: hold one meanwhile, as in\n"
	     "  %s token preload %s -- %s key %s ...", name, PROG_NAME, name,
	     PROG_NAME, verb);
	return KHSMCTL_EXIT_FAILED;
}

static int token_for_key(struct maker *mk)
{
	if (mk->a->protection == KHSM_PROTECT_MODULE)
		return 0;
	if (mk->a->token_id) {
		mk->token_id = mk->a->token_id;
		return protecting_set(mk);
	}
	return protecting_set(mk) ?:
	       find_set_token(mk->cmd, mk->h, mk->a->set_name, mk->set_id,
			      mk->a->import ? "import" : "generate",
			      &mk->token_id);
}

/* Without --mechs: every mechanism that fits, as far as the policy allows. */
static uint32_t mechs_of(const struct maker *mk)
{
	uint32_t m = default_mechs(mk->a);

	if (!mk->a->acl.mechs && (m & mk->allowed_mechs))
		m &= mk->allowed_mechs;
	return m;
}

static void build_req(struct maker *mk)
{
	const struct key_args *a = mk->a;
	struct khsm_key_req *req = &mk->req;
	struct acl_args acl = a->acl;

	khsm_key_req_init(req);
	req->type = a->type;
	req->len = a->len;
	req->protection = a->protection;
	req->recovery = a->recovery;
	req->token_id = mk->token_id;
	acl.mechs = mechs_of(mk);
	acl_to_abi(&acl, &req->acl);
	strcpy(req->app, a->app);
	strcpy(req->ident, a->ident);
	if (mk->secret_len) {
		req->secret = mk->m->secret;
		req->secret_len = mk->secret_len;
	} else if (mk->public_len) {
		req->public_key = mk->m->point;
		req->public_len = mk->public_len;
	}
}

/* What the module made is the key asked for, before it is kept. */
static int check_blob(struct maker *mk, const struct khsm_key_result *res,
		      struct khsm_key_info *ki)
{
	char why[200];

	if (khsm_key_blob_parse(res->blob, res->blob_len, ki, why,
				sizeof(why))) {
		fail(mk->cmd, "the module returned a blob this tool cannot read: %s",
		     why);
		return KHSMCTL_EXIT_FAILED;
	}
	if (strcmp(ki->app, mk->a->app) || strcmp(ki->ident, mk->a->ident) ||
	    ki->type != mk->a->type) {
		fail(mk->cmd, "the module returned another key (%s %s, %s)",
		     ki->app, ki->ident, khsm_key_type_name(ki->type));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

/* On stdout (khsmctl(8), OUTPUT): the key hash, the file, the public key. */
static void print_made(const struct maker *mk,
		       const struct khsm_key_result *res,
		       const struct khsm_key_info *ki)
{
	char buf[HEX_LEN(KHSM_KEY_HASH_LEN)];

	printf("key hash: %s\n", hex(buf, res->key_hash, sizeof(res->key_hash)));
	printf("file: %s/%s\n", kmdata_dir, mk->file);
	if (ki->pub_len && !key_spki_fingerprint(ki, buf))
		printf("public key sha256: %s\n", buf);
}

static int keep(struct maker *mk, const struct khsm_key_result *res)
{
	struct khsm_key_info ki;
	int ret;

	ret = check_blob(mk, res, &ki) ?:
	      write_key_blob(mk->cmd, mk->file, res->blob, res->blob_len);
	if (ret)
		return ret;
	print_made(mk, res, &ki);
	return 0;
}

static int make_key(struct maker *mk)
{
	struct khsm_key_result res;
	int err, ret;

	build_req(mk);
	if (mk->a->import)
		err = khsm_key_import(mk->h, &mk->req, &res);
	else
		err = khsm_key_generate(mk->h, &mk->req, &res);
	explicit_bzero(&mk->req, sizeof(mk->req));
	if (err)
		return report_error(mk->cmd, mk->h, err);
	ret = keep(mk, &res);
	khsm_key_result_free(&res);
	return ret;
}

/* Up to KHSM_FILE_MAX bytes of a file nobody else may write. */
static int read_material(struct maker *mk, size_t *len)
{
	const char *path = mk->a->from;
	struct stat st;
	ssize_t n;
	int fd, ret = KHSMCTL_EXIT_FAILED;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fail(mk->cmd, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(mk->cmd, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		ret = refuse_mode(mk->cmd, path, st.st_mode);
		goto out;
	}
	if (!mk->a->public_only && (st.st_mode & (S_IRGRP | S_IROTH)))
		warn("%s is readable by others (mode %04o)", path,
		     (unsigned int)(st.st_mode & 07777));
	n = read(fd, mk->m->file, sizeof(mk->m->file));
	if (n < 0)
		fail(mk->cmd, "%s: %s", path, strerror(errno));
	else if ((size_t)n > KHSM_FILE_MAX || !n)
		fail(mk->cmd, "%s: %s", path, n ? "too large" : "empty");
	else
		ret = 0;
	*len = n > 0 ? (size_t)n : 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int conversion_error(const struct maker *mk, int err, const char *what)
{
	if (err == -EPROTONOSUPPORT)
		fail(mk->cmd, "%s: not a P-256 or P-384 key", mk->a->from);
	else if (err == -EBADMSG)
		fail(mk->cmd, "%s: not %s", mk->a->from, what);
	else
		fail(mk->cmd, "%s: %s", mk->a->from, strerror(-err));
	return KHSMCTL_EXIT_FAILED;
}

static int check_type(const struct maker *mk, uint32_t type)
{
	if (type == mk->a->type)
		return 0;
	fail(mk->cmd, "%s holds an %s key, not %s", mk->a->from,
	     khsm_key_type_name(type), khsm_key_type_name(mk->a->type));
	return KHSMCTL_EXIT_USAGE;
}

/* The file as the module wants it: raw bytes, a scalar or a point. */
static int convert_material(struct maker *mk, size_t len)
{
	const struct key_args *a = mk->a;
	uint32_t type = 0;
	int err;

	if (a->public_only) {
		err = khsm_ec_point_from_spki(mk->m->file, len, &type,
					      mk->m->point, &mk->public_len);
		return err ? conversion_error(mk, err, "an EC public key (SPKI, PEM or DER)") :
		       check_type(mk, type);
	}
	if (a->type == KHSM_KEY_EC_P256 || a->type == KHSM_KEY_EC_P384) {
		err = khsm_ec_private_from_pkcs8(mk->m->file, len, &type,
						 mk->m->secret, &mk->secret_len);
		return err ? conversion_error(mk, err,
					      "an unencrypted EC private key (PKCS#8 or SEC1, PEM or DER)") :
		       check_type(mk, type);
	}
	if ((a->type == KHSM_KEY_AES && len != 16 && len != 24 && len != 32) ||
	    (a->type == KHSM_KEY_HMAC && (len < 16 || len > KHSM_HMAC_KEY_MAX))) {
		fail(mk->cmd, "%s: %zu bytes is no %s key (its bytes are the key, no newline)",
		     a->from, len, khsm_key_type_name(a->type));
		return KHSMCTL_EXIT_FAILED;
	}
	memcpy(mk->m->secret, mk->m->file, len);
	mk->secret_len = len;
	return 0;
}

static int load_material(struct maker *mk)
{
	size_t len = 0;

	mk->m = khsm_secure_alloc(sizeof(*mk->m));
	if (!mk->m) {
		fail(mk->cmd, "locked memory for the key: %s", strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	return read_material(mk, &len) ?: convert_material(mk, len);
}

static int make(const char *cmd, const struct key_args *a)
{
	struct maker mk = { .cmd = cmd, .a = a };
	int ret;

	ret = check_file_free(&mk) ?: kmdata_prepare(cmd) ?:
	      kmdata_writable(cmd) ?: harden_process(cmd) ?:
	      (a->import ? load_material(&mk) : 0) ?:
	      open_control(cmd, &mk.h) ?: world_policy(&mk) ?:
	      token_for_key(&mk) ?: make_key(&mk);
	khsm_secure_free(mk.m, sizeof(*mk.m));
	khsm_close(mk.h);
	return ret;
}

#define ACL_USAGE \
"  --ops LIST              what the key may do, comma-separated: encrypt,\n" \
"                          decrypt, sign, verify, mac-generate, mac-verify,\n" \
"                          wrap, unwrap, derive, export-public\n" \
"  --mechs LIST            its mechanisms (default: every one that fits the\n" \
"                          type and --ops, as far as the policy allows)\n" \
"  --caller-iv             encrypt may take the caller's IV\n" \
"  --wrappable             may be exported under a wrap key\n" \
"  --usage-limit N         N operations, then no more\n" \
"  --not-before T          refused before T, --not-after T after it\n" \
"                          (seconds since the epoch, or YYYY-MM-DD[THH:MM:SSZ])\n" \
"  --uid USER, --gid GROUP only that user, or members of that group\n" \
"  --wrap-only-hash HEX    a wrap key wraps only the key of that key hash\n" \
"  --no-recovery           no recovery copy (default: the world's and the\n" \
"                          set's choice)\n" \
"  --token ID              the token to use (default: one of the set's that\n" \
"                          is loaded and yours to use)\n" \
"  --force                 replace an existing key file\n"

static void generate_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key generate --app APP --ident ID\n"
		"           --type aes|hmac|ec-p256|ec-p384 [--bits N | --len BYTES]\n"
		"           --protect module|softcard:NAME|cardset:NAME [--token ID]\n"
		"           --ops LIST [--mechs LIST] [--caller-iv] [--wrappable]\n"
		"           [--usage-limit N] [--not-before T] [--not-after T]\n"
		"           [--uid USER] [--gid GROUP] [--wrap-only-hash HEX]\n"
		"           [--no-recovery] [--force]\n"
		"\n"
		"Generate a key inside the module and keep its blob in the kmdata\n"
		"directory as %sAPP_ID (0644). Its ACL is fixed for life. A softcard\n"
		"or card set key needs a token of that set loaded and held meanwhile:\n"
		"  %s token preload NAME -- %s key generate ... --protect softcard:NAME\n"
		"\n"
		"  --app APP               application: A-Z a-z 0-9 - (no _)\n"
		"  --ident ID              key name within it: A-Z a-z 0-9 - _\n"
		"  --type TYPE             aes, hmac, ec-p256 or ec-p384\n"
		"  --bits N, --len BYTES   aes: 128, 192, 256; hmac: 16 to %d bytes\n"
		"                          (default 256 bits)\n"
		"  --protect P             module, softcard:NAME or cardset:NAME\n"
		ACL_USAGE,
		PROG_NAME, KHSM_KEY_FILE_PREFIX, PROG_NAME, PROG_NAME,
		KHSM_HMAC_KEY_MAX);
}

static void import_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key import --app APP --ident ID\n"
		"           --type aes|hmac|ec-p256|ec-p384 --from FILE [--public]\n"
		"           --protect module|softcard:NAME|cardset:NAME [--token ID]\n"
		"           --ops LIST [ACL options as for key generate] [--force]\n"
		"\n"
		"Seal key material made elsewhere into a key blob, when the policy\n"
		"allows it (import = yes), and keep it as key generate does. FILE\n"
		"holds the key's bytes for aes and hmac (nothing else, no newline),\n"
		"an unencrypted EC private key (PKCS#8 or SEC1, PEM or DER), or with\n"
		"--public an EC public key (SubjectPublicKeyInfo, PEM or DER) for a\n"
		"key that only verifies and exports itself. Refused if others may\n"
		"write FILE; its content is kept in locked memory and wiped.\n"
		"\n"
		"  --from FILE             the key material\n"
		"  --public                FILE is a public key\n"
		ACL_USAGE,
		PROG_NAME);
}

static int key_make(int argc, char *argv[], bool import)
{
	const char *cmd = import ? "key import" : "key generate";
	struct key_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_key_args(argc, argv, import, &a, err,
					  sizeof(err)),
			   cmd, err, import ? import_usage : generate_usage);
	return ret >= 0 ? ret : make(cmd, &a);
}

static int key_generate(int argc, char *argv[])
{
	return key_make(argc, argv, false);
}

static int key_import(int argc, char *argv[])
{
	return key_make(argc, argv, true);
}

static void delete_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key delete APP ID [--yes]\n"
		"\n"
		"Remove the blob of key APP ID from the kmdata directory (on a\n"
		"terminal, after asking). The module keeps no list of keys: copies\n"
		"of the blob (backups, other hosts) still load it.\n"
		"\n"
		"  --yes    do not ask\n",
		PROG_NAME);
}

static const struct option delete_options[] = {
	{ "yes", no_argument, NULL, OPT_KEY_YES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int key_delete(int argc, char *argv[])
{
	const char *cmd = "key delete";
	struct key_ref_args r;
	char file[KEY_FILE_MAX], q[KEY_FILE_MAX + 32], err[256], *path;
	int ret;

	ret = usage_or_run(parse_key_ref_args(argc, argv, delete_options, true,
					      &r, err, sizeof(err)),
			   cmd, err, delete_usage);
	if (ret >= 0)
		return ret;
	key_file(file, sizeof(file), r.app, r.ident);
	path = kmdata_path(file);
	if (!path) {
		fail(cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	snprintf(q, sizeof(q), "Delete key %s %s?", r.app, r.ident);
	if (!r.yes && interactive() && !confirm(q)) {
		fprintf(stderr, "%s: nothing deleted\n", PROG_NAME);
		ret = KHSMCTL_EXIT_FAILED;
	} else if (unlink(path)) {
		fail(cmd, "%s: %s", path, errno == ENOENT ? "no such key" :
		     strerror(errno));
		ret = KHSMCTL_EXIT_FAILED;
	} else {
		printf("deleted %s\n", path);
		warn("copies of the blob (backups, other hosts) still load key %s %s",
		     r.app, r.ident);
		ret = 0;
	}
	free(path);
	return ret;
}

static const struct verb key_verbs[] = {
	{ "generate", key_generate, "Generate a key in the module" },
	{ "import", key_import, "Import key material (if the policy allows)" },
	{ "list", key_show_list, "Show the keys of the kmdata directory" },
	{ "info", key_show_info, "Show one key: type, protection, ACL" },
	{ "pubkey", key_show_pubkey, "Export an EC key's public key" },
	{ "sign", key_use_sign, "Sign a file with an EC key" },
	{ "verify", key_use_verify, "Verify a file's signature" },
	{ "delete", key_delete, "Remove a key's blob" },
	{ "recover", key_recover_main, "Re-seal a key to a replacement set (officer)" },
};

int key_main(int argc, char *argv[])
{
	return run_verb("key", key_verbs, ARRAY_SIZE(key_verbs), argc, argv);
}
