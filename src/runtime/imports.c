/*
 * imports.c: the table of host functions generated from imports.def, and linking: each
 * import of a module is matched by name and exact wasm signature against the table when
 * the module is compiled, so a run only binds precomputed entries. An import the table
 * cannot satisfy makes every run of the module end in LinkError (host-abi.md §0.1),
 * as upstream's instantiation does.
 */
#include "logic.h"

#include <stdio.h>
#include <string.h>

const cr__import cr__imports[CR_IMPORT_COUNT] = {
#define CR_IMPORT(name, params, results) {#name, params, results, cr__host_##name},
#include "imports.def"
};

/* Whether a wasm function type matches an entry's letters. */
static bool type_matches(const wa_functype *ft, const cr__import *imp)
{
    size_t np = strlen(imp->params), nr = strlen(imp->results);
    if (ft->param_count != np || ft->result_count != nr) return false;
    for (size_t i = 0; i < np; i++)
        if (ft->params[i] != (imp->params[i] == 'i' ? WA_I32 : WA_I64)) return false;
    for (size_t i = 0; i < nr; i++)
        if (ft->results[i] != (imp->results[i] == 'i' ? WA_I32 : WA_I64)) return false;
    return true;
}

/* Writes "(i64, i64) -> i32" for letters. */
static void format_letters(char *buf, size_t cap, const cr__import *imp)
{
    size_t k = 0;
    buf[0] = 0;
    for (const char *p = imp->params; *p && k + 8 < cap; p++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", p == imp->params ? "(" : ", ",
                              *p == 'i' ? "i32" : "i64");
    if (!imp->params[0]) k += (size_t)snprintf(buf + k, cap - k, "(");
    if (k < cap)
        snprintf(buf + k, cap - k, ") -> %s",
                 !imp->results[0]         ? "()"
                 : imp->results[0] == 'i' ? "i32"
                                          : "i64");
}

/* Writes "(i64, i64) -> i32" for a function type. */
static void format_type(char *buf, size_t cap, const wa_functype *ft)
{
    size_t k = 0;
    int n = snprintf(buf, cap, "(");
    k = n > 0 ? (size_t)n : 0;
    for (uint32_t i = 0; i < ft->param_count && k < cap; i++) {
        n = snprintf(buf + k, cap - k, "%s%s", i ? ", " : "",
                     wa_valtype_name((wa_valtype)ft->params[i]));
        k += n > 0 ? (size_t)n : 0;
    }
    if (k < cap) {
        n = snprintf(buf + k, cap - k, ") -> ");
        k += n > 0 ? (size_t)n : 0;
    }
    if (ft->result_count == 0 && k < cap) {
        snprintf(buf + k, cap - k, "()");
    } else {
        for (uint32_t i = 0; i < ft->result_count && k < cap; i++) {
            n = snprintf(buf + k, cap - k, "%s%s", i ? ", " : "",
                         wa_valtype_name((wa_valtype)ft->results[i]));
            k += n > 0 ? (size_t)n : 0;
        }
    }
}

static const char *kind_name(wa_extern_kind k)
{
    switch (k) {
    case WA_EXTERN_FUNC:
        return "function";
    case WA_EXTERN_TABLE:
        return "table";
    case WA_EXTERN_MEMORY:
        return "memory";
    case WA_EXTERN_GLOBAL:
        return "global";
    }
    return "extern";
}

uint16_t cr__import_resolve(const wa_extern_desc *d, char *msg, size_t msg_cap)
{
    int mlen = d->module_len > 64 ? 64 : (int)d->module_len;
    int nlen = d->name_len > 64 ? 64 : (int)d->name_len;
    if (d->module_len != 3 || memcmp(d->module, "env", 3) != 0) {
        snprintf(msg, msg_cap,
                 "import \"%.*s\".\"%.*s\": unknown module (only \"env\" is provided)", mlen,
                 d->module, nlen, d->name);
        return CR__NO_IMPORT;
    }
    uint16_t id = CR__NO_IMPORT;
    for (uint16_t i = 0; i < CR_IMPORT_COUNT; i++) {
        const char *n = cr__imports[i].name;
        if (strlen(n) == d->name_len && memcmp(n, d->name, d->name_len) == 0) {
            id = i;
            break;
        }
    }
    if (id == CR__NO_IMPORT) {
        snprintf(msg, msg_cap, "import \"env\".\"%.*s\": unknown import", nlen, d->name);
        return CR__NO_IMPORT;
    }
    if (d->kind != WA_EXTERN_FUNC) {
        snprintf(msg, msg_cap, "import \"env\".\"%.*s\": expected a function, found a %s", nlen,
                 d->name, kind_name(d->kind));
        return CR__NO_IMPORT;
    }
    if (!type_matches(d->func, &cr__imports[id])) {
        char want[96], got[96];
        format_letters(want, sizeof want, &cr__imports[id]);
        format_type(got, sizeof got, d->func);
        snprintf(msg, msg_cap, "import \"env\".\"%.*s\": incompatible signature %s, expected %s",
                 nlen, d->name, got, want);
        return CR__NO_IMPORT;
    }
    return id;
}
