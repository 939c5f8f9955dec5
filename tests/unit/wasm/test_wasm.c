/*
 * test_wasm.c: the engine's unit tests, and the one main of test_wasm. Every test_*.c
 * file of this folder defines its groups as `int run_<group>_tests(void)` (listed in
 * groups.h); main runs them all and fails if any test failed.
 *
 * This file covers the reader (LEB128, names, UTF-8), the decoder's errors, linear
 * memory, tables and instantiation (linking, segments, exports). Modules are written
 * as byte arrays, so each test shows the exact binary it feeds in.
 */
#include "groups.h"
#include "wasm_int.h"

#include <cmocka.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

#define HEADER      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
#define BYTES(...)  (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define MODULE(...) BYTES(HEADER, __VA_ARGS__)

/* Common sections. */
#define TYPE_VOID     0x01, 0x04, 0x01, 0x60, 0x00, 0x00 /* type 0: [] -> [] */
#define FUNC_ONE      0x03, 0x02, 0x01, 0x00             /* one function of type 0 */
#define CODE_ONE      0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b /* its body: end */
#define MEMORY_ONE    0x05, 0x03, 0x01, 0x00, 0x01       /* memory 0: min 1 page */
#define TABLE_FUNCREF 0x04, 0x04, 0x01, 0x70, 0x00, 0x02 /* table 0: funcref, min 2 */

/* Decodes bytes into a fresh module without compiling bodies. */
static wa_status decode(const uint8_t *bytes, size_t len, wa_module **out, wa_error *err)
{
    wa_module *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->cfg = wa_config_default();
    wa_status st = wa__decode(m, bytes, len, err);
    if (st != WA_OK) {
        wa__decode_free(m);
        free(m);
        m = NULL;
    }
    *out = m;
    return st;
}

static void module_free(wa_module *m)
{
    if (m) {
        wa__decode_free(m);
        free(m);
    }
}

/* Asserts that decoding gives st with text in the message. */
static void expect_decode(const uint8_t *bytes, size_t len, wa_status st, const char *text)
{
    wa_module *m = NULL;
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_status got = decode(bytes, len, &m, &err);
    if (got != st || (text && !strstr(err.message, text)))
        fail_msg("expected %s \"%s\", got %s \"%s\"", wa_status_name(st), text ? text : "",
                 wa_status_name(got), got == WA_OK ? "" : err.message);
    module_free(m);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* An allocator that fails the Nth allocation and counts what is outstanding. */
typedef struct counting_alloc {
    long calls;
    long fail_at; /* 1-based; 0 never */
    long long outstanding;
} counting_alloc;

static void *counting_alloc_fn(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting_alloc *ca = ud;
    if (new_size == 0) {
        if (ptr) ca->outstanding -= (long long)old_size;
        free(ptr);
        return NULL;
    }
    ca->calls++;
    if (ca->fail_at && ca->calls == ca->fail_at) return NULL;
    void *p = realloc(ptr, new_size);
    if (p) ca->outstanding += (long long)new_size - (ptr ? (long long)old_size : 0);
    return p;
}

/* ---- reader ---- */

static bool leb(const uint8_t *bytes, size_t len, unsigned bits, bool is_signed, uint64_t *v,
                const char **fail)
{
    wa_reader r = {.p = bytes, .end = bytes + len, .base = bytes, .fail = NULL};
    bool ok = wa__read_leb_slow(&r, bits, is_signed, v);
    *fail = r.fail;
    return ok;
}

static void expect_leb(const uint8_t *bytes, size_t len, unsigned bits, bool is_signed,
                       uint64_t want)
{
    uint64_t v = 0;
    const char *fail;
    assert_true(leb(bytes, len, bits, is_signed, &v, &fail));
    assert_int_equal(v, want);
}

static void expect_leb_error(const uint8_t *bytes, size_t len, unsigned bits, bool is_signed,
                             const char *text)
{
    uint64_t v;
    const char *fail;
    assert_false(leb(bytes, len, bits, is_signed, &v, &fail));
    assert_string_equal(fail, text);
}

static void reader_reads_unsigned_leb128(void **state)
{
    (void)state;
    expect_leb(BYTES(0x00), 32, false, 0);
    expect_leb(BYTES(0xe5, 0x8e, 0x26), 32, false, 624485);
    expect_leb(BYTES(0xff, 0xff, 0xff, 0xff, 0x0f), 32, false, 0xffffffffu);
    expect_leb(BYTES(0x80, 0x80, 0x80, 0x80, 0x00), 32, false, 0); /* padded zero */
    expect_leb(BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 64, false,
               UINT64_MAX);
}

static void reader_reads_signed_leb128(void **state)
{
    (void)state;
    expect_leb(BYTES(0x7f), 32, true, UINT64_MAX); /* -1 */
    expect_leb(BYTES(0xc0, 0xbb, 0x78), 32, true, (uint64_t)-123456);
    expect_leb(BYTES(0x80, 0x80, 0x80, 0x80, 0x78), 32, true, (uint64_t)(int64_t)INT32_MIN);
    expect_leb(BYTES(0xff, 0xff, 0xff, 0xff, 0x07), 32, true, INT32_MAX);
    expect_leb(BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), 64, true,
               (uint64_t)INT64_MIN);
    expect_leb(BYTES(0x40), 33, true, (uint64_t)-64);
    expect_leb(BYTES(0xff, 0xff, 0xff, 0xff, 0x0f), 33, true, 0xffffffffu);
}

static void reader_rejects_overlong_leb128(void **state)
{
    (void)state;
    const char *text = "integer representation too long";
    expect_leb_error(BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 32, false, text);
    expect_leb_error(BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 32, true, text);
    expect_leb_error(BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 64,
                     false, text);
    expect_leb_error(BYTES(0x81, 0x00), 1, false, text); /* the limits flag */
}

static void reader_rejects_unused_bits_set(void **state)
{
    (void)state;
    const char *text = "integer too large";
    expect_leb_error(BYTES(0xff, 0xff, 0xff, 0xff, 0x1f), 32, false, text);
    expect_leb_error(BYTES(0x80, 0x80, 0x80, 0x80, 0x70), 32, false, text);
    expect_leb_error(BYTES(0xff, 0xff, 0xff, 0xff, 0x4f), 32, true, text);
    expect_leb_error(BYTES(0x80, 0x80, 0x80, 0x80, 0x08), 32, true, text);
    expect_leb_error(BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02), 64, false,
                     text);
    expect_leb_error(BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x41), 64, true,
                     text);
    expect_leb_error(BYTES(0x02), 1, false, text);
}

