/*
 * abi_core_state.c: the second half of the abi_core app (see abi_core.c): commit,
 * storage, private storage, utility functions, governance, memory growth.
 * Section numbers refer to spec/host-abi.md.
 */
#include "guest.h"

static u8 scratch[70000];
static char out[70000];

/* --------------------------------------------------------------- commit (§2.5) -- */

static void commit_b(buf root, buf art)
{
    commit(P(&root), P(&art));
}

METHOD(commit_basic)
{
    static const u8 a[] = {1, 2, 3};
    commit_b(mkbuf(id32(1), 32), mkbuf(a, 3));
}

METHOD(commit_actions)
{
    static const u8 a[] = {0, 2, 0, 0, 0, 9, 9, 9};
    commit_b(mkbuf(id32(2), 32), mkbuf(a, sizeof a));
}

METHOD(commit_comparisons)
{
    static const u8 a[] = {1, 0, 0, 0, 0};
    commit_b(mkbuf(id32(3), 32), mkbuf(a, sizeof a));
}

METHOD(commit_other_tag)
{
    static const u8 a[] = {7, 0xff, 0xff, 0xff, 0xff};
    commit_b(mkbuf(id32(4), 32), mkbuf(a, sizeof a));
}

METHOD(commit_short_artifact)
{
    static const u8 a[] = {0, 1, 0, 0};
    commit_b(mkbuf(id32(5), 32), mkbuf(a, sizeof a));
}

METHOD(commit_empty_artifact)
{
    commit_b(mkbuf(id32(6), 32), mkbuf(scratch, 0));
}

METHOD(commit_twice)
{
    static const u8 a[] = {1, 2, 3};
    commit_b(mkbuf(id32(1), 32), mkbuf(a, 3));
    commit_b(mkbuf(id32(2), 32), mkbuf(a, 1));
}

METHOD(commit_twice_bad_hash)
{
    commit_b(mkbuf(id32(1), 32), mkbuf(scratch, 0));
    commit_b(mkbuf(id32(2), 31), mkbuf(scratch, 0));
}

METHOD(commit_hash_31)
{
    commit_b(mkbuf(id32(1), 31), mkbuf(scratch, 0));
}

METHOD(commit_hash_33)
{
    commit_b(mkbuf(id32(1), 33), mkbuf(scratch, 0));
}

METHOD(commit_hash_oob)
{
    buf r = {memsize() - 31, 32};
    commit_b(r, mkbuf(scratch, 0));
}

METHOD(commit_hash_at_end)
{
    u8 *h = at_end(32);
    memset(h, 0x5e, 32);
    commit_b(mkbuf(h, 32), mkbuf(scratch, 0));
}

METHOD(commit_root_desc_oob)
{
    buf a = mkbuf(scratch, 0);
    commit(memsize() - 8, P(&a));
}

/* Both descriptors are read before either is checked. */
METHOD(commit_artifact_desc_oob)
{
    buf r = mkbuf(id32(1), 32);
    commit(P(&r), memsize() - 8);
}

METHOD(commit_artifact_oob)
{
    buf a = {memsize() - 1, 2};
    commit_b(mkbuf(id32(1), 32), a);
}

METHOD(commit_then_trap)
{
    buf k = strbuf("trap-key"), v = strbuf("trap-value");
    storage_write(P(&k), P(&v), REG);
    commit_fixed();
    __builtin_trap();
}

METHOD(commit_then_err)
{
    buf k = strbuf("err-key"), v = strbuf("err-value");
    storage_write(P(&k), P(&v), REG);
    commit_fixed();
    ret_err_str("refused");
}

/* -------------------------------------------------------------- storage (§2.3) -- */

/* Splits the input "key=value" (value may be absent). */
static void input_kv(buf *k, buf *v)
{
    u64 n = input_get(scratch, sizeof scratch), i = 0;
    while (i < n && scratch[i] != '=')
        i++;
    *k = mkbuf(scratch, i);
    *v = i < n ? mkbuf(scratch + i + 1, n - i - 1) : mkbuf(scratch, 0);
}

