/*
 * test_interp.c: the compiler and the interpreter. Function bodies are byte arrays of
 * wasm instructions; build() wraps them into a module (types, one optional host import,
 * memory, table, exports, elements, code), so each test shows the code it runs.
 *
 * Groups: "compile" (validation messages, deep nesting, SIMD) and "interp" (traps,
 * stacks, calls, host functions, metering and interruption).
 */
#include "groups.h"
#include "wasm_int.h"

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building modules ---- */

#define I32 "\x7f"
#define I64 "\x7e"
#define F32 "\x7d"
#define F64 "\x7c"

#define BODY(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

typedef struct tfunc {
    const char *params, *results, *locals; /* value type bytes (never 0) */
    const uint8_t *body;                   /* instructions, the final end included */
    size_t body_len;
    const char *name; /* export name, or NULL */
} tfunc;

typedef struct tmod {
    const char *import_params, *import_results; /* import "env" "f" when params != NULL */
    bool memory;                                /* memory 0: one page */
    uint32_t table_size;                        /* funcref table 0 when > 0 */
    const uint32_t *elems;                      /* active segment at table offset 0 */
    uint32_t elem_count;
    const tfunc *funcs;
    uint32_t func_count;
} tmod;

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, uint8_t x)
{
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->p[b->len++] = x;
}

static void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        put(b, (uint8_t)(x | (v ? 0x80 : 0)));
    } while (v);
}

static void put_bytes(buf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, ((const uint8_t *)p)[i]);
}

static void put_types(buf *b, const char *t)
{
    size_t n = t ? strlen(t) : 0;
    put_u32(b, (uint32_t)n);
    put_bytes(b, t, n);
}

static void put_section(buf *b, uint8_t id, buf *content)
{
    put(b, id);
    put_u32(b, (uint32_t)content->len);
    put_bytes(b, content->p, content->len);
    free(content->p);
    memset(content, 0, sizeof *content);
}

/* Type i is the import's (when present), then one type per function in order. */
static uint8_t *build(const tmod *t, size_t *len)
{
    buf b = {0}, s = {0};
    put_bytes(&b, "\0asm\1\0\0\0", 8);
    bool imp = t->import_params != NULL;
    put_u32(&s, t->func_count + imp);
    if (imp) {
        put(&s, 0x60);
        put_types(&s, t->import_params);
        put_types(&s, t->import_results);
    }
    for (uint32_t i = 0; i < t->func_count; i++) {
        put(&s, 0x60);
        put_types(&s, t->funcs[i].params);
        put_types(&s, t->funcs[i].results);
    }
    put_section(&b, 1, &s);
    if (imp) {
        put_u32(&s, 1);
        put_u32(&s, 3);
        put_bytes(&s, "env", 3);
        put_u32(&s, 1);
        put(&s, 'f');
        put(&s, 0x00);
        put_u32(&s, 0);
        put_section(&b, 2, &s);
    }
    put_u32(&s, t->func_count);
    for (uint32_t i = 0; i < t->func_count; i++)
        put_u32(&s, i + imp);
    put_section(&b, 3, &s);
    if (t->table_size) {
        put_bytes(&s, "\x01\x70\x00", 3);
        put_u32(&s, t->table_size);
        put_section(&b, 4, &s);
    }
    if (t->memory) {
        put_bytes(&s, "\x01\x00\x01", 3);
        put_section(&b, 5, &s);
    }
    uint32_t nexp = 0;
    for (uint32_t i = 0; i < t->func_count; i++)
        nexp += t->funcs[i].name != NULL;
    put_u32(&s, nexp);
    for (uint32_t i = 0; i < t->func_count; i++) {
        if (!t->funcs[i].name) continue;
        put_types(&s, t->funcs[i].name);
        put(&s, 0x00);
        put_u32(&s, i + imp);
    }
    put_section(&b, 7, &s);
    if (t->elem_count) {
        put_bytes(&s, "\x01\x00\x41\x00\x0b", 5);
        put_u32(&s, t->elem_count);
        for (uint32_t i = 0; i < t->elem_count; i++)
            put_u32(&s, t->elems[i]);
        put_section(&b, 9, &s);
    }
    put_u32(&s, t->func_count);
    for (uint32_t i = 0; i < t->func_count; i++) {
        buf f = {0};
        const char *l = t->funcs[i].locals;
        size_t nl = l ? strlen(l) : 0;
        put_u32(&f, (uint32_t)nl);
        for (size_t k = 0; k < nl; k++) {
            put_u32(&f, 1);
            put(&f, (uint8_t)l[k]);
        }
        put_bytes(&f, t->funcs[i].body, t->funcs[i].body_len);
        put_u32(&s, (uint32_t)f.len);
        put_bytes(&s, f.p, f.len);
        free(f.p);
    }
    put_section(&b, 10, &s);
    *len = b.len;
    return b.p;
}

/* A module, its instance and a thread. */
typedef struct rig {
    wa_config cfg;
    wa_module *m;
    wa_instance *inst;
    wa_thread *th;
    wa_func *host;
} rig;

static wa_status compile_mod(const wa_config *cfg, const tmod *t, wa_module **m, wa_error *err)
{
    size_t len;
    uint8_t *bytes = build(t, &len);
    memset(err, 0, sizeof *err);
    wa_status st = wa_module_create(cfg, bytes, len, m, err);
    free(bytes);
    return st;
}