static void reader_reports_unexpected_end(void **state)
{
    (void)state;
    expect_leb_error(BYTES(0x80, 0x80), 32, false, "unexpected end");
    uint8_t none = 0;
    expect_leb_error(&none, 0, 64, true, "unexpected end");
}

static void reader_checks_utf8(void **state)
{
    (void)state;
    assert_true(wa__utf8_valid((const uint8_t *)"plain", 5));
    assert_true(wa__utf8_valid((const uint8_t *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    assert_true(wa__utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
    assert_false(wa__utf8_valid((const uint8_t *)"\xc0\x80", 2));         /* overlong NUL */
    assert_false(wa__utf8_valid((const uint8_t *)"\xe0\x80\x80", 3));     /* overlong */
    assert_false(wa__utf8_valid((const uint8_t *)"\xf0\x80\x80\x80", 4)); /* overlong */
    assert_false(wa__utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* U+D800 */
    assert_false(wa__utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(wa__utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    assert_false(wa__utf8_valid((const uint8_t *)"\x80", 1));             /* stray */
    assert_false(wa__utf8_valid((const uint8_t *)"\xff", 1));
}

static void reader_checks_name_length(void **state)
{
    (void)state;
    const uint8_t ok[] = {0x02, 'h', 'i'};
    wa_reader r = {.p = ok, .end = ok + sizeof ok, .base = ok};
    const char *name;
    uint32_t len;
    assert_true(wa__read_name(&r, &name, &len));
    assert_int_equal(len, 2);
    assert_memory_equal(name, "hi", 2);

    const uint8_t long_len[] = {0x05, 'h', 'i'};
    r = (wa_reader){.p = long_len, .end = long_len + sizeof long_len, .base = long_len};
    assert_false(wa__read_name(&r, &name, &len));
    assert_string_equal(r.fail, "length out of bounds");

    const uint8_t bad[] = {0x02, 0xc0, 0x80};
    r = (wa_reader){.p = bad, .end = bad + sizeof bad, .base = bad};
    assert_false(wa__read_name(&r, &name, &len));
    assert_string_equal(r.fail, "malformed UTF-8 encoding");
}

int run_reader_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_reads_unsigned_leb128),
        cmocka_unit_test(reader_reads_signed_leb128),
        cmocka_unit_test(reader_rejects_overlong_leb128),
        cmocka_unit_test(reader_rejects_unused_bits_set),
        cmocka_unit_test(reader_reports_unexpected_end),
        cmocka_unit_test(reader_checks_utf8),
        cmocka_unit_test(reader_checks_name_length),
    };
    return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}

/* ---- decoder ---- */

static void decode_accepts_empty_module(void **state)
{
    (void)state;
    expect_decode(BYTES(HEADER), WA_OK, NULL);
}

static void decode_rejects_bad_header(void **state)
{
    (void)state;
    expect_decode(BYTES(0x00), WA_ERR_MALFORMED, "unexpected end");
    expect_decode(BYTES(0x00, 0x61, 0x73), WA_ERR_MALFORMED, "unexpected end");
    expect_decode(BYTES(0x61, 0x73, 0x6d, 0x00), WA_ERR_MALFORMED, "magic header not detected");
    expect_decode(BYTES(0x00, 0x61, 0x73, 0x6d, 0x01), WA_ERR_MALFORMED, "unexpected end");
    expect_decode(BYTES(0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00), WA_ERR_MALFORMED,
                  "unknown binary version");
}

static void decode_rejects_bad_section_framing(void **state)
{
    (void)state;
    expect_decode(MODULE(0x0e, 0x01, 0x00), WA_ERR_MALFORMED, "malformed section id");
    expect_decode(MODULE(FUNC_ONE, TYPE_VOID), WA_ERR_MALFORMED,
                  "unexpected content after last section");
    expect_decode(MODULE(TYPE_VOID, TYPE_VOID), WA_ERR_MALFORMED,
                  "unexpected content after last section");
    expect_decode(MODULE(0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00), WA_ERR_MALFORMED,
                  "section size mismatch");
    expect_decode(MODULE(0x01, 0x07, 0x01, 0x60, 0x00, 0x00), WA_ERR_MALFORMED,
                  "length out of bounds");
    expect_decode(MODULE(0x04, 0x01, 0x01), WA_ERR_MALFORMED,
                  "unexpected end of section or function");
    /* the data count section (12) goes before code (10) */
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x0c, 0x01, 0x00, CODE_ONE), WA_OK, NULL);
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, CODE_ONE, 0x0c, 0x01, 0x00), WA_ERR_MALFORMED,
                  "unexpected content after last section");
}

static void decode_checks_section_counts(void **state)
{
    (void)state;
    const char *fc = "function and code section have inconsistent lengths";
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE), WA_ERR_MALFORMED, fc);
    expect_decode(MODULE(CODE_ONE), WA_ERR_MALFORMED, fc);
    const char *dc = "data count and data section have inconsistent lengths";
    expect_decode(MODULE(0x0c, 0x01, 0x01), WA_ERR_MALFORMED, dc);
    expect_decode(MODULE(0x0c, 0x01, 0x02, 0x0b, 0x03, 0x01, 0x01, 0x00), WA_ERR_MALFORMED, dc);
    expect_decode(MODULE(0x0c, 0x01, 0x01, 0x0b, 0x03, 0x01, 0x01, 0x00), WA_OK, NULL);
}

static void decode_checks_limits(void **state)
{
    (void)state;
    expect_decode(MODULE(0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01), WA_ERR_INVALID,
                  "multiple memories");
    expect_decode(MODULE(0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04), WA_ERR_INVALID,
                  "memory size must be at most 65536 pages (4GiB)");
    expect_decode(MODULE(0x05, 0x05, 0x01, 0x00, 0x80, 0x80, 0x04), WA_OK, NULL);
    expect_decode(MODULE(0x05, 0x04, 0x01, 0x01, 0x02, 0x01), WA_ERR_INVALID,
                  "size minimum must not be greater than maximum");
    expect_decode(MODULE(0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x01), WA_ERR_INVALID,
                  "size minimum must not be greater than maximum");
    expect_decode(MODULE(0x05, 0x02, 0x01, 0x02), WA_ERR_MALFORMED, "integer too large");
    expect_decode(MODULE(0x04, 0x04, 0x01, 0x7f, 0x00, 0x00), WA_ERR_MALFORMED,
                  "malformed reference type");
    /* two tables are fine in 2.0 */
    expect_decode(MODULE(0x04, 0x07, 0x02, 0x70, 0x00, 0x00, 0x6f, 0x00, 0x00), WA_OK, NULL);
}

