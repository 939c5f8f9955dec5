/*
 * ed25519.c: Ed25519 signature verification with the semantics of ed25519-dalek 2.x's
 * non-strict `verify`, which upstream's ed25519_verify host function uses
 * (host-abi.md §2.6): the public key decompresses as dalek does (any y below 2^255,
 * non-canonical encodings and small-order points accepted), S must be canonical
 * (< l), and the check is compress([k](-A) + [S]B) == R byte for byte with
 * k = SHA-512(R || A || M) mod l. No cofactor or small-order checks. libsodium's own
 * verify is stricter, so the curve arithmetic is done here (variable time: all inputs
 * are public). Field elements: five 51-bit limbs, arithmetic modulo 2^255 - 19.
 */
#include "logic.h"

#include <sodium.h>
#include <string.h>

typedef struct fe {
    uint64_t v[5];
} fe;

typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

static const fe FE_ONE = {{1, 0, 0, 0, 0}};
static const fe FE_D = {
    {0x34dca135978a3, 0x1a8283b156ebd, 0x5e7a26001c029, 0x739c663a03cbb, 0x52036cee2b6ff}};
static const fe FE_D2 = {
    {0x69b9426b2f159, 0x35050762add7a, 0x3cf44c0038052, 0x6738cc7407977, 0x2406d9dc56dff}};
static const fe FE_SQRT_M1 = {
    {0x61b274a0ea0b0, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d}};

static void fe_carry(fe *h)
{
    for (int pass = 0; pass < 2; pass++) {
        uint64_t c;
        for (int i = 0; i < 4; i++) {
            c = h->v[i] >> 51;
            h->v[i] &= MASK51;
            h->v[i + 1] += c;
        }
        c = h->v[4] >> 51;
        h->v[4] &= MASK51;
        h->v[0] += c * 19;
    }
}

static void fe_add(fe *h, const fe *f, const fe *g)
{
    for (int i = 0; i < 5; i++)
        h->v[i] = f->v[i] + g->v[i];
    fe_carry(h);
}

/* f - g + 4p keeps every limb positive for carried inputs */
static void fe_sub(fe *h, const fe *f, const fe *g)
{
    static const uint64_t four_p[5] = {0x1fffffffffffb4, 0x1ffffffffffffc, 0x1ffffffffffffc,
                                       0x1ffffffffffffc, 0x1ffffffffffffc};
    for (int i = 0; i < 5; i++)
        h->v[i] = f->v[i] + four_p[i] - g->v[i];
    fe_carry(h);
}

static void fe_neg(fe *h, const fe *f)
{
    fe zero = {{0}};
    fe_sub(h, &zero, f);
}

static void fe_mul(fe *h, const fe *f, const fe *g)
{
    const uint64_t *a = f->v, *b = g->v;
    uint64_t b1 = b[1] * 19, b2 = b[2] * 19, b3 = b[3] * 19, b4 = b[4] * 19;
    u128 t0 =
        (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
    u128 t1 =
        (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
    u128 t2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 +
              (u128)a[4] * b3;
    u128 t3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] +
              (u128)a[4] * b4;
    u128 t4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] +
              (u128)a[4] * b[0];
    t1 += (uint64_t)(t0 >> 51);
    t2 += (uint64_t)(t1 >> 51);
    t3 += (uint64_t)(t2 >> 51);
    t4 += (uint64_t)(t3 >> 51);
    uint64_t c = (uint64_t)(t4 >> 51);
    h->v[0] = ((uint64_t)t0 & MASK51) + c * 19;
    h->v[1] = (uint64_t)t1 & MASK51;
    h->v[2] = (uint64_t)t2 & MASK51;
    h->v[3] = (uint64_t)t3 & MASK51;
    h->v[4] = (uint64_t)t4 & MASK51;
    fe_carry(h);
}

static void fe_sq(fe *h, const fe *f)
{
    fe_mul(h, f, f);
}

/* x^e for a 256-bit little-endian exponent (square and multiply, most significant
   bit first). */
