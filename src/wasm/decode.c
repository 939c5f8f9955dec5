/*
 * decode.c: the module structure. Reads the binary's sections in one pass and fills a
 * wa_module: types, imports, index spaces, tables, memories, globals, exports, start,
 * element and data segments, function body framing (locals expanded) and custom
 * sections. Function bodies themselves are validated and compiled by compile.c.
 *
 * Reading follows the reference decoder: reads are bounded by the end of the binary,
 * and a section is checked against its declared size once it has been read. Lengths
 * (vector counts, name and section sizes) may not exceed the bytes left. Errors of
 * the binary format (WA_ERR_MALFORMED) stop decoding at once; validation errors
 * (WA_ERR_INVALID) are recorded and reported only if the whole binary decodes, since
 * the reference decodes a module completely before validating it.
 */
#include "wasm_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SEC_HEADER 0xffu /* not in a section: magic and version */

/* Section order (spec, binary format, modules): data count (12) sits before code (10). */
static const uint8_t section_order[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
static const char *const section_names[13] = {
    "custom", "type",  "import",  "function", "table", "memory",     "global",
    "export", "start", "element", "code",     "data",  "data count",
};

/* ---- the module's arena: every decoded array lives in a few large chunks ---- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* bytes of the whole chunk, header included */
    size_t used;
    uint64_t pad; /* keeps the payload 16-byte aligned */
} arena_chunk;

typedef struct dec {
    wa_module *m;
    wa_reader r;
    wa_error *err;
    uint8_t sec_id; /* current section id, SEC_HEADER before the first */
    const uint8_t *sec_start;
    size_t next_chunk; /* size of the next arena chunk */

    /* imports, by kind, until the index spaces are built */
    wa_table_decl *imp_tables;
    wa_memory_decl *imp_memories;
    wa_global_decl *imp_globals;
    uint32_t *imp_func_types;
    bool funcs_built, tables_built, memories_built, globals_built;
    uint32_t defined_funcs; /* function section count */
    uint32_t code_count;    /* code section count */
    bool code_done;         /* the code section was read completely */
    uint32_t custom_cap;

    /* first validation error, reported if the binary decodes */
    wa_status inv_st;
    uint32_t inv_offset;
    uint32_t inv_func;
    char inv_msg[sizeof(((wa_error *)0)->message)];
} dec;