static void decode_checks_imports_and_exports(void **state)
{
    (void)state;
    expect_decode(MODULE(0x02, 0x04, 0x01, 0x00, 0x00, 0x04), WA_ERR_MALFORMED,
                  "malformed import kind");
    expect_decode(MODULE(0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00), WA_ERR_INVALID,
                  "unknown type 0");
    expect_decode(MODULE(0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x02), WA_ERR_MALFORMED,
                  "malformed mutability");
    expect_decode(
        MODULE(0x02, 0x0b, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00),
        WA_ERR_INVALID, "multiple memories");
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x07, 0x09, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'a',
                         0x00, 0x00, CODE_ONE),
                  WA_ERR_INVALID, "duplicate export name");
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x07, 0x09, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'b',
                         0x00, 0x00, CODE_ONE),
                  WA_OK, NULL);
    expect_decode(MODULE(0x07, 0x05, 0x01, 0x01, 'a', 0x00, 0x05), WA_ERR_INVALID,
                  "unknown function 5");
    expect_decode(MODULE(0x07, 0x05, 0x01, 0x01, 'a', 0x02, 0x00), WA_ERR_INVALID,
                  "unknown memory 0");
    expect_decode(MODULE(0x07, 0x05, 0x01, 0x01, 'a', 0x04, 0x00), WA_ERR_MALFORMED,
                  "malformed export kind");
    expect_decode(MODULE(0x00, 0x03, 0x02, 0xc0, 0x80), WA_ERR_MALFORMED,
                  "malformed UTF-8 encoding");
}

static void decode_checks_start(void **state)
{
    (void)state;
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x08, 0x01, 0x00, CODE_ONE), WA_OK, NULL);
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x08, 0x01, 0x01, CODE_ONE), WA_ERR_INVALID,
                  "unknown function 1");
    expect_decode(
        MODULE(0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, FUNC_ONE, 0x08, 0x01, 0x00, CODE_ONE),
        WA_ERR_INVALID, "start function");
}

static void decode_checks_constant_expressions(void **state)
{
    (void)state;
    /* (global i32 (i32.const 7)) */
    expect_decode(MODULE(0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x07, 0x0b), WA_OK, NULL);
    expect_decode(MODULE(0x06, 0x05, 0x01, 0x7f, 0x00, 0x01, 0x0b), WA_ERR_INVALID,
                  "constant expression required");
    expect_decode(MODULE(0x06, 0x07, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x68, 0x0b), WA_ERR_INVALID,
                  "constant expression required");
    expect_decode(MODULE(0x06, 0x06, 0x01, 0x7f, 0x00, 0x42, 0x00, 0x0b), WA_ERR_INVALID,
                  "type mismatch");
    expect_decode(MODULE(0x06, 0x04, 0x01, 0x7f, 0x00, 0x0b), WA_ERR_INVALID, "type mismatch");
    expect_decode(MODULE(0x06, 0x08, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0b),
                  WA_ERR_INVALID, "type mismatch");
    expect_decode(MODULE(0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b), WA_ERR_INVALID,
                  "unknown global 0");
    expect_decode(MODULE(0x06, 0x05, 0x01, 0x7f, 0x00, 0x06, 0x0b), WA_ERR_MALFORMED,
                  "illegal opcode");
    /* global.get of an imported immutable global is constant; of a mutable one, not */
    expect_decode(MODULE(0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x00, 0x06, 0x06, 0x01, 0x7f,
                         0x00, 0x23, 0x00, 0x0b),
                  WA_OK, NULL);
    expect_decode(MODULE(0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x01, 0x06, 0x06, 0x01, 0x7f,
                         0x00, 0x23, 0x00, 0x0b),
                  WA_ERR_INVALID, "constant expression required");
    /* a validation error is reported only if the rest of the binary is well-formed */
    expect_decode(MODULE(0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b, 0x0e, 0x01, 0x00),
                  WA_ERR_MALFORMED, "malformed section id");
}

static void decode_checks_segments(void **state)
{
    (void)state;
    /* (elem (i32.const 0) 0) without a table */
    expect_decode(
        MODULE(TYPE_VOID, FUNC_ONE, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, CODE_ONE),
        WA_ERR_INVALID, "unknown table 0");
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, TABLE_FUNCREF, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00,
                         0x0b, 0x01, 0x03, CODE_ONE),
                  WA_ERR_INVALID, "unknown function 3");
    expect_decode(
        MODULE(TYPE_VOID, FUNC_ONE, TABLE_FUNCREF, 0x09, 0x03, 0x01, 0x08, 0x00, CODE_ONE),
        WA_ERR_MALFORMED, "malformed elements segment kind");
    /* passive, element type i32 */
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, TABLE_FUNCREF, 0x09, 0x07, 0x01, 0x05, 0x7f, 0x01,
                         0xd2, 0x00, 0x0b, CODE_ONE),
                  WA_ERR_MALFORMED, "malformed reference type");
    /* active into a funcref table with externref elements */
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, TABLE_FUNCREF, 0x09, 0x08, 0x01, 0x06, 0x00, 0x41,
                         0x00, 0x0b, 0x6f, 0x00, CODE_ONE),
                  WA_ERR_INVALID, "type mismatch");
    /* (data (i32.const 0) "a") without a memory */
    expect_decode(MODULE(0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'a'), WA_ERR_INVALID,
                  "unknown memory 0");
    expect_decode(MODULE(MEMORY_ONE, 0x0b, 0x07, 0x01, 0x03, 0x41, 0x00, 0x0b, 0x01, 'a'),
                  WA_ERR_MALFORMED, "malformed data segment kind");
    expect_decode(MODULE(MEMORY_ONE, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'a'),
                  WA_ERR_MALFORMED, "unexpected end");
}

