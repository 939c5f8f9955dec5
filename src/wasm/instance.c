/*
 * instance.c: instantiation and the runtime objects it makes: tables, globals, host
 * functions. An instance is one allocation (the instance, its index spaces and the
 * records of its own functions, tables, globals and memory), so creating one per call
 * costs a few allocations: the block, the memory mapping and each table's elements.
 */
#include "wasm_int.h"

#include <stdarg.h>
#include <stdio.h>

/* Objects made by the wa_*_new functions keep their own copy of the configuration. */
typedef struct standalone_table {
    wa_table t;
    wa_config cfg;
} standalone_table;

typedef struct standalone_global {
    wa_global g;
    wa_config cfg;
} standalone_global;

/* A host function; its parameter and result bytes follow the record. */
typedef struct host_func {
    wa_func f;
    wa_config cfg;
} host_func;

/* ---- tables ---- */

wa_status wa__table_init(wa_table *t, const wa_config *cfg, uint8_t elem_type, wa_limits lim,
                         wa_error *err)
{
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->elem_type = elem_type;
    uint64_t cap = cfg ? cfg->max_table_elems : WA_MAX_TABLE;
    uint64_t max = lim.has_max && lim.max < WA_MAX_TABLE ? lim.max : WA_MAX_TABLE;
    if (max > cap) max = cap;
    if (lim.min > max)
        return wa_error_set(err, WA_ERR_LIMIT,
                            "implementation limit exceeded: table of %llu elements, limit %llu",
                            (unsigned long long)lim.min, (unsigned long long)max);
    t->size = (uint32_t)lim.min;
    t->max = (uint32_t)max;
    t->has_max = lim.has_max;
    t->decl_max = lim.has_max ? (uint32_t)lim.max : 0;
    if (t->size) {
        t->elems = wa__alloc(cfg, (size_t)t->size * sizeof(wa_value));
        if (!t->elems)
            return wa_error_set(err, WA_ERR_NOMEM, "out of memory: table of %u elements", t->size);
        t->cap = t->size;
    }
    return WA_OK;
}

void wa__table_free(wa_table *t)
{
    if (t && t->elems) {
        wa__free(t->cfg, t->elems, (size_t)t->cap * sizeof(wa_value));
        t->elems = NULL;
        t->cap = 0;
    }
}

/* spec, table.grow: failure is -1, not a trap. Capacity doubles, up to the maximum. */
int64_t wa__table_grow(wa_table *t, uint32_t delta, wa_value init)
{
    uint32_t old = t->size;
    if ((uint64_t)old + delta > t->max) return -1;
    uint32_t size = old + delta;
    if (size > t->cap) {
        uint64_t cap = (uint64_t)t->cap * 2;
        if (cap < 8) cap = 8;
        if (cap > t->max) cap = t->max;
        if (cap < size) cap = size;
        if (cap > SIZE_MAX / sizeof(wa_value)) return -1;
        wa_value *p = wa__realloc(t->cfg, t->elems, (size_t)t->cap * sizeof(wa_value),
                                  (size_t)cap * sizeof(wa_value));
        if (!p) return -1;
        t->elems = p;
        t->cap = (uint32_t)cap;
    }
    for (uint32_t i = old; i < size; i++)
        t->elems[i] = init;
    t->size = size;
    return old;
}

wa_table *wa_table_new(const wa_config *cfg, wa_valtype elem, wa_limits lim)
{
    wa_config c = cfg ? *cfg : wa_config_default();
    if (elem != WA_FUNCREF && elem != WA_EXTERNREF) return NULL;
    standalone_table *s = wa__alloc(&c, sizeof *s);
    if (!s) return NULL;
    s->cfg = c;
    if (wa__table_init(&s->t, &s->cfg, (uint8_t)elem, lim, NULL) != WA_OK) {
        wa__free(&c, s, sizeof *s);
        return NULL;
    }
    return &s->t;
}

void wa_table_destroy(wa_table *t)
{
    if (!t) return;
    wa_config c = *t->cfg;
    wa__table_free(t);
    wa__free(&c, t, sizeof(standalone_table)); /* t is the block's first member */
}

