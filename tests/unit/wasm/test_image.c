/*
 * test_image.c: precompiled images (image.c). A module saved and loaded again behaves
 * as the one it came from; a damaged image is refused; a tampered image whose checksum
 * was recomputed is refused by the code verifier or, if what changed still verifies,
 * runs without crashing; allocation failures leak nothing.
 */
#include "groups.h"
#include "wasm_int.h"

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * small.wasm, from this WAT (wat2wasm 1.0.x):
 *
 * (module
 *   (type $ii (func (param i32) (result i32)))
 *   (memory 1)
 *   (table $t 4 funcref)
 *   (global $g (mut funcref) (ref.null func))
 *   (global $n (mut i32) (i32.const 3))
 *   (elem declare func $sq)
 *   (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
 *   (func $sum (param $n i32) (result i32) (local $acc i32)
 *     (block $out
 *       (loop $top
 *         (br_if $out (i32.eqz (local.get $n)))
 *         (local.set $acc (i32.add (local.get $acc) (local.get $n)))
 *         (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *         (br $top)))
 *     (local.get $acc))
 *   (func $pick (param i32) (result i32)
 *     (block $c (block $b (block $a
 *       (br_table $a $b $c (local.get 0)))
 *       (return (i32.const 10)))
 *       (return (i32.const 20)))
 *     (i32.const 30))
 *   (func (export "run") (result i32)
 *     (table.set $t (i32.const 1) (ref.func $sq))
 *     (global.set $g (table.get $t (i32.const 1)))
 *     (i32.store (i32.const 8) (i32.const 7))
 *     (i32.add
 *       (i32.add (call $sum (i32.const 10))
 *                (call_indirect $t (type $ii) (i32.load (i32.const 8)) (i32.const 1)))
 *       (i32.add (call $pick (global.get $n))
 *                (select (i32.const 100) (i32.const 200) (ref.is_null (global.get $g))))))
 *   (func (export "null") (result funcref) (ref.null func))
 *   (func (export "wide") (result i64) (i64.const 0x123456789))
 * )
 */
static const uint8_t small_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x04, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x70, 0x60, 0x00, 0x01, 0x7e, 0x03, 0x07, 0x06, 0x00,
    0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x06, 0x0b, 0x02, 0x70, 0x01, 0xd0, 0x70, 0x0b, 0x7f, 0x01, 0x41, 0x03, 0x0b, 0x07, 0x15, 0x03,
    0x03, 0x72, 0x75, 0x6e, 0x00, 0x03, 0x04, 0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x04, 0x04, 0x77, 0x69,
    0x64, 0x65, 0x00, 0x05, 0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00, 0x0a, 0x89, 0x01, 0x06, 0x07,
    0x00, 0x20, 0x00, 0x20, 0x00, 0x6c, 0x0b, 0x21, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20,
    0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b,
    0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x1a, 0x00, 0x02, 0x40, 0x02, 0x40, 0x02,
    0x40, 0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x02, 0x0b, 0x41, 0x0a, 0x0f, 0x0b, 0x41, 0x14, 0x0f,
    0x0b, 0x41, 0x1e, 0x0b, 0x34, 0x00, 0x41, 0x01, 0xd2, 0x00, 0x26, 0x00, 0x41, 0x01, 0x25, 0x00,
    0x24, 0x00, 0x41, 0x08, 0x41, 0x07, 0x36, 0x02, 0x00, 0x41, 0x0a, 0x10, 0x01, 0x41, 0x08, 0x28,
    0x02, 0x00, 0x41, 0x01, 0x11, 0x00, 0x00, 0x6a, 0x23, 0x01, 0x10, 0x02, 0x41, 0xe4, 0x00, 0x41,
    0xc8, 0x01, 0x23, 0x00, 0xd1, 0x1b, 0x6a, 0x6a, 0x0b, 0x04, 0x00, 0xd0, 0x70, 0x0b, 0x08, 0x00,
    0x42, 0x89, 0xcf, 0x95, 0x9a, 0x12, 0x0b};

#define SMALL_RUN_RESULT 334u /* 55 + 49 + 30 + 200 */

/* Offsets of the header fields image.c writes (see its layout comment). */
enum { H_BUILD = 16, H_WASM_LEN = 32, H_FNS = 36, H_UNITS = 40, H_LEN = 56 };

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the trailing checksum after a deliberate change. */
static void reseal(uint8_t *img, size_t len)
{
    uint64_t h = wa__image_hash(img, len - 8);
    for (int i = 0; i < 8; i++)
        img[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

/* Byte offset of the code of defined function i. */
static size_t code_offset(const uint8_t *img, uint32_t i)
{
    uint32_t wasm_len = rd32(img + H_WASM_LEN), n = rd32(img + H_FNS);
    size_t recs = H_LEN + ((wasm_len + 3u) & ~3u), off = recs + (size_t)n * 16;
    for (uint32_t k = 0; k < i; k++)
        off += 4 * (size_t)rd32(img + recs + 16 * k + 4);
    return off;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    *len = 0;
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

static wa_module *compile(const wa_config *cfg, const uint8_t *bytes, size_t len)
{
    wa_module *m = NULL;
    wa_error err;
    wa_status st = wa_module_create(cfg, bytes, len, &m, &err);
    if (st != WA_OK) fail_msg("%s", err.message);
    return m;
}

static uint8_t *save(const wa_module *m, size_t *len)
{
    uint8_t *img = NULL;
    wa_error err;
    wa_status st = wa_module_serialize(m, &img, len, &err);
    if (st != WA_OK) fail_msg("%s", err.message);
    return img;
}

static wa_module *load(const wa_config *cfg, const uint8_t *img, size_t len)
{
    wa_module *m = NULL;
    wa_error err;
    wa_status st = wa_module_deserialize(cfg, img, len, &m, &err);
    if (st != WA_OK) fail_msg("%s", err.message);
    return m;
}

/* ---- running a module with stub imports ---- */

static wa_status stub_host(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    const wa_functype *t = env;
    (void)cx;
    (void)args;
    for (uint32_t i = 0; i < t->result_count; i++)
        results[i] = 0;
    return WA_OK;
}

typedef struct stubs {
    wa_extern *ext;
    uint32_t count;
} stubs;

static void stubs_free(stubs *s)
{
    for (uint32_t i = 0; i < s->count; i++) {
        switch (s->ext[i].kind) {
        case WA_EXTERN_FUNC:
            wa_func_destroy(s->ext[i].u.func);
            break;
        case WA_EXTERN_TABLE:
            wa_table_destroy(s->ext[i].u.table);
            break;
        case WA_EXTERN_MEMORY:
            wa_memory_destroy(s->ext[i].u.memory);
            break;
        case WA_EXTERN_GLOBAL:
            wa_global_destroy(s->ext[i].u.global);
            break;
        }
    }
    free(s->ext);
    s->ext = NULL;
    s->count = 0;
}

static bool stubs_make(const wa_config *cfg, const wa_module *m, stubs *s)
{
    uint32_t n = wa_module_import_count(m);
    s->ext = calloc(n ? n : 1, sizeof *s->ext);
    s->count = 0;
    for (uint32_t i = 0; s->ext && i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        wa_extern *e = &s->ext[i];
        e->kind = d.kind;
        bool ok = false;
        switch (d.kind) {
        case WA_EXTERN_FUNC:
            e->u.func = wa_func_new_host(cfg, d.func, stub_host, (void *)d.func);
            ok = e->u.func != NULL;
            break;
        case WA_EXTERN_TABLE:
            ok = d.limits.min <= 4096 && (e->u.table = wa_table_new(cfg, d.elem_type, d.limits));
            break;
        case WA_EXTERN_MEMORY:
            ok = d.limits.min <= 64 && (e->u.memory = wa_memory_new(cfg, d.limits));
            break;
        case WA_EXTERN_GLOBAL:
            e->u.global = wa_global_new(cfg, d.global_type, d.global_mutable, 0);
            ok = e->u.global != NULL;
            break;
        }
        if (!ok) return false;
        s->count = i + 1;
    }
    return s->ext != NULL;
}

/* Sets an interrupt flag when one call runs longer than 20 ms (a tampered image may
   loop without charging fuel). */
typedef struct watchdog {
    atomic_int gen;
    atomic_int stop;
    volatile int flag;
    pthread_t thread;
} watchdog;

static void *watchdog_main(void *arg)
{
    watchdog *w = arg;
    int last = -1, ticks = 0;
    while (!atomic_load(&w->stop)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        int g = atomic_load(&w->gen);
        if (g != last) {
            last = g;
            ticks = 0;
        } else if (++ticks > 20) {
            __atomic_store_n(&w->flag, 1, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

/* What a run of every exported function did, to compare two modules. */
typedef struct outcome {
    uint32_t calls;
    uint64_t digest; /* statuses, traps, results and fuel left, mixed */
} outcome;

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3ull;
    return h ^ (h >> 29);
}

/* Instantiates m with stubs and calls each exported function with zero arguments and
   the given fuel. Traps are fine; returns false if instantiation was refused. */
static bool run_all(const wa_config *cfg, const wa_module *m, uint64_t fuel, watchdog *w,
                    outcome *out)
{
    stubs s = {NULL, 0};
    wa_thread *th = wa_thread_create(cfg);
    wa_instance *inst = NULL;
    wa_error err;
    bool ok = false;
    out->calls = 0;
    out->digest = 0;
    if (!th || !stubs_make(cfg, m, &s)) goto done;
    if (w) wa_thread_set_interrupt(th, &w->flag);
    wa_thread_set_fuel(th, fuel);
    if (w) {
        __atomic_store_n(&w->flag, 0, __ATOMIC_RELAXED);
        atomic_fetch_add(&w->gen, 1);
    }
    if (wa_instance_create(m, s.ext, s.count, th, &inst, &err) != WA_OK) goto done;
    ok = true;
    for (uint32_t i = 0; i < wa_module_export_count(m); i++) {
        wa_extern_desc d;
        wa_extern e;
        wa_module_export(m, i, &d);
        if (d.kind != WA_EXTERN_FUNC || wa_instance_export(inst, d.name, d.name_len, &e) != WA_OK)
            continue;
        const wa_functype *t = wa_func_type(e.u.func);
        wa_value args[16] = {0}, res[16] = {0};
        if (t->param_count > 16 || t->result_count > 16) continue;
        if (w) {
            __atomic_store_n(&w->flag, 0, __ATOMIC_RELAXED);
            atomic_fetch_add(&w->gen, 1);
        }
        wa_thread_set_fuel(th, fuel);
        wa_status st = wa_call(th, e.u.func, args, t->param_count, res, t->result_count, &err);
        out->calls++;
        out->digest = mix(out->digest, (uint64_t)st);
        out->digest = mix(out->digest, st == WA_ERR_TRAP ? (uint64_t)err.trap : 0);
        out->digest = mix(out->digest, wa_thread_fuel(th));
        for (uint32_t k = 0; st == WA_OK && k < t->result_count; k++)
            if (t->results[k] != WA_FUNCREF && t->results[k] != WA_EXTERNREF)
                out->digest = mix(out->digest, res[k]);
    }
done:
    wa_instance_destroy(inst);
    wa_thread_destroy(th);
    stubs_free(&s);
    return ok;
}

static wa_value call_export(wa_instance *inst, const char *name)
{
    wa_extern e;
    wa_value r = 0;
    wa_error err;
    assert_int_equal(wa_instance_export(inst, name, strlen(name), &e), WA_OK);
    assert_int_equal(wa_call(NULL, e.u.func, NULL, 0, &r, 1, &err), WA_OK);
    return r;
}

/* ---- tests ---- */

static void image_round_trip_small_module_runs_the_same(void **state)
{
    (void)state;
    for (int metering = 0; metering < 2; metering++) {
        wa_config cfg = wa_config_default();
        cfg.metering = metering;
        wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
        size_t len;
        uint8_t *img = save(m, &len);
        wa_module *m2 = load(&cfg, img, len);
        assert_int_equal(wa_module_export_count(m2), wa_module_export_count(m));
        wa_module_info a, b;
        wa_module_info_get(m, &a);
        wa_module_info_get(m2, &b);
        assert_int_equal(a.func_count, b.func_count);
        assert_int_equal(a.compiled_bytes, b.compiled_bytes);
        wa_instance *inst = NULL;
        wa_error err;
        assert_int_equal(wa_instance_create(m2, NULL, 0, NULL, &inst, &err), WA_OK);
        assert_int_equal(call_export(inst, "run"), SMALL_RUN_RESULT);
        assert_int_equal(call_export(inst, "null"), 0);
        assert_int_equal(call_export(inst, "wide"), 0x123456789ull);
        wa_instance_destroy(inst);
        /* an image of the loaded module is the same image */
        size_t len2;
        uint8_t *img2 = save(m2, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(img2, img, len);
        free(img2);
        wa_module_destroy(m2);
        wa_module_destroy(m);
        free(img);
    }
}

static void image_round_trip_kv_store_keeps_exports_and_behaviour(void **state)
{
    (void)state;
    size_t wlen = 0;
    uint8_t *wasm = read_file(CR_SHARED_DIR "/apps/kv_store.wasm", &wlen);
    if (!wasm) skip();
    wa_config cfg = wa_config_default();
    cfg.metering = true;
    wa_module *m = compile(&cfg, wasm, wlen);
    size_t len;
    uint8_t *img = save(m, &len);
    wa_module *m2 = load(&cfg, img, len);
    assert_int_equal(wa_module_export_count(m2), wa_module_export_count(m));
    assert_int_equal(wa_module_import_count(m2), wa_module_import_count(m));
    for (uint32_t i = 0; i < wa_module_export_count(m); i++) {
        wa_extern_desc a, b;
        wa_module_export(m, i, &a);
        wa_module_export(m2, i, &b);
        assert_int_equal(a.name_len, b.name_len);
        assert_memory_equal(a.name, b.name, a.name_len);
        assert_int_equal(a.kind, b.kind);
        assert_int_equal(a.index, b.index);
    }
    outcome x, y;
    assert_true(run_all(&cfg, m, 200000, NULL, &x));
    assert_true(run_all(&cfg, m2, 200000, NULL, &y));
    assert_true(x.calls > 0);
    assert_int_equal(x.calls, y.calls);
    assert_int_equal(x.digest, y.digest);
    wa_module_destroy(m2);
    wa_module_destroy(m);
    free(img);
    free(wasm);
}

/* Found by tests/fuzz/diff (tests/regress/README.md): in a loop, a constant operand comes
   from the function's constant pool; ref.null's zero shared the pool slot of an i32 zero
   that a store had read, and the verifier, which forgets what any other instruction reads,
   rejected the image of this valid module. (module (table 2 funcref) (memory 1)
   (func (export "check") (local i32) (loop (i32.store (local.get 0) (i32.const 0))
   (table.fill 0 (i32.const 0) (ref.null func) (i32.const 1))))) */
static const uint8_t pooled_null_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00,
    0x01, 0x07, 0x09, 0x01, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x00, 0x0a, 0x19,
    0x01, 0x17, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x00, 0x41, 0x00, 0x36, 0x02, 0x00,
    0x41, 0x00, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x11, 0x00, 0x0b, 0x0b};

static void image_round_trip_null_ref_in_loop(void **state)
{
    (void)state;
    for (int metering = 0; metering < 2; metering++) {
        wa_config cfg = wa_config_default();
        cfg.metering = metering;
        wa_module *m = compile(&cfg, pooled_null_wasm, sizeof pooled_null_wasm);
        size_t len;
        uint8_t *img = save(m, &len);
        wa_module *m2 = load(&cfg, img, len);
        wa_instance *inst = NULL;
        wa_error err;
        assert_int_equal(wa_instance_create(m2, NULL, 0, NULL, &inst, &err), WA_OK);
        wa_extern e;
        assert_int_equal(wa_instance_export(inst, "check", 5, &e), WA_OK);
        assert_int_equal(wa_call(NULL, e.u.func, NULL, 0, NULL, 0, &err), WA_OK);
        wa_instance_destroy(inst);
        wa_module_destroy(m2);
        wa_module_destroy(m);
        free(img);
    }
}

static void image_rejects_every_flipped_byte(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
    size_t len;
    uint8_t *img = save(m, &len);
    static const uint8_t masks[] = {0x01, 0x10, 0x80, 0xff};
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            img[i] ^= masks[k];
            wa_module *m2 = NULL;
            wa_error err;
            wa_status st = wa_module_deserialize(&cfg, img, len, &m2, &err);
            if (st != WA_ERR_IMAGE) fail_msg("byte %zu ^ 0x%02x: status %d", i, masks[k], st);
            assert_null(m2);
            assert_non_null(strstr(err.message, "bad precompiled image: "));
            img[i] ^= masks[k];
        }
    }
    wa_module_destroy(m);
    free(img);
}

static void image_rejects_truncated_or_extended_images(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
    size_t len;
    uint8_t *img = save(m, &len);
    uint8_t *big = calloc(1, len + 1);
    memcpy(big, img, len);
    wa_error err;
    wa_module *m2 = NULL;
    for (size_t n = 0; n < len; n++) {
        assert_int_equal(wa_module_deserialize(&cfg, img, n, &m2, &err), WA_ERR_IMAGE);
        assert_null(m2);
    }
    assert_int_equal(wa_module_deserialize(&cfg, img, 40, &m2, &err), WA_ERR_IMAGE);
    assert_string_equal(err.message, "bad precompiled image: truncated");
    assert_int_equal(wa_module_deserialize(&cfg, big, len + 1, &m2, &err), WA_ERR_IMAGE);
    img[len - 1] ^= 1;
    assert_int_equal(wa_module_deserialize(&cfg, img, len, &m2, &err), WA_ERR_IMAGE);
    assert_string_equal(err.message, "bad precompiled image: checksum mismatch");
    free(big);
    wa_module_destroy(m);
    free(img);
}

static void image_rejects_other_builds_versions_and_configs(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
    size_t len;
    uint8_t *img = save(m, &len);
    wa_module *m2 = NULL;
    wa_error err;

    img[H_BUILD] ^= 1;
    reseal(img, len);
    assert_int_equal(wa_module_deserialize(&cfg, img, len, &m2, &err), WA_ERR_IMAGE);
    assert_string_equal(err.message, "bad precompiled image: made by another engine build");
    img[H_BUILD] ^= 1;

    wr32(img + 8, 99);
    reseal(img, len);
    assert_int_equal(wa_module_deserialize(&cfg, img, len, &m2, &err), WA_ERR_IMAGE);
    assert_string_equal(err.message, "bad precompiled image: unsupported format version");
    wr32(img + 8, 1);
    reseal(img, len);

    wa_config metered = cfg;
    metered.metering = true;
    assert_int_equal(wa_module_deserialize(&metered, img, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "metering"));

    img[0] = 'x';
    assert_int_equal(wa_module_deserialize(&cfg, img, len, &m2, &err), WA_ERR_IMAGE);
    assert_string_equal(err.message, "bad precompiled image: not a precompiled image");
    img[0] = 0;

    m2 = load(&cfg, img, len); /* back as it was */
    wa_module_destroy(m2);
    wa_module_destroy(m);
    free(img);
}

static void image_rejects_bad_arguments_and_garbage(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_module *m = NULL;
    wa_error err;
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 167 + 13);
    assert_int_equal(wa_module_deserialize(&cfg, junk, sizeof junk, NULL, &err), WA_ERR_ARG);
    assert_int_equal(wa_module_deserialize(&cfg, NULL, 5, &m, &err), WA_ERR_ARG);
    assert_int_equal(wa_module_deserialize(&cfg, NULL, 0, &m, &err), WA_ERR_IMAGE);
    assert_int_equal(wa_module_deserialize(&cfg, junk, sizeof junk, &m, NULL), WA_ERR_IMAGE);
    assert_null(m);
    /* a wasm module is not an image */
    assert_int_equal(wa_module_deserialize(&cfg, small_wasm, sizeof small_wasm, &m, &err),
                     WA_ERR_IMAGE);
    assert_int_equal(wa_module_serialize(NULL, NULL, NULL, &err), WA_ERR_ARG);
}

/* ref.null in "null" compiles to a zero constant returned as a funcref: making the
   constant non-zero forges a function pointer, which the verifier must catch. */
static void image_verifier_rejects_forged_funcref(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
    size_t len;
    uint8_t *img = save(m, &len);
    size_t off = code_offset(img, 4), end = code_offset(img, 5);
    bool patched = false;
    for (size_t p = off; p + 12 <= end; p += 4) {
        if (rd32(img + p) == WA_OP_const32 && rd32(img + p + 8) == 0) {
            wr32(img + p + 8, 0x41414141u);
            patched = true;
            break;
        }
    }
    assert_true(patched);
    reseal(img, len);
    wa_module *m2 = NULL;
    wa_error err;
    assert_int_equal(wa_module_deserialize(&cfg, img, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "code verification failed in function 4"));
    assert_non_null(strstr(err.message, "funcref"));
    assert_int_equal(err.func_idx, 4);
    wa_module_destroy(m);
    free(img);
}

static void image_verifier_rejects_bad_code(void **state)
{
    (void)state;
    wa_config cfg = wa_config_default();
    wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
    size_t len;
    uint8_t *img = save(m, &len);
    size_t off = code_offset(img, 1); /* $sum: loop and branches */
    uint8_t *copy = malloc(len);
    wa_module *m2 = NULL;
    wa_error err;

    memcpy(copy, img, len); /* unknown opcode */
    wr32(copy + off, WA_OP_COUNT);
    reseal(copy, len);
    assert_int_equal(wa_module_deserialize(&cfg, copy, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "unknown opcode"));

    memcpy(copy, img, len); /* an opcode compiled code never holds */
    wr32(copy + off, WA_OP_exit);
    reseal(copy, len);
    assert_int_equal(wa_module_deserialize(&cfg, copy, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "not allowed"));

    memcpy(copy, img, len); /* branches into an instruction, or out of the function */
    size_t p = off;
    while (rd32(copy + p) != WA_OP_br && rd32(copy + p) != WA_OP_br_m)
        p += 4;
    /* br's displacement: point it at the middle of the br itself, then outside */
    wr32(copy + p + 4, 0); /* the field itself: inside an instruction */
    reseal(copy, len);
    assert_int_equal(wa_module_deserialize(&cfg, copy, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "branch target"));
    wr32(copy + p + 4, 0x7fffffff);
    reseal(copy, len);
    assert_int_equal(wa_module_deserialize(&cfg, copy, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "branch target"));

    memcpy(copy, img, len); /* frame_slots too small for the locals */
    uint32_t wasm_len = rd32(img + H_WASM_LEN);
    size_t recs = H_LEN + ((wasm_len + 3u) & ~3u);
    wr32(copy + recs + 16 * 1, 0);
    reseal(copy, len);
    assert_int_equal(wa_module_deserialize(&cfg, copy, len, &m2, &err), WA_ERR_IMAGE);
    assert_non_null(strstr(err.message, "inconsistent"));

    memcpy(copy, img, len); /* code units moved between functions */
    wr32(copy + recs + 4, rd32(img + recs + 4) + 1);
    wr32(copy + recs + 16 + 4, rd32(img + recs + 16 + 4) - 1);
    reseal(copy, len);
    assert_int_equal(wa_module_deserialize(&cfg, copy, len, &m2, &err), WA_ERR_IMAGE);

    assert_null(m2);
    free(copy);
    wa_module_destroy(m);
    free(img);
}

/* Every single-byte change with the checksum recomputed: refused, or loads and runs
   (bounded by fuel and a watchdog) without crashing. */
static void image_tampered_images_never_crash(void **state)
{
    (void)state;
    watchdog w;
    memset(&w, 0, sizeof w);
    atomic_init(&w.gen, 0);
    atomic_init(&w.stop, 0);
    assert_int_equal(pthread_create(&w.thread, NULL, watchdog_main, &w), 0);
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    long loaded = 0, refused = 0;
    for (int metering = 0; metering < 2; metering++) {
        wa_config cfg = wa_config_default();
        cfg.metering = metering;
        cfg.max_memory_pages = 4;
        cfg.max_call_depth = 64;
        cfg.stack_bytes = 64 * 1024;
        wa_module *m = compile(&cfg, small_wasm, sizeof small_wasm);
        size_t len;
        uint8_t *img = save(m, &len);
        for (size_t i = 0; i + 8 < len; i++) {
            for (size_t k = 0; k < sizeof masks; k++) {
                img[i] ^= masks[k];
                reseal(img, len);
                wa_module *m2 = NULL;
                wa_error err;
                wa_status st = wa_module_deserialize(&cfg, img, len, &m2, &err);
                if (st == WA_OK) {
                    outcome o;
                    run_all(&cfg, m2, 10000, &w, &o);
                    wa_module_destroy(m2);
                    loaded++;
                } else {
                    assert_int_equal(st, WA_ERR_IMAGE);
                    refused++;
                }
                img[i] ^= masks[k];
            }
        }
        reseal(img, len);
        wa_module_destroy(m);
        free(img);
    }
    atomic_store(&w.stop, 1);
    pthread_join(w.thread, NULL);
    print_message("tampered images: %ld refused, %ld loaded and ran\n", refused, loaded);
    assert_true(refused > 0);
    assert_true(loaded > 0);
}

/* An allocator that fails the Nth allocation and counts what is outstanding. */
typedef struct fail_alloc {
    long calls;
    long fail_at; /* 1-based; 0 never */
    long long outstanding;
} fail_alloc;

static void *fail_alloc_fn(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    fail_alloc *fa = ud;
    if (new_size == 0) {
        if (ptr) fa->outstanding -= (long long)old_size;
        free(ptr);
        return NULL;
    }
    fa->calls++;
    if (fa->fail_at && fa->calls == fa->fail_at) return NULL;
    void *p = realloc(ptr, new_size);
    if (p) fa->outstanding += (long long)new_size - (ptr ? (long long)old_size : 0);
    return p;
}

static void image_allocation_failures_leak_nothing(void **state)
{
    (void)state;
    wa_config plain = wa_config_default();
    plain.metering = true;
    wa_module *src = compile(&plain, small_wasm, sizeof small_wasm);
    size_t len;
    uint8_t *img = save(src, &len);
    bool done = false;
    for (long n = 1; !done && n < 10000; n++) {
        fail_alloc fa = {.fail_at = n};
        wa_config cfg = plain;
        cfg.alloc = fail_alloc_fn;
        cfg.alloc_ud = &fa;
        wa_module *m = NULL;
        wa_error err;
        wa_status st = wa_module_deserialize(&cfg, img, len, &m, &err);
        if (st == WA_OK) {
            done = true;
            /* and serializing the loaded module, failing each allocation in turn */
            for (long k = 1; k < 100; k++) {
                fa.calls = 0;
                fa.fail_at = k;
                uint8_t *out = NULL;
                size_t olen = 0;
                st = wa_module_serialize(m, &out, &olen, &err);
                if (st == WA_OK) {
                    assert_int_equal(olen, len);
                    assert_memory_equal(out, img, len);
                    fail_alloc_fn(&fa, out, olen, 0);
                    break;
                }
                assert_int_equal(st, WA_ERR_NOMEM);
                assert_null(out);
            }
            wa_module_destroy(m);
        } else {
            assert_int_equal(st, WA_ERR_NOMEM);
            assert_null(m);
        }
        assert_int_equal(fa.outstanding, 0);
    }
    assert_true(done);
    wa_module_destroy(src);
    free(img);
}

/* Every opcode but exit may appear in an image: a new opcode whose layout has a letter
   the verifier does not know, or whose immediate may be an index (its name mentions a
   call, global, table, segment, ...), needs a rule in image.c first. */
static void image_verifier_knows_every_opcode(void **state)
{
    (void)state;
    for (uint32_t op = 0; op < WA_OP_COUNT; op++) {
        const char *name = NULL;
        bool ok = wa__image_op_verifiable(op, &name);
        if (op == WA_OP_exit) {
            assert_false(ok);
        } else if (!ok) {
            fail_msg("opcode %s has no verification rule in image.c", name);
        }
    }
    assert_false(wa__image_op_verifiable(WA_OP_COUNT, NULL));
}

int run_image_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(image_round_trip_small_module_runs_the_same),
        cmocka_unit_test(image_round_trip_kv_store_keeps_exports_and_behaviour),
        cmocka_unit_test(image_round_trip_null_ref_in_loop),
        cmocka_unit_test(image_rejects_every_flipped_byte),
        cmocka_unit_test(image_rejects_truncated_or_extended_images),
        cmocka_unit_test(image_rejects_other_builds_versions_and_configs),
        cmocka_unit_test(image_rejects_bad_arguments_and_garbage),
        cmocka_unit_test(image_verifier_rejects_forged_funcref),
        cmocka_unit_test(image_verifier_rejects_bad_code),
        cmocka_unit_test(image_tampered_images_never_crash),
        cmocka_unit_test(image_allocation_failures_leak_nothing),
        cmocka_unit_test(image_verifier_knows_every_opcode),
    };
    return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