static void *arena_alloc(dec *d, size_t size)
{
    wa_module *m = d->m;
    size = (size + 15u) & ~(size_t)15u;
    arena_chunk *c = m->arena;
    if (!c || c->size - c->used < size) {
        bool big = size + sizeof(arena_chunk) > d->next_chunk / 2;
        size_t want = big ? size + sizeof(arena_chunk) : d->next_chunk;
        arena_chunk *n = wa__realloc(&m->cfg, NULL, 0, want);
        if (!n) return NULL;
        n->size = want;
        n->used = sizeof(arena_chunk);
        if (big && c) {
            /* a one-off block behind the head: the head keeps serving small requests */
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            m->arena = n;
            if (!big && d->next_chunk < (1u << 20)) d->next_chunk *= 2;
        }
        c = n;
    }
    void *p = (uint8_t *)c + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void wa__decode_free(wa_module *m)
{
    arena_chunk *c = m->arena;
    while (c) {
        arena_chunk *next = c->next;
        wa__free(&m->cfg, c, c->size);
        c = next;
    }
    m->arena = NULL;
    wa__free(&m->cfg, m->bytes, m->len ? m->len : 1);
    m->bytes = NULL;
}

/* ---- errors ---- */

static uint32_t offset_of(const dec *d, const uint8_t *at)
{
    return (uint32_t)(at - d->r.base);
}

static void format_where(const dec *d, char *buf, size_t cap, const uint8_t *at)
{
    if (d->sec_id == SEC_HEADER)
        snprintf(buf, cap, "offset 0x%x", offset_of(d, at));
    else
        snprintf(buf, cap, "%s section, offset 0x%x", section_names[d->sec_id], offset_of(d, at));
}

static wa_status vfail(dec *d, wa_status st, const uint8_t *at, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static wa_status vfail(dec *d, wa_status st, const uint8_t *at, const char *fmt, va_list ap)
{
    if (!d->err) return st;
    char what[160], where[64];
    vsnprintf(what, sizeof what, fmt, ap);
    format_where(d, where, sizeof where, at);
    wa_error_set(d->err, st, "%s: %s (%s)", wa_status_str(st), what, where);
    d->err->offset = offset_of(d, at);
    d->err->func_idx = UINT32_MAX;
    return st;
}

static wa_status fail_at(dec *d, wa_status st, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static wa_status fail_at(dec *d, wa_status st, const uint8_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(d, st, at, fmt, ap);
    va_end(ap);
    return st;
}

/* Records a validation error (the first one wins) and lets decoding go on. */
static wa_status invalid_at(dec *d, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static wa_status invalid_at(dec *d, const uint8_t *at, const char *fmt, ...)
{
    if (d->inv_st != WA_OK) return WA_OK;
    char what[160], where[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    format_where(d, where, sizeof where, at);
    snprintf(d->inv_msg, sizeof d->inv_msg, "%s: %s (%s)", wa_status_str(WA_ERR_INVALID), what,
             where);
    d->inv_st = WA_ERR_INVALID;
    d->inv_offset = offset_of(d, at);
    d->inv_func = UINT32_MAX;
    return WA_OK;
}

/* The reader failed: report its wording at the place it stopped. */
static wa_status read_error(dec *d)
{
    const char *what = d->r.fail ? d->r.fail : "unexpected end";
    if (d->sec_id != SEC_HEADER && strcmp(what, "unexpected end") == 0)
        what = "unexpected end of section or function";
    return fail_at(d, WA_ERR_MALFORMED, d->r.p, "%s", what);
}

static wa_status nomem(dec *d)
{
    return wa_error_set(d->err, WA_ERR_NOMEM, "out of memory: decoding module");
}

#define RD(x)                                     \
    do {                                          \
        if (UNLIKELY(!(x))) return read_error(d); \
    } while (0)

#define TRY(x)                                  \
    do {                                        \
        wa_status st_ = (x);                    \
        if (UNLIKELY(st_ != WA_OK)) return st_; \
    } while (0)

#define ALLOC(p, n)                                      \
    do {                                                 \
        (p) = arena_alloc(d, (size_t)(n) * sizeof *(p)); \
        if (UNLIKELY(!(p))) return nomem(d);             \
    } while (0)

/* ---- small readers ---- */

/* A length (vector count or byte size): may not exceed the bytes left, counted from
   the start of its own encoding (the reference decoder's len32). */
static wa_status read_len(dec *d, uint32_t *n)
{
    const uint8_t *start = d->r.p;
    RD(wa__read_u32(&d->r, n));
    if (*n > (size_t)(d->r.end - start))
        return fail_at(d, WA_ERR_MALFORMED, start, "length out of bounds");
    return WA_OK;
}

/* A byte size (section, function body): the bytes it counts follow its own encoding and
   must all be there, since readers inside trust the end it gives. */
static wa_status read_size(dec *d, uint32_t *n)
{
    const uint8_t *start = d->r.p;
    RD(wa__read_u32(&d->r, n));
    if (*n > (size_t)(d->r.end - d->r.p))
        return fail_at(d, WA_ERR_MALFORMED, start, "length out of bounds");
    return WA_OK;
}

static wa_status read_count(dec *d, uint32_t *n, uint32_t limit, const char *what)
{
    const uint8_t *start = d->r.p;
    TRY(read_len(d, n));
    if (*n > limit)
        return fail_at(d, WA_ERR_LIMIT, start, "too many %s (%u, limit %u)", what, *n, limit);
    return WA_OK;
}

static wa_status read_u8(dec *d, uint8_t *b)
{
    if (UNLIKELY(!wa__read_u8(&d->r, b))) {
        *b = 0;
        return read_error(d);
    }
    return WA_OK;
}

static wa_status read_valtype(dec *d, uint8_t *out)
{
    const uint8_t *at = d->r.p;
    uint8_t b;
    TRY(read_u8(d, &b));
    switch (b) {
    case WA_I32:
    case WA_I64:
    case WA_F32:
    case WA_F64:
    case WA_FUNCREF:
    case WA_EXTERNREF:
        *out = b;
        return WA_OK;
    case WA_V128:
        return fail_at(d, WA_ERR_UNSUPPORTED, at, "SIMD");
    default:
        return fail_at(d, WA_ERR_MALFORMED, at, "%s",
                       b > 0x70 ? "malformed number type" : "malformed reference type");
    }
}

static wa_status read_reftype(dec *d, uint8_t *out)
{
    const uint8_t *at = d->r.p;
    uint8_t b;
    TRY(read_u8(d, &b));
    if (b != WA_FUNCREF && b != WA_EXTERNREF)
        return fail_at(d, WA_ERR_MALFORMED, at, "malformed reference type");
    *out = b;
    return WA_OK;
}

/* Limits; range is the largest allowed minimum/maximum (0: any u32). */
static wa_status read_limits(dec *d, wa_limits *out, uint64_t range)
{
    const uint8_t *at = d->r.p;
    uint64_t flag;
    uint32_t min, max = 0;
    RD(wa__read_leb_slow(&d->r, 1, false, &flag));
    RD(wa__read_u32(&d->r, &min));
    if (flag) RD(wa__read_u32(&d->r, &max));
    out->min = min;
    out->max = flag ? max : 0;
    out->has_max = flag != 0;
    if (range && (min > range || (flag && max > range)))
        return invalid_at(d, at, "memory size must be at most 65536 pages (4GiB)");
    if (flag && min > max)
        return invalid_at(d, at, "size minimum must not be greater than maximum");
    return WA_OK;
}

static wa_status read_table_type(dec *d, wa_table_decl *t)
{
    TRY(read_reftype(d, &t->elem_type));
    return read_limits(d, &t->limits, 0);
}

static wa_status read_global_type(dec *d, wa_global_decl *g)
{
    TRY(read_valtype(d, &g->type));
    const uint8_t *at = d->r.p;
    uint8_t mut;
    TRY(read_u8(d, &mut));
    if (mut > 1) return fail_at(d, WA_ERR_MALFORMED, at, "malformed mutability");
    g->mutable_ = mut == 1;
    return WA_OK;
}

/* ---- index spaces: imports first, then definitions ---- */

static wa_status build_funcs(dec *d, uint32_t defined)
{
    wa_module *m = d->m;
    m->func_count = m->import_func_count + defined;
    ALLOC(m->func_types, m->func_count);
    if (m->import_func_count)
        memcpy(m->func_types, d->imp_func_types, m->import_func_count * sizeof(uint32_t));
    ALLOC(m->func_declared, (m->func_count + 7) / 8);
    d->funcs_built = true;
    return WA_OK;
}

static wa_status build_tables(dec *d, uint32_t defined)
{
    wa_module *m = d->m;
    m->table_count = m->import_table_count + defined;
    ALLOC(m->tables, m->table_count);
    if (m->import_table_count)
        memcpy(m->tables, d->imp_tables, m->import_table_count * sizeof *m->tables);
    d->tables_built = true;
    return WA_OK;
}

static wa_status build_memories(dec *d, uint32_t defined)
{
    wa_module *m = d->m;
    m->memory_count = m->import_memory_count + defined;
    ALLOC(m->memories, m->memory_count);
    if (m->import_memory_count)
        memcpy(m->memories, d->imp_memories, m->import_memory_count * sizeof *m->memories);
    d->memories_built = true;
    return WA_OK;
}

static wa_status build_globals(dec *d, uint32_t defined)
{
    wa_module *m = d->m;
    m->global_count = m->import_global_count + defined;
    ALLOC(m->globals, m->global_count);
    if (m->import_global_count)
        memcpy(m->globals, d->imp_globals, m->import_global_count * sizeof *m->globals);
    d->globals_built = true;
    return WA_OK;
}

/* Before a section of the given order: builds (imports only) every space whose
   defining section was absent. */
static wa_status ensure_spaces(dec *d, unsigned order)
{
    if (order > 3 && !d->funcs_built) TRY(build_funcs(d, 0));
    if (order > 4 && !d->tables_built) TRY(build_tables(d, 0));
    if (order > 5 && !d->memories_built) TRY(build_memories(d, 0));
    if (order > 6 && !d->globals_built) TRY(build_globals(d, 0));
    return WA_OK;
}

static void declare_func(dec *d, uint32_t idx)
{
    d->m->func_declared[idx >> 3] |= (uint8_t)(1u << (idx & 7));
}

/* ---- constant expressions ---- */

/* Every single-byte opcode of WebAssembly 2.0 (0xfc prefixes the rest). */
static bool is_opcode(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) ||
           op == 0xfc;
}

/* Skips the immediates of a non-constant instruction when that is simple; false when
   the instruction's shape is too involved to step over (the caller stops there). */
static bool skip_immediates(dec *d, uint8_t op)
{
    uint32_t x;
    if ((op >= 0x45 && op <= 0xc4) || op <= 0x01 || op == 0x0f || op == 0x1a || op == 0x1b ||
        op == 0xd1)
        return true;
    if (op == 0x0c || op == 0x0d || op == 0x10 || (op >= 0x20 && op <= 0x26))
        return wa__read_u32(&d->r, &x);
    if (op == 0x11 || (op >= 0x28 && op <= 0x3e))
        return wa__read_u32(&d->r, &x) && wa__read_u32(&d->r, &x);
    if (op == 0x3f || op == 0x40) {
        uint8_t b;
        return wa__read_u8(&d->r, &b);
    }
    return false;
}

/*
 * spec, validation, constant expressions (2.0): t.const, ref.null, ref.func and
 * global.get of an imported immutable global; the sequence must leave exactly one
 * value of type want. out receives the (last) instruction.
 */
static wa_status read_const(dec *d, uint8_t want, wa_const_expr *out)
{
    wa_module *m = d->m;
    const uint8_t *start = d->r.p;
    uint32_t depth = 0;
    bool non_const = false;
    memset(out, 0, sizeof *out);
    for (;;) {
        const uint8_t *at = d->r.p;
        uint8_t op;
        TRY(read_u8(d, &op));
        wa_const_expr e;
        memset(&e, 0, sizeof e);
        switch (op) {
        case 0x0b: /* end */
            if (!non_const && (depth != 1 || out->type != want))
                return invalid_at(d, start, "type mismatch");
            return WA_OK;
        case 0x41: {
            int32_t v;
            RD(wa__read_s32(&d->r, &v));
            e.kind = WA_CONST_VALUE;
            e.type = WA_I32;
            e.bits = (uint32_t)v;
            break;
        }
        case 0x42: {
            int64_t v;
            RD(wa__read_s64(&d->r, &v));
            e.kind = WA_CONST_VALUE;
            e.type = WA_I64;
            e.bits = (uint64_t)v;
            break;
        }
        case 0x43:
            RD(wa__read_fixed(&d->r, 4, &e.bits));
            e.kind = WA_CONST_VALUE;
            e.type = WA_F32;
            break;
        case 0x44:
            RD(wa__read_fixed(&d->r, 8, &e.bits));
            e.kind = WA_CONST_VALUE;
            e.type = WA_F64;
            break;
        case 0xd0:
            TRY(read_reftype(d, &e.type));
            e.kind = WA_CONST_REF_NULL;
            break;
        case 0xd2:
            RD(wa__read_u32(&d->r, &e.idx));
            e.kind = WA_CONST_REF_FUNC;
            e.type = WA_FUNCREF;
            if (e.idx >= m->func_count)
                TRY(invalid_at(d, at, "unknown function %u", e.idx));
            else
                declare_func(d, e.idx);
            break;
        case 0x23:
            RD(wa__read_u32(&d->r, &e.idx));
            e.kind = WA_CONST_GLOBAL_GET;
            if (e.idx >= m->import_global_count) {
                TRY(invalid_at(d, at, "unknown global %u", e.idx));
                non_const = true;
            } else {
                e.type = m->globals[e.idx].type;
                if (m->globals[e.idx].mutable_) {
                    TRY(invalid_at(d, at, "constant expression required"));
                    non_const = true;
                }
            }
            break;
        case 0xfd:
            return fail_at(d, WA_ERR_UNSUPPORTED, at, "SIMD");
        default:
            if (!is_opcode(op)) return fail_at(d, WA_ERR_MALFORMED, at, "illegal opcode %02x", op);
            TRY(invalid_at(d, at, "constant expression required"));
            non_const = true;
            if (!skip_immediates(d, op))
                return fail_at(d, WA_ERR_INVALID, at, "constant expression required");
            continue;
        }
        depth++;
        *out = e;
    }
}

/* ---- sections ---- */

static wa_status type_section(dec *d, const uint8_t *sec_end)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_TYPES, "types"));
    ALLOC(m->types, n);
    /* every value type is one byte of this section: its size bounds them all */
    ALLOC(m->type_vals, d->r.p < sec_end ? (size_t)(sec_end - d->r.p) : 0);
    uint8_t *vals = m->type_vals;
    m->type_count = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r.p;
        uint64_t form;
        RD(wa__read_leb_slow(&d->r, 7, true, &form));
        if (form != (uint64_t)-0x20) /* 0x60 */
            return fail_at(d, WA_ERR_MALFORMED, at, "malformed function type");
        wa_functype *t = &m->types[i];
        for (int part = 0; part < 2; part++) {
            uint32_t count;
            TRY(read_len(d, &count));
            if (count > sec_end - d->r.p)
                return d->r.end - d->r.p < count
                           ? fail_at(d, WA_ERR_MALFORMED, d->r.end,
                                     "unexpected end of section or function")
                           : fail_at(d, WA_ERR_MALFORMED, d->r.p, "section size mismatch");
            uint8_t *dst = vals;
            for (uint32_t k = 0; k < count; k++)
                TRY(read_valtype(d, &dst[k]));
            vals += count;
            if (part == 0) {
                t->param_count = count;
                t->params = dst;
            } else {
                t->result_count = count;
                t->results = dst;
            }
        }
    }
    return WA_OK;
}