uint32_t wa_table_size(const wa_table *t)
{
    return t->size;
}

wa_value wa_table_get(const wa_table *t, uint32_t idx)
{
    return idx < t->size ? t->elems[idx] : 0;
}

/* ---- globals ---- */

wa_global *wa_global_new(const wa_config *cfg, wa_valtype t, bool mut, wa_value v)
{
    wa_config c = cfg ? *cfg : wa_config_default();
    standalone_global *s = wa__alloc(&c, sizeof *s);
    if (!s) return NULL;
    s->cfg = c;
    s->g.val = v;
    s->g.type = (uint8_t)t;
    s->g.mutable_ = mut;
    s->g.cfg = &s->cfg;
    return &s->g;
}

void wa_global_destroy(wa_global *g)
{
    if (!g) return;
    wa_config c = *g->cfg;
    wa__free(&c, g, sizeof(standalone_global)); /* g is the block's first member */
}

wa_value wa_global_get(const wa_global *g)
{
    return g->val;
}

void wa_global_set(wa_global *g, wa_value v)
{
    g->val = v;
}

wa_valtype wa_global_type(const wa_global *g)
{
    return (wa_valtype)g->type;
}

/* ---- host functions ---- */

static size_t host_func_size(uint32_t params, uint32_t results)
{
    return sizeof(host_func) + (size_t)params + results;
}

wa_func *wa_func_new_host(const wa_config *cfg, const wa_functype *type, wa_host_fn fn, void *env)
{
    if (!type || !fn || type->param_count > WA_MAX_LOCALS || type->result_count > WA_MAX_LOCALS)
        return NULL;
    wa_config c = cfg ? *cfg : wa_config_default();
    host_func *h = wa__alloc(&c, host_func_size(type->param_count, type->result_count));
    if (!h) return NULL;
    h->cfg = c;
    uint8_t *vals = (uint8_t *)(h + 1);
    if (type->param_count) memcpy(vals, type->params, type->param_count);
    if (type->result_count) memcpy(vals + type->param_count, type->results, type->result_count);
    wa_func *f = &h->f;
    f->own_vals = vals;
    f->own_type.param_count = type->param_count;
    f->own_type.result_count = type->result_count;
    f->own_type.params = vals;
    f->own_type.results = vals + type->param_count;
    f->type = &f->own_type;
    f->host = fn;
    f->env = env;
    f->cfg = &h->cfg;
    f->idx = UINT32_MAX;
    return f;
}

void wa_func_destroy(wa_func *f)
{
    if (!f || !f->host || f->inst) return; /* only host functions are destroyed one by one */
    wa_config c = *f->cfg;
    wa__free(&c, f, host_func_size(f->own_type.param_count, f->own_type.result_count));
}

const wa_functype *wa_func_type(const wa_func *f)
{
    return f->type;
}

/* ---- instances ---- */

wa_value wa__const_eval(const wa_instance *inst, const wa_const_expr *e)
{
    switch (e->kind) {
    case WA_CONST_VALUE:
        return e->bits;
    case WA_CONST_GLOBAL_GET:
        return inst->globals[e->idx]->val;
    case WA_CONST_REF_FUNC:
        return (wa_value)(uintptr_t)inst->funcs[e->idx];
    default:
        return 0; /* ref.null */
    }
}

/* Where each part of the instance block lives; the same for every instance of a module. */
typedef struct layout {
    size_t memories, tables, globals, funcs, own_funcs, own_tables, own_globals, own_memory,
        elem_dropped, data_dropped, total;
} layout;

static size_t place(size_t *off, size_t bytes)
{
    size_t at = *off;
    *off = (at + bytes + 15u) & ~(size_t)15u;
    return at;
}

