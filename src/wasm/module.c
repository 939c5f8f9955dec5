/*
 * module.c: the module object: decode (decode.c) then validate and compile
 * (compile.c), and the read-only views of a module: imports, exports, summary and
 * custom sections.
 */
#include "wasm_int.h"

wa_status wa_module_create(const wa_config *cfg, const uint8_t *bytes, size_t len, wa_module **out,
                           wa_error *err)
{
    if (!out || (!bytes && len))
        return wa_error_set(err, WA_ERR_ARG, "invalid argument: wa_module_create");
    *out = NULL;
    wa_config c = cfg ? *cfg : wa_config_default();
    wa_module *m = wa__alloc(&c, sizeof *m);
    if (!m) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: module");
    m->cfg = c;
    if (err) {
        err->func_idx = UINT32_MAX;
        err->offset = 0;
        err->trap = WA_TRAP_NONE;
    }
    wa_status st = wa__decode(m, bytes, len, err);
    if (st == WA_OK) {
        st = wa__compile(m, err);
    } else if (m->malformed_after_code) {
        /* The reference decoder reads bodies where they stand, so a malformed body
           comes before an error in a later section: look at the bodies first. */
        wa_error body_err;
        if (wa__compile(m, &body_err) == WA_ERR_MALFORMED && err) *err = body_err;
    }
    if (st != WA_OK) {
        wa_module_destroy(m);
        return st;
    }
    *out = m;
    return WA_OK;
}

void wa__module_free_parts(wa_module *m)
{
    wa__compile_free(m);
    wa__decode_free(m);
}

void wa_module_destroy(wa_module *m)
{
    if (!m) return;
    wa_config c = m->cfg;
    wa__module_free_parts(m);
    wa__free(&c, m, sizeof *m);
}

uint32_t wa_module_import_count(const wa_module *m)
{
    return m->import_count;
}

uint32_t wa_module_export_count(const wa_module *m)
{
    return m->export_count;
}

/* Fills the type part of a description from an entity of the given space. */
static void describe(const wa_module *m, wa_extern_kind kind, uint32_t index, wa_extern_desc *out)
{
    out->kind = kind;
    out->index = index;
    switch (kind) {
    case WA_EXTERN_FUNC:
        if (index < m->func_count && m->func_types[index] < m->type_count)
            out->func = &m->types[m->func_types[index]];
        break;
    case WA_EXTERN_TABLE:
        if (index < m->table_count) {
            out->elem_type = (wa_valtype)m->tables[index].elem_type;
            out->limits = m->tables[index].limits;
        }
        break;
    case WA_EXTERN_MEMORY:
        if (index < m->memory_count) out->limits = m->memories[index].limits;
        break;
    case WA_EXTERN_GLOBAL:
        if (index < m->global_count) {
            out->global_type = (wa_valtype)m->globals[index].type;
            out->global_mutable = m->globals[index].mutable_;
        }
        break;
    }
}

void wa_module_import(const wa_module *m, uint32_t i, wa_extern_desc *out)
{
    memset(out, 0, sizeof *out);
    if (i >= m->import_count) return;
    const wa_import_decl *im = &m->imports[i];
    /* index in its kind's space: imports of a kind come first, in import order */
    uint32_t index = 0;
    if (im->kind == WA_EXTERN_FUNC) {
        for (uint32_t k = 0; k < i; k++)
            index += m->imports[k].kind == WA_EXTERN_FUNC;
    } else {
        index = im->index;
    }
    describe(m, (wa_extern_kind)im->kind, index, out);
    out->module = im->module;
    out->module_len = im->module_len;
    out->name = im->name;
    out->name_len = im->name_len;
}

void wa_module_export(const wa_module *m, uint32_t i, wa_extern_desc *out)
{
    memset(out, 0, sizeof *out);
    if (i >= m->export_count) return;
    const wa_export_decl *ex = &m->exports[i];
    describe(m, (wa_extern_kind)ex->kind, ex->index, out);
    out->name = ex->name;
    out->name_len = ex->name_len;
}

void wa_module_info_get(const wa_module *m, wa_module_info *out)
{
    memset(out, 0, sizeof *out);
    out->type_count = m->type_count;
    out->func_count = m->func_count;
    out->import_func_count = m->import_func_count;
    out->table_count = m->table_count;
    out->memory_count = m->memory_count;
    out->global_count = m->global_count;
    out->elem_count = m->elem_count;
    out->data_count = m->data_count;
    out->custom_count = m->custom_count;
    out->code_bytes = m->code_bytes;
    /* the code itself (the arena holding it may be larger) */
    uint32_t defined = m->func_count - m->import_func_count;
    for (uint32_t i = 0; i < defined; i++)
        out->compiled_bytes += m->funcs[i].code_len;
}

bool wa_module_custom(const wa_module *m, uint32_t i, const char **name, uint32_t *name_len,
                      const uint8_t **data, size_t *len)
{
    if (i >= m->custom_count) return false;
    const wa_custom_decl *c = &m->customs[i];
    if (name) *name = c->name;
    if (name_len) *name_len = c->name_len;
    if (data) *data = c->data;
    if (len) *len = c->len;
    return true;
}

/* Binary search over the exports sorted by (length, bytes) at decode time. */
const wa_export_decl *wa__module_find_export(const wa_module *m, const char *name, size_t len)
{
    uint32_t lo = 0, hi = m->export_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const wa_export_decl *ex = m->exports_sorted[mid];
        int c;
        if (ex->name_len != len)
            c = ex->name_len < len ? -1 : 1;
        else
            c = len ? memcmp(ex->name, name, len) : 0;
        if (c == 0) return ex;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