static void fe_pow(fe *out, const fe *x, const uint8_t e[32])
{
    fe r = FE_ONE;
    for (int i = 255; i >= 0; i--) {
        fe_sq(&r, &r);
        if (e[i / 8] >> (i % 8) & 1) fe_mul(&r, &r, x);
    }
    *out = r;
}

/* Loads 255 bits (the top bit is ignored); values >= p are fine (dalek does the same). */
static void fe_frombytes(fe *h, const uint8_t s[32])
{
    uint64_t w[4];
    for (int i = 0; i < 4; i++)
        w[i] = cr__le64(s + 8 * i);
    h->v[0] = w[0] & MASK51;
    h->v[1] = (w[0] >> 51 | w[1] << 13) & MASK51;
    h->v[2] = (w[1] >> 38 | w[2] << 26) & MASK51;
    h->v[3] = (w[2] >> 25 | w[3] << 39) & MASK51;
    h->v[4] = (w[3] >> 12) & MASK51;
}

/* The canonical encoding (fully reduced). */
static void fe_tobytes(uint8_t s[32], const fe *f)
{
    fe h = *f;
    fe_carry(&h);
    uint64_t q = (h.v[0] + 19) >> 51;
    q = (h.v[1] + q) >> 51;
    q = (h.v[2] + q) >> 51;
    q = (h.v[3] + q) >> 51;
    q = (h.v[4] + q) >> 51;
    h.v[0] += 19 * q;
    for (int i = 0; i < 4; i++) {
        h.v[i + 1] += h.v[i] >> 51;
        h.v[i] &= MASK51;
    }
    h.v[4] &= MASK51;
    uint64_t w[4];
    w[0] = h.v[0] | h.v[1] << 51;
    w[1] = h.v[1] >> 13 | h.v[2] << 38;
    w[2] = h.v[2] >> 26 | h.v[3] << 25;
    w[3] = h.v[3] >> 39 | h.v[4] << 12;
    for (int i = 0; i < 4; i++)
        cr__put_le64(s + 8 * i, w[i]);
}

static bool fe_eq(const fe *a, const fe *b)
{
    uint8_t x[32], y[32];
    fe_tobytes(x, a);
    fe_tobytes(y, b);
    return memcmp(x, y, 32) == 0;
}