static void decode_checks_locals(void **state)
{
    (void)state;
    /* 0xffffffff i32 + 2 i64: more than 2^32 */
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x0a, 0x0c, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff,
                         0x0f, 0x7f, 0x02, 0x7e, 0x0b),
                  WA_ERR_MALFORMED, "too many locals");
    /* 50001 i32: over the implementation limit */
    expect_decode(
        MODULE(TYPE_VOID, FUNC_ONE, 0x0a, 0x08, 0x01, 0x06, 0x01, 0xd1, 0x86, 0x03, 0x7f, 0x0b),
        WA_ERR_LIMIT, "too many locals");
    expect_decode(MODULE(TYPE_VOID, FUNC_ONE, 0x0a, 0x06, 0x01, 0x04, 0x01, 0x01, 0x7b, 0x0b),
                  WA_ERR_UNSUPPORTED, "SIMD");

    /* 2 i32, 1 i64, 0 f32: expanded in order, body framed */
    wa_module *m;
    wa_error err;
    assert_int_equal(decode(MODULE(TYPE_VOID, FUNC_ONE, 0x0a, 0x0b, 0x01, 0x09, 0x03, 0x02, 0x7f,
                                   0x01, 0x7e, 0x00, 0x7d, 0x01, 0x0b),
                            &m, &err),
                     WA_OK);
    assert_int_equal(m->funcs[0].local_count, 3);
    assert_memory_equal(m->funcs[0].local_types, ((const uint8_t[]){0x7f, 0x7f, 0x7e}), 3);
    assert_int_equal(m->funcs[0].body_end - m->funcs[0].body, 2);
    assert_int_equal(m->funcs[0].body[0], 0x01);
    assert_int_equal(m->funcs[0].body_offset, m->funcs[0].body - m->bytes);
    module_free(m);
}

static void decode_rejects_simd_types(void **state)
{
    (void)state;
    expect_decode(MODULE(0x01, 0x05, 0x01, 0x60, 0x01, 0x7b, 0x00), WA_ERR_UNSUPPORTED,
                  "unsupported: SIMD");
    expect_decode(MODULE(0x06, 0x06, 0x01, 0x7b, 0x00, 0x41, 0x00, 0x0b), WA_ERR_UNSUPPORTED,
                  "SIMD");
}

static void decode_fills_module(void **state)
{
    (void)state;
    wa_module *m;
    wa_error err;
    /* imports: "env" "f" (func type 1), "env" "g" (global i64 const); a function, a
       table with an element segment, exports, a custom section "abcd" with "x" */
    wa_status st = decode(MODULE(0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00,   /**/
                                 0x02, 0x12, 0x02, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x01, /**/
                                 0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7e, 0x00,             /**/
                                 FUNC_ONE, TABLE_FUNCREF,                                      /**/
                                 0x07, 0x0d, 0x03, 0x01, 'z', 0x00, 0x00,                      /**/
                                 0x01, 'a', 0x01, 0x00, 0x01, 'm', 0x00, 0x00,                 /**/
                                 0x09, 0x07, 0x01, 0x00, 0x41, 0x01, 0x0b, 0x01, 0x01,         /**/
                                 CODE_ONE, 0x00, 0x06, 0x04, 'a', 'b', 'c', 'd', 'x'),
                          &m, &err);
    assert_int_equal(st, WA_OK);
    assert_int_equal(m->type_count, 2);
    assert_int_equal(m->import_count, 2);
    assert_int_equal(m->import_func_count, 1);
    assert_int_equal(m->import_global_count, 1);
    assert_int_equal(m->func_count, 2);
    assert_int_equal(m->func_types[0], 1);
    assert_int_equal(m->func_types[1], 0);
    assert_int_equal(m->global_count, 1);
    assert_int_equal(m->globals[0].type, WA_I64);
    assert_int_equal(m->table_count, 1);
    assert_int_equal(m->elem_count, 1);
    assert_int_equal(m->elems[0].count, 1);
    assert_int_equal(m->elems[0].offset.bits, 1);
    assert_int_equal(m->elems[0].items[0].kind, WA_CONST_REF_FUNC);
    assert_int_equal(m->elems[0].items[0].idx, 1);
    assert_true(m->func_declared[0] & 1); /* function 0: exported as "z" and "m" */
    assert_true(m->func_declared[0] & 2); /* function 1: in the element segment */
    assert_int_equal(m->custom_count, 1);
    assert_int_equal(m->customs[0].name_len, 4);
    assert_memory_equal(m->customs[0].name, "abcd", 4);
    assert_int_equal(m->customs[0].len, 1);
    assert_int_equal(m->customs[0].data[0], 'x');
    const wa_export_decl *ex = wa__module_find_export(m, "a", 1);
    assert_non_null(ex);
    assert_int_equal(ex->kind, WA_EXTERN_TABLE);
    assert_null(wa__module_find_export(m, "b", 1));
    assert_null(wa__module_find_export(m, "", 0));
    module_free(m);
}

static void decode_reads_kv_store(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = read_file(CR_SHARED_DIR "/apps/kv_store.wasm", &len);
    if (!bytes) skip();
    wa_module *m;
    wa_error err;
    assert_int_equal(decode(bytes, len, &m, &err), WA_OK);
    free(bytes);
    assert_int_equal(m->type_count, 51);
    assert_int_equal(m->import_count, 16);
    assert_int_equal(m->func_count - m->import_func_count, 809);
    assert_int_equal(m->export_count, 17);
    assert_int_equal(m->elem_count, 1);
    assert_int_equal(m->elems[0].count, 171);
    assert_int_equal(m->data_count, 2);
    assert_int_equal(m->custom_count, 1);
    assert_non_null(wa__module_find_export(m, "memory", 6));
    assert_null(wa__module_find_export(m, "nope", 4));
    module_free(m);
}

static void decode_survives_allocation_failures(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = read_file(CR_SHARED_DIR "/apps/kv_store.wasm", &len);
    if (!bytes) skip();
    for (long n = 1;; n++) {
        counting_alloc ca = {.fail_at = n};
        wa_module *m = calloc(1, sizeof *m);
        m->cfg = wa_config_default();
        m->cfg.alloc = counting_alloc_fn;
        m->cfg.alloc_ud = &ca;
        wa_error err;
        wa_status st = wa__decode(m, bytes, len, &err);
        wa__decode_free(m);
        free(m);
        assert_int_equal(ca.outstanding, 0);
        if (st == WA_OK) break;
        assert_int_equal(st, WA_ERR_NOMEM);
        assert_true(n < 1000);
    }
    free(bytes);
}