static wa_status import_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_FUNCS, "imports"));
    ALLOC(m->imports, n);
    ALLOC(d->imp_func_types, n);
    ALLOC(d->imp_tables, n);
    ALLOC(d->imp_memories, n);
    ALLOC(d->imp_globals, n);
    m->import_count = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_import_decl *im = &m->imports[i];
        RD(wa__read_name(&d->r, &im->module, &im->module_len));
        RD(wa__read_name(&d->r, &im->name, &im->name_len));
        const uint8_t *at = d->r.p;
        uint8_t kind;
        TRY(read_u8(d, &kind));
        im->kind = kind;
        switch (kind) {
        case WA_EXTERN_FUNC: {
            uint32_t type_idx;
            RD(wa__read_u32(&d->r, &type_idx));
            im->index = type_idx;
            if (type_idx >= m->type_count) TRY(invalid_at(d, at, "unknown type %u", type_idx));
            d->imp_func_types[m->import_func_count++] = type_idx;
            break;
        }
        case WA_EXTERN_TABLE:
            im->index = m->import_table_count;
            TRY(read_table_type(d, &d->imp_tables[m->import_table_count++]));
            break;
        case WA_EXTERN_MEMORY:
            im->index = m->import_memory_count;
            TRY(read_limits(d, &d->imp_memories[m->import_memory_count++].limits, WA_MAX_PAGES));
            break;
        case WA_EXTERN_GLOBAL:
            im->index = m->import_global_count;
            TRY(read_global_type(d, &d->imp_globals[m->import_global_count++]));
            break;
        default:
            return fail_at(d, WA_ERR_MALFORMED, at, "malformed import kind");
        }
    }
    if (m->import_memory_count > 1) TRY(invalid_at(d, d->r.p, "multiple memories"));
    return WA_OK;
}

