// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The data channel's wrappers, each against a stand-in for the device:
 * the unit binary is linked with --wrap=ioctl, and ioctls on FAKE_FD come
 * here. What each wrapper puts in its struct, what it reads back (on
 * success and on EMSGSIZE), and that a batch goes to the module in place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

#define FAKE_FD		987654

/* The last ioctl on FAKE_FD, and what the next one answers. */
static struct {
	unsigned int calls;
	unsigned long req;
	union {
		struct khsm_ioc_load load;
		struct khsm_ioc_destroy destroy;
		struct khsm_ioc_op op;
		struct khsm_ioc_batch batch;
		struct khsm_ioc_pubkey pubkey;
		struct khsm_ioc_random random;
	} in;				/* as the wrapper sent it */
	void *arg;
	int err;			/* fail with it (errno) */
	uint32_t out_len;		/* written back to out_len fields */
	uint64_t out_handle;
	uint32_t random_lens[4];	/* RANDOM: each call's len */
} dev;

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static void answer(unsigned long req, void *arg)
{
	switch (req) {
	case KHSM_IOC_LOAD:
		((struct khsm_ioc_load *)arg)->out_handle = dev.out_handle;
		break;
	case KHSM_IOC_OP:
		((struct khsm_ioc_op *)arg)->out_len = dev.out_len;
		((struct khsm_ioc_op *)arg)->out_handle = dev.out_handle;
		break;
	case KHSM_IOC_OP_BATCH:
		((struct khsm_ioc_batch *)arg)->out_done = dev.out_len;
		break;
	case KHSM_IOC_PUBKEY:
		((struct khsm_ioc_pubkey *)arg)->out_len = dev.out_len;
		break;
	case KHSM_IOC_RANDOM: {
		struct khsm_ioc_random *r = arg;

		if (dev.calls <= 4)
			dev.random_lens[dev.calls - 1] = r->len;
		memset((void *)(uintptr_t)r->out_uptr, (int)dev.calls, r->len);
		break;
	}
	}
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return __real_ioctl(fd, req, arg);
	dev.calls++;
	dev.req = req;
	dev.arg = arg;
	memcpy(&dev.in, arg, *(uint32_t *)arg < sizeof(dev.in) ?
	       *(uint32_t *)arg : sizeof(dev.in));
	if (!dev.err || dev.err == EMSGSIZE)
		answer(req, arg);
	if (dev.err) {
		errno = dev.err;
		return -1;
	}
	return 0;
}

static struct khsm h;

static void reset(void)
{
	memset(&dev, 0, sizeof(dev));
	memset(&h, 0, sizeof(h));
	h.fd = FAKE_FD;
	h.family = -ENOTCONN;
	/* A control request's text must not outlive the next call. */
	strcpy(h.ext.msg, "stale");
	h.ext.offset = 12;
}

static void not_connected(void)
{
	uint8_t buf[8];
	size_t n = sizeof(buf);
	uint64_t key;

	reset();
	h.fd = -1;
	CHECK_INT(khsm_key_load(&h, buf, 1, 0, &key), -ENOTCONN);
	CHECK_STR(khsm_errmsg(&h), "");
	CHECK_INT(khsm_erroffset(&h), -1);
	CHECK_INT(khsm_key_destroy(&h, 1), -ENOTCONN);
	CHECK_INT(khsm_sign(&h, 1, 0, 0, buf, 1, buf, &n), -ENOTCONN);
	CHECK_INT(khsm_random(&h, buf, sizeof(buf)), -ENOTCONN);
	CHECK_INT(khsm_random(NULL, buf, 1), -EINVAL);
	CHECK_INT(dev.calls, 0);
}