static bool fe_is_negative(const fe *f)
{
    uint8_t s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

/*
 * dalek's sqrt_ratio_i: (true, sqrt(u/v)) when u/v is a square (u == 0 included), else
 * (false, sqrt(i*u/v)); the root returned is the non-negative one.
 */
static bool sqrt_ratio_i(fe *r_out, const fe *u, const fe *v)
{
    static const uint8_t p58[32] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
    fe v3, v7, t, r, check, neg_u, neg_u_i;
    fe_sq(&v3, v);
    fe_mul(&v3, &v3, v);
    fe_sq(&v7, &v3);
    fe_mul(&v7, &v7, v);
    fe_mul(&t, u, &v7);
    fe_pow(&t, &t, p58);
    fe_mul(&r, u, &v3);
    fe_mul(&r, &r, &t);
    fe_sq(&check, &r);
    fe_mul(&check, &check, v);
    fe_neg(&neg_u, u);
    fe_mul(&neg_u_i, &neg_u, &FE_SQRT_M1);
    bool correct = fe_eq(&check, u);
    bool flipped = fe_eq(&check, &neg_u);
    bool flipped_i = fe_eq(&check, &neg_u_i);
    if (flipped || flipped_i) fe_mul(&r, &r, &FE_SQRT_M1);
    if (fe_is_negative(&r)) fe_neg(&r, &r);
    *r_out = r;
    return correct || flipped;
}

/* Extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z. */
typedef struct ge {
    fe X, Y, Z, T;
} ge;

static bool ge_decompress(ge *p, const uint8_t s[32])
{
    fe y, yy, u, v, x;
    fe_frombytes(&y, s);
    fe_sq(&yy, &y);
    fe_sub(&u, &yy, &FE_ONE);
    fe_mul(&v, &yy, &FE_D);
    fe_add(&v, &v, &FE_ONE);
    if (!sqrt_ratio_i(&x, &u, &v)) return false;
    if (s[31] >> 7) fe_neg(&x, &x);
    p->X = x;
    p->Y = y;
    p->Z = FE_ONE;
    fe_mul(&p->T, &x, &y);
    return true;
}

/* Complete addition for a = -1 (add-2008-hwcd-3); also used for doubling. */
static void ge_add(ge *r, const ge *p, const ge *q)
{
    fe a, b, c, d, t, e, f, g, h;
    fe_sub(&a, &p->Y, &p->X);
    fe_sub(&t, &q->Y, &q->X);
    fe_mul(&a, &a, &t);
    fe_add(&b, &p->Y, &p->X);
    fe_add(&t, &q->Y, &q->X);
    fe_mul(&b, &b, &t);
    fe_mul(&c, &p->T, &q->T);
    fe_mul(&c, &c, &FE_D2);
    fe_mul(&d, &p->Z, &q->Z);
    fe_add(&d, &d, &d);
    fe_sub(&e, &b, &a);
    fe_sub(&f, &d, &c);
    fe_add(&g, &d, &c);
    fe_add(&h, &b, &a);
    fe_mul(&r->X, &e, &f);
    fe_mul(&r->Y, &g, &h);
    fe_mul(&r->T, &e, &h);
    fe_mul(&r->Z, &f, &g);
}

static void ge_neg(ge *r, const ge *p)
{
    r->Y = p->Y;
    r->Z = p->Z;
    fe_neg(&r->X, &p->X);
    fe_neg(&r->T, &p->T);
}

static void ge_compress(uint8_t s[32], const ge *p)
{
    static const uint8_t pm2[32] = {0xeb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    fe zinv, x, y;
    fe_pow(&zinv, &p->Z, pm2);
    fe_mul(&x, &p->X, &zinv);
    fe_mul(&y, &p->Y, &zinv);
    fe_tobytes(s, &y);
    s[31] ^= (uint8_t)(fe_is_negative(&x) << 7);
}

/* [a]A + [b]B, both scalars 256-bit little-endian. */
static void ge_double_scalarmult(ge *r, const uint8_t a[32], const ge *A, const uint8_t b[32],
                                 const ge *B)
{
    ge acc = {{{0}}, FE_ONE, FE_ONE, {{0}}};
    ge AB;
    ge_add(&AB, A, B);
    for (int i = 255; i >= 0; i--) {
        ge_add(&acc, &acc, &acc);
        int ba = a[i / 8] >> (i % 8) & 1, bb = b[i / 8] >> (i % 8) & 1;
        if (ba && bb)
            ge_add(&acc, &acc, &AB);
        else if (ba)
            ge_add(&acc, &acc, A);
        else if (bb)
            ge_add(&acc, &acc, B);
    }
    *r = acc;
}

/* S < l = 2^252 + 27742317777372353535851937790883648493 */
static bool scalar_canonical(const uint8_t s[32])
{
    static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
    for (int i = 31; i >= 0; i--) {
        if (s[i] < l[i]) return true;
        if (s[i] > l[i]) return false;
    }
    return false;
}

int cr__ed25519_verify(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg,
                       size_t msg_len)
{
    static const uint8_t base_y[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                       0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                       0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                       0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    ge A, B, minus_A, R;
    if (!ge_decompress(&A, pk)) return -1;
    if (!scalar_canonical(sig + 32)) return 0;
    if (!ge_decompress(&B, base_y)) return 0;
    uint8_t h[64], k[32], r[32];
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig, 32);
    crypto_hash_sha512_update(&st, pk, 32);
    crypto_hash_sha512_update(&st, msg, msg_len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(k, h);
    ge_neg(&minus_A, &A);
    ge_double_scalarmult(&R, k, &minus_A, sig + 32, &B);
    ge_compress(r, &R);
    return memcmp(r, sig, 32) == 0 ? 1 : 0;
}