static void rig_open(rig *r, const wa_config *cfg, const tmod *t, wa_func *import)
{
    wa_error err;
    memset(r, 0, sizeof *r);
    r->cfg = cfg ? *cfg : wa_config_default();
    wa_status st = compile_mod(&r->cfg, t, &r->m, &err);
    if (st != WA_OK) fail_msg("module: %s", err.message);
    r->th = wa_thread_create(&r->cfg);
    assert_non_null(r->th);
    wa_extern ex = {.kind = WA_EXTERN_FUNC};
    ex.u.func = import;
    st = wa_instance_create(r->m, &ex, import ? 1 : 0, r->th, &r->inst, &err);
    if (st != WA_OK) fail_msg("instance: %s", err.message);
}

static void rig_close(rig *r)
{
    wa_instance_destroy(r->inst);
    wa_module_destroy(r->m);
    wa_thread_destroy(r->th);
    wa_func_destroy(r->host);
}

static wa_func *export_func(wa_instance *inst, const char *name)
{
    wa_extern ex;
    assert_int_equal(wa_instance_export(inst, name, strlen(name), &ex), WA_OK);
    assert_int_equal(ex.kind, WA_EXTERN_FUNC);
    return ex.u.func;
}

/* Calls export name with up to 4 arguments and one or no result. */
static wa_status call(rig *r, const char *name, const wa_value *args, uint32_t nargs,
                      wa_value *result, wa_error *err)
{
    wa_func *f = export_func(r->inst, name);
    memset(err, 0, sizeof *err);
    return wa_call(r->th, f, args, nargs, result, wa_func_type(f)->result_count, err);
}

static void expect_trap(rig *r, const char *name, const wa_value *args, uint32_t nargs,
                        wa_trap trap)
{
    wa_value res[4];
    wa_error err;
    wa_status st = call(r, name, args, nargs, res, &err);
    if (st != WA_ERR_TRAP || err.trap != trap)
        fail_msg("%s: expected trap \"%s\", got %s \"%s\"", name, wa_trap_str(trap),
                 wa_status_name(st), st == WA_OK ? "" : err.message);
    assert_string_equal(err.message, wa_trap_str(trap));
}

static wa_value expect_i32(rig *r, const char *name, const wa_value *args, uint32_t nargs,
                           uint32_t want)
{
    wa_value res = 0;
    wa_error err;
    wa_status st = call(r, name, args, nargs, &res, &err);
    if (st != WA_OK) fail_msg("%s: %s", name, err.message);
    assert_int_equal((uint32_t)res, want);
    return res;
}

static void expect_invalid(const tmod *t, wa_status st, const char *text)
{
    wa_config cfg = wa_config_default();
    wa_module *m = NULL;
    wa_error err;
    wa_status got = compile_mod(&cfg, t, &m, &err);
    if (got != st || !strstr(err.message, text))
        fail_msg("expected %s \"%s\", got %s \"%s\"", wa_status_name(st), text, wa_status_name(got),
                 got == WA_OK ? "" : err.message);
    assert_null(m);
}

/* ---- compile ---- */

static void compile_reports_type_mismatch(void **state)
{
    (void)state;
    /* i32.const 1; i64.const 1; i32.add */
    tmod t = {.funcs = (const tfunc[]){{NULL, I32, NULL, BODY(0x41, 1, 0x42, 1, 0x6a, 0x0b), "f"}},
              .func_count = 1};
    expect_invalid(&t, WA_ERR_INVALID, "type mismatch");
}

static void compile_reports_unknown_local_and_label(void **state)
{
    (void)state;
    tmod t = {.funcs = (const tfunc[]){{I32, I32, NULL, BODY(0x20, 1, 0x0b), "f"}},
              .func_count = 1};
    expect_invalid(&t, WA_ERR_INVALID, "unknown local");
    tmod u = {.funcs = (const tfunc[]){{NULL, NULL, NULL, BODY(0x0c, 1, 0x0b), "f"}},
              .func_count = 1};
    expect_invalid(&u, WA_ERR_INVALID, "unknown label");
}

static void compile_rejects_simd_as_unsupported(void **state)
{
    (void)state;
    /* v128.const would follow 0xfd 0x0c */
    tmod t = {.funcs = (const tfunc[]){{NULL, NULL, NULL, BODY(0xfd, 0x0c, 0x0b), "f"}},
              .func_count = 1};
    expect_invalid(&t, WA_ERR_UNSUPPORTED, "unsupported: SIMD");
}

static void compile_requires_end_opcode(void **state)
{
    (void)state;
    /* a body that stops short of the next one, and one that stops at the end of the module */
    tmod t = {.funcs = (const tfunc[]){{NULL, NULL, NULL, BODY(0x01), "f"},
                                       {NULL, NULL, NULL, BODY(0x0b), "g"}},
              .func_count = 2};
    expect_invalid(&t, WA_ERR_MALFORMED, "END opcode expected");
    tmod u = {.funcs = (const tfunc[]){{NULL, NULL, NULL, BODY(0x01), "f"}}, .func_count = 1};
    expect_invalid(&u, WA_ERR_MALFORMED, "unexpected end of section or function");
}

static void compile_checks_unreachable_code(void **state)
{
    (void)state;
    /* unreachable; i32.const 0; i64.add: i32 under a polymorphic stack is still wrong */
    tmod t = {.funcs = (const tfunc[]){{NULL, I64, NULL, BODY(0x00, 0x41, 0, 0x7c, 0x0b), "f"}},
              .func_count = 1};
    expect_invalid(&t, WA_ERR_INVALID, "type mismatch");
}