static wa_status function_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_FUNCS - m->import_func_count, "functions"));
    TRY(build_funcs(d, n));
    ALLOC(m->funcs, n);
    d->defined_funcs = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->r.p;
        uint32_t type_idx;
        RD(wa__read_u32(&d->r, &type_idx));
        if (type_idx >= m->type_count) TRY(invalid_at(d, at, "unknown type %u", type_idx));
        m->func_types[m->import_func_count + i] = type_idx;
        m->funcs[i].type_idx = type_idx;
    }
    return WA_OK;
}

static wa_status table_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_FUNCS, "tables"));
    TRY(build_tables(d, n));
    for (uint32_t i = 0; i < n; i++)
        TRY(read_table_type(d, &m->tables[m->import_table_count + i]));
    return WA_OK;
}

static wa_status memory_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_FUNCS, "memories"));
    TRY(build_memories(d, n));
    for (uint32_t i = 0; i < n; i++)
        TRY(read_limits(d, &m->memories[m->import_memory_count + i].limits, WA_MAX_PAGES));
    if (m->memory_count > 1) TRY(invalid_at(d, d->r.p, "multiple memories"));
    return WA_OK;
}

static wa_status global_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_FUNCS, "globals"));
    TRY(build_globals(d, n));
    for (uint32_t i = 0; i < n; i++) {
        wa_global_decl *g = &m->globals[m->import_global_count + i];
        TRY(read_global_type(d, g));
        TRY(read_const(d, g->type, &g->init));
    }
    return WA_OK;
}

