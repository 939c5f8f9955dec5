/*
 * fuzz_host.c: libFuzzer target for the host ABI. The input picks host functions from
 * the import table (src/runtime/imports.def) and raw arguments for them (pointers near
 * the memory's ends, lengths near 2^64, register ids, ...) plus guest-memory bytes.
 * The harness writes a small wasm module for it: the chosen imports with their exact
 * signatures, a 1-2 page memory exported as `memory` holding the bytes, and an exported
 * `run` that calls each import with constant arguments and drops the results. It is
 * compiled with cr_module_compile and run twice with cr_run on a staged memory store,
 * under small limits. Invariants: CR_OK and an outcome (CR_ERR_NOMEM only when
 * allocations are made to fail), identical outcomes and staged writes for both runs
 * (the second reuses the first's pooled resources), and a store untouched by a call
 * that fails.
 *
 * Input: flags, call count, then per call an import index and one argument per
 * parameter (a kind byte and its operand bytes), then the guest-memory bytes.
 * fuzz_host_seeds.py writes the seed corpus; FUZZ_HOST_PRINT=1 prints each outcome.
 */
#include "calimero/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the import table ---- */

typedef struct import {
    const char *name;
    const char *params; /* 'i' i32, 'j' i64 */
    const char *results;
} import;

static const import imports[] = {
#define CR_IMPORT(name, params, results) {#name, params, results},
#include "imports.def"
};
enum { IMPORT_COUNT = sizeof imports / sizeof imports[0], MAX_CALLS = 24 };

/* Flag bits of the first input byte. */
enum {
    F_PRIVATE = 1,     /* a private store */
    F_TWO_PAGES = 2,   /* memory of 2 pages (else 1) */
    F_TINY = 4,        /* the tiniest limits */
    F_HOOKS = 8,       /* node and context hooks */
    F_MERGE = 16,      /* `run` is also the merge hook */
    F_TRACE = 32,      /* a trace hook */
    F_ALLOC_FAIL = 64, /* fail the Nth allocation of the runs (N: the next byte) */
    F_INPUT = 128,     /* the call's input is the start of the memory bytes */
};

/* ---- input reader ---- */

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t take8(input *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static uint64_t take64(input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)take8(in) << (8 * i);
    return v;
}

/* One argument: a kind byte, then its operand. */
static uint64_t take_arg(input *in, uint64_t mem_size)
{
    uint8_t kind = take8(in);
    uint64_t k = take8(in);
    switch (kind % 10) {
    case 0:
        return k; /* small number */
    case 1:
        return k * 8; /* a descriptor among the memory bytes */
    case 2:
        return mem_size - k; /* near the end of memory */
    case 3:
        return mem_size + k; /* just past the end */
    case 4:
        return UINT64_MAX - k; /* near 2^64 */
    case 5:
        return k % 5; /* a register id */
    case 6:
        return ((uint64_t)1 << 32) + k - 128; /* around 2^32 */
    case 7:
        return k * 256; /* spread over the first page */
    case 8:
        return (uint64_t)UINT32_MAX - k;
    default:
        return (k << 8 | take8(in)) ^ take64(in); /* anything */
    }
}

/* ---- a small wasm writer ---- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put8(buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_uleb(buf *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put8(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static void put_sleb(buf *b, int64_t v)
{
    for (;;) {
        uint8_t byte = (uint8_t)(v & 0x7f);
        int64_t rest = v >> 7; /* arithmetic shift (gnu11) */
        bool done = (rest == 0 && !(byte & 0x40)) || (rest == -1 && (byte & 0x40));
        put8(b, (uint8_t)(byte | (done ? 0 : 0x80)));
        if (done) return;
        v = rest;
    }
}

static void put_name(buf *b, const char *s)
{
    size_t n = strlen(s);
    put_uleb(b, n);
    put(b, s, n);
}

/* Appends section id with the contents of body (and empties body). */
static void put_section(buf *mod, uint8_t id, buf *body)
{
    put8(mod, id);
    put_uleb(mod, body->len);
    put(mod, body->p, body->len);
    if (body->failed) mod->failed = true;
    body->len = 0;
}

static uint8_t valtype(char c)
{
    return c == 'i' ? 0x7f : 0x7e;
}

typedef struct call {
    uint8_t id;
    uint64_t args[8];
} call;

typedef struct plan {
    uint8_t flags;
    uint32_t pages;
    call calls[MAX_CALLS];
    size_t call_count;
    const uint8_t *mem;
    size_t mem_len;
} plan;

