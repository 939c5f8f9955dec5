/*
 * engine.c: the engine (limits, allocator, options), status names, allocation helpers
 * shared by the runtime and the stores, and the deterministic clock and randomness of
 * spec/scenario.md.
 */
#include "logic.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statuses ---- */

CR_API const char *cr_status_name(cr_status st)
{
    switch (st) {
#define CR_X(name, msg) \
    case CR_##name:     \
        return #name;
        CR_STATUS_MAP(CR_X)
#undef CR_X
    }
    return "UNKNOWN";
}

CR_API const char *cr_status_str(cr_status st)
{
    switch (st) {
#define CR_X(name, msg) \
    case CR_##name:     \
        return msg;
        CR_STATUS_MAP(CR_X)
#undef CR_X
    }
    return "unknown status";
}

CR_API size_t cr_error_json(const cr_error *err, char *buf, size_t cap)
{
    char tmp[128];
    int n = 0;
    if (err && err->st == CR_ERR_COMPILE)
        n = snprintf(tmp, sizeof tmp, "{\"type\":\"CompilationError\",\"data\":{}}");
    else if (err && err->st == CR_ERR_MODULE_SIZE)
        n = snprintf(tmp, sizeof tmp,
                     "{\"type\":\"ModuleSizeLimitExceeded\",\"data\":{\"size\":%llu,\"max\":%llu}}",
                     (unsigned long long)err->size, (unsigned long long)err->max);
    else
        tmp[0] = 0;
    if (buf && cap) {
        size_t c = (size_t)n < cap ? (size_t)n : cap - 1;
        memcpy(buf, tmp, c);
        buf[c] = 0;
    }
    return (size_t)n;
}

/* ---- allocation ---- */

void *cr__realloc(const cr_engine *eng, void *ptr, size_t old_size, size_t new_size)
{
    if (eng && eng->cfg.alloc) return eng->cfg.alloc(eng->cfg.alloc_ud, ptr, old_size, new_size);
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

void *cr__alloc(const cr_engine *eng, size_t size)
{
    return cr__realloc(eng, NULL, 0, size ? size : 1);
}

void cr__free(const cr_engine *eng, void *ptr, size_t size)
{
    if (ptr) cr__realloc(eng, ptr, size ? size : 1, 0);
}

bool cr__grow(const cr_engine *eng, void **data, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem_size) return false;
        ncap *= 2;
    }
    void *p = cr__realloc(eng, *data, *cap * elem_size, ncap * elem_size);
    if (!p) return false;
    *data = p;
    *cap = ncap;
    return true;
}

/* Arena blocks: a header, then the payload. Large requests get a block of their own. */
struct cr__arena_block {
    cr__arena_block *next;
    size_t size; /* payload bytes */
};

enum { ARENA_BLOCK = 4096 };

void *cr__arena_alloc(cr__arena *a, const cr_engine *eng, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    if (!a->head || a->head->size - a->used < size) {
        size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        if (bsize > SIZE_MAX - sizeof(cr__arena_block) - 16) return NULL;
        cr__arena_block *b = cr__alloc(eng, sizeof(cr__arena_block) + 16 + bsize);
        if (!b) return NULL;
        b->size = bsize;
        if (size > ARENA_BLOCK && a->head) {
            /* keep filling the current block: insert the big one behind it */
            b->next = a->head->next;
            a->head->next = b;
            return (uint8_t *)(b + 1) + 16;
        }
        b->next = a->head;
        a->head = b;
        a->used = 0;
    }
    void *p = (uint8_t *)(a->head + 1) + 16 + a->used;
    a->used += size;
    return p;
}

void *cr__arena_dup(cr__arena *a, const cr_engine *eng, const void *src, size_t size)
{
    uint8_t *p = cr__arena_alloc(a, eng, size + 1);
    if (!p) return NULL;
    if (size) memcpy(p, src, size);
    p[size] = 0;
    return p;
}