static int export_cmp(const void *a, const void *b)
{
    const wa_export_decl *x = *(const wa_export_decl *const *)a;
    const wa_export_decl *y = *(const wa_export_decl *const *)b;
    if (x->name_len != y->name_len) return x->name_len < y->name_len ? -1 : 1;
    return memcmp(x->name, y->name, x->name_len);
}

static wa_status export_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_FUNCS, "exports"));
    ALLOC(m->exports, n);
    ALLOC(m->exports_sorted, n);
    m->export_count = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_export_decl *ex = &m->exports[i];
        RD(wa__read_name(&d->r, &ex->name, &ex->name_len));
        const uint8_t *at = d->r.p;
        uint8_t kind;
        TRY(read_u8(d, &kind));
        RD(wa__read_u32(&d->r, &ex->index));
        ex->kind = kind;
        m->exports_sorted[i] = ex;
        switch (kind) {
        case WA_EXTERN_FUNC:
            if (ex->index >= m->func_count)
                TRY(invalid_at(d, at, "unknown function %u", ex->index));
            else
                declare_func(d, ex->index);
            break;
        case WA_EXTERN_TABLE:
            if (ex->index >= m->table_count) TRY(invalid_at(d, at, "unknown table %u", ex->index));
            break;
        case WA_EXTERN_MEMORY:
            if (ex->index >= m->memory_count)
                TRY(invalid_at(d, at, "unknown memory %u", ex->index));
            break;
        case WA_EXTERN_GLOBAL:
            if (ex->index >= m->global_count)
                TRY(invalid_at(d, at, "unknown global %u", ex->index));
            break;
        default:
            return fail_at(d, WA_ERR_MALFORMED, at, "malformed export kind");
        }
    }
    if (n > 1) {
        qsort(m->exports_sorted, n, sizeof *m->exports_sorted, export_cmp);
        for (uint32_t i = 1; i < n; i++)
            if (export_cmp(&m->exports_sorted[i - 1], &m->exports_sorted[i]) == 0)
                return invalid_at(d, d->sec_start, "duplicate export name");
    }
    return WA_OK;
}