static void load_and_destroy(void)
{
	static const uint8_t blob[300] = { 'K' };
	uint64_t key = 7;

	reset();
	dev.out_handle = 0xfeedfacecafebeefULL;
	CHECK_INT(khsm_key_load(&h, blob, sizeof(blob), 0x1234, &key), 0);
	CHECK_INT(dev.req, KHSM_IOC_LOAD);
	CHECK_INT(dev.in.load.size, sizeof(struct khsm_ioc_load));
	CHECK_INT(dev.in.load.flags, 0);
	CHECK_INT(dev.in.load.blob_len, sizeof(blob));
	CHECK(dev.in.load.blob_uptr == KHSM_UPTR(blob));
	CHECK(dev.in.load.token_id == 0x1234);
	CHECK(key == 0xfeedfacecafebeefULL);
	CHECK_STR(khsm_errmsg(&h), "");

	dev.err = EKEYREVOKED;
	key = 7;
	CHECK_INT(khsm_key_load(&h, blob, sizeof(blob), 0, &key), -EKEYREVOKED);
	CHECK(key == 7);
	CHECK_INT(khsm_key_load(&h, NULL, 1, 0, &key), -EINVAL);
	CHECK_INT(khsm_key_load(&h, blob, SIZE_MAX, 0, &key), -EINVAL);

	dev.err = 0;
	CHECK_INT(khsm_key_destroy(&h, 99), 0);
	CHECK_INT(dev.req, KHSM_IOC_DESTROY);
	CHECK_INT(dev.in.destroy.size, sizeof(struct khsm_ioc_destroy));
	CHECK(dev.in.destroy.handle == 99);
}

static void sign_and_verify(void)
{
	uint8_t digest[32] = { 1 }, sig[80];
	size_t sig_len = sizeof(sig);
	const struct khsm_ioc_op *op = &dev.in.op;

	reset();
	dev.out_len = 71;
	CHECK_INT(khsm_sign(&h, 5, KHSM_MECH_ECDSA_P256_SHA256,
			    KHSM_OP_F_PREHASHED, digest, sizeof(digest), sig,
			    &sig_len), 0);
	CHECK_INT(dev.req, KHSM_IOC_OP);
	CHECK_INT(op->size, sizeof(struct khsm_ioc_op));
	CHECK(op->handle == 5);
	CHECK_INT(op->op, KHSM_OP_SIGN);
	CHECK_INT(op->mech, KHSM_MECH_ECDSA_P256_SHA256);
	CHECK_INT(op->flags, KHSM_OP_F_PREHASHED);
	CHECK_INT(op->in_len, 32);
	CHECK(op->in_uptr == KHSM_UPTR(digest));
	CHECK_INT(op->out_len, sizeof(sig));
	CHECK(op->out_uptr == KHSM_UPTR(sig));
	CHECK(!op->aux_uptr && !op->iv_uptr && !op->aad_uptr && !op->key2);
	CHECK_INT(sig_len, 71);

	/* Too small: the module says how much it needs. */
	dev.err = EMSGSIZE;
	dev.out_len = 72;
	sig_len = 8;
	CHECK_INT(khsm_sign(&h, 5, 0, 0, digest, 1, sig, &sig_len), -EMSGSIZE);
	CHECK_INT(sig_len, 72);
	/* Any other failure leaves it. */
	dev.err = EACCES;
	sig_len = 8;
	CHECK_INT(khsm_sign(&h, 5, 0, 0, digest, 1, sig, &sig_len), -EACCES);
	CHECK_INT(sig_len, 8);
	CHECK_INT(khsm_sign(&h, 5, 0, 0, digest, 1, sig, NULL), -EINVAL);
	CHECK_INT(khsm_sign(&h, 5, 0, 0, NULL, 1, sig, &sig_len), -EINVAL);

	dev.err = EBADMSG;
	CHECK_INT(khsm_verify(&h, 6, KHSM_MECH_ECDSA_P384_SHA384, 0, "msg", 3,
			      sig, 70), -EBADMSG);
	CHECK_INT(op->op, KHSM_OP_VERIFY);
	CHECK_INT(op->in_len, 3);
	CHECK_INT(op->aux_len, 70);
	CHECK(op->aux_uptr == KHSM_UPTR(sig));
	CHECK(!op->out_uptr && !op->out_len);
	CHECK_INT(khsm_verify(&h, 6, 0, 0, "msg", 3, NULL, 70), -EINVAL);
}