/* "0", or "1:" followed by register REG. */
static void put_result(u64 *len, u32 r, u64 reg)
{
    put_u64(out, len, r);
    if (r == 1) {
        u64 n = reg_get(reg, out + *len + 1, 4096);
        out[(*len)++] = ':';
        if (n == U64_MAX) __builtin_trap();
        *len += n;
    }
}

METHOD(sw)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, storage_write(P(&k), P(&v), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

METHOD(sw_nocommit)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, storage_write(P(&k), P(&v), REG), REG);
    ret_bytes(out, len);
}

METHOD(sr)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, storage_read(P(&k), REG), REG);
    ret_bytes(out, len);
}

METHOD(srm)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, storage_remove(P(&k), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

METHOD(srm_nocommit)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, storage_remove(P(&k), REG), REG);
    ret_bytes(out, len);
}

static const u8 bin_key[] = {0x00, 0xff, 0x80, 0x7f};
static const u8 bin_val[] = {0x7f, 0x80, 0xff, 0x00};

METHOD(sw_binary)
{
    buf k = mkbuf(bin_key, 4), v = mkbuf(bin_val, 4);
    ret_u64(storage_write(P(&k), P(&v), REG));
    commit_fixed();
}

METHOD(sr_binary)
{
    buf k = mkbuf(bin_key, 4);
    u64 n;
    if (storage_read(P(&k), REG) != 1) __builtin_trap();
    n = reg_get(REG, scratch, 64);
    ret_bytes(scratch, n);
}

