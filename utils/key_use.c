// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl key sign and verify: an EC key's blob loaded through /dev/khsm,
 * ECDSA with the hash of its curve (SHA-256 for P-256, SHA-384 for P-384)
 * over a file of any size. The file is hashed here and the module signs
 * the digest (KHSM_OP_F_PREHASHED); signatures are DER, as "openssl dgst
 * -sign" writes them and "-verify" reads them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "keys.h"

/* A loaded key and what it signs with. */
struct signer {
	const char *cmd;
	const struct key_ref_args *r;
	struct key_blob kb;
	struct khsm *h;
	uint64_t key;
	uint32_t mech;
	const EVP_MD *md;
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
};

static int curve_of(struct signer *s, bool sign)
{
	const struct khsm_key_info *ki = &s->kb.info;

	if (ki->type == KHSM_KEY_EC_P256) {
		s->mech = KHSM_MECH_ECDSA_P256_SHA256;
		s->md = EVP_sha256();
	} else if (ki->type == KHSM_KEY_EC_P384) {
		s->mech = KHSM_MECH_ECDSA_P384_SHA384;
		s->md = EVP_sha384();
	} else {
		fail(s->cmd, "%s %s is an %s key: sign and verify need an EC key",
		     ki->app, ki->ident, khsm_key_type_name(ki->type));
		return KHSMCTL_EXIT_FAILED;
	}
	if (sign && !ki->secret_len) {
		fail(s->cmd, "%s %s is a public key alone: it cannot sign",
		     ki->app, ki->ident);
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

static int hash_file(struct signer *s)
{
	const char *path = s->r->in;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t buf[65536];
	int fd, ret = KHSMCTL_EXIT_FAILED;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail(s->cmd, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!ctx || !EVP_DigestInit_ex(ctx, s->md, NULL))
		goto crypto;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(s->cmd, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto crypto;
	}
	if (EVP_DigestFinal_ex(ctx, s->digest, &s->dlen)) {
		ret = 0;
		goto out;
	}
crypto:
	fail(s->cmd, "hashing %s: libcrypto failed", path);
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* What a refusal to load means for a key of a set. */
static int load_error(struct signer *s, int err)
{
	int ret = report_error(s->cmd, s->h, err);

	if (s->kb.info.protection != KHSM_PROTECT_MODULE &&
	    (err == -ENOKEY || err == -EACCES))
		fprintf(stderr, "%s: %s: its %s's token must be loaded and yours: '%s token preload NAME -- %s %s ...'\n",
			PROG_NAME, s->cmd, s->kb.info.protection ==
			KHSM_PROTECT_SOFTCARD ? "softcard" : "card set",
			PROG_NAME, PROG_NAME, s->cmd);
	return ret;
}

/* The blob, the input's digest, and the key loaded on the data channel. */
static int prepare(struct signer *s, bool sign)
{
	int err, ret;

	ret = read_key_blob(s->cmd, s->r->app, s->r->ident, &s->kb) ?:
	      curve_of(s, sign) ?: hash_file(s);
	if (ret)
		return ret;
	err = khsm_open(&s->h, KHSM_OPEN_DATA);
	if (err)
		return report_error(s->cmd, NULL, err);
	err = khsm_key_load(s->h, s->kb.blob, s->kb.len, s->r->token_id,
			    &s->key);
	return err ? load_error(s, err) : 0;
}

static void finish(struct signer *s)
{
	if (s->key)
		khsm_key_destroy(s->h, s->key);
	khsm_close(s->h);
	free(s->kb.blob);
}

static void sign_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key sign APP ID --in FILE --out SIGFILE [--token ID]\n"
		"\n"
		"Sign FILE with EC key APP ID: ECDSA with SHA-256 (ec-p256) or\n"
		"SHA-384 (ec-p384), loaded through /dev/khsm. SIGFILE gets the DER\n"
		"signature, as 'openssl dgst -sha256 -verify PUBKEY -signature SIGFILE'\n"
		"reads it. A softcard or card set key needs a token of its set loaded\n"
		"and held meanwhile ('token preload').\n"
		"\n"
		"  --in FILE       what to sign\n"
		"  --out SIGFILE   where the signature goes ('-': standard output)\n"
		"  --token ID      the token to use (default: the module picks one of\n"
		"                  the key's set)\n",
		PROG_NAME);
}

static const struct option sign_options[] = {
	{ "in", required_argument, NULL, OPT_KEY_IN },
	{ "out", required_argument, NULL, OPT_KEY_OUT },
	{ "token", required_argument, NULL, OPT_KEY_TOKEN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int key_use_sign(int argc, char *argv[])
{
	struct key_ref_args r;
	struct signer s = { .cmd = "key sign", .r = &r };
	uint8_t sig[160];
	size_t sig_len = sizeof(sig);
	char err[256];
	int ret, e;

	ret = usage_or_run(parse_key_ref_args(argc, argv, sign_options, true,
					      &r, err, sizeof(err)),
			   s.cmd, err, sign_usage);
	if (ret >= 0)
		return ret;
	if (!r.in || !r.out) {
		fail(s.cmd, "--in and --out are needed");
		sign_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = prepare(&s, true);
	if (!ret) {
		e = khsm_sign(s.h, s.key, s.mech, KHSM_OP_F_PREHASHED,
			      s.digest, s.dlen, sig, &sig_len);
		ret = e ? report_error(s.cmd, s.h, e) :
		      write_output(s.cmd, r.out, sig, sig_len);
	}
	finish(&s);
	return ret;
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key verify APP ID --in FILE --sig SIGFILE [--token ID]\n"
		"\n"
		"Check the DER ECDSA signature SIGFILE of FILE with EC key APP ID,\n"
		"loaded through /dev/khsm (its ACL must allow verify). Prints\n"
		"\"signature ok\" and exits 0, or exits 1 if it does not match.\n"
		"\n"
		"  --in FILE       what was signed\n"
		"  --sig SIGFILE   the signature\n"
		"  --token ID      as for key sign\n",
		PROG_NAME);
}

static const struct option verify_options[] = {
	{ "in", required_argument, NULL, OPT_KEY_IN },
	{ "sig", required_argument, NULL, OPT_KEY_SIG },
	{ "token", required_argument, NULL, OPT_KEY_TOKEN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int check_signature(struct signer *s, const uint8_t *sig, size_t len)
{
	int e = khsm_verify(s->h, s->key, s->mech, KHSM_OP_F_PREHASHED,
			    s->digest, s->dlen, sig, len);

	if (e == -EBADMSG) {
		fail(s->cmd, "signature does not match");
		return KHSMCTL_EXIT_FAILED;
	}
	if (e)
		return report_error(s->cmd, s->h, e);
	printf("signature ok\n");
	return 0;
}

int key_use_verify(int argc, char *argv[])
{
	struct key_ref_args r;
	struct signer s = { .cmd = "key verify", .r = &r };
	uint8_t *sig = NULL;
	size_t len = 0;
	char err[256];
	int ret, e;

	ret = usage_or_run(parse_key_ref_args(argc, argv, verify_options, true,
					      &r, err, sizeof(err)),
			   s.cmd, err, verify_usage);
	if (ret >= 0)
		return ret;
	if (!r.in || !r.sig) {
		fail(s.cmd, "--in and --sig are needed");
		verify_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	e = khsm_read_file(r.sig, 0, &sig, &len, NULL);
	if (e) {
		fail(s.cmd, "%s: %s", r.sig, strerror(-e));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = prepare(&s, false) ?: check_signature(&s, sig, len);
	finish(&s);
	free(sig);
	return ret;
}