/* The module for plan p. Imports: each distinct chosen id once, in first-use order. */
static bool emit(const plan *p, buf *mod)
{
    int func_of[IMPORT_COUNT];
    uint8_t used[IMPORT_COUNT];
    uint32_t nused = 0;
    for (size_t i = 0; i < IMPORT_COUNT; i++)
        func_of[i] = -1;
    for (size_t i = 0; i < p->call_count; i++) {
        uint8_t id = p->calls[i].id;
        if (func_of[id] < 0) {
            func_of[id] = (int)nused;
            used[nused++] = id;
        }
    }
    static const uint8_t header[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    buf body = {0};
    put(mod, header, sizeof header);

    /* types: one per used import (same index), then () -> () */
    put_uleb(&body, nused + 1);
    for (uint32_t i = 0; i < nused; i++) {
        const import *im = &imports[used[i]];
        put8(&body, 0x60);
        put_uleb(&body, strlen(im->params));
        for (const char *c = im->params; *c; c++)
            put8(&body, valtype(*c));
        put_uleb(&body, strlen(im->results));
        for (const char *c = im->results; *c; c++)
            put8(&body, valtype(*c));
    }
    put8(&body, 0x60);
    put8(&body, 0);
    put8(&body, 0);
    put_section(mod, 1, &body);

    put_uleb(&body, nused);
    for (uint32_t i = 0; i < nused; i++) {
        put_name(&body, "env");
        put_name(&body, imports[used[i]].name);
        put8(&body, 0x00);
        put_uleb(&body, i);
    }
    put_section(mod, 2, &body);

    put8(&body, 1); /* functions: run */
    put_uleb(&body, nused);
    put_section(mod, 3, &body);

    put8(&body, 1); /* memory: pages, no maximum */
    put8(&body, 0x00);
    put_uleb(&body, p->pages);
    put_section(mod, 5, &body);

    put8(&body, p->flags & F_MERGE ? 3 : 2);
    put_name(&body, "memory");
    put8(&body, 0x02);
    put8(&body, 0);
    put_name(&body, "run");
    put8(&body, 0x00);
    put_uleb(&body, nused);
    if (p->flags & F_MERGE) {
        put_name(&body, "__calimero_register_merge");
        put8(&body, 0x00);
        put_uleb(&body, nused);
    }
    put_section(mod, 7, &body);

    /* code: one body calling each import with constants */
    buf code = {0};
    put8(&code, 0); /* no locals */
    for (size_t i = 0; i < p->call_count; i++) {
        const call *c = &p->calls[i];
        const import *im = &imports[c->id];
        for (size_t k = 0; im->params[k]; k++) {
            if (im->params[k] == 'i') {
                put8(&code, 0x41);
                put_sleb(&code, (int32_t)(uint32_t)c->args[k]);
            } else {
                put8(&code, 0x42);
                put_sleb(&code, (int64_t)c->args[k]);
            }
        }
        put8(&code, 0x10);
        put_uleb(&code, (uint64_t)func_of[c->id]);
        if (im->results[0]) put8(&code, 0x1a); /* drop */
    }
    put8(&code, 0x0b);
    put8(&body, 1);
    put_uleb(&body, code.len);
    put(&body, code.p, code.len);
    if (code.failed) body.failed = true;
    free(code.p);
    put_section(mod, 10, &body);

    put8(&body, 1); /* data: the memory bytes at 0 */
    put8(&body, 0x00);
    put8(&body, 0x41);
    put8(&body, 0);
    put8(&body, 0x0b);
    put_uleb(&body, p->mem_len);
    put(&body, p->mem, p->mem_len);
    put_section(mod, 11, &body);
    bool ok = !body.failed && !mod->failed;
    free(body.p);
    return ok;
}

/* ---- hooks: small deterministic stand-ins for the node and the context ---- */

typedef struct stream {
    uint64_t size;
    uint32_t chunks_left;
    uint8_t chunk[64];
    size_t chunk_len;
} stream;

static cr_status upload_begin(void *ud, void **upload)
{
    (void)ud;
    *upload = calloc(1, sizeof(stream));
    return *upload ? CR_OK : CR_ERR_NOMEM;
}

static cr_status upload_write(void *ud, void *upload, const uint8_t *data, size_t len)
{
    (void)ud;
    (void)data;
    ((stream *)upload)->size += len;
    return CR_OK;
}

static cr_status upload_finish(void *ud, void *upload, uint8_t blob_id[32], uint64_t *size)
{
    (void)ud;
    stream *s = upload;
    memset(blob_id, (int)(s->size & 0xff), 32);
    *size = s->size;
    free(s);
    return CR_OK;
}

static void upload_abort(void *ud, void *upload)
{
    (void)ud;
    free(upload);
}

/* Blobs whose id starts with a multiple of 3 do not exist; others have 0-3 chunks. */
static cr_status read_open(void *ud, const uint8_t blob_id[32], void **reader)
{
    (void)ud;
    *reader = NULL;
    if (blob_id[0] % 3 == 0) return CR_OK;
    stream *s = calloc(1, sizeof *s);
    if (!s) return CR_ERR_NOMEM;
    s->chunks_left = blob_id[1] % 4;
    s->chunk_len = blob_id[2] % sizeof s->chunk;
    memset(s->chunk, blob_id[3], sizeof s->chunk);
    *reader = s;
    return CR_OK;
}

static cr_status read_next(void *ud, void *reader, const uint8_t **chunk, size_t *len)
{
    (void)ud;
    stream *s = reader;
    *chunk = s->chunk;
    *len = s->chunks_left ? s->chunk_len : 0;
    if (s->chunks_left) s->chunks_left--;
    return CR_OK;
}

static void read_close(void *ud, void *reader)
{
    (void)ud;
    free(reader);
}

static cr_status blob_info(void *ud, const uint8_t blob_id[32], bool *found, uint64_t *size)
{
    (void)ud;
    *found = blob_id[0] % 3 != 0;
    *size = blob_id[1];
    return CR_OK;
}

static cr_status blob_announce(void *ud, const uint8_t blob_id[32], const uint8_t context_id[32],
                               uint64_t size)
{
    (void)ud;
    (void)blob_id;
    (void)context_id;
    (void)size;
    return CR_OK;
}

/* Aliases of odd length are known. */
static cr_status alias_lookup(void *ud, const char *alias, size_t len, const uint8_t context_id[32],
                              bool *found, uint8_t key[32])
{
    (void)ud;
    (void)alias;
    (void)context_id;
    *found = len % 2 == 1;
    memset(key, (int)len, 32);
    return CR_OK;
}

static bool is_member(void *ud, const uint8_t public_key[32])
{
    (void)ud;
    return public_key[0] & 1;
}

static size_t members(void *ud, uint8_t (*out)[32], size_t cap)
{
    (void)ud;
    for (size_t i = 0; i < 3 && i < cap; i++)
        memset(out[i], (int)i + 1, 32);
    return 3;
}

static void trace(void *ud, const char *name, const uint64_t *args, uint32_t nargs,
                  const uint64_t *result, const char *error)
{
    uint64_t *sum = ud;
    *sum += strlen(name) + nargs + (result ? *result : 0) + (error ? strlen(error) : 0);
    for (uint32_t i = 0; i < nargs; i++)
        *sum += args[i];
}

static void trace_log(void *ud, const char *msg, size_t len)
{
    uint64_t *sum = ud;
    *sum += len + (len ? (uint8_t)msg[0] : 0);
}

/* ---- allocation failures ---- */

typedef struct failing {
    long countdown; /* fail when it reaches 0; negative: never */
    long failures;
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    failing *f = ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (f->countdown >= 0 && f->countdown-- == 0) {
        f->failures++;
        return NULL;
    }
    return realloc(ptr, new_size);
}

/* ---- the run ---- */

/* FNV-1a over a store's or stage's entries. */
static int hash_entry(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                      size_t val_len)
{
    uint64_t *h = ud;
    for (size_t i = 0; i < key_len; i++)
        *h = (*h ^ key[i]) * 0x100000001b3ull;
    *h = (*h ^ 0xff) * 0x100000001b3ull;
    for (size_t i = 0; i < val_len; i++)
        *h = (*h ^ val[i]) * 0x100000001b3ull;
    *h = (*h ^ 0xfe) * 0x100000001b3ull;
    return 0;
}

static uint64_t store_hash(cr_storage *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (cr_storage_iterate(s, hash_entry, &h, NULL) != CR_OK) abort();
    return h;
}

static uint64_t stage_hash(cr_stage *st)
{
    uint64_t h = 0xcbf29ce484222325ull;
    if (cr_stage_iterate(st, hash_entry, &h, NULL) != CR_OK) abort();
    return h;
}

typedef struct result {
    bool ok;                /* cr_run returned CR_OK */
    bool commit;            /* success with a root hash: the node commits */
    char *json;             /* the outcome's JSON (malloc'd) */
    uint64_t stage, pstage; /* staged writes */
} result;

typedef struct env {
    const plan *p;
    const cr_module *m;
    cr_stage *stage, *pstage;
    failing *fail;
    cr_node_hooks node;
    cr_context_hooks context;
} env;

/* One call the node's way; checks the invariants of a single run. */
static result run_once(env *e)
{
    result r = {0};
    const plan *p = e->p;
    cr_step_clock clock = {1700000000000000000ull, 1000, 0};
    cr_splitmix random = {7};
    cr_run_params rp = cr_run_params_default();
    memset(rp.context_id, 0x11, 32);
    memset(rp.executor_id, 0x22, 32);
    rp.method = "run";
    if (p->flags & F_INPUT) {
        rp.input = p->mem;
        rp.input_len = p->mem_len < 100 ? p->mem_len : 100;
    }
    rp.storage = cr_stage_storage(e->stage);
    rp.private_storage = e->pstage ? cr_stage_storage(e->pstage) : NULL;
    if (p->flags & F_HOOKS) {
        rp.node = &e->node;
        rp.context = &e->context;
    }
    rp.clock.now = cr_step_clock_now;
    rp.clock.ud = &clock;
    rp.random.fill = cr_splitmix_fill;
    rp.random.ud = &random;

    cr_outcome *o = NULL;
    cr_error err;
    cr_status st = cr_run(e->m, &rp, &o, &err);
    const char *json = NULL;
    if (st == CR_OK) {
        if (!o) abort();
        st = cr_outcome_to_json(o, &json, NULL, &err);
    }
    if (st != CR_OK) {
        /* only an allocation failure may stop a run here */
        if (st != CR_ERR_NOMEM || !e->fail->failures) {
            fprintf(stderr, "fuzz_host: cr_run: %s: %s\n", cr_status_name(st), err.message);
            abort();
        }
        cr_outcome_destroy(o);
        return r;
    }
    long countdown = e->fail->countdown; /* the harness's own reads do not fail */
    e->fail->countdown = -1;
    if (cr_outcome_error(o) != CR_CALL_OK) {
        if (!cr_outcome_error_json(o) || !cr_outcome_error_display(o) ||
            !cr_outcome_error_variant(o))
            abort();
    }
    r.ok = true;
    r.commit = cr_outcome_error(o) == CR_CALL_OK && cr_outcome_root_hash(o) != NULL;
    r.json = strdup(json);
    if (!r.json) abort();
    r.stage = stage_hash(e->stage);
    r.pstage = e->pstage ? stage_hash(e->pstage) : 0;
    e->fail->countdown = countdown;
    cr_outcome_destroy(o);
    return r;
}

static void fuzz(const plan *p, const uint8_t *module, size_t module_len, long fail_at)
{
    failing fail = {-1, 0};
    uint64_t traced = 0;
    cr_engine_config cfg = cr_engine_config_default();
    cfg.alloc = failing_alloc;
    cfg.alloc_ud = &fail;
    cr_limits *l = &cfg.limits;
    l->max_memory_pages = 4;
    l->max_gas = 100000;
    l->max_registers = p->flags & F_TINY ? 2 : 8;
    l->max_register_size = p->flags & F_TINY ? 16 : 4096;
    l->max_registers_capacity = p->flags & F_TINY ? 40 : 16384;
    l->max_logs = p->flags & F_TINY ? 1 : 4;
    l->max_log_size = p->flags & F_TINY ? 4 : 256;
    l->max_events = p->flags & F_TINY ? 1 : 4;
    l->max_event_kind_size = p->flags & F_TINY ? 2 : 64;
    l->max_event_data_size = p->flags & F_TINY ? 4 : 256;
    l->max_xcalls = p->flags & F_TINY ? 1 : 4;
    l->max_xcall_function_size = p->flags & F_TINY ? 2 : 64;
    l->max_xcall_params_size = p->flags & F_TINY ? 4 : 256;
    l->max_storage_key_size = p->flags & F_TINY ? 2 : 64;
    l->max_storage_value_size = p->flags & F_TINY ? 4 : 512;
    l->max_blob_handles = p->flags & F_TINY ? 1 : 3;
    l->max_blob_chunk_size = p->flags & F_TINY ? 4 : 512;
    l->max_method_name_length = 16;
    if (p->flags & F_TRACE) {
        cfg.trace = trace;
        cfg.trace_log = trace_log;
        cfg.trace_ud = &traced;
    }
    cr_engine *eng = NULL;
    cr_module *m = NULL;
    cr_storage *base = NULL, *pbase = NULL;
    env e = {.p = p, .fail = &fail};
    cr_error err;
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK) abort();
    if (cr_module_compile(eng, module, module_len, &m, &err) != CR_OK) {
        fprintf(stderr, "fuzz_host: the emitted module does not compile: %s\n", err.message);
        abort();
    }
    if (cr_memory_storage_create(eng, &base, &err) != CR_OK ||
        cr_stage_create(eng, base, &e.stage, &err) != CR_OK)
        abort();
    /* a few entries before the run, so that reads and removes can hit */
    static const uint8_t k1[] = {0}, k2[] = {1, 2};
    if (cr_storage_set(base, k1, 1, (const uint8_t *)"a", 1, NULL, NULL, &err) != CR_OK ||
        cr_storage_set(base, k2, 2, (const uint8_t *)"bcd", 3, NULL, NULL, &err) != CR_OK)
        abort();
    if (p->flags & F_PRIVATE) {
        if (cr_memory_storage_create(eng, &pbase, &err) != CR_OK ||
            cr_stage_create(eng, pbase, &e.pstage, &err) != CR_OK ||
            cr_storage_set(pbase, k1, 1, (const uint8_t *)"p", 1, NULL, NULL, &err) != CR_OK)
            abort();
    }
    e.m = m;
    e.node = (cr_node_hooks){.blob_upload_begin = upload_begin,
                             .blob_upload_write = upload_write,
                             .blob_upload_finish = upload_finish,
                             .blob_upload_abort = upload_abort,
                             .blob_read_open = read_open,
                             .blob_read_next = read_next,
                             .blob_read_close = read_close,
                             .blob_info = blob_info,
                             .blob_announce = blob_announce,
                             .alias_lookup = alias_lookup,
                             .alias_resolve = alias_lookup};
    e.context = (cr_context_hooks){.is_member = is_member, .members = members};
    uint64_t base_before = store_hash(base);
    uint64_t pbase_before = pbase ? store_hash(pbase) : 0;

    /* the first run makes the engine's pooled resources, the second reuses them */
    fail.countdown = fail_at;
    result r1 = run_once(&e);
    cr_stage_clear(e.stage);
    if (e.pstage) cr_stage_clear(e.pstage);
    result r2 = run_once(&e);
    fail.countdown = -1;
    if (!fail.failures) {
        if (!r1.ok || !r2.ok) abort();
        if (strcmp(r1.json, r2.json) != 0 || r1.stage != r2.stage || r1.pstage != r2.pstage) {
            fprintf(stderr, "fuzz_host: runs differ:\n%s\n%s\n", r1.json, r2.json);
            abort();
        }
    }
    if (getenv("FUZZ_HOST_PRINT")) printf("%s\n", r2.json ? r2.json : "(no outcome)");
    /* nothing reaches the stores without a commit */
    if (store_hash(base) != base_before || (pbase && store_hash(pbase) != pbase_before)) abort();
    /* the node's rule: commit on success with a root hash, otherwise drop the writes */
    if (r2.commit) {
        if (cr_stage_commit(e.stage, &err) != CR_OK) abort();
        if (e.pstage && cr_stage_commit(e.pstage, &err) != CR_OK) abort();
    } else {
        cr_stage_clear(e.stage);
        if (e.pstage) cr_stage_clear(e.pstage);
        if (store_hash(base) != base_before || (pbase && store_hash(pbase) != pbase_before))
            abort();
    }
    free(r1.json);
    free(r2.json);
    cr_stage_destroy(e.stage);
    cr_stage_destroy(e.pstage);
    cr_storage_destroy(base);
    cr_storage_destroy(pbase);
    cr_module_destroy(m);
    cr_engine_destroy(eng);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    plan p;
    memset(&p, 0, sizeof p);
    p.flags = take8(&in);
    long fail_at = p.flags & F_ALLOC_FAIL ? (long)take8(&in) * 3 : -1;
    p.pages = p.flags & F_TWO_PAGES ? 2 : 1;
    uint64_t mem_size = (uint64_t)p.pages * 65536;
    p.call_count = take8(&in) % (MAX_CALLS + 1);
    for (size_t i = 0; i < p.call_count; i++) {
        call *c = &p.calls[i];
        c->id = (uint8_t)(take8(&in) % IMPORT_COUNT);
        for (size_t k = 0; imports[c->id].params[k]; k++)
            c->args[k] = take_arg(&in, mem_size);
    }
    p.mem = in.p;
    p.mem_len = in.n < mem_size ? in.n : (size_t)mem_size;
    buf mod = {0};
    if (emit(&p, &mod)) fuzz(&p, mod.p, mod.len, fail_at);
    free(mod.p);
    return 0;
}