static void compute_layout(const wa_module *m, layout *l)
{
    size_t off = 0;
    place(&off, sizeof(wa_instance));
    l->memories = place(&off, m->memory_count * sizeof(wa_memory *));
    l->tables = place(&off, m->table_count * sizeof(wa_table *));
    l->globals = place(&off, m->global_count * sizeof(wa_global *));
    l->funcs = place(&off, m->func_count * sizeof(wa_func *));
    l->own_funcs = place(&off, (m->func_count - m->import_func_count) * sizeof(wa_func));
    l->own_tables = place(&off, (m->table_count - m->import_table_count) * sizeof(wa_table));
    l->own_globals = place(&off, (m->global_count - m->import_global_count) * sizeof(wa_global));
    l->own_memory = place(&off, (m->memory_count - m->import_memory_count) * sizeof(wa_memory));
    l->elem_dropped = place(&off, m->elem_count);
    l->data_dropped = place(&off, m->data_count);
    l->total = off;
}

static const char *const kind_names[] = {"function", "table", "memory", "global"};

static wa_status link_error(const wa_import_decl *im, wa_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static wa_status link_error(const wa_import_decl *im, wa_error *err, const char *fmt, ...)
{
    if (!err) return WA_ERR_LINK;
    char what[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return wa_error_set(err, WA_ERR_LINK, "%s: \"%.*s\" \"%.*s\"", what, (int)im->module_len,
                        im->module, (int)im->name_len, im->name);
}

/* spec, import subtyping of limits (2.0): the current size covers the minimum, and a
   declared maximum is matched by an equal or smaller one. */
static bool limits_match(uint64_t size, bool has_max, uint64_t max, const wa_limits *want)
{
    if (size < want->min) return false;
    return !want->has_max || (has_max && max <= want->max);
}

static wa_status link_check(const wa_module *m, const wa_extern *imports, wa_error *err)
{
    for (uint32_t i = 0; i < m->import_count; i++) {
        const wa_import_decl *im = &m->imports[i];
        const wa_extern *x = &imports[i];
        if (!x->u.func) /* any member: the union holds one pointer */
            return link_error(im, err, "unknown import");
        if ((unsigned)x->kind != im->kind)
            return link_error(im, err, "incompatible import type: %s expected, %s given",
                              kind_names[im->kind & 3], kind_names[x->kind & 3]);
        switch (im->kind) {
        case WA_EXTERN_FUNC:
            if (!wa_functype_equal(&m->types[im->index], x->u.func->type))
                return link_error(im, err, "incompatible import type: function type differs");
            break;
        case WA_EXTERN_TABLE: {
            const wa_table_decl *d = &m->tables[im->index];
            const wa_table *t = x->u.table;
            if (t->elem_type != d->elem_type)
                return link_error(im, err, "incompatible import type: %s table expected",
                                  wa_valtype_name((wa_valtype)d->elem_type));
            if (!limits_match(t->size, t->has_max, t->decl_max, &d->limits))
                return link_error(im, err, "incompatible import type: table limits");
            break;
        }
        case WA_EXTERN_MEMORY: {
            const wa_memory *mem = x->u.memory;
            if (!limits_match(mem->pages, mem->has_max, mem->decl_max,
                              &m->memories[im->index].limits))
                return link_error(im, err, "incompatible import type: memory limits");
            break;
        }
        default: {
            const wa_global_decl *d = &m->globals[im->index];
            const wa_global *g = x->u.global;
            if (g->type != d->type || g->mutable_ != d->mutable_)
                return link_error(im, err, "incompatible import type: %s%s global expected",
                                  d->mutable_ ? "mutable " : "",
                                  wa_valtype_name((wa_valtype)d->type));
            break;
        }
        }
    }
    return WA_OK;
}

static wa_status segment_trap(wa_error *err, wa_trap trap)
{
    if (err) {
        wa_error_set(err, WA_ERR_TRAP, "%s", wa_trap_str(trap));
        err->trap = trap;
        err->func_idx = UINT32_MAX;
        err->offset = 0;
    }
    return WA_ERR_TRAP;
}

/* spec, instantiation (2.0): active element segments, then active data segments, each
   as table.init/memory.init followed by a drop; declarative segments are dropped too. */
static wa_status apply_segments(wa_instance *inst, wa_error *err)
{
    const wa_module *m = inst->m;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const wa_elem_decl *e = &m->elems[i];
        if (e->mode == WA_SEG_PASSIVE) continue;
        inst->elem_dropped[i] = 1;
        if (e->mode == WA_SEG_DECLARATIVE) continue;
        wa_table *t = inst->tables[e->table_idx];
        uint32_t off = (uint32_t)wa__const_eval(inst, &e->offset);
        if ((uint64_t)off + e->count > t->size) return segment_trap(err, WA_TRAP_TABLE_OOB);
        wa_value *dst = t->elems + off;
        for (uint32_t k = 0; k < e->count; k++) {
            const wa_const_expr *it = &e->items[k];
            dst[k] = it->kind == WA_CONST_REF_FUNC ? (wa_value)(uintptr_t)inst->funcs[it->idx]
                                                   : wa__const_eval(inst, it);
        }
    }
    for (uint32_t i = 0; i < m->data_count; i++) {
        const wa_data_decl *s = &m->datas[i];
        if (s->mode != WA_SEG_ACTIVE) continue;
        inst->data_dropped[i] = 1;
        wa_memory *mem = inst->memories[s->memory_idx];
        uint32_t off = (uint32_t)wa__const_eval(inst, &s->offset);
        if ((uint64_t)off + s->len > mem->size) return segment_trap(err, WA_TRAP_MEM_OOB);
        if (s->len) {
            wa__memory_prefault(mem, off, s->len);
            memcpy(mem->data + off, s->bytes, s->len);
        }
    }
    return WA_OK;
}

static wa_status run_start(wa_instance *inst, wa_thread *th, wa_error *err)
{
    const wa_module *m = inst->m;
    wa_thread *tmp = NULL;
    if (!th) {
        tmp = wa_thread_create(&m->cfg);
        if (!tmp)
            return wa_error_set(err, WA_ERR_NOMEM, "out of memory: thread for the start function");
        th = tmp;
    }
    wa_status st = wa_call(th, inst->funcs[m->start], NULL, 0, NULL, 0, err);
    wa_thread_destroy(tmp);
    return st;
}

wa_status wa_instance_create(const wa_module *m, const wa_extern *imports, uint32_t import_count,
                             wa_thread *th, wa_instance **out, wa_error *err)
{
    return wa_instance_create_cached(m, imports, import_count, th, NULL, out, err);
}

wa_status wa_instance_create_cached(const wa_module *m, const wa_extern *imports,
                                    uint32_t import_count, wa_thread *th, wa_memcache *cache,
                                    wa_instance **out, wa_error *err)
{
    if (!m || !out || import_count != m->import_count || (import_count && !imports))
        return wa_error_set(err, WA_ERR_ARG,
                            "invalid argument: wa_instance_create needs %u imports, got %u",
                            m ? m->import_count : 0, import_count);
    *out = NULL;
    wa_status st = link_check(m, imports, err);
    if (st != WA_OK) return st;

    layout l;
    compute_layout(m, &l);
    uint8_t *block = wa__realloc(&m->cfg, NULL, 0, l.total);
    if (!block) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: instance");
    /* zero all but the function records, which are written in full below */
    memset(block, 0, l.own_funcs);
    memset(block + l.own_tables, 0, l.total - l.own_tables);
    wa_instance *inst = (wa_instance *)block;
    inst->m = m;
    inst->memories = (wa_memory **)(block + l.memories);
    inst->tables = (wa_table **)(block + l.tables);
    inst->globals = (wa_global **)(block + l.globals);
    inst->funcs = (wa_func **)(block + l.funcs);
    inst->own_funcs = (wa_func *)(block + l.own_funcs);
    inst->own_tables = (wa_table *)(block + l.own_tables);
    inst->own_globals = (wa_global *)(block + l.own_globals);
    inst->own_memory =
        m->memory_count > m->import_memory_count ? (wa_memory *)(block + l.own_memory) : NULL;
    inst->elem_dropped = block + l.elem_dropped;
    inst->data_dropped = block + l.data_dropped;

    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < import_count; i++) {
        switch (imports[i].kind) {
        case WA_EXTERN_FUNC:
            inst->funcs[nf++] = imports[i].u.func;
            break;
        case WA_EXTERN_TABLE:
            inst->tables[nt++] = imports[i].u.table;
            break;
        case WA_EXTERN_MEMORY:
            inst->memories[nm++] = imports[i].u.memory;
            break;
        case WA_EXTERN_GLOBAL:
            inst->globals[ng++] = imports[i].u.global;
            break;
        }
    }

    uint32_t defined = m->func_count - m->import_func_count;
    for (uint32_t i = 0; i < defined; i++) {
        wa_func *f = &inst->own_funcs[i];
        const wa_func_decl *d = &m->funcs[i];
        /* field by field: a zeroing compound literal costs a rep stos per record */
        f->type = &m->types[d->type_idx];
        f->inst = inst;
        f->decl = d;
        f->idx = m->import_func_count + i;
        f->host = NULL;
        f->env = NULL;
        f->cfg = NULL;
        f->own_type.param_count = 0;
        f->own_type.result_count = 0;
        f->own_type.params = NULL;
        f->own_type.results = NULL;
        f->own_vals = NULL;
        inst->funcs[m->import_func_count + i] = f;
    }

    for (uint32_t i = m->import_memory_count; i < m->memory_count; i++) {
        wa_memory *mem = &inst->own_memory[i - m->import_memory_count];
        st =
            wa__memory_init_cached(mem, &m->cfg, m->memories[i].limits, i == 0 ? cache : NULL, err);
        if (st != WA_OK) goto fail;
        inst->memories[i] = mem;
    }
    inst->mem0 = m->memory_count ? inst->memories[0] : NULL;

    for (uint32_t i = m->import_table_count; i < m->table_count; i++) {
        wa_table *t = &inst->own_tables[i - m->import_table_count];
        st = wa__table_init(t, &m->cfg, m->tables[i].elem_type, m->tables[i].limits, err);
        if (st != WA_OK) goto fail;
        inst->tables[i] = t;
    }

    /* 2.0: initialisers read only imported globals and function references */
    for (uint32_t i = m->import_global_count; i < m->global_count; i++) {
        wa_global *g = &inst->own_globals[i - m->import_global_count];
        const wa_global_decl *d = &m->globals[i];
        g->val = wa__const_eval(inst, &d->init);
        g->type = d->type;
        g->mutable_ = d->mutable_;
        g->cfg = &m->cfg;
        inst->globals[i] = g;
    }

    st = apply_segments(inst, err);
    if (st == WA_OK && m->has_start) st = run_start(inst, th, err);
    if (st == WA_ERR_TRAP) {
        /* the instance's functions may already sit in imported tables: hand it over */
        *out = inst;
        return st;
    }
    if (st != WA_OK) goto fail;
    *out = inst;
    return WA_OK;

fail:
    wa_instance_destroy(inst);
    return st;
}

