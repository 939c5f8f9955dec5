/*
 * diff_harness.c: the engine's side of the differential tester (tests/fuzz/diff/diff.js).
 * Reads commands on stdin, one a line, and answers each with one line on stdout:
 * With -m, modules are compiled with metering (and fuel to spare), the code path the
 * Calimero runtime uses; with -i they run from a precompiled image (serialize, then
 * deserialize), as the runtime's module cache does.
 *   m PATH            load and instantiate a module      -> "m ok" | "m err STATUS MESSAGE"
 *   c EXPORT HEX...   call an export (args as raw bits)  -> "r HEX..." | "t TRAP"
 *                     then " | PAGES MEMHASH GLOBAL..." (memory 0 and exported globals)
 * Values print as raw bits (i32 8 hex digits, i64 16), a float NaN as "nan". MEMHASH is
 * 32-bit FNV-1a over the memory's bytes. diff.js prints the same lines for V8.
 */
#include "wasm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *read_file(const char *path, size_t *len)
{
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

static void print_value(wa_valtype t, wa_value v)
{
    switch (t) {
    case WA_I32:
        printf(" %08x", (uint32_t)v);
        break;
    case WA_F32: {
        float x;
        uint32_t b = (uint32_t)v;
        memcpy(&x, &b, 4);
        if (isnan(x))
            printf(" nan");
        else
            printf(" %08x", b);
        break;
    }
    case WA_F64: {
        double x;
        memcpy(&x, &v, 8);
        if (isnan(x))
            printf(" nan");
        else
            printf(" %016llx", (unsigned long long)v);
        break;
    }
    default:
        printf(" %016llx", (unsigned long long)v);
        break;
    }
}

/* Memory pages, memory hash, then every exported global in export order. */
static void print_state(wa_instance *inst, const wa_module *m)
{
    wa_memory *mem = wa_instance_memory(inst);
    uint32_t h = 2166136261u;
    if (mem) {
        const uint8_t *p = wa_memory_data(mem);
        uint64_t n = wa_memory_size(mem);
        for (uint64_t i = 0; i < n; i++)
            h = (h ^ p[i]) * 16777619u;
    }
    printf(" | %u %08x", mem ? wa_memory_pages(mem) : 0, h);
    uint32_t ne = wa_module_export_count(m);
    for (uint32_t i = 0; i < ne; i++) {
        wa_extern_desc d;
        wa_module_export(m, i, &d);
        if (d.kind != WA_EXTERN_GLOBAL) continue;
        wa_extern ex;
        if (wa_instance_export(inst, d.name, d.name_len, &ex) != WA_OK) continue;
        print_value(wa_global_type(ex.u.global), wa_global_get(ex.u.global));
    }
}

/* Replaces *mod by the module loaded back from its precompiled image. */
static bool reload_image(const wa_config *cfg, wa_module **mod, wa_error *err)
{
    uint8_t *img = NULL;
    size_t len = 0;
    wa_module *back = NULL;
    bool ok = wa_module_serialize(*mod, &img, &len, err) == WA_OK &&
              wa_module_deserialize(cfg, img, len, &back, err) == WA_OK;
    free(img);
    wa_module_destroy(*mod);
    *mod = ok ? back : NULL;
    return ok;
}

int main(int argc, char **argv)
{
    wa_config cfg = wa_config_default();
    /* -m: compile with metering (fuel charged on branches), with fuel to spare;
       -i: run the module through a precompiled image (serialize, deserialize) */
    bool image = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-m") == 0) cfg.metering = true;
        if (strcmp(argv[i], "-i") == 0) image = true;
    }
    wa_thread *th = wa_thread_create(&cfg);
    wa_module *mod = NULL;
    wa_instance *inst = NULL;
    uint8_t *bytes = NULL;
    char line[4096];
    if (!th) return 2;
    if (cfg.metering) wa_thread_set_fuel(th, UINT64_C(1) << 40);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        wa_error err;
        if (line[0] == 'm' && line[1] == ' ') {
            wa_instance_destroy(inst);
            wa_module_destroy(mod);
            free(bytes);
            inst = NULL;
            mod = NULL;
            size_t len = 0;
            bytes = read_file(line + 2, &len);
            if (!bytes) {
                printf("m err IO %s\n", line + 2);
            } else if (wa_module_create(&cfg, bytes, len, &mod, &err) != WA_OK) {
                printf("m err %s %s\n", wa_status_name(err.st), err.message);
                mod = NULL;
            } else if (image && !reload_image(&cfg, &mod, &err)) {
                printf("m err %s %s\n", wa_status_name(err.st), err.message);
            } else if (wa_instance_create(mod, NULL, 0, th, &inst, &err) != WA_OK) {
                printf("m err %s %s\n", wa_status_name(err.st), err.message);
                wa_instance_destroy(inst);
                inst = NULL;
            } else {
                printf("m ok\n");
            }
        } else if (line[0] == 'c' && line[1] == ' ' && inst) {
            char *save = NULL;
            char *name = strtok_r(line + 2, " ", &save);
            wa_extern ex;
            if (!name || wa_instance_export(inst, name, strlen(name), &ex) != WA_OK ||
                ex.kind != WA_EXTERN_FUNC) {
                printf("x no such export\n");
                fflush(stdout);
                continue;
            }
            wa_value args[64], res[64];
            uint32_t nargs = 0;
            for (char *a; nargs < 64 && (a = strtok_r(NULL, " ", &save));)
                args[nargs++] = strtoull(a, NULL, 16);
            const wa_functype *ft = wa_func_type(ex.u.func);
            wa_status st = wa_call(th, ex.u.func, args, nargs, res, ft->result_count, &err);
            if (st == WA_OK) {
                printf("r");
                for (uint32_t i = 0; i < ft->result_count; i++)
                    print_value(ft->results[i], res[i]);
            } else if (st == WA_ERR_TRAP) {
                printf("t %s", wa_trap_str(err.trap));
            } else {
                printf("e %s", wa_status_name(st));
            }
            print_state(inst, mod);
            printf("\n");
        } else {
            printf("x bad command\n");
        }
        fflush(stdout);
    }
    wa_instance_destroy(inst);
    wa_module_destroy(mod);
    free(bytes);
    wa_thread_destroy(th);
    return 0;
}
