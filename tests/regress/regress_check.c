/*
 * regress_check.c: runs one regression input (tests/regress/issue-NNN.wasm) through the
 * engine. Usage: regress_check FILE EXPECTED_STATUS. wa_module_create must return the
 * status named EXPECTED_STATUS (wa_status_name spelling); a module that compiles is then
 * instantiated with stub imports and its exported functions are called with zero
 * arguments under metering. Exit status 0 when everything held.
 */
#include "wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUEL 100000

static uint8_t *read_file(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 4096;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        if (got == 0) break;
        *len += got;
    }
    fclose(f);
    return buf;
}

static wa_status stub(void *env, wa_call_ctx *cx, const wa_value *args, wa_value *results)
{
    const wa_functype *t = env;
    (void)cx;
    (void)args;
    for (uint32_t i = 0; i < t->result_count; i++)
        results[i] = 0;
    return WA_OK;
}

/* Instantiates m with stub imports and calls every exported function. */
static void run_exports(const wa_config *cfg, const wa_module *m)
{
    uint32_t n = wa_module_import_count(m);
    wa_extern *ext = calloc(n ? n : 1, sizeof *ext);
    uint32_t made = 0;
    wa_thread *th = wa_thread_create(cfg);
    wa_instance *inst = NULL;
    wa_error err;
    if (!ext || !th) goto done;
    for (; made < n; made++) {
        wa_extern_desc d;
        wa_module_import(m, made, &d);
        ext[made].kind = d.kind;
        void *obj = NULL;
        switch (d.kind) {
        case WA_EXTERN_FUNC:
            obj = ext[made].u.func = wa_func_new_host(cfg, d.func, stub, (void *)d.func);
            break;
        case WA_EXTERN_TABLE:
            obj = ext[made].u.table = wa_table_new(cfg, d.elem_type, d.limits);
            break;
        case WA_EXTERN_MEMORY:
            obj = ext[made].u.memory = wa_memory_new(cfg, d.limits);
            break;
        case WA_EXTERN_GLOBAL:
            obj = ext[made].u.global = wa_global_new(cfg, d.global_type, d.global_mutable, 0);
            break;
        }
        if (!obj) goto done;
    }
    wa_thread_set_fuel(th, FUEL);
    if (wa_instance_create(m, ext, n, th, &inst, &err) != WA_OK) goto done;
    for (uint32_t i = 0; i < wa_module_export_count(m); i++) {
        wa_extern_desc d;
        wa_extern e;
        wa_module_export(m, i, &d);
        if (d.kind != WA_EXTERN_FUNC || wa_instance_export(inst, d.name, d.name_len, &e) != WA_OK)
            continue;
        const wa_functype *t = wa_func_type(e.u.func);
        wa_value args[64] = {0}, res[64] = {0};
        if (t->param_count > 64 || t->result_count > 64) continue;
        wa_thread_set_fuel(th, FUEL);
        wa_call(th, e.u.func, args, t->param_count, res, t->result_count, &err);
    }
done:
    wa_instance_destroy(inst);
    wa_thread_destroy(th);
    for (uint32_t i = 0; i < made; i++) {
        switch (ext[i].kind) {
        case WA_EXTERN_FUNC:
            wa_func_destroy(ext[i].u.func);
            break;
        case WA_EXTERN_TABLE:
            wa_table_destroy(ext[i].u.table);
            break;
        case WA_EXTERN_MEMORY:
            wa_memory_destroy(ext[i].u.memory);
            break;
        case WA_EXTERN_GLOBAL:
            wa_global_destroy(ext[i].u.global);
            break;
        }
    }
    free(ext);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: regress_check FILE EXPECTED_STATUS\n");
        return 2;
    }
    size_t len;
    uint8_t *bytes = read_file(argv[1], &len);
    if (!bytes) {
        fprintf(stderr, "error: cannot read %s\n", argv[1]);
        return 2;
    }
    wa_config cfg = wa_config_default();
    cfg.metering = true;
    cfg.max_memory_pages = 64;
    cfg.max_table_elems = 4096;
    cfg.max_call_depth = 256;
    wa_module *m = NULL;
    wa_error err;
    memset(&err, 0, sizeof err);
    wa_status st = wa_module_create(&cfg, bytes, len, &m, &err);
    int rc = 0;
    if (strcmp(wa_status_name(st), argv[2]) != 0) {
        fprintf(stderr, "%s: expected %s, got %s (%s)\n", argv[1], argv[2], wa_status_name(st),
                st == WA_OK ? "ok" : err.message);
        rc = 1;
    } else {
        printf("%s: %s%s%s\n", argv[1], wa_status_name(st), st == WA_OK ? "" : ": ",
               st == WA_OK ? "" : err.message);
    }
    if (m) run_exports(&cfg, m);
    wa_module_destroy(m);
    free(bytes);
    printf("%d passed, %d failed\n", rc == 0, rc != 0);
    return rc;
}