static void encrypt_and_decrypt(void)
{
	uint8_t pt[20] = { 0 }, ct[36], iv[12], aad[5] = { 0 };
	size_t ct_len = sizeof(ct), pt_len = sizeof(pt);
	const struct khsm_ioc_op *op = &dev.in.op;

	reset();
	dev.out_len = 36;
	CHECK_INT(khsm_encrypt(&h, 8, KHSM_MECH_AES_GCM, KHSM_OP_F_CALLER_IV,
			       pt, sizeof(pt), aad, sizeof(aad), iv, sizeof(iv),
			       ct, &ct_len), 0);
	CHECK_INT(op->op, KHSM_OP_ENCRYPT);
	CHECK_INT(op->flags, KHSM_OP_F_CALLER_IV);
	CHECK_INT(op->in_len, 20);
	CHECK_INT(op->iv_len, 12);
	CHECK(op->iv_uptr == KHSM_UPTR(iv));
	CHECK_INT(op->aad_len, 5);
	CHECK(op->aad_uptr == KHSM_UPTR(aad));
	CHECK_INT(op->out_len, 36);
	CHECK_INT(ct_len, 36);

	dev.out_len = 20;
	CHECK_INT(khsm_decrypt(&h, 8, KHSM_MECH_AES_GCM, ct, ct_len, NULL, 0,
			       iv, sizeof(iv), pt, &pt_len), 0);
	CHECK_INT(op->op, KHSM_OP_DECRYPT);
	CHECK_INT(op->flags, 0);
	CHECK_INT(op->aad_len, 0);
	CHECK(!op->aad_uptr);
	CHECK_INT(pt_len, 20);
	CHECK_INT(khsm_decrypt(&h, 8, 0, ct, ct_len, NULL, 3, iv, 12, pt,
			       &pt_len), -EINVAL);
}

static void macs(void)
{
	uint8_t mac[64];
	size_t mac_len = sizeof(mac);
	const struct khsm_ioc_op *op = &dev.in.op;

	reset();
	dev.out_len = 32;
	CHECK_INT(khsm_mac(&h, 9, KHSM_MECH_HMAC_SHA256, "data", 4, mac,
			   &mac_len), 0);
	CHECK_INT(op->op, KHSM_OP_MAC_GENERATE);
	CHECK_INT(op->mech, KHSM_MECH_HMAC_SHA256);
	CHECK_INT(mac_len, 32);
	CHECK_INT(khsm_mac_verify(&h, 9, KHSM_MECH_HMAC_SHA256, "data", 4, mac,
				  32), 0);
	CHECK_INT(op->op, KHSM_OP_MAC_VERIFY);
	CHECK_INT(op->aux_len, 32);
	CHECK(op->aux_uptr == KHSM_UPTR(mac));
	/* An empty message is a message. */
	CHECK_INT(khsm_mac(&h, 9, KHSM_MECH_HMAC_SHA256, NULL, 0, mac,
			   &mac_len), 0);
}

static void wrap_unwrap_derive(void)
{
	uint8_t out[40], peer[65] = { 4 };
	size_t out_len = sizeof(out);
	struct khsm_acl acl = { .ops = 1 };
	const struct khsm_ioc_op *op = &dev.in.op;
	uint64_t key = 0;

	reset();
	dev.out_len = 40;
	CHECK_INT(khsm_wrap(&h, 10, KHSM_MECH_AES_KW, 11, out, &out_len), 0);
	CHECK_INT(op->op, KHSM_OP_WRAP);
	CHECK(op->key2 == 11);
	CHECK(!op->in_uptr && !op->in_len);
	CHECK_INT(out_len, 40);

	dev.out_handle = 12;
	CHECK_INT(khsm_unwrap(&h, 10, KHSM_MECH_AES_KW, out, 40, KHSM_KEY_AES,
			      &acl, &key), 0);
	CHECK_INT(op->op, KHSM_OP_UNWRAP);
	CHECK_INT(op->new_type, KHSM_KEY_AES);
	CHECK(op->acl_uptr == KHSM_UPTR(&acl));
	CHECK(key == 12);
	CHECK_INT(khsm_unwrap(&h, 10, 0, out, 40, KHSM_KEY_AES, NULL, &key),
		  -EINVAL);

	dev.out_handle = 13;
	CHECK_INT(khsm_derive(&h, 14, KHSM_MECH_ECDH_P256, peer, sizeof(peer),
			      KHSM_KEY_HMAC, 32, &acl, &key), 0);
	CHECK_INT(op->op, KHSM_OP_DERIVE);
	CHECK_INT(op->in_len, 65);
	CHECK_INT(op->new_type, KHSM_KEY_HMAC);
	CHECK_INT(op->new_len, 32);
	CHECK(key == 13);
	dev.err = EKEYREVOKED;
	key = 0;
	CHECK_INT(khsm_derive(&h, 14, KHSM_MECH_ECDH_P256, peer, sizeof(peer),
			      KHSM_KEY_HMAC, 32, &acl, &key), -EKEYREVOKED);
	CHECK(key == 0);
}