static wa_status start_section(dec *d)
{
    wa_module *m = d->m;
    const uint8_t *at = d->r.p;
    RD(wa__read_u32(&d->r, &m->start));
    m->has_start = true;
    if (m->start >= m->func_count) return invalid_at(d, at, "unknown function %u", m->start);
    uint32_t t = m->func_types[m->start];
    if (t < m->type_count && (m->types[t].param_count || m->types[t].result_count))
        return invalid_at(d, at, "start function");
    return WA_OK;
}

static wa_status element_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_SEGMENTS, "element segments"));
    ALLOC(m->elems, n);
    m->elem_count = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_elem_decl *e = &m->elems[i];
        const uint8_t *at = d->r.p;
        uint32_t flags;
        RD(wa__read_u32(&d->r, &flags));
        if (flags > 7) return fail_at(d, WA_ERR_MALFORMED, at, "malformed elements segment kind");
        e->elem_type = WA_FUNCREF;
        if (flags & 1)
            e->mode = (flags & 2) ? WA_SEG_DECLARATIVE : WA_SEG_PASSIVE;
        else
            e->mode = WA_SEG_ACTIVE;
        if (e->mode == WA_SEG_ACTIVE) {
            const uint8_t *tat = d->r.p;
            if (flags & 2) RD(wa__read_u32(&d->r, &e->table_idx));
            if (e->table_idx >= m->table_count)
                TRY(invalid_at(d, tat, "unknown table %u", e->table_idx));
            TRY(read_const(d, WA_I32, &e->offset));
        }
        bool exprs = (flags & 4) != 0;
        if (flags & 3) { /* explicit element kind or reference type */
            const uint8_t *kat = d->r.p;
            if (exprs) {
                TRY(read_reftype(d, &e->elem_type));
            } else {
                uint8_t kind;
                TRY(read_u8(d, &kind));
                if (kind != 0) return fail_at(d, WA_ERR_MALFORMED, kat, "malformed element kind");
            }
        }
        if (e->mode == WA_SEG_ACTIVE && e->table_idx < m->table_count &&
            m->tables[e->table_idx].elem_type != e->elem_type)
            TRY(invalid_at(d, at, "type mismatch"));
        TRY(read_len(d, &e->count));
        ALLOC(e->items, e->count);
        for (uint32_t k = 0; k < e->count; k++) {
            wa_const_expr *it = &e->items[k];
            if (exprs) {
                TRY(read_const(d, e->elem_type, it));
                continue;
            }
            const uint8_t *fat = d->r.p;
            RD(wa__read_u32(&d->r, &it->idx));
            it->kind = WA_CONST_REF_FUNC;
            it->type = WA_FUNCREF;
            if (it->idx >= m->func_count)
                TRY(invalid_at(d, fat, "unknown function %u", it->idx));
            else
                declare_func(d, it->idx);
        }
    }
    return WA_OK;
}

static wa_status data_count_section(dec *d)
{
    wa_module *m = d->m;
    const uint8_t *at = d->r.p;
    RD(wa__read_u32(&d->r, &m->data_count));
    if (m->data_count > WA_MAX_SEGMENTS)
        return fail_at(d, WA_ERR_LIMIT, at, "too many data segments (%u, limit %u)", m->data_count,
                       WA_MAX_SEGMENTS);
    m->has_data_count = true;
    return WA_OK;
}

