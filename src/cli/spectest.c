/*
 * spectest.c: the spec suite's `spectest` host module (values as in the reference
 * interpreter's and wabt's spectest): functions that do nothing, four constant globals,
 * a funcref table and a memory. One instance per script, shared by its modules.
 */
#include "spectest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRINT_FUNCS(X)                  \
    X(print, 0, 0)                      \
    X(print_i32, 1, WA_I32)             \
    X(print_i64, 1, WA_I64)             \
    X(print_f32, 1, WA_F32)             \
    X(print_f64, 1, WA_F64)             \
    X(print_i32_f32, 2, WA_I32, WA_F32) \
    X(print_f64_f64, 2, WA_F64, WA_F64)

enum {
#define FUNC_ENUM(name, n, ...) FUNC_##name,
    PRINT_FUNCS(FUNC_ENUM)
#undef FUNC_ENUM
        FUNC_COUNT
};

static const char *const func_names[FUNC_COUNT] = {
#define FUNC_NAME(name, n, ...) #name,
    PRINT_FUNCS(FUNC_NAME)
#undef FUNC_NAME
};

static const uint8_t func_params[FUNC_COUNT][2] = {
#define FUNC_PARAMS(name, n, ...) {__VA_ARGS__},
    PRINT_FUNCS(FUNC_PARAMS)
#undef FUNC_PARAMS
};

static const uint32_t func_param_counts[FUNC_COUNT] = {
#define FUNC_COUNTS(name, n, ...) n,
    PRINT_FUNCS(FUNC_COUNTS)
#undef FUNC_COUNTS
};

enum { GLOBAL_I32, GLOBAL_I64, GLOBAL_F32, GLOBAL_F64, GLOBAL_COUNT };

static const struct {
    const char *name;
    wa_valtype type;
    wa_value value;
} globals[GLOBAL_COUNT] = {
    {"global_i32", WA_I32, 666},
    {"global_i64", WA_I64, 666},
    {"global_f32", WA_F32, 0x4426a666u},         /* 666.6f */
    {"global_f64", WA_F64, 0x4084d4cccccccccdu}, /* 666.6 */
};

struct cr__spectest {
    wa_func *funcs[FUNC_COUNT];
    wa_global *globals[GLOBAL_COUNT];
    wa_table *table;
    wa_memory *memory;
};

/* The print functions print nothing: the suite only needs them to be callable. */
static wa_status print_nothing(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    (void)env;
    (void)cx;
    (void)args;
    (void)results;
    return WA_OK;
}

cr__spectest *cr__spectest_create(const wa_config *cfg)
{
    cr__spectest *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    for (int i = 0; i < FUNC_COUNT; i++) {
        wa_functype type = {func_param_counts[i], 0, func_params[i], NULL};
        st->funcs[i] = wa_func_new_host(cfg, &type, print_nothing, NULL);
        if (!st->funcs[i]) goto fail;
    }
    for (int i = 0; i < GLOBAL_COUNT; i++) {
        st->globals[i] = wa_global_new(cfg, globals[i].type, false, globals[i].value);
        if (!st->globals[i]) goto fail;
    }
    st->table = wa_table_new(cfg, WA_FUNCREF, (wa_limits){10, 20, true});
    st->memory = wa_memory_new(cfg, (wa_limits){1, 2, true});
    if (!st->table || !st->memory) goto fail;
    return st;
fail:
    cr__spectest_destroy(st);
    return NULL;
}

void cr__spectest_destroy(cr__spectest *st)
{
    if (!st) return;
    for (int i = 0; i < FUNC_COUNT; i++)
        wa_func_destroy(st->funcs[i]);
    for (int i = 0; i < GLOBAL_COUNT; i++)
        wa_global_destroy(st->globals[i]);
    wa_table_destroy(st->table);
    wa_memory_destroy(st->memory);
    free(st);
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && !memcmp(name, want, len);
}

bool cr__spectest_lookup(cr__spectest *st, const char *name, size_t len, wa_extern *out)
{
    for (int i = 0; i < FUNC_COUNT; i++)
        if (name_is(name, len, func_names[i])) {
            out->kind = WA_EXTERN_FUNC;
            out->u.func = st->funcs[i];
            return true;
        }
    for (int i = 0; i < GLOBAL_COUNT; i++)
        if (name_is(name, len, globals[i].name)) {
            out->kind = WA_EXTERN_GLOBAL;
            out->u.global = st->globals[i];
            return true;
        }
    if (name_is(name, len, "table")) {
        out->kind = WA_EXTERN_TABLE;
        out->u.table = st->table;
        return true;
    }
    if (name_is(name, len, "memory")) {
        out->kind = WA_EXTERN_MEMORY;
        out->u.memory = st->memory;
        return true;
    }
    return false;
}

wa_status cr__spectest_bind(cr__spectest *st, const wa_module *m, wa_extern *imports, wa_error *err)
{
    uint32_t n = wa_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        char mod[128], name[128];
        cr__name_escape(d.module, d.module_len, mod, sizeof mod);
        cr__name_escape(d.name, d.name_len, name, sizeof name);
        if (!name_is(d.module, d.module_len, "spectest") ||
            !cr__spectest_lookup(st, d.name, d.name_len, &imports[i]))
            return wa_error_set(err, WA_ERR_LINK, "unknown import: %s.%s", mod, name);
        if (imports[i].kind != d.kind)
            return wa_error_set(err, WA_ERR_LINK, "incompatible import type: %s.%s", mod, name);
    }
    return WA_OK;
}

void cr__name_escape(const char *name, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0) return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool plain = c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need + 4 >= cap) { /* keep room for "..." and the NUL */
            if (o + 4 <= cap) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}