/* A body of n nested blocks around `br depth` and an i32 result. */
static uint8_t *nested_blocks(uint32_t n, uint32_t depth, size_t *len)
{
    buf b = {0};
    for (uint32_t i = 0; i < n; i++) {
        put(&b, 0x02);
        put(&b, 0x40);
    }
    put(&b, 0x0c);
    put_u32(&b, depth);
    for (uint32_t i = 0; i < n; i++)
        put(&b, 0x0b);
    put_bytes(&b, "\x41\x07\x0b", 3); /* i32.const 7; end */
    *len = b.len;
    return b.p;
}

static void compile_handles_100000_nested_blocks(void **state)
{
    (void)state;
    size_t len;
    uint8_t *body = nested_blocks(100000, 99999, &len);
    tfunc f = {NULL, I32, NULL, body, len, "f"};
    tmod t = {.funcs = &f, .func_count = 1};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    expect_i32(&r, "f", NULL, 0, 7);
    rig_close(&r);
    free(body);
}

/* ---- interp: traps ---- */

static void interp_traps_with_each_kind(void **state)
{
    (void)state;
    static const uint32_t elems[] = {0, 1};
    const tfunc fs[] = {
        {NULL, NULL, NULL, BODY(0x00, 0x0b), "unreachable"},
        /* i32.const 65536; i32.load */
        {NULL, I32, NULL, BODY(0x41, 0x80, 0x80, 0x04, 0x28, 2, 0, 0x0b), "oob"},
        /* i32.const 1; i32.const 0; i32.div_u */
        {NULL, I32, NULL, BODY(0x41, 1, 0x41, 0, 0x6e, 0x0b), "div0"},
        /* INT32_MIN / -1 */
        {NULL, I32, NULL, BODY(0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x41, 0x7f, 0x6d, 0x0b),
         "overflow"},
        /* f32.const nan; i32.trunc_f32_s */
        {NULL, I32, NULL, BODY(0x43, 0x00, 0x00, 0xc0, 0x7f, 0xa8, 0x0b), "nan"},
        /* call_indirect (type 1) through elements 0..1, table size 3 */
        {I32, NULL, NULL, BODY(0x20, 0, 0x11, 1, 0, 0x1a, 0x0b), "indirect"},
        /* table.get 0 at 5 */
        {NULL, NULL, NULL, BODY(0x41, 5, 0x25, 0, 0x1a, 0x0b), "table"},
        /* memory.fill at 65535, 2 bytes */
        {NULL, NULL, NULL, BODY(0x41, 0xff, 0xff, 0x03, 0x41, 0, 0x41, 2, 0xfc, 11, 0, 0x0b),
         "fill"},
    };
    tmod t = {.memory = true,
              .table_size = 3,
              .elems = elems,
              .elem_count = 2,
              .funcs = fs,
              .func_count = sizeof fs / sizeof fs[0]};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    expect_trap(&r, "unreachable", NULL, 0, WA_TRAP_UNREACHABLE);
    expect_trap(&r, "oob", NULL, 0, WA_TRAP_MEM_OOB);
    expect_trap(&r, "div0", NULL, 0, WA_TRAP_INT_DIV_ZERO);
    expect_trap(&r, "overflow", NULL, 0, WA_TRAP_INT_OVERFLOW);
    expect_trap(&r, "nan", NULL, 0, WA_TRAP_INVALID_CONVERSION);
    wa_value i = 0; /* element 0 is function 0: type [] -> [], not type 1 */
    expect_trap(&r, "indirect", &i, 1, WA_TRAP_INDIRECT_TYPE_MISMATCH);
    i = 2;
    expect_trap(&r, "indirect", &i, 1, WA_TRAP_UNINITIALIZED_ELEMENT);
    i = 3;
    expect_trap(&r, "indirect", &i, 1, WA_TRAP_UNDEFINED_ELEMENT);
    expect_trap(&r, "table", NULL, 0, WA_TRAP_TABLE_OOB);
    expect_trap(&r, "fill", NULL, 0, WA_TRAP_MEM_OOB);
    rig_close(&r);
}

static void interp_trap_names_the_function_and_keeps_the_instance(void **state)
{
    (void)state;
    const tfunc fs[] = {
        {NULL, I32, NULL, BODY(0x41, 5, 0x0b), "five"},
        {NULL, NULL, NULL, BODY(0x00, 0x0b), NULL},
        {NULL, NULL, NULL, BODY(0x10, 1, 0x0b), "calls_trap"},
    };
    tmod t = {.funcs = fs, .func_count = 3};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    wa_error err;
    assert_int_equal(call(&r, "calls_trap", NULL, 0, NULL, &err), WA_ERR_TRAP);
    assert_int_equal(err.trap, WA_TRAP_UNREACHABLE);
    assert_int_equal(err.func_idx, 1);
    assert_int_equal(r.m->bytes[err.offset], 0x00); /* the unreachable opcode */
    assert_true(err.offset > r.m->funcs[1].body_offset - 1);
    expect_i32(&r, "five", NULL, 0, 5);
    rig_close(&r);
}

static void interp_exhausts_the_stack_by_recursion(void **state)
{
    (void)state;
    /* f(n) = f(n + 1): unbounded */
    const tfunc fs[] = {{I32, I32, NULL, BODY(0x20, 0, 0x41, 1, 0x6a, 0x10, 0, 0x0b), "f"}};
    tmod t = {.funcs = fs, .func_count = 1};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    wa_value a = 0;
    expect_trap(&r, "f", &a, 1, WA_TRAP_STACK_EXHAUSTED);
    rig_close(&r);
    /* the same with a small value stack and deep frames allowed */
    wa_config cfg = wa_config_default();
    cfg.stack_bytes = 4096;
    cfg.max_call_depth = 1000000;
    rig_open(&r, &cfg, &t, NULL);
    expect_trap(&r, "f", &a, 1, WA_TRAP_STACK_EXHAUSTED);
    rig_close(&r);
}