int run_decode_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_accepts_empty_module),
        cmocka_unit_test(decode_rejects_bad_header),
        cmocka_unit_test(decode_rejects_bad_section_framing),
        cmocka_unit_test(decode_checks_section_counts),
        cmocka_unit_test(decode_checks_limits),
        cmocka_unit_test(decode_checks_imports_and_exports),
        cmocka_unit_test(decode_checks_start),
        cmocka_unit_test(decode_checks_constant_expressions),
        cmocka_unit_test(decode_checks_segments),
        cmocka_unit_test(decode_checks_locals),
        cmocka_unit_test(decode_rejects_simd_types),
        cmocka_unit_test(decode_fills_module),
        cmocka_unit_test(decode_reads_kv_store),
        cmocka_unit_test(decode_survives_allocation_failures),
    };
    return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}

/* ---- memory and tables ---- */

static wa_status host_nop(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    (void)env;
    (void)cx;
    (void)args;
    (void)results;
    return WA_OK;
}

static void memory_grows_up_to_its_maximum(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_memory *mem = wa_memory_new(&cfg, (wa_limits){.min = 1, .max = 3, .has_max = true});
    assert_non_null(mem);
    assert_int_equal(wa_memory_pages(mem), 1);
    assert_int_equal(wa_memory_size(mem), 65536);
    uint8_t *data = wa_memory_data(mem);
    data[65535] = 0xab;
    assert_int_equal(wa_memory_grow(mem, 1), 1);
    assert_int_equal(wa_memory_grow(mem, 2), -1);
    assert_int_equal(wa_memory_grow(mem, 0), 2);
    assert_int_equal(wa_memory_grow(mem, 1), 2);
    assert_int_equal(wa_memory_pages(mem), 3);
    assert_int_equal(wa_memory_grow(mem, 1), -1);
    assert_int_equal(wa_memory_grow(mem, UINT32_MAX), -1);
    assert_ptr_equal(wa_memory_data(mem), data); /* growing did not move it */
    assert_int_equal(data[65535], 0xab);
    for (uint32_t i = 65536; i < 3 * 65536; i += 4096)
        assert_int_equal(data[i], 0);
    wa_memory_destroy(mem);
}

static void memory_grow_respects_configured_cap(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    cfg.max_memory_pages = 4;
    wa_memory *mem = wa_memory_new(&cfg, (wa_limits){.min = 0});
    assert_non_null(mem);
    assert_non_null(wa_memory_data(mem));
    assert_int_equal(wa_memory_grow(mem, 4), 0);
    assert_int_equal(wa_memory_grow(mem, 1), -1);
    wa_memory_destroy(mem);

    assert_null(wa_memory_new(&cfg, (wa_limits){.min = 5}));

    wa_error err;
    wa_memory m2;
    assert_int_equal(wa__memory_init(&m2, &cfg, (wa_limits){.min = 5}, &err), WA_ERR_LIMIT);
    wa_memory_destroy(NULL);
}

static void memory_grows_to_4gib_without_max(void **state)
{
    (void)state;
    wa_memory *mem = wa_memory_new(NULL, (wa_limits){.min = 0});
    assert_non_null(mem);
    assert_int_equal(wa_memory_grow(mem, 65536), 0);
    assert_int_equal(wa_memory_size(mem), 65536ull * 65536);
    wa_memory_data(mem)[65536ull * 65536 - 1] = 1;
    assert_int_equal(wa_memory_grow(mem, 1), -1);
    wa_memory_destroy(mem);
}

static void table_grows_up_to_its_maximum(void **state)
{
    (void)state;
    wa_table *t = wa_table_new(NULL, WA_FUNCREF, (wa_limits){.min = 2, .max = 10, .has_max = true});
    assert_non_null(t);
    assert_int_equal(wa_table_size(t), 2);
    assert_int_equal(wa_table_get(t, 1), 0);
    assert_int_equal(wa__table_grow(t, 3, 0x1234), 2);
    assert_int_equal(wa_table_size(t), 5);
    assert_int_equal(wa_table_get(t, 1), 0);
    assert_int_equal(wa_table_get(t, 4), 0x1234);
    assert_int_equal(wa_table_get(t, 5), 0); /* past the end */
    assert_int_equal(wa__table_grow(t, 6, 0), -1);
    assert_int_equal(wa__table_grow(t, 5, 7), 5);
    assert_int_equal(wa_table_get(t, 9), 7);
    assert_int_equal(wa__table_grow(t, 0, 0), 10);
    assert_int_equal(wa__table_grow(t, 1, 0), -1);
    wa_table_destroy(t);

    wa_config cfg = wa_config_default();
    cfg.max_table_elems = 100;
    t = wa_table_new(&cfg, WA_EXTERNREF, (wa_limits){.min = 0});
    assert_non_null(t);
    assert_int_equal(wa__table_grow(t, 100, 1), 0);
    assert_int_equal(wa__table_grow(t, 1, 1), -1);
    assert_int_equal(wa__table_grow(t, UINT32_MAX, 1), -1);
    wa_table_destroy(t);
    assert_null(wa_table_new(&cfg, WA_FUNCREF, (wa_limits){.min = 101}));
    assert_null(wa_table_new(&cfg, WA_I32, (wa_limits){.min = 1}));
}

static void globals_and_host_functions_keep_their_types(void **state)
{
    (void)state;
    wa_global *g = wa_global_new(NULL, WA_I64, true, 42);
    assert_non_null(g);
    assert_int_equal(wa_global_get(g), 42);
    wa_global_set(g, 7);
    assert_int_equal(wa_global_get(g), 7);
    assert_int_equal(wa_global_type(g), WA_I64);
    wa_global_destroy(g);

    uint8_t params[2] = {WA_I32, WA_F64};
    uint8_t results[1] = {WA_I64};
    wa_functype ft = {2, 1, params, results};
    wa_func *f = wa_func_new_host(NULL, &ft, host_nop, NULL);
    assert_non_null(f);
    params[0] = WA_F32; /* the function copied its type */
    const wa_functype *got = wa_func_type(f);
    assert_int_equal(got->param_count, 2);
    assert_int_equal(got->params[0], WA_I32);
    assert_int_equal(got->results[0], WA_I64);
    wa_func_destroy(f);
}