/* One function body: local declarations expanded, instructions left to compile.c. */
static wa_status code_entry(dec *d, wa_func_decl *f)
{
    wa_module *m = d->m;
    uint32_t size;
    TRY(read_size(d, &size));
    const uint8_t *body_start = d->r.p;
    const uint8_t *body_end = body_start + size;

    uint32_t groups;
    TRY(read_len(d, &groups));
    const uint8_t *decls = d->r.p;
    uint64_t total = 0;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t count;
        uint8_t t;
        RD(wa__read_u32(&d->r, &count));
        TRY(read_valtype(d, &t));
        total += count;
    }
    if (total >= ((uint64_t)1 << 32)) return fail_at(d, WA_ERR_MALFORMED, decls, "too many locals");
    uint32_t params = f->type_idx < m->type_count ? m->types[f->type_idx].param_count : 0;
    if (total + params > WA_MAX_LOCALS)
        return fail_at(d, WA_ERR_LIMIT, decls, "too many locals (%llu, limit %u)",
                       (unsigned long long)(total + params), WA_MAX_LOCALS);
    if (d->r.p > body_end) return fail_at(d, WA_ERR_MALFORMED, body_end, "section size mismatch");

    f->local_count = (uint32_t)total;
    if (total) {
        ALLOC(f->local_types, total);
        /* second look at the (already checked) declarations, to expand them */
        wa_reader r2 = d->r;
        r2.p = decls;
        uint8_t *dst = f->local_types;
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t count = 0;
            wa__read_u32(&r2, &count);
            uint8_t t = *r2.p++;
            memset(dst, t, count);
            dst += count;
        }
    }
    f->body = d->r.p;
    f->body_end = body_end;
    f->body_offset = offset_of(d, d->r.p);
    d->r.p = body_end;
    return WA_OK;
}

static wa_status code_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_len(d, &n));
    /* a count differing from the function section's is reported after the whole
       binary has been read, as the reference decoder does */
    d->code_count = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_func_decl scratch = {.type_idx = UINT32_MAX};
        wa_status st = code_entry(d, i < d->defined_funcs ? &m->funcs[i] : &scratch);
        if (st != WA_OK) {
            if (d->err) d->err->func_idx = m->import_func_count + i;
            return st;
        }
    }
    return WA_OK;
}

static wa_status data_section(dec *d)
{
    wa_module *m = d->m;
    uint32_t n;
    TRY(read_count(d, &n, WA_MAX_SEGMENTS, "data segments"));
    ALLOC(m->datas, n);
    uint32_t declared = m->data_count;
    m->data_count = n;
    for (uint32_t i = 0; i < n; i++) {
        wa_data_decl *s = &m->datas[i];
        const uint8_t *at = d->r.p;
        uint32_t flags;
        RD(wa__read_u32(&d->r, &flags));
        if (flags > 2) return fail_at(d, WA_ERR_MALFORMED, at, "malformed data segment kind");
        s->mode = flags == 1 ? WA_SEG_PASSIVE : WA_SEG_ACTIVE;
        if (s->mode == WA_SEG_ACTIVE) {
            const uint8_t *mat = d->r.p;
            if (flags == 2) RD(wa__read_u32(&d->r, &s->memory_idx));
            if (s->memory_idx >= m->memory_count)
                TRY(invalid_at(d, mat, "unknown memory %u", s->memory_idx));
            TRY(read_const(d, WA_I32, &s->offset));
        }
        TRY(read_len(d, &s->len));
        RD(wa__read_bytes(&d->r, s->len, &s->bytes));
    }
    if (m->has_data_count && declared != n)
        return fail_at(d, WA_ERR_MALFORMED, d->sec_start,
                       "data count and data section have inconsistent lengths");
    return WA_OK;
}

static wa_status custom_section(dec *d, const uint8_t *sec_end)
{
    wa_module *m = d->m;
    wa_custom_decl c;
    RD(wa__read_name(&d->r, &c.name, &c.name_len));
    if (d->r.p > sec_end)
        return fail_at(d, WA_ERR_MALFORMED, sec_end, "unexpected end of section or function");
    c.data = d->r.p;
    c.len = (size_t)(sec_end - d->r.p);
    d->r.p = sec_end;
    if (m->custom_count == d->custom_cap) {
        uint32_t cap = d->custom_cap ? d->custom_cap * 2 : 4;
        wa_custom_decl *n;
        ALLOC(n, cap);
        if (m->custom_count) memcpy(n, m->customs, m->custom_count * sizeof *n);
        m->customs = n;
        d->custom_cap = cap;
    }
    m->customs[m->custom_count++] = c;
    return WA_OK;
}