static void interp_recursion_within_the_limit_works(void **state)
{
    (void)state;
    /* sum(n) = n == 0 ? 0 : n + sum(n - 1) */
    const tfunc fs[] = {{I32, I32, NULL,
                         BODY(0x20, 0, 0x45, 0x04, 0x7f, 0x41, 0, 0x05, 0x20, 0, 0x20, 0, 0x41, 1,
                              0x6b, 0x10, 0, 0x6a, 0x0b, 0x0b),
                         "sum"}};
    tmod t = {.funcs = fs, .func_count = 1};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    wa_value a = 5000;
    expect_i32(&r, "sum", &a, 1, 5000u * 5001u / 2u);
    rig_close(&r);
}

static void interp_loop_constants_survive_calls(void **state)
{
    (void)state;
    /* acc = 0; i = 10; loop { acc += id(1000) / 7 (no immediate form: a pooled constant);
       i -= 1; br_if i }; acc = 10 * 142 */
    const tfunc fs[] = {
        {I32, I32, I64 I64 I64 I64 I64 I64 I64 I64, BODY(0x20, 0, 0x0b), NULL}, /* zeroes a
                                                                         big frame */
        {NULL, I32, I32 I32,
         BODY(0x41, 10, 0x21, 1, 0x03, 0x40, 0x20, 0, 0x41, 0xe8, 0x07, 0x10, 0, 0x41, 7, 0x6e,
              0x6a, 0x21, 0, 0x20, 1, 0x41, 1, 0x6b, 0x22, 1, 0x0d, 0, 0x0b, 0x20, 0, 0x0b),
         "f"},
    };
    tmod t = {.funcs = fs, .func_count = 2};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    expect_i32(&r, "f", NULL, 0, 1420);
    rig_close(&r);
}

static uint32_t rotl_u32(uint32_t v, unsigned k)
{
    return v << k | v >> (32 - k);
}

static void interp_fused_operators_compute_their_parts(void **state)
{
    (void)state;
    /* r = rotl(x, 7) ^ rotl(y, 13); r ^= x >> 3; r += (y << 5) | x; r += x + y; r ^= x & y:
       shifts and add/and/or/xor consumed by the next operator become one instruction */
    const tfunc fs[] = {
        {I32 I32, I32, NULL,
         BODY(0x20, 0, 0x41, 7, 0x77, 0x20, 1, 0x41, 13, 0x77, 0x73, 0x20, 0, 0x41, 3, 0x76, 0x73,
              0x20, 1, 0x41, 5, 0x74, 0x20, 0, 0x72, 0x6a, 0x20, 0, 0x20, 1, 0x6a, 0x6a, 0x20, 0,
              0x20, 1, 0x71, 0x73, 0x0b),
         "f"},
        /* [p] = [p] + v; return [p]: the add stores back itself, and traps as the load */
        {I32 I32, I32, NULL,
         BODY(0x20, 0, 0x20, 0, 0x28, 2, 0, 0x20, 1, 0x6a, 0x36, 2, 0, 0x20, 0, 0x28, 2, 0, 0x0b),
         "g"},
    };
    tmod t = {.memory = true, .funcs = fs, .func_count = 2};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    uint32_t x = 0x9e3779b9u, y = 0x7f4a7c15u;
    uint32_t want = rotl_u32(x, 7) ^ rotl_u32(y, 13);
    want ^= x >> 3;
    want += (y << 5) | x;
    want += x + y;
    want ^= x & y;
    wa_value args[2] = {x, y};
    expect_i32(&r, "f", args, 2, want);
    wa_value g1[2] = {8, 5}, g2[2] = {8, 7}, g3[2] = {65534, 1};
    expect_i32(&r, "g", g1, 2, 5);
    expect_i32(&r, "g", g2, 2, 12);
    expect_trap(&r, "g", g3, 2, WA_TRAP_MEM_OOB);
    rig_close(&r);
}

/* ---- interp: values, calls, host functions ---- */

static void interp_returns_multiple_values(void **state)
{
    (void)state;
    /* swap(a, b) = (b, a), through a block with two results (type 0) */
    const tfunc fs[] = {
        {I32 I32, I32 I32, NULL, BODY(0x20, 1, 0x20, 0, 0x0b), "swap"},
        {I32 I32, I32, NULL, BODY(0x20, 0, 0x20, 1, 0x10, 0, 0x6b, 0x0b), "sub_swapped"},
    };
    tmod t = {.funcs = fs, .func_count = 2};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    wa_value args[2] = {3, 10}, res[2];
    wa_error err;
    wa_func *f = export_func(r.inst, "swap");
    assert_int_equal(wa_call(r.th, f, args, 2, res, 2, &err), WA_OK);
    assert_int_equal(res[0], 10);
    assert_int_equal(res[1], 3);
    expect_i32(&r, "sub_swapped", args, 2, 7);
    assert_int_equal(wa_call(r.th, f, args, 1, res, 2, &err), WA_ERR_ARG);
    rig_close(&r);
}

static wa_status host_sub(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    (void)env;
    assert_non_null(wa_call_ctx_instance(cx));
    results[0] = (uint32_t)args[0] - (uint32_t)args[1];
    return WA_OK;
}

static wa_status host_fail(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    (void)args;
    (void)results;
    if (env) wa_call_ctx_trap(cx, WA_TRAP_INT_OVERFLOW, "host says no");
    return WA_ERR_TRAP;
}