int run_memory_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_grows_up_to_its_maximum),
        cmocka_unit_test(memory_grow_respects_configured_cap),
        cmocka_unit_test(memory_grows_to_4gib_without_max),
        cmocka_unit_test(table_grows_up_to_its_maximum),
        cmocka_unit_test(globals_and_host_functions_keep_their_types),
    };
    return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}

/* ---- instances ---- */

/* Decodes and instantiates with the given imports; the module must have no start. */
static wa_status instantiate(const uint8_t *bytes, size_t len, const wa_extern *imports, uint32_t n,
                             wa_module **m, wa_instance **inst, wa_error *err)
{
    wa_status st = decode(bytes, len, m, err);
    if (st != WA_OK) fail_msg("decode: %s", err->message);
    return wa_instance_create(*m, imports, n, NULL, inst, err);
}

static void instance_applies_segments_and_exports(void **state)
{
    (void)state;
    wa_module *m;
    wa_instance *inst;
    wa_error err;
    /* memory 1 exported "mem", table of 2 exported "tab", global i32 = 5 exported "g",
       function 0 exported "f"; (elem (i32.const 1) 0), (data (i32.const 8) "hi") */
    wa_status st = instantiate(MODULE(TYPE_VOID, FUNC_ONE, TABLE_FUNCREF, MEMORY_ONE, /**/
                                      0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x05, 0x0b, /**/
                                      0x07, 0x15, 0x04, 0x03, 'm', 'e', 'm', 0x02, 0x00, 0x03, 't',
                                      'a', 'b', 0x01,                                       /**/
                                      0x00, 0x01, 'g', 0x03, 0x00, 0x01, 'f', 0x00, 0x00,   /**/
                                      0x09, 0x07, 0x01, 0x00, 0x41, 0x01, 0x0b, 0x01, 0x00, /**/
                                      CODE_ONE,                                             /**/
                                      0x0b, 0x08, 0x01, 0x00, 0x41, 0x08, 0x0b, 0x02, 'h', 'i'),
                               NULL, 0, &m, &inst, &err);
    assert_int_equal(st, WA_OK);
    wa_memory *mem = wa_instance_memory(inst);
    assert_non_null(mem);
    assert_memory_equal(wa_memory_data(mem) + 8, "hi", 2);
    assert_int_equal(wa_memory_data(mem)[7], 0);

    wa_extern x;
    assert_int_equal(wa_instance_export(inst, "mem", 3, &x), WA_OK);
    assert_int_equal(x.kind, WA_EXTERN_MEMORY);
    assert_ptr_equal(x.u.memory, mem);
    assert_int_equal(wa_instance_export(inst, "g", 1, &x), WA_OK);
    assert_int_equal(x.kind, WA_EXTERN_GLOBAL);
    assert_int_equal(wa_global_get(x.u.global), 5);
    assert_int_equal(wa_instance_export(inst, "f", 1, &x), WA_OK);
    assert_int_equal(x.kind, WA_EXTERN_FUNC);
    wa_func *f = x.u.func;
    assert_ptr_equal(f->inst, inst);
    assert_int_equal(f->idx, 0);
    assert_int_equal(wa_instance_export(inst, "tab", 3, &x), WA_OK);
    assert_int_equal(x.kind, WA_EXTERN_TABLE);
    assert_int_equal(wa_table_get(x.u.table, 0), 0);
    assert_int_equal(wa_table_get(x.u.table, 1), (wa_value)(uintptr_t)f);
    assert_int_equal(wa_instance_export(inst, "nope", 4, &x), WA_ERR_NOT_FOUND);
    assert_int_equal(inst->elem_dropped[0], 1);
    assert_int_equal(inst->data_dropped[0], 1);

    wa_extern_desc desc;
    wa_module_export(m, 3, &desc);
    assert_int_equal(desc.kind, WA_EXTERN_FUNC);
    assert_int_equal(desc.func->param_count, 0);
    assert_int_equal(desc.name_len, 1);
    wa_instance_destroy(inst);
    module_free(m);
}

static void instance_traps_on_out_of_bounds_segments(void **state)
{
    (void)state;
    wa_module *m;
    wa_instance *inst;
    wa_error err;
    /* (data (i32.const 65535) "hi") into one page */
    wa_status st = instantiate(
        MODULE(MEMORY_ONE, 0x0b, 0x0a, 0x01, 0x00, 0x41, 0xff, 0xff, 0x03, 0x0b, 0x02, 'h', 'i'),
        NULL, 0, &m, &inst, &err);
    assert_int_equal(st, WA_ERR_TRAP);
    assert_int_equal(err.trap, WA_TRAP_MEM_OOB);
    assert_string_equal(err.message, "out of bounds memory access");
    assert_non_null(inst); /* handed over on a trap */
    wa_instance_destroy(inst);
    module_free(m);

    /* imported table of 3: (elem (i32.const 0) 0) applies, (elem (i32.const 2) 0 0) traps */
    wa_table *t = wa_table_new(NULL, WA_FUNCREF, (wa_limits){.min = 3});
    wa_extern imp = {.kind = WA_EXTERN_TABLE, .u.table = t};
    st = instantiate(MODULE(TYPE_VOID, 0x02, 0x08, 0x01, 0x00, 0x01, 't', 0x01, 0x70, 0x00, 0x01,
                            FUNC_ONE, 0x09, 0x0e, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x00,
                            0x41, 0x02, 0x0b, 0x02, 0x00, 0x00, CODE_ONE),
                     &imp, 1, &m, &inst, &err);
    assert_int_equal(st, WA_ERR_TRAP);
    assert_int_equal(err.trap, WA_TRAP_TABLE_OOB);
    assert_string_equal(err.message, "out of bounds table access");
    assert_int_equal(wa_table_get(t, 0), (wa_value)(uintptr_t)inst->funcs[0]);
    assert_int_equal(wa_table_get(t, 2), 0);
    wa_instance_destroy(inst);
    module_free(m);
    wa_table_destroy(t);
}

