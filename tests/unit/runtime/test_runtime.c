/*
 * test_runtime.c: unit tests of the Calimero layer: default limits, method-name
 * validation, the error JSON/Display table (runtime-model.md §11.6), registers and their
 * limits, guest-memory bounds (host-abi.md §0.4), the in-memory store and the stage, the
 * run flow on small WAT modules (wat/, runtime-model.md §12 items 1-16), the reuse of run
 * resources (fresh state, concurrent runs), and Ed25519 verification.
 */
#include "logic.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these three first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
/* clang-format on */

/* ---- helpers ---- */

static cr_engine *engine_with(const cr_limits *lim)
{
    cr_engine_config cfg = cr_engine_config_default();
    if (lim) cfg.limits = *lim;
    cr_engine *eng = NULL;
    assert_int_equal(cr_engine_create(&cfg, &eng, NULL), CR_OK);
    return eng;
}

/* Display / JSON of an error as a NUL-terminated string (caller frees). */
static char *display_of(const cr__fcerr *e)
{
    cr__sbuf sb = {0};
    cr__fcerr_display(e, &sb);
    char *s = strdup(cr__sbuf_cstr(&sb));
    cr__sbuf_free(&sb);
    return s;
}

static char *json_of(const cr__fcerr *e)
{
    cr__sbuf sb = {0};
    cr__fcerr_json(e, &sb);
    char *s = strdup(cr__sbuf_cstr(&sb));
    cr__sbuf_free(&sb);
    return s;
}

static void assert_error_texts(const cr__fcerr *e, const char *json, const char *display)
{
    char *j = json_of(e), *d = display_of(e);
    assert_string_equal(j, json);
    assert_string_equal(d, display);
    free(j);
    free(d);
}

/* ---- limits ---- */

static void limits_default_are_upstream_values(void **state)
{
    (void)state;
    cr_limits l = cr_limits_default();
    assert_int_equal(l.max_memory_pages, 1024);
    assert_int_equal(l.max_stack_size, 204800);
    assert_int_equal(l.max_registers, 100);
    assert_int_equal(l.max_register_size, 104857600);
    assert_int_equal(l.max_registers_capacity, 1073741824);
    assert_int_equal(l.max_logs, 100);
    assert_int_equal(l.max_log_size, 16384);
    assert_int_equal(l.max_events, 100);
    assert_int_equal(l.max_event_kind_size, 100);
    assert_int_equal(l.max_event_data_size, 16384);
    assert_int_equal(l.max_xcalls, 100);
    assert_int_equal(l.max_xcall_function_size, 100);
    assert_int_equal(l.max_xcall_params_size, 16384);
    assert_int_equal(l.max_storage_key_size, 1048576);
    assert_int_equal(l.max_storage_value_size, 10485760);
    assert_int_equal(l.max_blob_handles, 100);
    assert_int_equal(l.max_blob_chunk_size, 10485760);
    assert_int_equal(l.max_method_name_length, 256);
    assert_int_equal(l.max_module_size, 10485760);
    assert_int_equal(l.max_gas, 1000000000);
}

static void engine_rejects_zero_storage_limits(void **state)
{
    (void)state;
    cr_engine_config cfg = cr_engine_config_default();
    cfg.limits.max_storage_key_size = 0;
    cr_engine *eng = NULL;
    cr_error err;
    assert_int_equal(cr_engine_create(&cfg, &eng, &err), CR_ERR_ARG);
    assert_null(eng);
    cfg = cr_engine_config_default();
    cfg.limits.max_register_size = UINT64_MAX - 1;
    assert_int_equal(cr_engine_create(&cfg, &eng, &err), CR_ERR_ARG);
}

/* ---- method names (runtime-model.md §4) ---- */

static void method_name_rejects_empty_and_too_long(void **state)
{
    (void)state;
    cr__fcerr e;
    assert_false(cr__method_name_check("", 0, 256, &e));
    assert_error_texts(
        &e, "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"EmptyMethodName\"}}",
        "method name is empty");
    char name[301];
    memset(name, '-', 300); /* too long wins over bad characters */
    name[300] = 0;
    assert_false(cr__method_name_check(name, 300, 256, &e));
    assert_int_equal(e.variant, CR_METHOD_METHOD_NAME_TOO_LONG);
    assert_int_equal(e.a, 300);
    assert_int_equal(e.b, 256);
    char *d = display_of(&e);
    assert_string_equal(d, "method name too long: 300 bytes (max: 256)");
    free(d);
    memset(name, 'a', 256);
    assert_true(cr__method_name_check(name, 256, 256, &e));
}

static void method_name_reports_first_bad_character_by_index(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint32_t ch;
        const char *display;
    } cases[] = {
        {"test func", ' ', "' '"},
        {"test\nfunc", '\n', "'\\n'"},
        {"test-func", '-', "'-'"},
        {"test.func", '.', "'.'"},
        {"test/func", '/', "'/'"},
        {"test\tx", '\t', "'\\t'"},
        {"test'x", '\'', "'\\''"},
        {"test\"x", '"', "'\"'"},
        {"test\\x", '\\', "'\\\\'"},
        {"test\x01x", 1, "'\\u{1}'"},
        {"test\x7fx", 0x7f, "'\\u{7f}'"},
        {"test\xc3\xa9", 0xe9, "'\xc3\xa9'"},
        {"test\xcc\x81", 0x301, "'\\u{301}'"},
        {"test\xc2\x85", 0x85, "'\\u{85}'"},
        {"test\xf0\x9f\x9a\x80", 0x1f680, "'\xf0\x9f\x9a\x80'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr__fcerr e;
        assert_false(cr__method_name_check(cases[i].name, strlen(cases[i].name), 256, &e));
        assert_int_equal(e.variant, CR_METHOD_INVALID_METHOD_NAME_CHARACTER);
        if (e.ch != cases[i].ch || e.a != 4)
            fail_msg("case %zu: character %u at %u", i, (unsigned)e.ch, (unsigned)e.a);
        char *d = display_of(&e);
        char want[64];
        snprintf(want, sizeof want, "method name contains invalid character at position 4: %s",
                 cases[i].display);
        assert_string_equal(d, want);
        free(d);
    }
    cr__fcerr e;
    /* a NUL inside the name is a character like any other */
    assert_false(cr__method_name_check("a\0b", 3, 256, &e));
    assert_int_equal(e.ch, 0);
    char *d = display_of(&e);
    assert_string_equal(d, "method name contains invalid character at position 1: '\\0'");
    free(d);
    char *j = json_of(&e);
    assert_string_equal(j, "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":"
                           "\"InvalidMethodNameCharacter\",\"data\":{\"name\":\"a\\u0000b\","
                           "\"character\":\"\\u0000\",\"position\":1}}}");
    free(j);
}

static void method_name_accepts_valid_vectors(void **state)
{
    (void)state;
    static const char *valid[] = {"simple",
                                  "with_underscore",
                                  "__double_underscore",
                                  "_leading_underscore",
                                  "trailing_underscore_",
                                  "CamelCase",
                                  "mixedCase123",
                                  "numbers123",
                                  "ALLCAPS",
                                  "a",
                                  "memory"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        cr__fcerr e;
        assert_true(cr__method_name_check(valid[i], strlen(valid[i]), 256, &e));
    }
}

/* ---- the error table (runtime-model.md §11.6) ---- */