static void interp_calls_host_functions(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_functype ht = {2, 1, (const uint8_t *)I32 I32, (const uint8_t *)I32};
    wa_func *h = wa_func_new_host(&cfg, &ht, host_sub, NULL);
    assert_non_null(h);
    /* 100 - (f(50, 8) via the import) */
    const tfunc fs[] = {
        {NULL, I32, NULL, BODY(0x41, 0xe4, 0x00, 0x41, 50, 0x41, 8, 0x10, 0, 0x6b, 0x0b), "g"}};
    tmod t = {.import_params = I32 I32, .import_results = I32, .funcs = fs, .func_count = 1};
    rig r;
    rig_open(&r, &cfg, &t, h);
    r.host = h;
    expect_i32(&r, "g", NULL, 0, 58);
    rig_close(&r);
}

static void interp_host_traps_unwind(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_functype ht = {0, 0, NULL, NULL};
    const tfunc fs[] = {{NULL, NULL, NULL, BODY(0x10, 0, 0x0b), "g"}};
    tmod t = {.import_params = "", .funcs = fs, .func_count = 1};
    rig r;
    wa_func *h = wa_func_new_host(&cfg, &ht, host_fail, NULL);
    rig_open(&r, &cfg, &t, h);
    r.host = h;
    expect_trap(&r, "g", NULL, 0, WA_TRAP_HOST);
    rig_close(&r);

    h = wa_func_new_host(&cfg, &ht, host_fail, (void *)1);
    rig_open(&r, &cfg, &t, h);
    r.host = h;
    wa_error err;
    assert_int_equal(call(&r, "g", NULL, 0, NULL, &err), WA_ERR_TRAP);
    assert_int_equal(err.trap, WA_TRAP_INT_OVERFLOW);
    assert_string_equal(err.message, "host says no");
    rig_close(&r);
}

static void interp_calls_across_instances(void **state)
{
    (void)state;
    /* A: put(v) stores v at 0 of A's memory; get() loads it */
    const tfunc fa[] = {
        {I32, NULL, NULL, BODY(0x41, 0, 0x20, 0, 0x36, 2, 0, 0x0b), "put"},
        {NULL, I32, NULL, BODY(0x41, 0, 0x28, 2, 0, 0x0b), "get"},
    };
    tmod ta = {.memory = true, .funcs = fa, .func_count = 2};
    rig a;
    rig_open(&a, NULL, &ta, NULL);
    /* B imports put; run() calls put(42) and returns B's own memory word 0 */
    const tfunc fb[] = {
        {NULL, I32, NULL, BODY(0x41, 42, 0x10, 0, 0x41, 0, 0x28, 2, 0, 0x0b), "run"}};
    tmod tb = {.import_params = I32, .memory = true, .funcs = fb, .func_count = 1};
    rig b;
    rig_open(&b, NULL, &tb, export_func(a.inst, "put"));
    expect_i32(&b, "run", NULL, 0, 0);
    expect_i32(&a, "get", NULL, 0, 42);
    rig_close(&b);
    rig_close(&a);
}

/* ---- interp: metering and interruption ---- */

/* count(n): loop { n = n - 1; br_if n } ; n. Operators: loop, 5 per round, end, local.get,
   end: 5n + 4. */
static const tfunc count_fn[] = {
    {I32, I32, NULL,
     BODY(0x03, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b, 0x20, 0, 0x0b), "count"}};

static void interp_fuel_counts_each_operator(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    cfg.metering = true;
    tmod t = {.funcs = count_fn, .func_count = 1};
    rig r;
    rig_open(&r, &cfg, &t, NULL);
    wa_value n = 10;
    wa_thread_set_fuel(r.th, 54);
    expect_i32(&r, "count", &n, 1, 0);
    assert_int_equal(wa_thread_fuel(r.th), 0);
    wa_thread_set_fuel(r.th, 53);
    expect_trap(&r, "count", &n, 1, WA_TRAP_OUT_OF_FUEL);
    wa_thread_set_fuel(r.th, 1000);
    expect_i32(&r, "count", &n, 1, 0);
    assert_int_equal(wa_thread_fuel(r.th), 1000 - 54);
    rig_close(&r);
}

static void interp_fuel_counts_branches_and_calls(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    cfg.metering = true;
    const tfunc fs[] = {
        /* pick(x): block (result i32) (if (result i32) x (then 10) (else 20)) br 0 end:
           7 operators either way */
        {I32, I32, NULL,
         BODY(0x02, 0x7f, 0x20, 0, 0x04, 0x7f, 0x41, 10, 0x05, 0x41, 20, 0x0b, 0x0c, 0, 0x0b, 0x0b),
         "pick"},
        /* sel(x): block block block (br_table 0 1 2 x) end end end; i32.const 1 — entering at
           depth d skips d ends: 3 blocks + local.get + br_table + (3 - d) ends + const + end */
        {I32, I32, NULL,
         BODY(0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20, 0, 0x0e, 2, 0, 1, 2, 0x0b, 0x0b, 0x0b, 0x41,
              1, 0x0b),
         "sel"},
        /* twice(): pick(1) + pick(0): 2 consts, 2 calls, add, end + 2 * 7 */
        {NULL, I32, NULL, BODY(0x41, 1, 0x10, 0, 0x41, 0, 0x10, 0, 0x6a, 0x0b), "twice"},
    };
    tmod t = {.funcs = fs, .func_count = 3};
    rig r;
    rig_open(&r, &cfg, &t, NULL);
    for (wa_value x = 0; x < 2; x++) {
        wa_thread_set_fuel(r.th, 100);
        expect_i32(&r, "pick", &x, 1, x ? 10 : 20);
        assert_int_equal(100 - wa_thread_fuel(r.th), 7);
    }
    for (wa_value x = 0; x < 4; x++) {
        uint32_t d = x > 2 ? 2 : (uint32_t)x;
        wa_thread_set_fuel(r.th, 100);
        expect_i32(&r, "sel", &x, 1, 1);
        assert_int_equal(100 - wa_thread_fuel(r.th), 3 + 2 + (3 - d - 1) + 2);
    }
    wa_thread_set_fuel(r.th, 100);
    expect_i32(&r, "twice", NULL, 0, 30);
    assert_int_equal(100 - wa_thread_fuel(r.th), 6 + 14);
    rig_close(&r);
}