METHOD(storage_overwrite_same_call)
{
    buf k = strbuf("same"), a = strbuf("a"), b = strbuf("b");
    u64 len = 0;
    put_result(&len, storage_write(P(&k), P(&a), REG), REG);
    out[len++] = ',';
    put_result(&len, storage_write(P(&k), P(&b), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

/* Written then removed in one call: no net change to report. */
METHOD(storage_write_remove_same_call)
{
    buf k = strbuf("transient"), v = strbuf("x");
    u64 len = 0;
    put_result(&len, storage_write(P(&k), P(&v), REG), REG);
    out[len++] = ',';
    put_result(&len, storage_remove(P(&k), REG), REG);
    out[len++] = ',';
    put_result(&len, storage_read(P(&k), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

/* A miss leaves the destination register as it was. */
METHOD(storage_miss_keeps_register)
{
    buf k = strbuf("absent-key");
    u64 len = 0, n;
    input(REG);
    put_u64(out, &len, storage_read(P(&k), REG));
    put_u64(out, &len, storage_remove(P(&k), REG));
    out[len++] = ':';
    n = reg_get(REG, out + len, 4096);
    len += n;
    ret_bytes(out, len);
}

/* A key of exactly max_storage_key_size, in bounds (memory grown to hold it). */
METHOD(storage_key_max)
{
    u64 base = memsize(), len = 0;
    buf k = {base, MAX_STORAGE_KEY};
    if (__builtin_wasm_memory_grow(0, MAX_STORAGE_KEY / 65536 + 1) == (unsigned long)-1)
        __builtin_trap();
    memset((u8 *)(uptr)base, 'K', MAX_STORAGE_KEY);
    put_u64(out, &len, storage_read(P(&k), REG));
    put_u64(out, &len, storage_remove(P(&k), REG));
    put_u64(out, &len, private_storage_read(P(&k), REG));
    put_u64(out, &len, private_storage_remove(P(&k), REG));
    ret_bytes(out, len);
}

/* Exactly at the limit passes the size check and then fails the bounds check. */
METHOD(storage_key_max_oob)
{
    buf k = {memsize(), MAX_STORAGE_KEY};
    storage_read(P(&k), REG);
}

METHOD(storage_read_key_too_long)
{
    buf k = {memsize(), MAX_STORAGE_KEY + 1};
    storage_read(P(&k), REG);
}

METHOD(storage_write_key_too_long)
{
    buf k = {U64_MAX, MAX_STORAGE_KEY + 1}, v = strbuf("v");
    storage_write(P(&k), P(&v), REG);
}

METHOD(storage_remove_key_too_long)
{
    buf k = {0, MAX_STORAGE_KEY + 1};
    storage_remove(P(&k), REG);
}

METHOD(storage_key_len_u64_max)
{
    buf k = {0, U64_MAX};
    storage_read(P(&k), REG);
}

METHOD(storage_value_max_oob)
{
    buf k = strbuf("k"), v = {memsize(), MAX_STORAGE_VALUE};
    storage_write(P(&k), P(&v), REG);
}

METHOD(storage_value_too_long)
{
    buf k = strbuf("k"), v = {memsize(), MAX_STORAGE_VALUE + 1};
    storage_write(P(&k), P(&v), REG);
}

METHOD(storage_key_and_value_too_long)
{
    buf k = {0, MAX_STORAGE_KEY + 1}, v = {0, MAX_STORAGE_VALUE + 1};
    storage_write(P(&k), P(&v), REG);
}

/* Both descriptors are read before the key limit is applied. */
METHOD(storage_key_too_long_value_desc_oob)
{
    buf k = {0, MAX_STORAGE_KEY + 1};
    storage_write(P(&k), memsize() - 4, REG);
}

METHOD(storage_key_desc_oob)
{
    storage_read(memsize() - 15, REG);
}

METHOD(storage_key_data_oob)
{
    buf k = {memsize() - 1, 2}, v = strbuf("v");
    storage_write(P(&k), P(&v), REG);
}

METHOD(storage_value_data_oob)
{
    buf k = strbuf("k"), v = {U64_MAX - 1, 4};
    storage_write(P(&k), P(&v), REG);
}

METHOD(storage_remove_key_oob)
{
    buf k = {memsize() + 1, 0};
    storage_remove(P(&k), REG);
}

/* The write happens before its evicted value fails to fit in a new register. */
METHOD(storage_write_reg_full)
{
    buf k = strbuf("full"), a = strbuf("old"), b = strbuf("new");
    storage_write(P(&k), P(&a), REG);
    fill_registers();
    storage_write(P(&k), P(&b), 1000);
}

METHOD(storage_remove_reg_full)
{
    buf k = strbuf("greeting");
    fill_registers();
    storage_remove(P(&k), 1000);
}

METHOD(storage_big_value)
{
    buf k = strbuf("big"), v = mkbuf(scratch, 20000);
    u64 i;
    for (i = 0; i < 20000; i++)
        scratch[i] = (u8)('a' + i % 26);
    ret_u64(storage_write(P(&k), P(&v), REG));
    commit_fixed();
}

METHOD(storage_big_read)
{
    buf k = strbuf("big");
    u64 n, i, len = 0;
    storage_read(P(&k), REG);
    n = reg_get(REG, scratch, sizeof scratch);
    for (i = 0; i < n; i++)
        if (scratch[i] != (u8)('a' + i % 26)) __builtin_trap();
    put_u64(out, &len, n);
    ret_bytes(out, len);
}

METHOD(storage_five_keys)
{
    static const char *keys[5] = {"k1", "k2", "k3", "k4", "k5"};
    static const char *vals[5] = {"v1", "v22", "v333", "v4444", "v55555"};
    u64 i, len = 0;
    for (i = 0; i < 5; i++) {
        buf k = strbuf(keys[i]), v = strbuf(vals[i]);
        storage_write(P(&k), P(&v), REG);
    }
    for (i = 0; i < 5; i++) {
        buf k = strbuf(keys[i]);
        storage_read(P(&k), 10 + i);
    }
    for (i = 0; i < 5; i++) {
        len += reg_get(10 + i, out + len, 100);
        out[len++] = ';';
    }
    commit_fixed();
    ret_bytes(out, len);
}

/* ------------------------------------------------------ private storage (§2.4) -- */

METHOD(psw)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_u64(out, &len, private_storage_write(P(&k), P(&v)));
    commit_fixed();
    ret_bytes(out, len);
}

METHOD(psw_nocommit)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_u64(out, &len, private_storage_write(P(&k), P(&v)));
    ret_bytes(out, len);
}

METHOD(psr)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, private_storage_read(P(&k), REG), REG);
    ret_bytes(out, len);
}

METHOD(psrm)
{
    buf k, v;
    u64 len = 0;
    input_kv(&k, &v);
    put_result(&len, private_storage_remove(P(&k), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

METHOD(ps_overwrite_same_call)
{
    buf k = strbuf("pdup"), a = strbuf("a"), b = strbuf("b");
    u64 len = 0;
    put_u64(out, &len, private_storage_write(P(&k), P(&a)));
    put_u64(out, &len, private_storage_write(P(&k), P(&b)));
    out[len++] = ',';
    put_result(&len, private_storage_read(P(&k), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

/* The private store and the context store are separate. */
METHOD(ps_separate_stores)
{
    buf k = strbuf("shared"), a = strbuf("public"), b = strbuf("private");
    u64 len = 0;
    storage_write(P(&k), P(&a), REG);
    private_storage_write(P(&k), P(&b));
    put_result(&len, storage_read(P(&k), REG), REG);
    out[len++] = ',';
    put_result(&len, private_storage_read(P(&k), REG), REG);
    commit_fixed();
    ret_bytes(out, len);
}

METHOD(psr_key_too_long)
{
    buf k = {memsize(), MAX_STORAGE_KEY + 1};
    private_storage_read(P(&k), REG);
}

METHOD(psw_key_too_long)
{
    buf k = {memsize(), MAX_STORAGE_KEY + 1}, v = strbuf("v");
    private_storage_write(P(&k), P(&v));
}

METHOD(psrm_key_too_long)
{
    buf k = {0, MAX_STORAGE_KEY + 1};
    private_storage_remove(P(&k), REG);
}

METHOD(psw_value_too_long)
{
    buf k = strbuf("k"), v = {0, MAX_STORAGE_VALUE + 1};
    private_storage_write(P(&k), P(&v));
}

METHOD(psw_value_max_oob)
{
    buf k = strbuf("k"), v = {memsize(), MAX_STORAGE_VALUE};
    private_storage_write(P(&k), P(&v));
}

METHOD(psr_key_oob)
{
    buf k = {memsize() - 1, 2};
    private_storage_read(P(&k), REG);
}

METHOD(psrm_key_oob)
{
    buf k = {U64_MAX, 1};
    private_storage_remove(P(&k), REG);
}

METHOD(psw_key_desc_oob)
{
    buf v = strbuf("v");
    private_storage_write(memsize() - 15, P(&v));
}

METHOD(psw_value_desc_oob)
{
    buf k = strbuf("k");
    private_storage_write(P(&k), memsize());
}

METHOD(psr_reg_full)
{
    buf k = strbuf("preg"), v = strbuf("pv");
    private_storage_write(P(&k), P(&v));
    fill_registers();
    private_storage_read(P(&k), 1000);
}

/* -------------------------------------------------------------- utility (§2.6) -- */

METHOD(random32)
{
    buf d = mkbuf(scratch, 32);
    random_bytes(P(&d));
    ret_bytes(scratch, 32);
}

/* 13 bytes take two words; the unused tail of the second is dropped. */
METHOD(random13_then_8)
{
    buf a = mkbuf(scratch, 13), b = mkbuf(scratch + 13, 8);
    random_bytes(P(&a));
    random_bytes(P(&b));
    ret_bytes(scratch, 21);
}

METHOD(random_big)
{
    buf d = mkbuf(scratch, 1024);
    random_bytes(P(&d));
    ret_bytes(scratch, 1024);
}

METHOD(random_zero_at_end)
{
    buf d = {memsize(), 0};
    random_bytes(P(&d));
    ret_str("ok");
}

METHOD(random_zero_past_end)
{
    buf d = {memsize() + 1, 0};
    random_bytes(P(&d));
}

METHOD(random_at_end)
{
    buf d = {memsize() - 8, 8};
    random_bytes(P(&d));
    ret_bytes(at_end(8), 8);
}

METHOD(random_oob)
{
    buf d = {memsize() - 8, 16};
    random_bytes(P(&d));
}

METHOD(random_desc_oob)
{
    random_bytes(memsize() - 8);
}

METHOD(random_len_wrap)
{
    buf d = {16, U64_MAX - 8};
    random_bytes(P(&d));
}

METHOD(time_once)
{
    buf d = mkbuf(scratch, 8);
    u64 t;
    time_now(P(&d));
    memcpy(&t, scratch, 8);
    ret_u64(t);
}

METHOD(time_twice)
{
    buf d = mkbuf(scratch, 8);
    u64 t, len = 0;
    time_now(P(&d));
    memcpy(&t, scratch, 8);
    put_u64(out, &len, t);
    out[len++] = ',';
    time_now(P(&d));
    memcpy(&t, scratch, 8);
    put_u64(out, &len, t);
    ret_bytes(out, len);
}

METHOD(time_len_4)
{
    buf d = mkbuf(scratch, 4);
    time_now(P(&d));
}

METHOD(time_len_16)
{
    buf d = mkbuf(scratch, 16);
    time_now(P(&d));
}

METHOD(time_len_0)
{
    buf d = mkbuf(scratch, 0);
    time_now(P(&d));
}

METHOD(time_oob)
{
    buf d = {memsize() - 4, 8};
    time_now(P(&d));
}

METHOD(time_at_end)
{
    buf d = {memsize() - 8, 8};
    u64 t;
    time_now(P(&d));
    memcpy(&t, at_end(8), 8);
    ret_u64(t);
}

METHOD(time_desc_oob)
{
    time_now(memsize() - 1);
}

/* RFC 8032 §7.1 test vectors 1 and 2, and a 1000-byte message signed with the key of
 * test vector 1. */
static const u8 rfc1_pk[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
                               0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
                               0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
static const u8 rfc1_sig[64] = {
    0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80, 0x6e, 0x82, 0x8a,
    0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73, 0xe0, 0x65, 0x22, 0x49, 0x01, 0x55,
    0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b, 0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b,
    0xd2, 0x5b, 0xf5, 0xf0, 0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b};
static const u8 rfc2_pk[32] = {0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a,
                               0xa7, 0x4d, 0x1b, 0x7e, 0xbc, 0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4,
                               0x96, 0x8c, 0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c};
static const u8 rfc2_sig[64] = {
    0x92, 0xa0, 0x09, 0xa9, 0xf0, 0xd4, 0xca, 0xb8, 0x72, 0x0e, 0x82, 0x0b, 0x5f, 0x64, 0x25, 0x40,
    0xa2, 0xb2, 0x7b, 0x54, 0x16, 0x50, 0x3f, 0x8f, 0xb3, 0x76, 0x22, 0x23, 0xeb, 0xdb, 0x69, 0xda,
    0x08, 0x5a, 0xc1, 0xe4, 0x3e, 0x15, 0x99, 0x6e, 0x45, 0x8f, 0x36, 0x13, 0xd0, 0xf1, 0x1d, 0x8c,
    0x38, 0x7b, 0x2e, 0xae, 0xb4, 0x30, 0x2a, 0xee, 0xb0, 0x0d, 0x29, 0x16, 0x12, 0xbb, 0x0c, 0x00};
static const u8 big_sig[64] = {
    0x60, 0x19, 0x00, 0x76, 0x7b, 0x7d, 0xb9, 0x95, 0xd6, 0xcb, 0xbd, 0x8c, 0x41, 0xe6, 0xb2, 0xf5,
    0xb2, 0xda, 0xc0, 0xe6, 0x39, 0x02, 0x47, 0xd6, 0x86, 0x8a, 0xa8, 0xe7, 0xef, 0xb7, 0xba, 0x27,
    0x54, 0x62, 0x98, 0xe6, 0xa9, 0xe2, 0x37, 0xfe, 0x9d, 0xd4, 0x4b, 0x72, 0xf4, 0x74, 0x36, 0x91,
    0xe5, 0xff, 0x24, 0x2e, 0xb1, 0x02, 0xef, 0x12, 0x29, 0xac, 0x86, 0x72, 0x7e, 0x22, 0x74, 0x02};
/* y = 2 is not the y coordinate of a curve point: the key does not decompress. */
static const u8 bad_pk[32] = {2};

static u32 ed(const u8 *sig, u64 sig_len, const u8 *pk, u64 pk_len, const void *msg, u64 msg_len)
{
    buf s = mkbuf(sig, sig_len), k = mkbuf(pk, pk_len), m = mkbuf(msg, msg_len);
    return ed25519_verify(P(&s), P(&k), P(&m));
}

METHOD(ed_valid)
{
    ret_u64(ed(rfc2_sig, 64, rfc2_pk, 32, "\x72", 1));
}

METHOD(ed_valid_empty_msg)
{
    ret_u64(ed(rfc1_sig, 64, rfc1_pk, 32, scratch, 0));
}

METHOD(ed_valid_1000)
{
    u64 i;
    for (i = 0; i < 1000; i++)
        scratch[i] = (u8)(i * 7 + 3);
    ret_u64(ed(big_sig, 64, rfc1_pk, 32, scratch, 1000));
}

METHOD(ed_wrong_msg)
{
    ret_u64(ed(rfc2_sig, 64, rfc2_pk, 32, "\x73", 1));
}

METHOD(ed_wrong_key)
{
    ret_u64(ed(rfc2_sig, 64, rfc1_pk, 32, "\x72", 1));
}

METHOD(ed_zero_sig)
{
    static const u8 z[64];
    ret_u64(ed(z, 64, rfc2_pk, 32, "\x72", 1));
}

/* S + l: a non-canonical scalar is rejected (returns 0). */
METHOD(ed_noncanonical_s)
{
    static const u8 l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                             0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
    u8 s[64];
    u32 carry = 0, i;
    memcpy(s, rfc2_sig, 64);
    for (i = 0; i < 32; i++) {
        u32 t = (u32)s[32 + i] + l[i] + carry;
        s[32 + i] = (u8)t;
        carry = t >> 8;
    }
    ret_u64(ed(s, 64, rfc2_pk, 32, "\x72", 1));
}

METHOD(ed_bad_point)
{
    ed(rfc2_sig, 64, bad_pk, 32, "\x72", 1);
}

METHOD(ed_sig_63)
{
    ed(rfc2_sig, 63, rfc2_pk, 32, "\x72", 1);
}

METHOD(ed_sig_65)
{
    u8 s[65];
    memcpy(s, rfc2_sig, 64);
    s[64] = 0;
    ed(s, 65, rfc2_pk, 32, "\x72", 1);
}

METHOD(ed_pk_31)
{
    ed(rfc2_sig, 64, rfc2_pk, 31, "\x72", 1);
}

/* Fixed sizes are checked before the key is decoded. */
METHOD(ed_sig_63_bad_point)
{
    ed(rfc2_sig, 63, bad_pk, 32, "\x72", 1);
}

/* The message is read before the key is decoded. */
METHOD(ed_bad_point_msg_oob)
{
    buf s = mkbuf(rfc2_sig, 64), k = mkbuf(bad_pk, 32), m = {memsize(), 1};
    ed25519_verify(P(&s), P(&k), P(&m));
}

METHOD(ed_msg_oob)
{
    buf s = mkbuf(rfc2_sig, 64), k = mkbuf(rfc2_pk, 32), m = {memsize() - 1, 2};
    ed25519_verify(P(&s), P(&k), P(&m));
}

METHOD(ed_msg_desc_oob)
{
    buf s = mkbuf(rfc2_sig, 64), k = mkbuf(rfc2_pk, 32);
    ed25519_verify(P(&s), P(&k), memsize() - 15);
}

METHOD(ed_sig_oob)
{
    buf s = {memsize() - 63, 64}, k = mkbuf(rfc2_pk, 32), m = strbuf("r");
    ed25519_verify(P(&s), P(&k), P(&m));
}

/* ----------------------------------------------------------- governance (§2.7) -- */

static void propose(const void *actions, u64 alen, u8 *dest, u64 dlen)
{
    buf a = mkbuf(actions, alen), d = mkbuf(dest, dlen);
    send_proposal(P(&a), P(&d));
}

METHOD(propose_one)
{
    propose("act-1", 5, scratch, 32);
    ret_bytes(scratch, 32);
}

METHOD(propose_empty)
{
    propose(scratch, 0, scratch, 32);
    ret_bytes(scratch, 32);
}

METHOD(propose_two)
{
    propose("\x01\x02", 2, scratch, 32);
    propose("\x03", 1, scratch + 32, 32);
    ret_bytes(scratch, 64);
}

METHOD(propose_big)
{
    u64 i;
    for (i = 0; i < 1000; i++)
        scratch[100 + i] = (u8)i;
    propose(scratch + 100, 1000, scratch, 32);
}

/* A destination that is not 32 bytes long is a host panic upstream (§2.7). */
METHOD(propose_dest_31)
{
    propose("a", 1, scratch, 31);
}

METHOD(propose_dest_oob)
{
    buf a = strbuf("a"), d = {memsize() - 16, 32};
    send_proposal(P(&a), P(&d));
}

METHOD(propose_actions_oob)
{
    buf a = {memsize(), 1}, d = mkbuf(scratch, 32);
    send_proposal(P(&a), P(&d));
}

METHOD(propose_desc_oob)
{
    buf a = strbuf("a");
    send_proposal(P(&a), memsize() - 4);
}

METHOD(approve_one)
{
    buf id = mkbuf(id32(7), 32);
    approve_proposal(P(&id));
}

METHOD(approve_twice)
{
    buf a = mkbuf(id32(9), 32), b = mkbuf(id32(8), 32);
    approve_proposal(P(&a));
    approve_proposal(P(&b));
    approve_proposal(P(&a));
}

METHOD(approve_31)
{
    buf id = mkbuf(id32(7), 31);
    approve_proposal(P(&id));
}

METHOD(approve_oob)
{
    buf id = {memsize() - 31, 32};
    approve_proposal(P(&id));
}

METHOD(propose_approve_then_trap)
{
    propose("act", 3, scratch, 32);
    {
        buf id = mkbuf(scratch, 32);
        approve_proposal(P(&id));
    }
    __builtin_trap();
}

/* ------------------------------------------------------------- memory growth -- */

/* Host functions see the memory as it is at the moment of the call. */
METHOD(grow_then_log_at_new_end)
{
    u64 before = memsize();
    u8 *p;
    if (__builtin_wasm_memory_grow(0, 1) == (unsigned long)-1) __builtin_trap();
    p = at_end(4);
    memcpy(p, "new!", 4);
    log_at(P(p), 4);
    log_at(before, 0);
    log_at(memsize(), 0);
}

METHOD(log_past_old_end)
{
    log_at(memsize() + 65536 - 4, 4);
}

/* ---------------------------------------------------------------- combined -- */

/* The host copies what it records at the moment of the call: buffers overwritten
 * afterwards do not change the outcome. */
METHOD(host_copies_at_call)
{
    static char b[40];
    buf d = mkbuf(b, 5), h = mkbuf(b + 8, 2), dest = mkbuf(scratch, 32), root = mkbuf(b, 32);
    event e = {mkbuf(b, 2), mkbuf(b + 2, 3)};
    xcall_t x = {mkbuf(id32(0x44), 32), mkbuf(b, 2), mkbuf(b + 2, 3)};
    memset(b, '.', sizeof b);
    memcpy(b, "first", 5);
    memcpy(b + 8, "hh", 2);
    log_utf8(P(&d));
    emit(P(&e));
    emit_with_handler(P(&e), P(&h));
    xcall(P(&x));
    storage_write(P(&d), P(&d), REG);
    private_storage_write(P(&d), P(&d));
    send_proposal(P(&d), P(&dest));
    commit(P(&root), P(&d));
    ret_bytes(b, 5);
    memset(b, 'X', sizeof b);
}

/* Everything a call can record, then a clean finish. */
METHOD(everything)
{
    buf k = strbuf("every"), v = strbuf("thing"), h = strbuf("on_all");
    event e = {strbuf("all"), strbuf("{}")};
    log_str("start");
    emit(P(&e));
    emit_with_handler(P(&e), P(&h));
    {
        static u8 c[32];
        u64 i;
        xcall_t x;
        for (i = 0; i < 32; i++)
            c[i] = (u8)i;
        x.context_id = mkbuf(c, 32);
        x.function = strbuf("follow_up");
        x.params = strbuf("[]");
        xcall(P(&x));
    }
    storage_write(P(&k), P(&v), REG);
    private_storage_write(P(&k), P(&v));
    propose("go", 2, scratch, 32);
    {
        buf id = mkbuf(scratch, 32);
        approve_proposal(P(&id));
    }
    {
        static const u8 a[] = {0, 1, 0, 0, 0, 42};
        commit_b(mkbuf(id32(0x42), 32), mkbuf(a, sizeof a));
    }
    ret_str("done");
}