static void pubkey(void)
{
	uint8_t point[KHSM_PUBKEY_MAX];
	size_t len = sizeof(point);

	reset();
	dev.out_len = 65;
	CHECK_INT(khsm_pubkey(&h, 15, point, &len), 0);
	CHECK_INT(dev.req, KHSM_IOC_PUBKEY);
	CHECK_INT(dev.in.pubkey.size, sizeof(struct khsm_ioc_pubkey));
	CHECK(dev.in.pubkey.handle == 15);
	CHECK_INT(dev.in.pubkey.out_len, KHSM_PUBKEY_MAX);
	CHECK(dev.in.pubkey.out_uptr == KHSM_UPTR(point));
	CHECK_INT(len, 65);
	dev.err = EMSGSIZE;
	dev.out_len = 97;
	len = 65;
	CHECK_INT(khsm_pubkey(&h, 15, point, &len), -EMSGSIZE);
	CHECK_INT(len, 97);
}

/* More than one ioctl's worth: three calls, each where the last ended. */
static void random_bytes(void)
{
	static uint8_t buf[2 * KHSM_RANDOM_MAX + 1808];

	reset();
	CHECK_INT(khsm_random(&h, buf, sizeof(buf)), 0);
	CHECK_INT(dev.calls, 3);
	CHECK_INT(dev.random_lens[0], KHSM_RANDOM_MAX);
	CHECK_INT(dev.random_lens[1], KHSM_RANDOM_MAX);
	CHECK_INT(dev.random_lens[2], 1808);
	CHECK_INT(dev.in.random.size, sizeof(struct khsm_ioc_random));
	CHECK_INT(buf[0], 1);
	CHECK_INT(buf[KHSM_RANDOM_MAX], 2);
	CHECK_INT(buf[sizeof(buf) - 1], 3);
	reset();
	CHECK_INT(khsm_random(&h, NULL, 0), 0);
	CHECK_INT(dev.calls, 0);
	dev.err = EIO;
	CHECK_INT(khsm_random(&h, buf, sizeof(buf)), -EIO);
	CHECK_INT(dev.calls, 1);
}

static void batch(void)
{
	static struct khsm_ioc_op ops[256];
	uint32_t done = 0;
	size_t i;

	reset();
	for (i = 0; i < 256; i++)
		khsm_op_init(&ops[i], 100 + i, KHSM_OP_SIGN,
			     KHSM_MECH_ECDSA_P256_SHA256);
	CHECK_INT(ops[255].size, sizeof(struct khsm_ioc_op));
	CHECK(ops[255].handle == 355);
	CHECK_INT(ops[255].op, KHSM_OP_SIGN);
	dev.out_len = 250;
	CHECK_INT(khsm_batch(&h, ops, 256, &done), 0);
	CHECK_INT(dev.calls, 1);
	CHECK_INT(dev.req, KHSM_IOC_OP_BATCH);
	CHECK_INT(dev.in.batch.size, sizeof(struct khsm_ioc_batch));
	CHECK_INT(dev.in.batch.count, 256);
	CHECK_INT(dev.in.batch.op_size, sizeof(struct khsm_ioc_op));
	/* The caller's array itself: nothing copied. */
	CHECK(dev.in.batch.ops_uptr == KHSM_UPTR(ops));
	CHECK_INT(done, 250);
	CHECK_INT(khsm_batch(&h, ops, 256, NULL), 0);
	CHECK_INT(khsm_batch(&h, ops, 0, &done), -EINVAL);
	CHECK_INT(khsm_batch(&h, NULL, 1, &done), -EINVAL);

	/* khsm_op(): the struct as the caller made it. */
	dev.out_len = 3;
	CHECK_INT(khsm_op(&h, &ops[7]), 0);
	CHECK_INT(dev.req, KHSM_IOC_OP);
	CHECK(dev.arg == &ops[7]);
	CHECK_INT(ops[7].out_len, 3);
	CHECK_INT(khsm_op(&h, NULL), -EINVAL);
}

static const struct unit_test tests[] = {
	{ "without the data channel", not_connected },
	{ "load and destroy", load_and_destroy },
	{ "sign and verify", sign_and_verify },
	{ "encrypt and decrypt", encrypt_and_decrypt },
	{ "mac and mac verify", macs },
	{ "wrap, unwrap, derive", wrap_unwrap_derive },
	{ "public key", pubkey },
	{ "random, more than one ioctl's worth", random_bytes },
	{ "batch in place, op as given", batch },
};

UNIT_SUITE(keyop, tests);