static void interp_metering_does_not_change_results(void **state)
{
    (void)state;
    /* fib(n) by recursion */
    const tfunc fs[] = {{I32, I32, NULL,
                         BODY(0x20, 0, 0x41, 2, 0x49, 0x04, 0x7f, 0x20, 0, 0x05, 0x20, 0, 0x41, 1,
                              0x6b, 0x10, 0, 0x20, 0, 0x41, 2, 0x6b, 0x10, 0, 0x6a, 0x0b, 0x0b),
                         "fib"}};
    tmod t = {.funcs = fs, .func_count = 1};
    wa_config cfg = wa_config_default();
    rig plain, metered;
    rig_open(&plain, &cfg, &t, NULL);
    cfg.metering = true;
    rig_open(&metered, &cfg, &t, NULL);
    for (wa_value n = 0; n < 20; n++) {
        wa_value a = 0, b = 0;
        wa_error err;
        assert_int_equal(call(&plain, "fib", &n, 1, &a, &err), WA_OK);
        assert_int_equal(call(&metered, "fib", &n, 1, &b, &err), WA_OK);
        assert_int_equal(a, b);
    }
    wa_value n = 20;
    expect_i32(&plain, "fib", &n, 1, 6765);
    assert_int_equal(wa_thread_fuel(plain.th), UINT64_MAX);
    rig_close(&plain);
    rig_close(&metered);
}

static wa_status host_raise(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    (void)cx;
    (void)args;
    (void)results;
    *(volatile int *)env = 1;
    return WA_OK;
}

static void interp_interrupt_stops_loops_and_calls(void **state)
{
    (void)state;
    volatile int flag = 0;
    wa_config cfg = wa_config_default();
    wa_functype ht = {0, 0, NULL, NULL};
    wa_func *h = wa_func_new_host(&cfg, &ht, host_raise, (void *)&flag);
    /* spin(): loop { call raise; br 0 } — runs until interrupted */
    const tfunc fs[] = {
        {NULL, NULL, NULL, BODY(0x03, 0x40, 0x10, 0, 0x0c, 0, 0x0b, 0x0b), "spin"},
        {NULL, I32, NULL, BODY(0x41, 1, 0x0b), "one"},
    };
    tmod t = {.import_params = "", .funcs = fs, .func_count = 2};
    rig r;
    rig_open(&r, &cfg, &t, h);
    r.host = h;
    wa_thread_set_interrupt(r.th, &flag);
    expect_trap(&r, "spin", NULL, 0, WA_TRAP_INTERRUPTED);
    expect_trap(&r, "one", NULL, 0, WA_TRAP_INTERRUPTED);
    flag = 0;
    expect_i32(&r, "one", NULL, 0, 1);
    rig_close(&r);
}

/* ---- jit: machine code against the interpreter ---- */

/* What one call did, for comparing the tiers. */
typedef struct tier_run {
    wa_status st;
    wa_value res;
    wa_trap trap;
    uint32_t func_idx, offset;
    uint64_t fuel;
    uint32_t memhash;
    uint32_t jitted; /* functions with machine code */
} tier_run;

static tier_run run_tier(const tmod *t, bool jit, bool metering, uint64_t fuel, const char *name,
                         const wa_value *args, uint32_t nargs)
{
    wa_config cfg = wa_config_default();
    cfg.jit = jit;
    cfg.metering = metering;
    rig r;
    rig_open(&r, &cfg, t, NULL);
    tier_run o;
    memset(&o, 0, sizeof o);
    const wa_compiled *comp = r.m->compiled;
    for (uint32_t i = 0; i < comp->fn_count; i++)
        o.jitted += comp->fns[i].jit != NULL;
    wa_thread_set_fuel(r.th, fuel);
    wa_error err;
    o.st = call(&r, name, args, nargs, &o.res, &err);
    if (o.st != WA_OK) {
        o.trap = err.trap;
        o.func_idx = err.func_idx;
        o.offset = err.offset;
    }
    o.fuel = wa_thread_fuel(r.th);
    wa_memory *mem = wa_instance_memory(r.inst);
    o.memhash = 2166136261u;
    for (uint64_t i = 0; mem && i < wa_memory_size(mem); i++)
        o.memhash = (o.memhash ^ wa_memory_data(mem)[i]) * 16777619u;
    rig_close(&r);
    return o;
}

/* Every function of the module, run by both tiers with plenty of fuel and with budgets
   that run out at many points, must give the same result, trap, trap position, remaining
   fuel and memory. */