static void errors_serialize_and_display_like_upstream(void **state)
{
    (void)state;
    cr__fcerr e = {.kind = CR_CALL_METHOD_RESOLUTION,
                   .variant = CR_METHOD_INVALID_SIGNATURE,
                   .s = "foo",
                   .s_len = 3};
    assert_error_texts(
        &e,
        "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"InvalidSignature\","
        "\"data\":{\"name\":\"foo\"}}}",
        "method \"foo\" has invalid signature: expected no arguments and no "
        "return value");
    e = (cr__fcerr){.kind = CR_CALL_METHOD_RESOLUTION,
                    .variant = CR_METHOD_METHOD_NOT_FOUND,
                    .s = "bar",
                    .s_len = 3};
    assert_error_texts(&e,
                       "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"MethodNotFound\","
                       "\"data\":{\"name\":\"bar\"}}}",
                       "method \"bar\" not found");
    e = (cr__fcerr){.kind = CR_CALL_WASM_TRAP, .variant = CR_TRAP_STACK_OVERFLOW};
    assert_error_texts(&e, "{\"type\":\"WasmTrap\",\"data\":\"StackOverflow\"}", "stack overflow");
    e = (cr__fcerr){.kind = CR_CALL_HOST, .variant = CR_HOST_INVALID_MEMORY_ACCESS};
    assert_error_texts(&e, "{\"type\":\"HostError\",\"data\":{\"type\":\"InvalidMemoryAccess\"}}",
                       "invalid memory access");
    e = (cr__fcerr){.kind = CR_CALL_HOST,
                    .variant = CR_HOST_PANIC,
                    .host_panic = true,
                    .s = "explicit panic",
                    .s_len = 14,
                    .has_location = true,
                    .file = "path/to/file.rs",
                    .file_len = 15,
                    .line = 42,
                    .column = 24};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"Panic\",\"data\":{\"context\":"
                       "\"Host\",\"message\":\"explicit panic\",\"location\":{\"file\":"
                       "\"path/to/file.rs\",\"line\":42,\"column\":24}}}}",
                       "host panicked: explicit panic at path/to/file.rs:42:24");
    e = (cr__fcerr){
        .kind = CR_CALL_HOST, .variant = CR_HOST_PANIC, .s = "explicit panic", .s_len = 14};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"Panic\",\"data\":{\"context\":"
                       "\"Guest\",\"message\":\"explicit panic\"}}}",
                       "guest panicked: explicit panic");
    e = (cr__fcerr){.kind = CR_CALL_COMPILATION, .s = "bad", .s_len = 3};
    assert_error_texts(&e, "{\"type\":\"CompilationError\",\"data\":{}}", "compilation error: bad");
    e = (cr__fcerr){.kind = CR_CALL_LINK, .s = "missing", .s_len = 7};
    assert_error_texts(&e, "{\"type\":\"LinkError\",\"data\":{}}", "link error: missing");
    static const uint8_t payload[] = {1, 2};
    e = (cr__fcerr){.kind = CR_CALL_EXECUTION, .payload = payload, .payload_len = 2};
    assert_error_texts(&e, "{\"type\":\"ExecutionError\",\"data\":[1,2]}",
                       "the method call returned an error: [1, 2]");
    e = (cr__fcerr){.kind = CR_CALL_MODULE_SIZE, .a = 11, .b = 10};
    assert_error_texts(&e,
                       "{\"type\":\"ModuleSizeLimitExceeded\",\"data\":{\"size\":11,\"max\":10}}",
                       "module size limit (max_module_size) exceeded: 11 bytes > 10 bytes limit");
    e = (cr__fcerr){.kind = CR_CALL_GAS_EXHAUSTED, .a = 1000};
    assert_error_texts(&e, "{\"type\":\"GasExhausted\",\"data\":{\"limit\":1000}}",
                       "execution exhausted its gas limit of 1000 points");
    e = (cr__fcerr){.kind = CR_CALL_HOST, .variant = CR_HOST_INVALID_REGISTER_ID, .a = UINT64_MAX};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"InvalidRegisterId\",\"data\":"
                       "{\"id\":18446744073709551615}}}",
                       "invalid register id: 18446744073709551615");
    e = (cr__fcerr){.kind = CR_CALL_HOST, .variant = CR_HOST_TOO_MANY_BLOB_HANDLES, .a = 100};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"TooManyBlobHandles\",\"data\":"
                       "{\"max\":100}}}",
                       "too many blob handles (max: 100)");
    e = (cr__fcerr){.kind = CR_CALL_HOST, .variant = CR_HOST_BLOB_BUFFER_TOO_LARGE, .a = 5, .b = 4};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"BlobBufferTooLarge\",\"data\":"
                       "{\"size\":5,\"max\":4}}}",
                       "blob buffer too large (size: 5, max: 4)");
    e = (cr__fcerr){
        .kind = CR_CALL_HOST, .variant = CR_HOST_ALIAS_ALREADY_EXISTS, .s = "me", .s_len = 2};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"AliasAlreadyExists\",\"data\":"
                       "\"me\"}}",
                       "alias already exists: me");
    e = (cr__fcerr){.kind = CR_CALL_HOST, .variant = CR_HOST_ALIAS_TOO_LONG, .a = 51};
    assert_error_texts(&e,
                       "{\"type\":\"HostError\",\"data\":{\"type\":\"AliasTooLong\",\"data\":51}}",
                       "alias too long: 51");
    e = (cr__fcerr){.kind = CR_CALL_HOST, .variant = CR_HOST_LOG_LENGTH_OVERFLOW};
    assert_error_texts(&e, "{\"type\":\"HostError\",\"data\":{\"type\":\"LogLengthOverflow\"}}",
                       "log size overflow");
}

static void traps_map_as_upstream(void **state)
{
    (void)state;
    assert_int_equal(cr__trap_from_wa(WA_TRAP_UNREACHABLE), CR_TRAP_UNREACHABLE);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_MEM_OOB), CR_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_TABLE_OOB), CR_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_UNDEFINED_ELEMENT), CR_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_UNINITIALIZED_ELEMENT),
                     CR_TRAP_INDIRECT_CALL_TO_NULL);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_INDIRECT_TYPE_MISMATCH), CR_TRAP_BAD_SIGNATURE);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_INT_DIV_ZERO), CR_TRAP_ILLEGAL_ARITHMETIC);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_INT_OVERFLOW), CR_TRAP_ILLEGAL_ARITHMETIC);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_INVALID_CONVERSION), CR_TRAP_ILLEGAL_ARITHMETIC);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_STACK_EXHAUSTED), CR_TRAP_STACK_OVERFLOW);
    assert_int_equal(cr__trap_from_wa(WA_TRAP_HOST), CR_TRAP_INDETERMINATE);
}

/* ---- a logic over a plain memory ---- */

typedef struct fixture {
    cr_engine *eng;
    cr_storage *store;
    cr_outcome *out;
    cr_run_params p;
    cr_logic vl;
    wa_memory *mem;
} fixture;

static fixture *fixture_new(const cr_limits *lim)
{
    fixture *f = calloc(1, sizeof *f);
    f->eng = engine_with(lim);
    assert_int_equal(cr_memory_storage_create(f->eng, &f->store, NULL), CR_OK);
    assert_int_equal(cr__outcome_create(f->eng, &f->out), CR_OK);
    f->p = cr_run_params_default();
    memset(f->p.context_id, 3, 32);
    memset(f->p.executor_id, 5, 32);
    f->p.storage = f->store;
    f->mem = wa_memory_new(&f->eng->wcfg, (wa_limits){1, 1, true});
    assert_non_null(f->mem);
    cr__logic_init(&f->vl, f->eng, &f->p, f->out);
    f->vl.mem = f->mem;
    return f;
}

static void fixture_free(fixture *f)
{
    cr__logic_release(&f->vl);
    cr_outcome_destroy(f->out);
    wa_memory_destroy(f->mem);
    cr_storage_destroy(f->store);
    cr_engine_destroy(f->eng);
    free(f);
}

static void put_desc(fixture *f, uint64_t at, uint64_t ptr, uint64_t len)
{
    uint8_t *m = wa_memory_data(f->mem);
    cr__put_le64(m + at, ptr);
    cr__put_le64(m + at + 8, len);
}

/* ---- registers (host-abi.md §0.5) ---- */

static void registers_enforce_count_size_and_capacity(void **state)
{
    (void)state;
    cr_limits lim = cr_limits_default();
    lim.max_registers = 2;
    lim.max_register_size = 10;
    lim.max_registers_capacity = 8 + 10 + 8 + 4;
    fixture *f = fixture_new(&lim);
    const uint8_t data[11] = {0};
    assert_int_equal(cr__reg_set(&f->vl, 1, data, 10), CR_OK);
    assert_int_equal(cr__reg_set(&f->vl, 1, data, 11), CR_ERR_HOST); /* size */
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);
    assert_int_equal(cr__reg_set(&f->vl, 2, data, 5), CR_ERR_HOST); /* capacity: 18 + 13 */
    assert_int_equal(cr__reg_set(&f->vl, 2, data, 4), CR_OK);       /* exactly 30 */
    assert_int_equal(cr__reg_set(&f->vl, 3, data, 0), CR_ERR_HOST); /* count */
    assert_int_equal(cr__reg_set(&f->vl, 1, data, 2), CR_OK);       /* overwrite is fine */
    assert_int_equal(cr__reg_set(&f->vl, 2, data, 10), CR_OK);      /* 10 + 18 = 28 */
    assert_int_equal(f->vl.reg_bytes, 28);
    /* register_len of an unknown id is u64::MAX, never a failure */
    uint64_t args[1] = {99}, ret = 0;
    assert_int_equal(cr__host_register_len(&f->vl, args, &ret), CR_OK);
    assert_true(ret == UINT64_MAX);
    /* read_register: descriptor, register, length match, bounds */
    put_desc(f, 0, 100, 2);
    uint64_t rargs[2] = {1, 0};
    assert_int_equal(cr__host_read_register(&f->vl, rargs, &ret), CR_OK);
    assert_int_equal(ret, 1);
    rargs[0] = 7;
    assert_int_equal(cr__host_read_register(&f->vl, rargs, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_REGISTER_ID);
    assert_int_equal(f->vl.err.a, 7);
    put_desc(f, 0, 65536, 9); /* length mismatch is checked before the bounds */
    rargs[0] = 2;
    assert_int_equal(cr__host_read_register(&f->vl, rargs, &ret), CR_OK);
    assert_int_equal(ret, 0);
    fixture_free(f);
}