static void instance_checks_import_types(void **state)
{
    (void)state;
    wa_module *m;
    wa_instance *inst = NULL;
    wa_error err;
    /* imports "m" "mem" (memory 2 4), "m" "g" (global (mut i32)) */
    assert_int_equal(decode(MODULE(0x02, 0x12, 0x02, 0x01, 'm', 0x03, 'm', 'e', 'm', 0x02, 0x01,
                                   0x02, 0x04, 0x01, 'm', 0x01, 'g', 0x03, 0x7f, 0x01),
                            &m, &err),
                     WA_OK);
    wa_memory *small = wa_memory_new(NULL, (wa_limits){.min = 1, .max = 4, .has_max = true});
    wa_memory *nomax = wa_memory_new(NULL, (wa_limits){.min = 2});
    wa_memory *ok = wa_memory_new(NULL, (wa_limits){.min = 3, .max = 3, .has_max = true});
    wa_global *gconst = wa_global_new(NULL, WA_I32, false, 1);
    wa_global *gi64 = wa_global_new(NULL, WA_I64, true, 1);
    wa_global *gmut = wa_global_new(NULL, WA_I32, true, 1);

    wa_extern imp[2] = {{.kind = WA_EXTERN_MEMORY, .u.memory = small},
                        {.kind = WA_EXTERN_GLOBAL, .u.global = gmut}};
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_ERR_LINK);
    assert_non_null(strstr(err.message, "incompatible import type"));
    assert_null(inst);
    imp[0].u.memory = nomax;
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_ERR_LINK);
    assert_non_null(strstr(err.message, "incompatible import type"));
    imp[0].u.memory = ok;
    imp[1].u.global = gconst;
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_ERR_LINK);
    assert_non_null(strstr(err.message, "incompatible import type"));
    imp[1].u.global = gi64;
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_ERR_LINK);
    imp[1] = (wa_extern){.kind = WA_EXTERN_MEMORY, .u.memory = ok};
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_ERR_LINK);
    assert_non_null(strstr(err.message, "incompatible import type"));
    imp[1] = (wa_extern){.kind = WA_EXTERN_GLOBAL, .u.global = NULL};
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_ERR_LINK);
    assert_non_null(strstr(err.message, "unknown import"));
    assert_int_equal(wa_instance_create(m, imp, 1, NULL, &inst, &err), WA_ERR_ARG);

    imp[1].u.global = gmut;
    assert_int_equal(wa_instance_create(m, imp, 2, NULL, &inst, &err), WA_OK);
    assert_ptr_equal(wa_instance_memory(inst), ok);
    assert_ptr_equal(inst->globals[0], gmut);
    wa_instance_destroy(inst);

    wa_extern_desc desc;
    wa_module_import(m, 0, &desc);
    assert_int_equal(desc.kind, WA_EXTERN_MEMORY);
    assert_int_equal(desc.limits.min, 2);
    assert_int_equal(desc.limits.max, 4);
    assert_memory_equal(desc.module, "m", 1);
    wa_module_import(m, 1, &desc);
    assert_int_equal(desc.kind, WA_EXTERN_GLOBAL);
    assert_int_equal(desc.global_type, WA_I32);
    assert_true(desc.global_mutable);

    module_free(m);
    wa_memory_destroy(small);
    wa_memory_destroy(nomax);
    wa_memory_destroy(ok);
    wa_global_destroy(gconst);
    wa_global_destroy(gi64);
    wa_global_destroy(gmut);
}

static void instance_checks_function_imports(void **state)
{
    (void)state;
    wa_module *m;
    wa_instance *inst = NULL;
    wa_error err;
    /* import "m" "f" (func (param i32)); (global funcref (ref.func 0)) */
    assert_int_equal(decode(MODULE(0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00,           /**/
                                   0x02, 0x07, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00, /**/
                                   0x06, 0x06, 0x01, 0x70, 0x00, 0xd2, 0x00, 0x0b),
                            &m, &err),
                     WA_OK);
    uint8_t i32 = WA_I32, i64 = WA_I64;
    wa_functype good = {1, 0, &i32, NULL}, bad = {1, 0, &i64, NULL};
    wa_func *fg = wa_func_new_host(NULL, &good, host_nop, NULL);
    wa_func *fb = wa_func_new_host(NULL, &bad, host_nop, NULL);
    wa_extern imp = {.kind = WA_EXTERN_FUNC, .u.func = fb};
    assert_int_equal(wa_instance_create(m, &imp, 1, NULL, &inst, &err), WA_ERR_LINK);
    assert_non_null(strstr(err.message, "incompatible import type"));
    imp.u.func = fg;
    assert_int_equal(wa_instance_create(m, &imp, 1, NULL, &inst, &err), WA_OK);
    assert_int_equal(wa_global_get(inst->globals[0]), (wa_value)(uintptr_t)fg);
    assert_ptr_equal(inst->funcs[0], fg);
    wa_instance_destroy(inst);
    module_free(m);
    wa_func_destroy(fg);
    wa_func_destroy(fb);
}

static void instance_rejects_memory_over_configured_cap(void **state)
{
    (void)state;
    wa_module *m;
    wa_instance *inst = NULL;
    wa_error err;
    assert_int_equal(decode(MODULE(0x05, 0x03, 0x01, 0x00, 0x08), &m, &err), WA_OK);
    m->cfg.max_memory_pages = 4;
    assert_int_equal(wa_instance_create(m, NULL, 0, NULL, &inst, &err), WA_ERR_LIMIT);
    assert_null(inst);
    m->cfg.max_memory_pages = 8;
    assert_int_equal(wa_instance_create(m, NULL, 0, NULL, &inst, &err), WA_OK);
    assert_int_equal(wa_memory_grow(inst->mem0, 1), -1);
    wa_instance_destroy(inst);
    module_free(m);
}

static void instance_survives_allocation_failures(void **state)
{
    (void)state;
    wa_module *m;
    wa_error err;
    assert_int_equal(decode(MODULE(TYPE_VOID, FUNC_ONE, TABLE_FUNCREF, MEMORY_ONE, 0x09, 0x07, 0x01,
                                   0x00, 0x41, 0x01, 0x0b, 0x01, 0x00, CODE_ONE),
                            &m, &err),
                     WA_OK);
    for (long n = 1;; n++) {
        counting_alloc ca = {.fail_at = n};
        m->cfg.alloc = counting_alloc_fn;
        m->cfg.alloc_ud = &ca;
        wa_instance *inst = NULL;
        wa_status st = wa_instance_create(m, NULL, 0, NULL, &inst, &err);
        wa_instance_destroy(inst);
        assert_int_equal(ca.outstanding, 0);
        if (st == WA_OK) break;
        assert_int_equal(st, WA_ERR_NOMEM);
        assert_true(n < 100);
    }
    m->cfg.alloc = NULL;
    module_free(m);
}

/* A module of n functions of type [] -> []; body k is `i32.const k; drop` unless k is in
   bad[] (nbad entries), whose body is `i32.add` on an empty stack (type mismatch).
   Returns malloc'ed bytes. */