static wa_status section(dec *d, uint8_t id, const uint8_t *sec_end)
{
    switch (id) {
    case 0:
        return custom_section(d, sec_end);
    case 1:
        return type_section(d, sec_end);
    case 2:
        return import_section(d);
    case 3:
        return function_section(d);
    case 4:
        return table_section(d);
    case 5:
        return memory_section(d);
    case 6:
        return global_section(d);
    case 7:
        return export_section(d);
    case 8:
        return start_section(d);
    case 9:
        return element_section(d);
    case 10:
        return code_section(d);
    case 11:
        return data_section(d);
    default:
        return data_count_section(d);
    }
}

static wa_status decode_all(dec *d, size_t len)
{
    wa_module *m = d->m;
    wa_reader *r = &d->r;
    const uint8_t *b;

    if (!wa__read_bytes(r, 4, &b)) return fail_at(d, WA_ERR_MALFORMED, r->end, "unexpected end");
    if (memcmp(b, "\0asm", 4) != 0)
        return fail_at(d, WA_ERR_MALFORMED, b, "magic header not detected");
    if (!wa__read_bytes(r, 4, &b)) return fail_at(d, WA_ERR_MALFORMED, r->end, "unexpected end");
    if (memcmp(b, "\1\0\0\0", 4) != 0)
        return fail_at(d, WA_ERR_MALFORMED, b, "unknown binary version");
    if (len > UINT32_MAX) return fail_at(d, WA_ERR_LIMIT, b, "module too large");

    unsigned last = 0;
    while (r->p < r->end) {
        const uint8_t *at = r->p;
        d->sec_id = SEC_HEADER;
        uint8_t id = *r->p;
        if (id > 12) return fail_at(d, WA_ERR_MALFORMED, at, "malformed section id");
        if (id != 0) {
            if (section_order[id] <= last)
                return fail_at(d, WA_ERR_MALFORMED, at, "unexpected content after last section");
            last = section_order[id];
            TRY(ensure_spaces(d, last));
        }
        d->sec_id = id;
        r->p++;
        uint32_t size;
        TRY(read_size(d, &size));
        d->sec_start = r->p;
        const uint8_t *sec_end = r->p + size;
        if (id == 10) m->code_bytes = size;
        TRY(section(d, id, sec_end));
        if (r->p != sec_end)
            return fail_at(d, WA_ERR_MALFORMED, d->sec_start, "section size mismatch");
        if (id == 10) d->code_done = true;
    }
    TRY(ensure_spaces(d, 13));
    d->sec_id = SEC_HEADER;
    if (d->defined_funcs != d->code_count)
        return fail_at(d, WA_ERR_MALFORMED, r->p,
                       "function and code section have inconsistent lengths");
    if (m->has_data_count && m->data_count && !m->datas)
        return fail_at(d, WA_ERR_MALFORMED, r->p,
                       "data count and data section have inconsistent lengths");
    if (d->inv_st != WA_OK) {
        if (d->err) {
            wa_error_set(d->err, d->inv_st, "%s", d->inv_msg);
            d->err->offset = d->inv_offset;
            d->err->func_idx = d->inv_func;
        }
        return d->inv_st;
    }
    return WA_OK;
}

wa_status wa__decode(wa_module *m, const uint8_t *bytes, size_t len, wa_error *err)
{
    dec d;
    memset(&d, 0, sizeof d);
    d.m = m;
    d.err = err;
    d.sec_id = SEC_HEADER;
    d.next_chunk = len / 4 < 4096 ? 4096 : len / 4;
    if (d.next_chunk > (1u << 20)) d.next_chunk = 1u << 20;

    m->bytes = wa__realloc(&m->cfg, NULL, 0, len ? len : 1);
    if (!m->bytes) return nomem(&d);
    m->len = len;
    if (len) memcpy(m->bytes, bytes, len);
    d.r.base = m->bytes;
    d.r.p = m->bytes;
    d.r.end = m->bytes + len;
    wa_status st = decode_all(&d, len);
    m->malformed_after_code = st == WA_ERR_MALFORMED && d.code_done && d.inv_st == WA_OK &&
                              d.code_count == d.defined_funcs;
    return st;
}
