/*
 * cmd_inspect.c: `calimero-runtime inspect`, compiles a module and prints what it is
 * made of: sizes and compile time, counts, imports, exports and custom sections.
 */
#include "cli.h"
#include "fileio.h"
#include "spectest.h"
#include "wasm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: calimero-runtime inspect FILE.wasm\n"
                 "\n"
                 "Decodes, validates and compiles FILE.wasm and prints its sizes (file, code\n"
                 "section, compiled code), compile time, counts, imports, exports and custom\n"
                 "sections.\n"
                 "\n"
                 "options:\n"
                 "  -h, --help  print this help\n"
                 "\n"
                 "exit status: 0 success, 1 unreadable or bad module, 2 usage error\n");
}

static void print_types(const uint8_t *types, uint32_t count)
{
    putchar('(');
    for (uint32_t i = 0; i < count; i++)
        printf("%s%s", i ? " " : "", wa_valtype_name((wa_valtype)types[i]));
    putchar(')');
}

/* "func (i32 i32) -> (i64)", "memory 1..2", "table funcref 10..", "global mut i32". */
static void print_desc(const wa_extern_desc *d)
{
    switch (d->kind) {
    case WA_EXTERN_FUNC:
        printf("func ");
        if (d->func) {
            print_types(d->func->params, d->func->param_count);
            printf(" -> ");
            print_types(d->func->results, d->func->result_count);
        }
        break;
    case WA_EXTERN_TABLE:
        printf("table %s %" PRIu64 "..", wa_valtype_name(d->elem_type), d->limits.min);
        if (d->limits.has_max) printf("%" PRIu64, d->limits.max);
        break;
    case WA_EXTERN_MEMORY:
        printf("memory %" PRIu64 "..", d->limits.min);
        if (d->limits.has_max) printf("%" PRIu64, d->limits.max);
        printf(" pages");
        break;
    case WA_EXTERN_GLOBAL:
        printf("global %s%s", d->global_mutable ? "mut " : "", wa_valtype_name(d->global_type));
        break;
    }
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int cr_cmd_inspect(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' || path) {
            fprintf(stderr, "error: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "error: expected FILE.wasm\n");
        usage(stderr);
        return 2;
    }
    uint8_t *bytes;
    size_t len;
    if (!cr__file_read(path, &bytes, &len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    wa_config cfg = wa_config_default();
    wa_module *m = NULL;
    wa_error err = {0};
    uint64_t t0 = now_us();
    wa_status st = wa_module_create(&cfg, bytes, len, &m, &err);
    uint64_t elapsed = now_us() - t0;
    free(bytes);
    if (st != WA_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        return 1;
    }

    wa_module_info info;
    wa_module_info_get(m, &info);
    printf("file: %s\n", path);
    printf("size: %zu bytes\n", len);
    printf("code: %zu bytes\n", info.code_bytes);
    printf("compiled: %zu bytes\n", info.compiled_bytes);
    printf("compile time: %" PRIu64 " us\n", elapsed);
    printf("types: %" PRIu32 "\n", info.type_count);
    printf("functions: %" PRIu32 " (%" PRIu32 " imported)\n", info.func_count,
           info.import_func_count);
    printf("tables: %" PRIu32 "\n", info.table_count);
    printf("memories: %" PRIu32 "\n", info.memory_count);
    printf("globals: %" PRIu32 "\n", info.global_count);
    printf("element segments: %" PRIu32 "\n", info.elem_count);
    printf("data segments: %" PRIu32 "\n", info.data_count);

    char mod[160], name[160];
    uint32_t n = wa_module_import_count(m);
    printf("imports: %" PRIu32 "\n", n);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_import(m, i, &d);
        cr__name_escape(d.module, d.module_len, mod, sizeof mod);
        cr__name_escape(d.name, d.name_len, name, sizeof name);
        printf("  %s.%s: ", mod, name);
        print_desc(&d);
        putchar('\n');
    }
    n = wa_module_export_count(m);
    printf("exports: %" PRIu32 "\n", n);
    for (uint32_t i = 0; i < n; i++) {
        wa_extern_desc d;
        wa_module_export(m, i, &d);
        cr__name_escape(d.name, d.name_len, name, sizeof name);
        printf("  %s: ", name);
        print_desc(&d);
        putchar('\n');
    }
    printf("custom sections: %" PRIu32 "\n", info.custom_count);
    const char *cname;
    uint32_t cname_len;
    const uint8_t *data;
    size_t dlen;
    for (uint32_t i = 0; wa_module_custom(m, i, &cname, &cname_len, &data, &dlen); i++) {
        cr__name_escape(cname, cname_len, name, sizeof name);
        printf("  %s: %zu bytes\n", name, dlen);
    }
    wa_module_destroy(m);
    return 0;
}