static uint8_t *many_functions(uint32_t n, const uint32_t *bad, size_t nbad, size_t *len)
{
    size_t cap = 64 + (size_t)n * 16, o = 0;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    const uint8_t head[] = {HEADER, TYPE_VOID};
    memcpy(b, head, sizeof head);
    o = sizeof head;
#define LEB(v)                                \
    do {                                      \
        uint32_t v_ = (v);                    \
        do {                                  \
            uint8_t byte_ = v_ & 0x7f;        \
            v_ >>= 7;                         \
            b[o++] = byte_ | (v_ ? 0x80 : 0); \
        } while (v_);                         \
    } while (0)
    /* function section: n entries of type 0 (size first: count LEB + n bytes) */
    b[o++] = 0x03;
    uint32_t cnt_len = n < 128 ? 1 : n < 16384 ? 2 : 3;
    LEB(cnt_len + n);
    LEB(n);
    memset(b + o, 0, n);
    o += n;
    /* code section, built after its size is known */
    uint8_t *code = malloc((size_t)n * 16);
    assert_non_null(code);
    size_t co = 0;
    for (uint32_t k = 0; k < n; k++) {
        bool is_bad = false;
        for (size_t j = 0; j < nbad; j++)
            is_bad |= bad[j] == k;
        uint8_t body[16];
        size_t bl = 0;
        body[bl++] = 0x00; /* no locals */
        if (is_bad) {
            body[bl++] = 0x6a;
        } else {
            body[bl++] = 0x41;
            uint32_t v = k; /* k < 2^13: positive sleb in at most two bytes */
            do {
                uint8_t byte = v & 0x7f;
                v >>= 7;
                body[bl++] = byte | (v || (byte & 0x40) ? 0x80 : 0);
                if (!v && (byte & 0x40)) body[bl++] = 0x00;
            } while (v);
            body[bl++] = 0x1a;
        }
        body[bl++] = 0x0b;
        code[co++] = (uint8_t)bl;
        memcpy(code + co, body, bl);
        co += bl;
    }
    b[o++] = 0x0a;
    LEB((uint32_t)(cnt_len + co));
    LEB(n);
    memcpy(b + o, code, co);
    o += co;
#undef LEB
    free(code);
    assert_true(o <= cap);
    *len = o;
    return b;
}

/* Compiling with several threads gives the very code one thread gives (the precompiled
   images are equal), and an invalid module the error of its lowest bad function. */
static void compile_threads_give_the_same_result(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = many_functions(3000, NULL, 0, &len);
    uint8_t *img[2] = {NULL, NULL};
    size_t img_len[2];
    const uint32_t threads[2] = {1, 4};
    wa_error err;
    for (int k = 0; k < 2; k++) {
        wa_config cfg = wa_config_default();
        cfg.compile_threads = threads[k];
        wa_module *m;
        assert_int_equal(wa_module_create(&cfg, bytes, len, &m, &err), WA_OK);
        assert_int_equal(wa_module_serialize(m, &img[k], &img_len[k], &err), WA_OK);
        wa_module_destroy(m);
    }
    assert_int_equal(img_len[0], img_len[1]);
    assert_memory_equal(img[0], img[1], img_len[0]);
    free(img[0]);
    free(img[1]);
    free(bytes);

    const uint32_t bad[] = {2990, 1700, 1203};
    bytes = many_functions(3000, bad, 3, &len);
    for (int round = 0; round < 20; round++) {
        wa_config cfg = wa_config_default();
        cfg.compile_threads = round % 2 ? 4 : 2;
        wa_module *m = NULL;
        assert_int_equal(wa_module_create(&cfg, bytes, len, &m, &err), WA_ERR_INVALID);
        assert_null(m);
        assert_int_equal(err.func_idx, 1203);
        assert_non_null(strstr(err.message, "function 1203"));
        assert_non_null(strstr(err.message, "type mismatch"));
    }
    free(bytes);
}

/* The real application: compiles, links against host stubs, instantiates repeatedly. */
static void instance_creates_kv_store(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = read_file(CR_SHARED_DIR "/apps/kv_store.wasm", &len);
    if (!bytes) skip();
    wa_module *m;
    wa_error err;
    assert_int_equal(wa_module_create(NULL, bytes, len, &m, &err), WA_OK);
    free(bytes);
    uint32_t n = wa_module_import_count(m);
    wa_extern *imports = calloc(n, sizeof *imports);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        assert_int_equal(d.kind, WA_EXTERN_FUNC);
        imports[i].kind = WA_EXTERN_FUNC;
        imports[i].u.func = wa_func_new_host(NULL, d.func, host_nop, NULL);
        assert_non_null(imports[i].u.func);
    }
    for (int k = 0; k < 3; k++) {
        wa_instance *inst;
        assert_int_equal(wa_instance_create(m, imports, n, NULL, &inst, &err), WA_OK);
        wa_memory *mem = wa_instance_memory(inst);
        assert_int_equal(wa_memory_pages(mem), 17);
        assert_memory_equal(wa_memory_data(mem) + 1048576, "{\"schema_version", 16);
        wa_extern x;
        assert_int_equal(wa_instance_export(inst, "memory", 6, &x), WA_OK);
        assert_ptr_equal(x.u.memory, mem);
        wa_instance_destroy(inst);
    }
    for (uint32_t i = 0; i < n; i++)
        wa_func_destroy(imports[i].u.func);
    free(imports);
    wa_module_destroy(m);
}

int run_instance_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(instance_applies_segments_and_exports),
        cmocka_unit_test(instance_traps_on_out_of_bounds_segments),
        cmocka_unit_test(instance_checks_import_types),
        cmocka_unit_test(instance_checks_function_imports),
        cmocka_unit_test(instance_rejects_memory_over_configured_cap),
        cmocka_unit_test(instance_survives_allocation_failures),
        cmocka_unit_test(instance_creates_kv_store),
        cmocka_unit_test(compile_threads_give_the_same_result),
    };
    return cmocka_run_group_tests_name("instance", tests, NULL, NULL);
}

int main(void)
{
    int failed = 0;
#define TEST_WASM_RUN(group) failed += run_##group##_tests();
    TEST_WASM_GROUPS(TEST_WASM_RUN)
#undef TEST_WASM_RUN
    return failed ? 1 : 0;
}
