/*
 * util.c: what every engine step shares: status and trap names, error formatting, the
 * allocator indirection and function-type comparison.
 */
#include "wasm_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const status_names[] = {
#define WA_X(name, msg) #name,
    WA_STATUS_MAP(WA_X)
#undef WA_X
};

static const char *const status_msgs[] = {
#define WA_X(name, msg) msg,
    WA_STATUS_MAP(WA_X)
#undef WA_X
};

static const char *const trap_msgs[] = {
#define WA_X(name, msg) msg,
    WA_TRAP_MAP(WA_X)
#undef WA_X
};

const char *wa_status_name(wa_status st)
{
    if ((unsigned)st >= sizeof status_names / sizeof status_names[0]) return "UNKNOWN";
    return status_names[st];
}

const char *wa_status_str(wa_status st)
{
    if ((unsigned)st >= sizeof status_msgs / sizeof status_msgs[0]) return "unknown status";
    return status_msgs[st];
}

const char *wa_trap_str(wa_trap trap)
{
    if ((unsigned)trap >= sizeof trap_msgs / sizeof trap_msgs[0]) return "unknown trap";
    return trap_msgs[trap];
}

wa_status wa_error_set(wa_error *err, wa_status st, const char *fmt, ...)
{
    if (err) {
        err->st = st;
        if (st != WA_ERR_TRAP) err->trap = WA_TRAP_NONE;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

const char *wa_valtype_name(wa_valtype t)
{
    switch (t) {
    case WA_I32:
        return "i32";
    case WA_I64:
        return "i64";
    case WA_F32:
        return "f32";
    case WA_F64:
        return "f64";
    case WA_V128:
        return "v128";
    case WA_FUNCREF:
        return "funcref";
    case WA_EXTERNREF:
        return "externref";
    }
    return "unknown";
}

bool wa_functype_equal(const wa_functype *a, const wa_functype *b)
{
    if (a == b) return true;
    return a->param_count == b->param_count && a->result_count == b->result_count &&
           (a->param_count == 0 || memcmp(a->params, b->params, a->param_count) == 0) &&
           (a->result_count == 0 || memcmp(a->results, b->results, a->result_count) == 0);
}

static void *default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

void *wa__alloc(const wa_config *cfg, size_t size)
{
    if (size == 0) size = 1;
    void *p;
    if (cfg && cfg->alloc)
        p = cfg->alloc(cfg->alloc_ud, NULL, 0, size);
    else
        p = default_alloc(NULL, NULL, 0, size);
    if (p) memset(p, 0, size);
    return p;
}

void *wa__alloc_uninit(const wa_config *cfg, size_t size)
{
    if (size == 0) size = 1;
    if (cfg && cfg->alloc) return cfg->alloc(cfg->alloc_ud, NULL, 0, size);
    return default_alloc(NULL, NULL, 0, size);
}

void *wa__realloc(const wa_config *cfg, void *p, size_t old_size, size_t new_size)
{
    if (new_size == 0) new_size = 1;
    if (cfg && cfg->alloc) return cfg->alloc(cfg->alloc_ud, p, old_size, new_size);
    return default_alloc(NULL, p, old_size, new_size);
}

void wa__free(const wa_config *cfg, void *p, size_t size)
{
    if (!p) return;
    if (cfg && cfg->alloc)
        cfg->alloc(cfg->alloc_ud, p, size, 0);
    else
        default_alloc(NULL, p, size, 0);
}

wa_config wa_config_default(void)
{
    wa_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_memory_pages = WA_MAX_PAGES;
    cfg.max_table_elems = 10000000u;
    cfg.stack_bytes = 1u << 20;
    cfg.max_call_depth = 10000;
    cfg.metering = false;
#ifdef WA_NO_JIT
    cfg.jit = false;
#else
    cfg.jit = true;
#endif
    return cfg;
}

/* ---- internal code: instruction lengths (compile.c writes it; image.c, jit.c read it) ---- */

const uint8_t wa__op_lens[WA_OP_COUNT] = {
#define OP_DEF(name, layout) WA_LAYOUT_##layout,
#include "ops.def"
#undef OP_DEF
};

size_t wa__insn_len(uint32_t op, const uint32_t *ins, size_t avail)
{
    if (op >= WA_OP_COUNT || avail == 0) return 0;
    size_t len = wa__op_lens[op];
    if (op == WA_OP_br_table || op == WA_OP_br_table_m || op == WA_OP_pool_init) {
        if (avail < 3) return 0;
        size_t n = ins[2];
        len = op == WA_OP_pool_init ? 3 + 2 * n : op == WA_OP_br_table ? 4 + n : 5 + 2 * n;
    }
    return len <= avail ? len : 0;
}