static void expect_same_tiers(const tmod *t, const char *name, const wa_value *args, uint32_t nargs,
                              uint32_t fuel_points)
{
    for (int metering = 0; metering < 2; metering++) {
        for (uint32_t k = 0; k <= (metering ? fuel_points : 0); k++) {
            uint64_t fuel = k == 0 ? UINT64_MAX : (uint64_t)k * 7;
            tier_run a = run_tier(t, false, metering, fuel, name, args, nargs);
            tier_run b = run_tier(t, true, metering, fuel, name, args, nargs);
            assert_int_equal(a.jitted, 0);
            if (a.st != b.st || a.res != b.res || a.trap != b.trap || a.func_idx != b.func_idx ||
                a.offset != b.offset || a.fuel != b.fuel || a.memhash != b.memhash)
                fail_msg("%s (metering %d, fuel %llu): interpreter %s %llx trap %d at %u:%u "
                         "fuel %llu mem %08x; machine code %s %llx trap %d at %u:%u fuel %llu "
                         "mem %08x",
                         name, metering, (unsigned long long)fuel, wa_status_name(a.st),
                         (unsigned long long)a.res, a.trap, a.func_idx, a.offset,
                         (unsigned long long)a.fuel, a.memhash, wa_status_name(b.st),
                         (unsigned long long)b.res, b.trap, b.func_idx, b.offset,
                         (unsigned long long)b.fuel, b.memhash);
        }
    }
}

static const tfunc tier_fns[] = {
    /* 0 loop(n): sum = rotl(sum + n, 3) and mem[(4n) & 1020] = sum, n times */
    {I32, I32, I32,
     BODY(0x02, 0x40, 0x03, 0x40, 0x20, 0, 0x45, 0x0d, 1, 0x20, 0, 0x41, 4, 0x6c, 0x41, 0xfc, 0x07,
          0x71, 0x20, 1, 0x36, 2, 0, 0x20, 1, 0x20, 0, 0x6a, 0x41, 3, 0x77, 0x21, 1, 0x20, 0, 0x41,
          1, 0x6b, 0x21, 0, 0x0c, 0, 0x0b, 0x0b, 0x20, 1, 0x0b),
     "loop"},
    /* 1 div(a, b): a / b + a % b (signed) */
    {I32 I32, I32, NULL, BODY(0x20, 0, 0x20, 1, 0x6d, 0x20, 0, 0x20, 1, 0x6f, 0x6a, 0x0b), "div"},
    /* 2 divu(a, b): a / b ^ a % b (unsigned) */
    {I32 I32, I32, NULL, BODY(0x20, 0, 0x20, 1, 0x6e, 0x20, 0, 0x20, 1, 0x70, 0x73, 0x0b), "divu"},
    /* 3 peek(a): i32.load offset=8 */
    {I32, I32, NULL, BODY(0x20, 0, 0x28, 2, 8, 0x0b), "peek"},
    /* 4 grow(): memory.grow 1; mem[70000] = 42; mem[70000] */
    {NULL, I32, NULL,
     BODY(0x41, 1, 0x40, 0, 0x1a, 0x41, 0xf0, 0xa2, 0x04, 0x41, 42, 0x36, 2, 0, 0x41, 0xf0, 0xa2,
          0x04, 0x28, 2, 0, 0x0b),
     "grow"},
    /* 5 pick(i): br_table 0 1 2 -> 10, 20, 30 */
    {I32, I32, NULL,
     BODY(0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20, 0, 0x0e, 2, 0, 1, 2, 0x0b, 0x41, 10, 0x0f, 0x0b,
          0x41, 20, 0x0f, 0x0b, 0x41, 30, 0x0b),
     "pick"},
    /* 6 twice(n): loop(n) + loop(n + 1) */
    {I32, I32, NULL, BODY(0x20, 0, 0x10, 0, 0x20, 0, 0x41, 1, 0x6a, 0x10, 0, 0x6a, 0x0b), "twice"},
    /* 7 wide(a, b): a * b + (a rem_s -1) + clz(b) + ctz(a) + (a >> 60) + rotr(a, b) */
    {I64 I64, I64, NULL,
     BODY(0x20, 0, 0x20, 1, 0x7e, 0x20, 0, 0x42, 0x7f, 0x81, 0x7c, 0x20, 1, 0x79, 0x7c, 0x20, 0,
          0x7a, 0x7c, 0x20, 0, 0x42, 60, 0x87, 0x7c, 0x20, 0, 0x20, 1, 0x8a, 0x7c, 0x0b),
     "wide"},
    /* 8 bytes(a): store8/16 then load8_s + load16_u + i64.load32_s wrapped, select */
    {I32, I32, NULL,
     BODY(0x41, 0, 0x20, 0, 0x3a, 0, 0, 0x41, 2, 0x20, 0, 0x3b, 1, 0, 0x41, 0, 0x2c, 0, 0, 0x41, 2,
          0x2f, 1, 0, 0x6a, 0x41, 0, 0x34, 2, 0, 0xa7, 0x6a, 0x41, 7, 0x20, 0, 0x1b, 0x0b),
     "bytes"},
    /* 9 fill(n): memory.fill(16, 0xab, n); memory.copy(100, 14, n); load 100 */
    {I32, I32, NULL,
     BODY(0x41, 16, 0x41, 0xab, 0x01, 0x20, 0, 0xfc, 11, 0, 0x41, 0xe4, 0, 0x41, 14, 0x20, 0, 0xfc,
          10, 0, 0, 0x41, 0xe4, 0, 0x28, 2, 0, 0x0b),
     "fill"},
    /* 10 stop(): unreachable */
    {NULL, NULL, NULL, BODY(0x00, 0x0b), "stop"},
    /* 11 flt(a, b): a*b + a/b - sqrt(|a|) + (a < b) + copysign(-b, a) */
    {F64 F64, F64, NULL,
     BODY(0x20, 0, 0x20, 1, 0xa2, 0x20, 0, 0x20, 1, 0xa3, 0xa0, 0x20, 0, 0x99, 0x9f, 0xa1, 0x20, 0,
          0x20, 1, 0x63, 0xb8, 0xa0, 0x20, 1, 0x9a, 0x20, 0, 0xa6, 0xa0, 0x0b),
     "flt"},
    /* 12 flt32(a): sqrt(f32(a) * f32(a)) + (f32(a) != f32(a)), promoted back */
    {F64, F64, NULL,
     BODY(0x20, 0, 0xb6, 0x20, 0, 0xb6, 0x94, 0x91, 0x20, 0, 0xb6, 0x20, 0, 0xb6, 0x5c, 0xb2, 0x92,
          0xbb, 0x0b),
     "flt32"},
};