void cr__arena_free(cr__arena *a, const cr_engine *eng)
{
    cr__arena_block *b = a->head;
    while (b) {
        cr__arena_block *next = b->next;
        cr__free(eng, b, sizeof(cr__arena_block) + 16 + b->size);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

/* ---- limits and engine ---- */

CR_API cr_limits cr_limits_default(void)
{
    const uint64_t kib = 1024, mib = 1024 * 1024, gib = 1024 * 1024 * 1024;
    cr_limits l;
    l.max_memory_pages = 1024;
    l.max_stack_size = 200 * kib;
    l.max_registers = 100;
    l.max_register_size = 100 * mib;
    l.max_registers_capacity = gib;
    l.max_logs = 100;
    l.max_log_size = 16 * kib;
    l.max_events = 100;
    l.max_event_kind_size = 100;
    l.max_event_data_size = 16 * kib;
    l.max_xcalls = 100;
    l.max_xcall_function_size = 100;
    l.max_xcall_params_size = 16 * kib;
    l.max_storage_key_size = mib;
    l.max_storage_value_size = 10 * mib;
    l.max_blob_handles = 100;
    l.max_blob_chunk_size = 10 * mib;
    l.max_method_name_length = 256;
    l.max_module_size = 10 * mib;
    l.max_gas = 1000000000;
    return l;
}

CR_API cr_engine_config cr_engine_config_default(void)
{
    cr_engine_config c;
    memset(&c, 0, sizeof c);
    c.limits = cr_limits_default();
    c.jit = true;
    return c;
}

static void set_error(cr_error *err, cr_status st, const char *msg)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->st = st;
    snprintf(err->message, sizeof err->message, "%s", msg);
}

/* wa_alloc_fn adapter: the engine's allocator for the wasm engine. */
static void *wa_alloc_adapter(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    const cr_engine *eng = ud;
    return eng->cfg.alloc(eng->cfg.alloc_ud, ptr, old_size, new_size);
}

CR_API cr_status cr_engine_create(const cr_engine_config *cfg, cr_engine **out, cr_error *err)
{
    cr_engine_config c = cfg ? *cfg : cr_engine_config_default();
    if (!out) {
        set_error(err, CR_ERR_ARG, "invalid argument: out is NULL");
        return CR_ERR_ARG;
    }
    *out = NULL;
    if (c.limits.max_storage_key_size == 0 || c.limits.max_storage_value_size == 0) {
        set_error(err, CR_ERR_ARG, "invalid argument: storage key/value limits must be non-zero");
        return CR_ERR_ARG;
    }
    if (c.limits.max_register_size >= UINT64_MAX - 1) {
        set_error(err, CR_ERR_ARG, "invalid argument: max_register_size must be < u64::MAX - 1");
        return CR_ERR_ARG;
    }
    cr_engine tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.cfg = c;
    cr_engine *eng = cr__alloc(&tmp, sizeof *eng);
    if (!eng) {
        set_error(err, CR_ERR_NOMEM, "out of memory");
        return CR_ERR_NOMEM;
    }
    memset(eng, 0, sizeof *eng);
    eng->cfg = c;
    eng->wcfg = wa_config_default();
    if (c.alloc) {
        eng->wcfg.alloc = wa_alloc_adapter;
        eng->wcfg.alloc_ud = eng;
    }
    eng->wcfg.max_memory_pages = c.limits.max_memory_pages;
    eng->wcfg.compile_threads = c.compile_threads;
    eng->wcfg.jit = eng->wcfg.jit && c.jit;
    /* runtime-model.md §5.4: a bounded budget derived from the 200 KiB native stack of
       upstream. Every local and operand takes an 8-byte slot here, so the value stack
       gets four times the native budget; deep recursion still ends in StackOverflow. */
    uint64_t stack = c.limits.max_stack_size * 4;
    if (stack < 64 * 1024) stack = 64 * 1024;
    if (stack > (uint64_t)1 << 30) stack = (uint64_t)1 << 30;
    eng->wcfg.stack_bytes = (size_t)stack;
    eng->wcfg.metering = true;
    eng->pool = cr__alloc(eng, CR__POOL_SLOTS * sizeof *eng->pool);
    if (!eng->pool) {
        cr__free(&tmp, eng, sizeof *eng);
        set_error(err, CR_ERR_NOMEM, "out of memory");
        return CR_ERR_NOMEM;
    }
    for (size_t i = 0; i < CR__POOL_SLOTS; i++)
        atomic_init(&eng->pool[i], NULL);
    *out = eng;
    return CR_OK;
}

CR_API void cr_engine_destroy(cr_engine *eng)
{
    if (!eng) return;
    for (size_t i = 0; i < CR__POOL_SLOTS; i++)
        cr__runctx_destroy(atomic_exchange(&eng->pool[i], NULL));
    cr__free(eng, eng->pool, CR__POOL_SLOTS * sizeof *eng->pool);
    cr_engine tmp = *eng;
    cr__free(&tmp, eng, sizeof *eng);
}

CR_API const cr_limits *cr_engine_limits(const cr_engine *eng)
{
    return eng ? &eng->cfg.limits : NULL;
}

CR_API void cr_engine_free(const cr_engine *eng, void *ptr, size_t len)
{
    cr__free(eng, ptr, len);
}

/* ---- deterministic sources (spec/scenario.md "Determinism") ---- */

CR_API uint64_t cr_step_clock_now(void *step_clock)
{
    cr_step_clock *c = step_clock;
    return c->start + c->step * c->count++;
}

static uint64_t splitmix_next(cr_splitmix *s)
{
    s->state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = s->state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

CR_API void cr_splitmix_fill(void *splitmix, uint8_t *buf, size_t len)
{
    cr_splitmix *s = splitmix;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = splitmix_next(s);
        for (size_t j = 0; j < 8 && i + j < len; j++)
            buf[i + j] = (uint8_t)(w >> (8 * j));
    }
}