static void input_creates_register_even_when_empty(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    uint64_t args[1] = {4}, ret = 0;
    assert_int_equal(cr__host_input(&f->vl, args, &ret), CR_OK);
    assert_int_equal(cr__host_register_len(&f->vl, args, &ret), CR_OK);
    assert_int_equal(ret, 0);
    static const uint8_t in[3] = {1, 2, 3};
    f->p.input = in;
    f->p.input_len = 3;
    args[0] = 1;
    assert_int_equal(cr__host_input(&f->vl, args, &ret), CR_OK);
    put_desc(f, 0, 200, 3);
    uint64_t rargs[2] = {1, 0};
    assert_int_equal(cr__host_read_register(&f->vl, rargs, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_memory_equal(wa_memory_data(f->mem) + 200, in, 3);
    fixture_free(f);
}

/* ---- guest memory (host-abi.md §0.4) ---- */

static void guest_memory_bounds_are_exact(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    const uint64_t size = 65536;
    uint8_t *p;
    assert_int_equal(cr__gm_view(&f->vl, size - 10, 10, &p), CR_OK); /* ends at the end */
    assert_int_equal(cr__gm_view(&f->vl, size, 0, &p), CR_OK);       /* empty at the end */
    assert_int_equal(cr__gm_view(&f->vl, size + 1, 0, &p), CR_ERR_HOST);
    assert_int_equal(cr__gm_view(&f->vl, size - 10, 100, &p), CR_ERR_HOST);
    assert_int_equal(cr__gm_view(&f->vl, size + 100, 10, &p), CR_ERR_HOST);
    assert_int_equal(cr__gm_view(&f->vl, UINT64_MAX - 5, 10, &p), CR_ERR_HOST); /* wraps */
    assert_int_equal(cr__gm_view(&f->vl, 10, UINT64_MAX, &p), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);
    cr__desc d;
    assert_int_equal(cr__gm_desc(&f->vl, size - 16, &d), CR_OK);
    assert_int_equal(cr__gm_desc(&f->vl, size - 15, &d), CR_ERR_HOST);
    /* str: bounds, then UTF-8 */
    memcpy(wa_memory_data(f->mem) + 300, "\x00\x9f\x92\x96hello world", 15);
    const char *s;
    d = (cr__desc){300, 4};
    assert_int_equal(cr__gm_str(&f->vl, &d, &s), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_BAD_UTF8);
    d = (cr__desc){304, 11};
    assert_int_equal(cr__gm_str(&f->vl, &d, &s), CR_OK);
    assert_memory_equal(s, "hello world", 11);
    /* fixed sizes: a wrong length is a memory error */
    const uint8_t *b;
    d = (cr__desc){0, 31};
    assert_int_equal(cr__gm_fixed(&f->vl, &d, 32, &b), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);
    d = (cr__desc){size - 32, 32};
    assert_int_equal(cr__gm_fixed(&f->vl, &d, 32, &b), CR_OK);
    fixture_free(f);
}

static void utf8_validation_is_strict(void **state)
{
    (void)state;
    assert_true(cr__utf8_valid((const uint8_t *)"", 0));
    assert_true(cr__utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
    assert_false(cr__utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(cr__utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(cr__utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
    assert_false(cr__utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    assert_false(cr__utf8_valid((const uint8_t *)"\x80", 1));
}

/* ---- storage host functions ---- */

static void storage_functions_follow_the_trait(void **state)
{
    (void)state;
    cr_limits lim = cr_limits_default();
    lim.max_storage_key_size = 10;
    lim.max_storage_value_size = 10;
    fixture *f = fixture_new(&lim);
    uint8_t *m = wa_memory_data(f->mem);
    memcpy(m + 1000, "key", 3);
    memcpy(m + 1100, "value", 5);
    memcpy(m + 1200, "other", 5);
    put_desc(f, 0, 1000, 3);    /* key */
    put_desc(f, 16, 1100, 5);   /* value */
    put_desc(f, 32, 1200, 5);   /* other value */
    put_desc(f, 48, 1000, 11);  /* key too long (limit before the bytes) */
    put_desc(f, 64, 60000, 11); /* value too long */
    uint64_t ret = 9;
    uint64_t w[3] = {0, 16, 1};
    assert_int_equal(cr__host_storage_write(&f->vl, w, &ret), CR_OK);
    assert_int_equal(ret, 0);
    w[1] = 32;
    assert_int_equal(cr__host_storage_write(&f->vl, w, &ret), CR_OK);
    assert_int_equal(ret, 1);
    const cr__register *r = cr__reg_get(&f->vl, 1);
    assert_non_null(r);
    assert_memory_equal(r->data, "value", 5);
    uint64_t rd[2] = {0, 2};
    assert_int_equal(cr__host_storage_read(&f->vl, rd, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_memory_equal(cr__reg_get(&f->vl, 2)->data, "other", 5);
    assert_int_equal(cr__host_storage_remove(&f->vl, rd, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_int_equal(cr__host_storage_remove(&f->vl, rd, &ret), CR_OK);
    assert_int_equal(ret, 0);
    assert_int_equal(cr__host_storage_read(&f->vl, rd, &ret), CR_OK);
    assert_int_equal(ret, 0);
    rd[0] = 48;
    assert_int_equal(cr__host_storage_read(&f->vl, rd, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_KEY_LENGTH_OVERFLOW);
    uint64_t w2[3] = {0, 64, 1};
    assert_int_equal(cr__host_storage_write(&f->vl, w2, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_VALUE_LENGTH_OVERFLOW);
    /* private storage absent: 0 after the checks */
    assert_int_equal(cr__host_private_storage_write(&f->vl, w, &ret), CR_OK);
    assert_int_equal(ret, 0);
    uint64_t pw[2] = {48, 16};
    assert_int_equal(cr__host_private_storage_write(&f->vl, pw, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_KEY_LENGTH_OVERFLOW);
    fixture_free(f);
}

/* ---- node hooks: an in-memory blob store and alias table ---- */

typedef struct mock_node {
    uint8_t blob[64]; /* the one stored blob */
    size_t blob_len;
    bool has_blob;
    uint8_t blob_id[32];
    uint8_t upload[64];
    size_t upload_len;
    int uploads_open, readers_open;
    size_t chunk; /* chunk size of reads */
    size_t read_pos;
    int announced;
} mock_node;

static cr_status mock_upload_begin(void *ud, void **upload)
{
    mock_node *n = ud;
    n->upload_len = 0;
    n->uploads_open++;
    *upload = n;
    return CR_OK;
}

static cr_status mock_upload_write(void *ud, void *upload, const uint8_t *data, size_t len)
{
    mock_node *n = ud;
    (void)upload;
    if (n->upload_len + len > sizeof n->upload) return CR_ERR_STORAGE;
    memcpy(n->upload + n->upload_len, data, len);
    n->upload_len += len;
    return CR_OK;
}

static cr_status mock_upload_finish(void *ud, void *upload, uint8_t id[32], uint64_t *size)
{
    mock_node *n = ud;
    (void)upload;
    n->uploads_open--;
    memcpy(n->blob, n->upload, n->upload_len);
    n->blob_len = n->upload_len;
    n->has_blob = true;
    crypto_hash_sha256(n->blob_id, n->blob, n->blob_len);
    memcpy(id, n->blob_id, 32);
    *size = n->blob_len;
    return CR_OK;
}

static void mock_upload_abort(void *ud, void *upload)
{
    mock_node *n = ud;
    (void)upload;
    n->uploads_open--;
}

static cr_status mock_read_open(void *ud, const uint8_t id[32], void **reader)
{
    mock_node *n = ud;
    *reader = NULL;
    if (n->has_blob && memcmp(id, n->blob_id, 32) == 0) {
        n->read_pos = 0;
        n->readers_open++;
        *reader = n;
    }
    return CR_OK;
}

static cr_status mock_read_next(void *ud, void *reader, const uint8_t **chunk, size_t *len)
{
    mock_node *n = ud;
    (void)reader;
    size_t left = n->blob_len - n->read_pos;
    *len = left < n->chunk ? left : n->chunk;
    *chunk = n->blob + n->read_pos;
    n->read_pos += *len;
    return CR_OK;
}

static void mock_read_close(void *ud, void *reader)
{
    mock_node *n = ud;
    (void)reader;
    n->readers_open--;
}

static cr_status mock_info(void *ud, const uint8_t id[32], bool *found, uint64_t *size)
{
    mock_node *n = ud;
    *found = n->has_blob && memcmp(id, n->blob_id, 32) == 0;
    *size = n->blob_len;
    return CR_OK;
}

static cr_status mock_announce(void *ud, const uint8_t id[32], const uint8_t ctx[32], uint64_t size)
{
    mock_node *n = ud;
    (void)id;
    (void)ctx;
    (void)size;
    n->announced++;
    return CR_OK;
}

static cr_status mock_alias(void *ud, const char *alias, size_t len, const uint8_t ctx[32],
                            bool *found, uint8_t key[32])
{
    (void)ud;
    (void)ctx;
    *found = len == 5 && memcmp(alias, "alice", 5) == 0;
    if (*found) memset(key, 0xaa, 32);
    if (len == 4 && memcmp(alias, "fail", 4) == 0) return CR_ERR_STORAGE;
    return CR_OK;
}

static const cr_node_hooks *mock_hooks(mock_node *n, cr_node_hooks *h)
{
    memset(h, 0, sizeof *h);
    h->ud = n;
    h->blob_upload_begin = mock_upload_begin;
    h->blob_upload_write = mock_upload_write;
    h->blob_upload_finish = mock_upload_finish;
    h->blob_upload_abort = mock_upload_abort;
    h->blob_read_open = mock_read_open;
    h->blob_read_next = mock_read_next;
    h->blob_read_close = mock_read_close;
    h->blob_info = mock_info;
    h->blob_announce = mock_announce;
    h->alias_lookup = mock_alias;
    h->alias_resolve = mock_alias;
    return h;
}

static void blobs_stream_through_the_node_hooks(void **state)
{
    (void)state;
    cr_limits lim = cr_limits_default();
    lim.max_blob_handles = 2;
    lim.max_blob_chunk_size = 16;
    fixture *f = fixture_new(&lim);
    uint8_t *m = wa_memory_data(f->mem);
    uint64_t ret = 0, a[2];
    /* without a node client: BlobsNotSupported, but blob_close checks its buffer first */
    assert_int_equal(cr__host_blob_create(&f->vl, a, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_BLOBS_NOT_SUPPORTED);
    put_desc(f, 0, 100, 16);
    a[0] = 0, a[1] = 0;
    assert_int_equal(cr__host_blob_close(&f->vl, a, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);

    mock_node node = {.chunk = 5};
    cr_node_hooks hooks;
    f->p.node = mock_hooks(&node, &hooks);
    assert_int_equal(cr__host_blob_create(&f->vl, a, &ret), CR_OK);
    uint64_t fd = ret;
    assert_int_equal(fd, 1);
    memcpy(m + 1000, "hello blob world", 16);
    put_desc(f, 16, 1000, 10);
    a[0] = fd, a[1] = 16;
    assert_int_equal(cr__host_blob_write(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 10);
    put_desc(f, 16, 1010, 6);
    assert_int_equal(cr__host_blob_write(&f->vl, a, &ret), CR_OK);
    put_desc(f, 16, 1000, 17);
    assert_int_equal(cr__host_blob_write(&f->vl, a, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_BLOB_WRITE_TOO_LARGE);
    assert_int_equal(f->vl.err.a, 17);
    assert_int_equal(f->vl.err.b, 16);
    put_desc(f, 32, 2000, 32);
    a[0] = fd, a[1] = 32;
    assert_int_equal(cr__host_blob_close(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_memory_equal(m + 2000, node.blob_id, 32);
    assert_int_equal(node.blob_len, 16);
    assert_int_equal(cr__host_blob_close(&f->vl, a, &ret), CR_ERR_HOST); /* fd is gone */
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_BLOB_HANDLE);
    /* read back in 7-byte buffers over 5-byte chunks: 7, 7, 2 (short read), 0 */
    put_desc(f, 48, 2000, 32);
    a[0] = 48;
    assert_int_equal(cr__host_blob_open(&f->vl, a, &ret), CR_OK);
    uint64_t rfd = ret;
    assert_int_equal(rfd, 2); /* fds are never reused */
    memset(m + 3000, 0xee, 16);
    put_desc(f, 64, 3000, 7);
    a[0] = rfd, a[1] = 64;
    assert_int_equal(cr__host_blob_read(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 7);
    assert_memory_equal(m + 3000, "hello b", 7);
    assert_int_equal(cr__host_blob_read(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 7);
    assert_memory_equal(m + 3000, "lob wor", 7);
    memset(m + 3000, 0xee, 7);
    assert_int_equal(cr__host_blob_read(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 2);
    assert_memory_equal(m + 3000, "ld\xee\xee", 4); /* only n bytes written */
    assert_int_equal(cr__host_blob_read(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 0);
    /* writing to a read handle */
    put_desc(f, 16, 1000, 10);
    a[0] = rfd, a[1] = 16;
    assert_int_equal(cr__host_blob_write(&f->vl, a, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_BLOB_HANDLE);
    /* the handle limit counts open handles */
    a[0] = 48;
    assert_int_equal(cr__host_blob_open(&f->vl, a, &ret), CR_OK);
    assert_int_equal(cr__host_blob_create(&f->vl, a, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_TOO_MANY_BLOB_HANDLES);
    assert_int_equal(f->vl.err.a, 2);
    /* announce: the blob must be known */
    put_desc(f, 80, 2000, 32);
    put_desc(f, 96, 4000, 32);
    a[0] = 80, a[1] = 96;
    assert_int_equal(cr__host_blob_announce_to_context(&f->vl, a, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_int_equal(node.announced, 1);
    put_desc(f, 80, 4000, 32);
    assert_int_equal(cr__host_blob_announce_to_context(&f->vl, a, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_BLOBS_NOT_SUPPORTED);
    /* an unfinished upload is abandoned when the run ends; readers are closed */
    assert_int_equal(cr__host_blob_close(&f->vl, (uint64_t[]){3, 32}, &ret), CR_OK);
    assert_int_equal(cr__host_blob_create(&f->vl, a, &ret), CR_OK);
    assert_int_equal(node.uploads_open, 1);
    fixture_free(f);
    assert_int_equal(node.uploads_open, 0);
    assert_int_equal(node.readers_open, 0);
}

static size_t mock_members(void *ud, uint8_t (*out)[32], size_t cap)
{
    (void)ud;
    for (size_t i = 0; i < 3 && i < cap; i++)
        memset(out[i], (int)(i + 1), 32);
    return 3;
}

static bool mock_is_member(void *ud, const uint8_t pk[32])
{
    (void)ud;
    return pk[0] == 1;
}

static void context_functions_record_mutations_and_ask_the_hooks(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    uint8_t *m = wa_memory_data(f->mem);
    uint64_t ret = 0;
    memcpy(m + 1000, "near", 4);
    memset(m + 1100, 1, 32);
    memcpy(m + 1200, "\x01\x02\x03", 3);
    memcpy(m + 1300, "my_child_context", 16);
    put_desc(f, 0, 1000, 4);
    put_desc(f, 16, 1100, 32);
    put_desc(f, 32, 1200, 3);
    put_desc(f, 48, 1300, 16);
    put_desc(f, 64, 0, 0);
    assert_int_equal(cr__host_context_create(&f->vl, (uint64_t[]){0, 16, 32, 48}, &ret), CR_OK);
    assert_int_equal(cr__host_context_create(&f->vl, (uint64_t[]){0, 16, 32, 0}, &ret), CR_OK);
    assert_int_equal(cr__host_context_create(&f->vl, (uint64_t[]){0, 16, 32, 64}, &ret), CR_OK);
    assert_int_equal(cr__host_context_delete(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(cr__host_context_add_member(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(cr__host_context_remove_member(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(cr_outcome_mutation_count(f->out), 6);
    cr_context_mutation mu;
    cr_outcome_mutation(f->out, 0, &mu);
    assert_int_equal(mu.kind, CR_MUTATION_CREATE_CONTEXT);
    assert_string_equal(mu.protocol, "near");
    assert_int_equal(mu.init_args_len, 3);
    assert_string_equal(mu.alias, "my_child_context");
    cr_outcome_mutation(f->out, 1, &mu);
    assert_null(mu.alias);
    cr_outcome_mutation(f->out, 2, &mu);
    assert_null(mu.alias);
    cr_outcome_mutation(f->out, 3, &mu);
    assert_int_equal(mu.kind, CR_MUTATION_DELETE_CONTEXT);
    cr_outcome_mutation(f->out, 5, &mu);
    assert_int_equal(mu.kind, CR_MUTATION_REMOVE_MEMBER);
    /* without hooks: not a member, no members, no alias resolution */
    assert_int_equal(cr__host_context_is_member(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(ret, 0);
    assert_int_equal(cr__host_context_members(&f->vl, (uint64_t[]){9}, &ret), CR_OK);
    assert_int_equal(cr__reg_get(&f->vl, 9)->len, 4);
    assert_int_equal(cr__host_context_resolve_alias(&f->vl, (uint64_t[]){48, 9}, &ret),
                     CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_NODE_CLIENT_NOT_AVAILABLE);
    /* with hooks */
    cr_context_hooks ch = {.is_member = mock_is_member, .members = mock_members};
    f->p.context = &ch;
    assert_int_equal(cr__host_context_is_member(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_int_equal(cr__host_context_members(&f->vl, (uint64_t[]){9}, &ret), CR_OK);
    const cr__register *r = cr__reg_get(&f->vl, 9);
    assert_int_equal(r->len, 4 + 3 * 32);
    assert_int_equal(r->data[0], 3);
    assert_int_equal(r->data[4 + 64], 3);
    mock_node node = {0};
    cr_node_hooks hooks;
    f->p.node = mock_hooks(&node, &hooks);
    memcpy(m + 1400, "alice", 5);
    put_desc(f, 80, 1400, 5);
    assert_int_equal(cr__host_context_resolve_alias(&f->vl, (uint64_t[]){80, 9}, &ret), CR_OK);
    assert_int_equal(ret, 1);
    assert_int_equal(cr__reg_get(&f->vl, 9)->data[0], 0xaa);
    assert_int_equal(cr__host_context_resolve_alias(&f->vl, (uint64_t[]){48, 9}, &ret), CR_OK);
    assert_int_equal(ret, 0);
    memcpy(m + 1500, "fail", 4);
    put_desc(f, 96, 1500, 4);
    assert_int_equal(cr__host_context_resolve_alias(&f->vl, (uint64_t[]){96, 9}, &ret),
                     CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);
    /* context_create checks aliases only with a node client */
    assert_int_equal(cr__host_context_create(&f->vl, (uint64_t[]){0, 16, 32, 80}, &ret),
                     CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_ALIAS_ALREADY_EXISTS);
    put_desc(f, 112, 2000, 51);
    memset(m + 2000, 'x', 51);
    assert_int_equal(cr__host_context_create(&f->vl, (uint64_t[]){0, 16, 32, 112}, &ret),
                     CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_ALIAS_TOO_LONG);
    assert_int_equal(f->vl.err.a, 51);
    fixture_free(f);
}

static void proposals_are_sorted_by_id(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    cr_splitmix rng = {42};
    f->p.random.fill = cr_splitmix_fill;
    f->p.random.ud = &rng;
    uint64_t ret;
    put_desc(f, 0, 1000, 3);
    put_desc(f, 16, 2000, 32);
    put_desc(f, 32, 2000, 31);
    for (int i = 0; i < 5; i++)
        assert_int_equal(cr__host_send_proposal(&f->vl, (uint64_t[]){0, 16}, &ret), CR_OK);
    assert_int_equal(cr_outcome_proposal_count(f->out), 5);
    for (size_t i = 1; i < 5; i++) {
        cr_proposal a, b;
        cr_outcome_proposal(f->out, i - 1, &a);
        cr_outcome_proposal(f->out, i, &b);
        assert_true(memcmp(a.id, b.id, 32) < 0);
    }
    /* the id written to dest is the last one recorded */
    assert_int_equal(cr__host_approve_proposal(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(cr__host_approve_proposal(&f->vl, (uint64_t[]){16}, &ret), CR_OK);
    assert_int_equal(cr_outcome_approval_count(f->out), 2);
    /* a destination that is not 32 bytes: a host panic */
    assert_int_equal(cr__host_send_proposal(&f->vl, (uint64_t[]){0, 32}, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_PANIC);
    assert_true(f->vl.err.host_panic);
    assert_int_equal(cr__host_approve_proposal(&f->vl, (uint64_t[]){32}, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);
    fixture_free(f);
}

static void utility_functions_use_the_run_sources(void **state)
{
    (void)state;
    fixture *f = fixture_new(NULL);
    uint8_t *m = wa_memory_data(f->mem);
    cr_step_clock clock = {.start = 1000, .step = 10};
    cr_splitmix rng = {42};
    f->p.clock.now = cr_step_clock_now;
    f->p.clock.ud = &clock;
    f->p.random.fill = cr_splitmix_fill;
    f->p.random.ud = &rng;
    uint64_t ret;
    put_desc(f, 0, 100, 8);
    put_desc(f, 16, 100, 4);
    assert_int_equal(cr__host_time_now(&f->vl, (uint64_t[]){0}, &ret), CR_OK);
    assert_int_equal(cr__le64(m + 100), 1000);
    assert_int_equal(cr__host_time_now(&f->vl, (uint64_t[]){16}, &ret), CR_ERR_HOST);
    assert_int_equal(cr__host_time_now(&f->vl, (uint64_t[]){0}, &ret), CR_OK);
    assert_int_equal(cr__le64(m + 100), 1010); /* a failure does not read the clock */
    /* splitmix64(42): first word 0xbdd732262feb6e95 */
    put_desc(f, 32, 200, 13);
    assert_int_equal(cr__host_random_bytes(&f->vl, (uint64_t[]){32}, &ret), CR_OK);
    assert_int_equal(cr__le64(m + 200), 0xbdd732262feb6e95ULL);
    put_desc(f, 48, 65536, 0);
    assert_int_equal(cr__host_random_bytes(&f->vl, (uint64_t[]){48}, &ret), CR_OK);
    /* fetch is disabled: the register explains, result 1, no pointer is read */
    assert_int_equal(cr__host_fetch(&f->vl,
                                    (uint64_t[]){UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 7},
                                    &ret),
                     CR_OK);
    assert_int_equal(ret, 1);
    const cr__register *r = cr__reg_get(&f->vl, 7);
    assert_int_equal(r->len, strlen("Host function 'fetch' is temporarily disabled."));
    assert_memory_equal(r->data, "Host function 'fetch' is temporarily disabled.", r->len);
    fixture_free(f);
}

static void events_and_xcalls_check_sizes_before_reading(void **state)
{
    (void)state;
    cr_limits lim = cr_limits_default();
    lim.max_events = 1;
    fixture *f = fixture_new(&lim);
    uint8_t *m = wa_memory_data(f->mem);
    uint64_t ret;
    memcpy(m + 1000, "Insertedxyzhandler\xff", 19);
    put_desc(f, 0, 1000, 8);     /* event kind */
    put_desc(f, 16, 1008, 3);    /* event data */
    put_desc(f, 32, 1011, 7);    /* handler */
    put_desc(f, 48, 1011, 8);    /* handler with a bad byte: silently none */
    put_desc(f, 64, 60000, 101); /* kind too long, out of bounds */
    put_desc(f, 80, 1008, 3);
    assert_int_equal(cr__host_emit_with_handler(&f->vl, (uint64_t[]){0, 32}, &ret), CR_OK);
    cr_event ev;
    cr_outcome_event(f->out, 0, &ev);
    assert_string_equal(ev.kind, "Inserted");
    assert_string_equal(ev.handler, "handler");
    assert_int_equal(cr__host_emit(&f->vl, (uint64_t[]){64}, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_EVENT_KIND_SIZE_OVERFLOW);
    assert_int_equal(cr__host_emit(&f->vl, (uint64_t[]){0}, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_EVENTS_OVERFLOW);
    f->vl.lim = &f->eng->cfg.limits;
    f->out->event_count = 0;
    assert_int_equal(cr__host_emit_with_handler(&f->vl, (uint64_t[]){0, 48}, &ret), CR_OK);
    cr_outcome_event(f->out, 0, &ev);
    assert_null(ev.handler);
    /* xcall: XCall {context_id, function, params} */
    memset(m + 2000, 7, 32);
    put_desc(f, 200, 2000, 32);
    put_desc(f, 216, 1000, 8);
    put_desc(f, 232, 1008, 3);
    assert_int_equal(cr__host_xcall(&f->vl, (uint64_t[]){200}, &ret), CR_OK);
    cr_xcall x;
    cr_outcome_xcall(f->out, 0, &x);
    assert_int_equal(x.context_id[0], 7);
    assert_string_equal(x.function, "Inserted");
    put_desc(f, 200, 2000, 31);
    assert_int_equal(cr__host_xcall(&f->vl, (uint64_t[]){200}, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_INVALID_MEMORY_ACCESS);
    put_desc(f, 216, 60000, 101);
    assert_int_equal(cr__host_xcall(&f->vl, (uint64_t[]){200}, &ret), CR_ERR_HOST);
    assert_int_equal(f->vl.err.variant, CR_HOST_XCALL_FUNCTION_SIZE_OVERFLOW);
    fixture_free(f);
}

/* ---- store and stage ---- */

typedef struct collected {
    char keys[16][8];
    size_t n;
} collected;

static int collect(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val, size_t val_len)
{
    (void)val;
    (void)val_len;
    collected *c = ud;
    memcpy(c->keys[c->n], key, key_len);
    c->keys[c->n][key_len] = 0;
    c->n++;
    return 0;
}

static void set_str(cr_storage *s, const char *k, const char *v)
{
    assert_int_equal(cr_storage_set(s, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v),
                                    NULL, NULL, NULL),
                     CR_OK);
}

static bool get_str(cr_storage *s, const char *k, const char *want)
{
    const uint8_t *v;
    size_t n;
    assert_int_equal(cr_storage_get(s, (const uint8_t *)k, strlen(k), &v, &n, NULL), CR_OK);
    if (!want) return v == NULL;
    return v && n == strlen(want) && memcmp(v, want, n) == 0;
}

static void memory_store_returns_old_values_and_iterates_in_order(void **state)
{
    (void)state;
    cr_storage *s;
    assert_int_equal(cr_memory_storage_create(NULL, &s, NULL), CR_OK);
    const uint8_t *old;
    size_t old_len;
    assert_int_equal(
        cr_storage_set(s, (const uint8_t *)"b", 1, (const uint8_t *)"1", 1, &old, &old_len, NULL),
        CR_OK);
    assert_null(old);
    assert_int_equal(
        cr_storage_set(s, (const uint8_t *)"b", 1, (const uint8_t *)"2", 1, &old, &old_len, NULL),
        CR_OK);
    assert_non_null(old);
    assert_memory_equal(old, "1", 1);
    set_str(s, "ab", "x");
    set_str(s, "a", "");
    set_str(s, "\xff", "y");
    set_str(s, "", "empty key");
    assert_true(get_str(s, "a", ""));
    assert_true(get_str(s, "", "empty key"));
    collected c = {0};
    assert_int_equal(cr_storage_iterate(s, collect, &c, NULL), CR_OK);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.keys[0], "");
    assert_string_equal(c.keys[1], "a");
    assert_string_equal(c.keys[2], "ab");
    assert_string_equal(c.keys[3], "b");
    assert_string_equal(c.keys[4], "\xff");
    assert_int_equal(cr_storage_remove(s, (const uint8_t *)"b", 1, &old, &old_len, NULL), CR_OK);
    assert_memory_equal(old, "2", 1);
    assert_int_equal(cr_storage_remove(s, (const uint8_t *)"b", 1, &old, &old_len, NULL), CR_OK);
    assert_null(old);
    /* many keys: growth and deleted slots */
    for (int i = 0; i < 2000; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        set_str(s, k, k);
        if (i % 3 == 0)
            assert_int_equal(cr_storage_remove(s, (const uint8_t *)k, strlen(k), NULL, NULL, NULL),
                             CR_OK);
    }
    assert_true(get_str(s, "k1997", "k1997"));
    assert_true(get_str(s, "k1998", NULL)); /* removed: 1998 = 3 * 666 */
    assert_true(get_str(s, "k999", NULL));
    cr_storage_destroy(s);
}

static void stage_keeps_base_untouched_until_commit(void **state)
{
    (void)state;
    cr_storage *base;
    cr_stage *st;
    assert_int_equal(cr_memory_storage_create(NULL, &base, NULL), CR_OK);
    set_str(base, "a", "base-a");
    set_str(base, "c", "base-c");
    assert_int_equal(cr_stage_create(NULL, base, &st, NULL), CR_OK);
    cr_storage *v = cr_stage_storage(st);
    assert_true(get_str(v, "a", "base-a"));
    const uint8_t *old;
    size_t old_len;
    assert_int_equal(
        cr_storage_set(v, (const uint8_t *)"a", 1, (const uint8_t *)"new", 3, &old, &old_len, NULL),
        CR_OK);
    assert_memory_equal(old, "base-a", 6);
    assert_int_equal(cr_storage_remove(v, (const uint8_t *)"c", 1, &old, &old_len, NULL), CR_OK);
    assert_memory_equal(old, "base-c", 6);
    set_str(v, "b", "staged-b");
    assert_true(get_str(v, "a", "new"));
    assert_true(get_str(v, "c", NULL));
    assert_true(get_str(base, "a", "base-a"));
    assert_true(get_str(base, "b", NULL));
    collected c = {0};
    assert_int_equal(cr_storage_iterate(v, collect, &c, NULL), CR_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.keys[0], "a");
    assert_string_equal(c.keys[1], "b");
    collected w = {0};
    assert_int_equal(cr_stage_iterate(st, collect, &w, NULL), CR_OK);
    assert_int_equal(w.n, 3); /* a, b, and the removal of c */
    /* clear: the base never saw anything */
    cr_stage_clear(st);
    assert_true(get_str(v, "a", "base-a"));
    assert_true(get_str(base, "c", "base-c"));
    /* commit applies the batch */
    set_str(v, "a", "committed");
    assert_int_equal(cr_storage_remove(v, (const uint8_t *)"c", 1, NULL, NULL, NULL), CR_OK);
    assert_int_equal(cr_stage_commit(st, NULL), CR_OK);
    assert_true(get_str(base, "a", "committed"));
    assert_true(get_str(base, "c", NULL));
    cr_stage_destroy(st);
    cr_storage_destroy(base);
}

/* ---- the run flow on WAT modules ---- */

static bool read_module(const char *name, uint8_t **bytes, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", TEST_WASM_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *bytes = malloc((size_t)n + 1);
    *len = fread(*bytes, 1, (size_t)n, f);
    fclose(f);
    return true;
}

typedef struct runner {
    cr_engine *eng;
    cr_module *m;
    cr_storage *store;
} runner;

static bool runner_open(runner *r, const char *name, const cr_limits *lim)
{
    uint8_t *bytes;
    size_t len;
    memset(r, 0, sizeof *r);
    if (!read_module(name, &bytes, &len)) return false;
    r->eng = engine_with(lim);
    cr_error err;
    assert_int_equal(cr_module_compile(r->eng, bytes, len, &r->m, &err), CR_OK);
    free(bytes);
    assert_int_equal(cr_memory_storage_create(r->eng, &r->store, NULL), CR_OK);
    return true;
}

static void runner_close(runner *r)
{
    cr_module_destroy(r->m);
    cr_storage_destroy(r->store);
    cr_engine_destroy(r->eng);
}

static cr_outcome *run_on(runner *r, cr_storage *storage, const char *method)
{
    cr_run_params p = cr_run_params_default();
    memset(p.context_id, 0x11, 32);
    memset(p.executor_id, 0x22, 32);
    p.method = method;
    p.storage = storage ? storage : r->store;
    cr_outcome *o = NULL;
    cr_error err;
    assert_int_equal(cr_run(r->m, &p, &o, &err), CR_OK);
    return o;
}

static void expect_error(runner *r, const char *method, const char *json, const char *display)
{
    cr_outcome *o = run_on(r, NULL, method);
    assert_string_equal(cr_outcome_error_json(o), json);
    assert_string_equal(cr_outcome_error_display(o), display);
    cr_outcome_destroy(o);
}

#define SKIP_WITHOUT(r, name, lim)        \
    do {                                  \
        if (!runner_open(r, name, lim)) { \
            skip();                       \
            return;                       \
        }                                 \
    } while (0)

static void run_reports_method_resolution_errors(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "basic", NULL);
    cr_outcome *o = run_on(&r, NULL, "test_func");
    assert_int_equal(cr_outcome_error(o), CR_CALL_OK);
    assert_false(cr_outcome_returns(o, NULL, NULL));
    assert_null(cr_outcome_root_hash(o));
    cr_outcome_destroy(o);
    o = run_on(&r, NULL, "valid_method_name");
    assert_int_equal(cr_outcome_error(o), CR_CALL_OK);
    cr_outcome_destroy(o);
    expect_error(&r, "nope",
                 "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"MethodNotFound\","
                 "\"data\":{\"name\":\"nope\"}}}",
                 "method \"nope\" not found");
    expect_error(&r, "with_param",
                 "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"InvalidSignature\","
                 "\"data\":{\"name\":\"with_param\"}}}",
                 "method \"with_param\" has invalid signature: expected no arguments and no "
                 "return value");
    expect_error(&r, "with_result",
                 "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"InvalidSignature\","
                 "\"data\":{\"name\":\"with_result\"}}}",
                 "method \"with_result\" has invalid signature: expected no arguments and no "
                 "return value");
    expect_error(&r, "memory",
                 "{\"type\":\"HostError\",\"data\":{\"type\":\"Panic\",\"data\":{\"context\":"
                 "\"Guest\",\"message\":\"internal error: entered unreachable code\"}}}",
                 "guest panicked: internal error: entered unreachable code");
    expect_error(&r, "a_global",
                 "{\"type\":\"HostError\",\"data\":{\"type\":\"Panic\",\"data\":{\"context\":"
                 "\"Guest\",\"message\":\"internal error: entered unreachable code\"}}}",
                 "guest panicked: internal error: entered unreachable code");
    expect_error(&r, "test func",
                 "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":"
                 "\"InvalidMethodNameCharacter\",\"data\":{\"name\":\"test func\",\"character\":"
                 "\" \",\"position\":4}}}",
                 "method name contains invalid character at position 4: ' '");
    runner_close(&r);
}

static void run_maps_traps_and_panics(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "basic", NULL);
    expect_error(&r, "unreachable", "{\"type\":\"WasmTrap\",\"data\":\"Unreachable\"}",
                 "unreachable code reached");
    expect_error(&r, "oob", "{\"type\":\"WasmTrap\",\"data\":\"MemoryOutOfBounds\"}",
                 "memory out of bounds");
    expect_error(&r, "recurse", "{\"type\":\"WasmTrap\",\"data\":\"StackOverflow\"}",
                 "stack overflow");
    expect_error(&r, "explicit_panic",
                 "{\"type\":\"HostError\",\"data\":{\"type\":\"Panic\",\"data\":{\"context\":"
                 "\"Guest\",\"message\":\"explicit panic\",\"location\":{\"file\":\"test.rs\","
                 "\"line\":42,\"column\":10}}}}",
                 "guest panicked: explicit panic at test.rs:42:10");
    expect_error(&r, "commit_twice",
                 "{\"type\":\"HostError\",\"data\":{\"type\":\"InvalidMemoryAccess\"}}",
                 "invalid memory access");
    runner_close(&r);
}

static void run_stops_at_the_gas_limit(void **state)
{
    (void)state;
    cr_limits lim = cr_limits_default();
    lim.max_gas = 10000;
    runner r;
    SKIP_WITHOUT(&r, "basic", &lim);
    cr_outcome *o = run_on(&r, NULL, "spin");
    assert_int_equal(cr_outcome_error(o), CR_CALL_GAS_EXHAUSTED);
    assert_string_equal(cr_outcome_error_json(o),
                        "{\"type\":\"GasExhausted\",\"data\":{\"limit\":10000}}");
    assert_true(cr_outcome_gas_used(o) >= 9900 && cr_outcome_gas_used(o) <= 10000);
    cr_outcome_destroy(o);
    o = run_on(&r, NULL, "test_func");
    assert_int_equal(cr_outcome_error(o), CR_CALL_OK);
    assert_true(cr_outcome_gas_used(o) < 10);
    cr_outcome_destroy(o);
    runner_close(&r);
}

static void run_reports_link_errors_before_running(void **state)
{
    (void)state;
    static const char *modules[] = {"link_unknown", "link_signature", "link_module"};
    for (size_t i = 0; i < 3; i++) {
        runner r;
        SKIP_WITHOUT(&r, modules[i], NULL);
        cr_outcome *o = run_on(&r, NULL, "test_func");
        assert_int_equal(cr_outcome_error(o), CR_CALL_LINK);
        assert_string_equal(cr_outcome_error_json(o), "{\"type\":\"LinkError\",\"data\":{}}");
        assert_memory_equal(cr_outcome_error_display(o), "link error: ", 12);
        cr_outcome_destroy(o);
        /* the method name is checked first */
        o = run_on(&r, NULL, "");
        assert_string_equal(cr_outcome_error_variant(o), "EmptyMethodName");
        cr_outcome_destroy(o);
        runner_close(&r);
    }
    runner r;
    SKIP_WITHOUT(&r, "no_memory", NULL);
    expect_error(&r, "test_func",
                 "{\"type\":\"MethodResolutionError\",\"data\":{\"type\":\"MethodNotFound\","
                 "\"data\":{\"name\":\"memory\"}}}",
                 "method \"memory\" not found");
    runner_close(&r);
}

static void run_calls_the_merge_hook_and_ignores_its_failure(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "merge", NULL);
    cr_outcome *o = run_on(&r, NULL, "method");
    assert_int_equal(cr_outcome_error(o), CR_CALL_OK);
    assert_int_equal(cr_outcome_log_count(o), 2);
    assert_string_equal(cr_outcome_log(o, 0, NULL), "merge");
    assert_string_equal(cr_outcome_log(o, 1, NULL), "method");
    cr_outcome_destroy(o);
    o = run_on(&r, NULL, "missing");
    assert_string_equal(cr_outcome_error_variant(o), "MethodNotFound");
    assert_int_equal(cr_outcome_log_count(o), 1);
    cr_outcome_destroy(o);
    o = run_on(&r, NULL, "bad name");
    assert_int_equal(cr_outcome_log_count(o), 0);
    assert_int_equal(cr_outcome_host_call_count(o), 0);
    cr_outcome_destroy(o);
    runner_close(&r);
}

static void failed_call_leaves_the_store_untouched(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "basic", NULL);
    cr_stage *st;
    assert_int_equal(cr_stage_create(r.eng, r.store, &st, NULL), CR_OK);
    cr_outcome *o = run_on(&r, cr_stage_storage(st), "write_then_trap");
    assert_int_equal(cr_outcome_error(o), CR_CALL_WASM_TRAP);
    assert_true(get_str(cr_stage_storage(st), "k", "v")); /* written, not rolled back */
    cr_outcome_destroy(o);
    cr_stage_clear(st); /* the caller's rule: no success, no commit */
    assert_true(get_str(r.store, "k", NULL));
    o = run_on(&r, cr_stage_storage(st), "write_and_commit");
    assert_int_equal(cr_outcome_error(o), CR_CALL_OK);
    assert_non_null(cr_outcome_root_hash(o));
    size_t alen;
    const uint8_t *art = cr_outcome_artifact(o, &alen);
    assert_int_equal(alen, 3);
    assert_memory_equal(art, "\x01\x02\x03", 3);
    assert_int_equal(cr_stage_commit(st, NULL), CR_OK);
    assert_true(get_str(r.store, "k", "v"));
    cr_outcome_destroy(o);
    cr_stage_destroy(st);
    runner_close(&r);
}

static void expect_ok(runner *r, const char *method)
{
    cr_outcome *o = run_on(r, NULL, method);
    if (cr_outcome_error(o) != CR_CALL_OK) fail_msg("%s: %s", method, cr_outcome_error_display(o));
    cr_outcome_destroy(o);
}

/* Runs reuse the thread, host functions and memory mapping of earlier runs: each must
   still see the module's initial state, past the periodic release of resident pages and
   after another module used the mapping. */
static void runs_start_fresh_when_resources_are_reused(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "fresh", NULL);
    for (int i = 0; i < 150; i++)
        expect_ok(&r, i % 3 == 2 ? "check" : "dirty");
    uint8_t *bytes;
    size_t len;
    assert_true(read_module("basic", &bytes, &len));
    cr_module *other;
    assert_int_equal(cr_module_compile(r.eng, bytes, len, &other, NULL), CR_OK);
    free(bytes);
    for (int i = 0; i < 10; i++) {
        cr_module *fresh = r.m;
        r.m = other;
        expect_ok(&r, "log_and_return");
        r.m = fresh;
        expect_ok(&r, "check");
        expect_ok(&r, "dirty");
    }
    cr_module_destroy(other);
    runner_close(&r);
}

typedef struct worker {
    runner *r;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    cr_storage *s;
    if (cr_memory_storage_create(w->r->eng, &s, NULL) != CR_OK) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < 200; i++) {
        cr_run_params p = cr_run_params_default();
        p.method = i % 2 ? "check" : "dirty";
        p.storage = s;
        cr_outcome *o = NULL;
        if (cr_run(w->r->m, &p, &o, NULL) != CR_OK || cr_outcome_error(o) != CR_CALL_OK)
            w->failures++;
        cr_outcome_destroy(o);
    }
    cr_storage_destroy(s);
    return NULL;
}

/* The engine's pool of run resources is shared by concurrent runs. */
static void runs_share_an_engine_across_threads(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "fresh", NULL);
    enum { N = 6 }; /* more than the pool holds */
    pthread_t t[N];
    worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){&r, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    runner_close(&r);
}

static void outcome_json_has_the_scenario_fields(void **state)
{
    (void)state;
    runner r;
    SKIP_WITHOUT(&r, "basic", NULL);
    cr_outcome *o = run_on(&r, NULL, "log_and_return");
    const uint8_t *data;
    size_t len;
    assert_true(cr_outcome_returns(o, &data, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(data, "hello", 5);
    const char *json;
    assert_int_equal(cr_outcome_to_json(o, &json, &len, NULL), CR_OK);
    assert_string_equal(json,
                        "{\"returns\":\"hello\",\"error\":null,\"error_display\":null,\"logs\":"
                        "[\"hello\"],\"events\":[],\"xcalls\":[],\"root_hash\":null,"
                        "\"artifact_len\":0,\"artifact_sha256\":null,\"artifact_actions\":null,"
                        "\"proposals\":[],\"approvals\":[],\"host_calls\":{\"log_utf8\":1,"
                        "\"value_return\":1}}");
    cr_outcome_destroy(o);
    runner_close(&r);
}

static void compile_checks_the_module_size(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    if (!read_module("basic", &bytes, &len)) {
        skip();
        return;
    }
    cr_limits lim = cr_limits_default();
    lim.max_module_size = 10;
    cr_engine *eng = engine_with(&lim);
    cr_module *m = NULL;
    cr_error err;
    assert_int_equal(cr_module_compile(eng, bytes, len, &m, &err), CR_ERR_MODULE_SIZE);
    assert_int_equal(err.max, 10);
    assert_int_equal(err.size, len);
    char buf[128];
    cr_error_json(&err, buf, sizeof buf);
    char want[128];
    snprintf(want, sizeof want,
             "{\"type\":\"ModuleSizeLimitExceeded\",\"data\":{\"size\":%zu,\"max\":10}}", len);
    assert_string_equal(buf, want);
    cr_engine_destroy(eng);
    lim.max_module_size = len; /* strict: exactly the limit passes */
    eng = engine_with(&lim);
    assert_int_equal(cr_module_compile(eng, bytes, len, &m, &err), CR_OK);
    cr_module_destroy(m);
    static const char garbage[] = "not valid wasm bytes at all - this should fail compilation";
    assert_int_equal(cr_module_compile(eng, (const uint8_t *)garbage, sizeof garbage - 1, &m, &err),
                     CR_ERR_COMPILE);
    cr_error_json(&err, buf, sizeof buf);
    assert_string_equal(buf, "{\"type\":\"CompilationError\",\"data\":{}}");
    assert_memory_equal(err.message, "compilation error: ", 19);
    cr_engine_destroy(eng);
    lim.max_module_size = 0;
    eng = engine_with(&lim);
    assert_int_equal(cr_module_compile(eng, bytes, len, &m, &err), CR_ERR_MODULE_SIZE);
    assert_int_equal(cr_module_compile(eng, bytes, 0, &m, &err), CR_ERR_COMPILE);
    cr_engine_destroy(eng);
    free(bytes);
}

/* ---- allocation failures ---- */

typedef struct failing_alloc {
    long countdown; /* fail when it reaches 0; negative: never */
    long failures;
} failing_alloc;

static void *failing_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    failing_alloc *fa = ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (fa->countdown >= 0 && fa->countdown-- == 0) {
        fa->failures++;
        return NULL;
    }
    return realloc(ptr, new_size);
}

static void run_survives_every_allocation_failure(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    if (!read_module("basic", &bytes, &len)) {
        skip();
        return;
    }
    failing_alloc fa = {.countdown = -1};
    cr_engine_config cfg = cr_engine_config_default();
    cfg.alloc = failing_realloc;
    cfg.alloc_ud = &fa;
    cr_engine *eng;
    assert_int_equal(cr_engine_create(&cfg, &eng, NULL), CR_OK);
    cr_module *m;
    assert_int_equal(cr_module_compile(eng, bytes, len, &m, NULL), CR_OK);
    free(bytes);
    cr_storage *base;
    assert_int_equal(cr_memory_storage_create(eng, &base, NULL), CR_OK);
    static const char *methods[] = {"write_and_commit", "log_and_return", "explicit_panic"};
    for (size_t k = 0; k < 3; k++) {
        bool succeeded = false;
        for (long n = 0; n < 10000 && !succeeded; n++) {
            cr_stage *st;
            assert_int_equal(cr_stage_create(eng, base, &st, NULL), CR_OK);
            cr_run_params p = cr_run_params_default();
            p.method = methods[k];
            p.storage = cr_stage_storage(st);
            cr_outcome *o = NULL;
            cr_error err;
            fa.countdown = n;
            fa.failures = 0;
            cr_status rs = cr_run(m, &p, &o, &err);
            const char *json = NULL;
            if (rs == CR_OK) rs = cr_outcome_to_json(o, &json, NULL, &err);
            fa.countdown = -1;
            if (fa.failures == 0) {
                assert_int_equal(rs, CR_OK);
                succeeded = true;
            } else if (rs != CR_OK) {
                assert_int_equal(rs, CR_ERR_NOMEM);
                assert_null(json);
            }
            cr_outcome_destroy(o);
            cr_stage_destroy(st); /* never committed: the base stays empty */
            assert_true(get_str(base, "k", NULL));
        }
        assert_true(succeeded);
    }
    cr_storage_destroy(base);
    cr_module_destroy(m);
    cr_engine_destroy(eng);
}

/* ---- ed25519 (dalek's non-strict verify) ---- */

static void hex_decode(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void ed25519_verifies_like_dalek(void **state)
{
    (void)state;
    uint8_t pk[32], sig[64];
    /* RFC 8032 test 1: empty message */
    hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk);
    hex_decode("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
               "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
               sig);
    assert_int_equal(cr__ed25519_verify(sig, pk, NULL, 0), 1);
    assert_int_equal(cr__ed25519_verify(sig, pk, (const uint8_t *)"x", 1), 0);
    /* S + l is not canonical: rejected even though it is the same scalar */
    static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    uint8_t big[64];
    memcpy(big, sig, 64);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned s = big[32 + i] + l[i] + carry;
        big[32 + i] = (uint8_t)s;
        carry = s >> 8;
    }
    assert_int_equal(cr__ed25519_verify(big, pk, NULL, 0), 0);
    /* libsodium signatures verify, altered ones do not */
    for (int i = 0; i < 8; i++) {
        uint8_t spk[32], ssk[64], msg[100], s[64];
        crypto_sign_keypair(spk, ssk);
        randombytes_buf(msg, sizeof msg);
        size_t n = (size_t)i * 12;
        crypto_sign_detached(s, NULL, msg, n, ssk);
        assert_int_equal(cr__ed25519_verify(s, spk, msg, n), 1);
        s[i] ^= 1;
        assert_int_equal(cr__ed25519_verify(s, spk, msg, n), 0);
    }
    /* the all-zero key decompresses (a small-order point): 0, not a key error */
    uint8_t zero_pk[32] = {0}, zero_sig[64] = {0};
    assert_int_equal(cr__ed25519_verify(zero_sig, zero_pk, NULL, 0), 0);
    /* y = 2 is not on the curve */
    uint8_t bad_pk[32] = {2};
    assert_int_equal(cr__ed25519_verify(sig, bad_pk, NULL, 0), -1);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limits_default_are_upstream_values),
        cmocka_unit_test(engine_rejects_zero_storage_limits),
        cmocka_unit_test(method_name_rejects_empty_and_too_long),
        cmocka_unit_test(method_name_reports_first_bad_character_by_index),
        cmocka_unit_test(method_name_accepts_valid_vectors),
        cmocka_unit_test(errors_serialize_and_display_like_upstream),
        cmocka_unit_test(traps_map_as_upstream),
        cmocka_unit_test(registers_enforce_count_size_and_capacity),
        cmocka_unit_test(input_creates_register_even_when_empty),
        cmocka_unit_test(guest_memory_bounds_are_exact),
        cmocka_unit_test(utf8_validation_is_strict),
        cmocka_unit_test(storage_functions_follow_the_trait),
        cmocka_unit_test(blobs_stream_through_the_node_hooks),
        cmocka_unit_test(context_functions_record_mutations_and_ask_the_hooks),
        cmocka_unit_test(proposals_are_sorted_by_id),
        cmocka_unit_test(utility_functions_use_the_run_sources),
        cmocka_unit_test(events_and_xcalls_check_sizes_before_reading),
        cmocka_unit_test(memory_store_returns_old_values_and_iterates_in_order),
        cmocka_unit_test(stage_keeps_base_untouched_until_commit),
        cmocka_unit_test(run_reports_method_resolution_errors),
        cmocka_unit_test(run_maps_traps_and_panics),
        cmocka_unit_test(run_stops_at_the_gas_limit),
        cmocka_unit_test(run_reports_link_errors_before_running),
        cmocka_unit_test(run_calls_the_merge_hook_and_ignores_its_failure),
        cmocka_unit_test(failed_call_leaves_the_store_untouched),
        cmocka_unit_test(runs_start_fresh_when_resources_are_reused),
        cmocka_unit_test(runs_share_an_engine_across_threads),
        cmocka_unit_test(outcome_json_has_the_scenario_fields),
        cmocka_unit_test(compile_checks_the_module_size),
        cmocka_unit_test(run_survives_every_allocation_failure),
        cmocka_unit_test(ed25519_verifies_like_dalek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