void wa_instance_destroy(wa_instance *inst)
{
    wa_instance_destroy_cached(inst, NULL);
}

void wa_instance_destroy_cached(wa_instance *inst, wa_memcache *cache)
{
    if (!inst) return;
    const wa_module *m = inst->m;
    for (uint32_t i = 0; i < m->table_count - m->import_table_count; i++)
        wa__table_free(&inst->own_tables[i]);
    for (uint32_t i = 0; i < m->memory_count - m->import_memory_count; i++)
        wa__memory_free_cached(&inst->own_memory[i], i == 0 ? cache : NULL);
    layout l;
    compute_layout(m, &l);
    wa__free(&m->cfg, inst, l.total);
}

wa_status wa_instance_export(wa_instance *inst, const char *name, size_t name_len, wa_extern *out)
{
    const wa_export_decl *ex = wa__module_find_export(inst->m, name, name_len);
    if (!ex) return WA_ERR_NOT_FOUND;
    out->kind = (wa_extern_kind)ex->kind;
    switch (ex->kind) {
    case WA_EXTERN_FUNC:
        out->u.func = inst->funcs[ex->index];
        break;
    case WA_EXTERN_TABLE:
        out->u.table = inst->tables[ex->index];
        break;
    case WA_EXTERN_MEMORY:
        out->u.memory = inst->memories[ex->index];
        break;
    default:
        out->u.global = inst->globals[ex->index];
        break;
    }
    return WA_OK;
}

const wa_module *wa_instance_module(const wa_instance *inst)
{
    return inst->m;
}

wa_memory *wa_instance_memory(wa_instance *inst)
{
    return inst->mem0;
}