static void jit_matches_the_interpreter(void **state)
{
    (void)state;
    tmod t = {.memory = true, .funcs = tier_fns, .func_count = 13};
#if defined(__x86_64__) && !defined(WA_NO_JIT)
    tier_run r = run_tier(&t, true, true, UINT64_MAX, "stop", NULL, 0);
    assert_int_equal(r.jitted, 13); /* every function here has machine code */
#endif
    const double fa[][2] = {{2.5, -1.5}, {1e300, 1e-300}, {-0.0, 3}, {7, 7}};
    for (size_t i = 0; i < 4; i++) {
        wa_value fv[2];
        memcpy(&fv[0], &fa[i][0], 8);
        memcpy(&fv[1], &fa[i][1], 8);
        expect_same_tiers(&t, "flt", fv, 2, 2);
        expect_same_tiers(&t, "flt32", fv, 1, 2);
    }
    wa_value n[] = {0, 1, 5, 300};
    for (size_t i = 0; i < 4; i++) {
        expect_same_tiers(&t, "loop", &n[i], 1, 40);
        expect_same_tiers(&t, "twice", &n[i], 1, 30);
        expect_same_tiers(&t, "pick", &n[i], 1, 4);
        expect_same_tiers(&t, "bytes", &n[i], 1, 6);
    }
    const wa_value divs[][2] = {
        {7, 2}, {(uint32_t)-7, 2}, {1, 0}, {0x80000000, (uint32_t)-1}, {5, (uint32_t)-1}};
    for (size_t i = 0; i < 5; i++) {
        expect_same_tiers(&t, "div", divs[i], 2, 2);
        expect_same_tiers(&t, "divu", divs[i], 2, 2);
    }
    const wa_value wides[][2] = {{3, 5}, {(uint64_t)INT64_MIN, 1}, {0, 0}, {12345678901ull, 77}};
    for (size_t i = 0; i < 4; i++)
        expect_same_tiers(&t, "wide", wides[i], 2, 3);
    wa_value addrs[] = {0, 65524, 65525, 0xfffffff8u};
    for (size_t i = 0; i < 4; i++)
        expect_same_tiers(&t, "peek", &addrs[i], 1, 1);
    wa_value sizes[] = {0, 4, 65520, 65521};
    for (size_t i = 0; i < 4; i++)
        expect_same_tiers(&t, "fill", &sizes[i], 1, 2);
    expect_same_tiers(&t, "grow", NULL, 0, 3);
    expect_same_tiers(&t, "stop", NULL, 0, 1);
}

/* Machine code polls the interrupt flag on backward branches and calls like the
   interpreter: a loop with no call in it stops too. */
static void jit_interrupt_stops_a_tight_loop(void **state)
{
    (void)state;
    volatile int flag = 1;
    const tfunc fs[] = {{NULL, NULL, NULL, BODY(0x03, 0x40, 0x0c, 0, 0x0b, 0x0b), "spin"}};
    tmod t = {.funcs = fs, .func_count = 1};
    rig r;
    rig_open(&r, NULL, &t, NULL);
    wa_thread_set_interrupt(r.th, &flag);
    expect_trap(&r, "spin", NULL, 0, WA_TRAP_INTERRUPTED);
    rig_close(&r);
}

int run_compile_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compile_reports_type_mismatch),
        cmocka_unit_test(compile_reports_unknown_local_and_label),
        cmocka_unit_test(compile_rejects_simd_as_unsupported),
        cmocka_unit_test(compile_requires_end_opcode),
        cmocka_unit_test(compile_checks_unreachable_code),
        cmocka_unit_test(compile_handles_100000_nested_blocks),
    };
    return cmocka_run_group_tests_name("compile", tests, NULL, NULL);
}

int run_interp_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interp_traps_with_each_kind),
        cmocka_unit_test(interp_trap_names_the_function_and_keeps_the_instance),
        cmocka_unit_test(interp_exhausts_the_stack_by_recursion),
        cmocka_unit_test(interp_recursion_within_the_limit_works),
        cmocka_unit_test(interp_loop_constants_survive_calls),
        cmocka_unit_test(interp_fused_operators_compute_their_parts),
        cmocka_unit_test(interp_returns_multiple_values),
        cmocka_unit_test(interp_calls_host_functions),
        cmocka_unit_test(interp_host_traps_unwind),
        cmocka_unit_test(interp_calls_across_instances),
        cmocka_unit_test(interp_fuel_counts_each_operator),
        cmocka_unit_test(interp_fuel_counts_branches_and_calls),
        cmocka_unit_test(interp_metering_does_not_change_results),
        cmocka_unit_test(interp_interrupt_stops_loops_and_calls),
    };
    return cmocka_run_group_tests_name("interp", tests, NULL, NULL);
}

int run_jit_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jit_matches_the_interpreter),
        cmocka_unit_test(jit_interrupt_stops_a_tight_loop),
    };
    return cmocka_run_group_tests_name("jit", tests, NULL, NULL);
}
