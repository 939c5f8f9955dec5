/*
 * cmd_invoke.c: `calimero-runtime invoke`, calls one export of a plain WebAssembly
 * module (no imports, or spectest imports only) with arguments from the command line,
 * and prints each result on its own line.
 */
#include "cli.h"
#include "fileio.h"
#include "spectest.h"
#include "value.h"
#include "wasm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: calimero-runtime invoke [--fuel N] [--max-pages N] FILE.wasm EXPORT "
                 "[ARG...]\n"
                 "\n"
                 "Instantiates FILE.wasm (it may import only from the spec suite's \"spectest\"\n"
                 "module), calls the exported function EXPORT and prints each result on its own\n"
                 "line. Arguments follow the parameter types: integers in decimal (negative\n"
                 "allowed), floats in decimal or nan, inf, -inf, -0; references as null.\n"
                 "\n"
                 "options:\n"
                 "  --fuel N       compile with metering, stop after N units of fuel (one per\n"
                 "                 operator) and print \"fuel used: N\" to stderr\n"
                 "  --max-pages N  memories may grow to at most N pages of 64 KiB\n"
                 "  -h, --help     print this help\n"
                 "\n"
                 "exit status: 0 success, 1 trap or bad module, 2 usage error\n");
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

typedef struct invocation {
    wa_config cfg;
    wa_module *mod;
    cr__spectest *spectest;
    wa_extern *imports;
    wa_thread *th;
    wa_instance *inst;
    wa_value *args, *results;
} invocation;

static void invocation_free(invocation *v)
{
    wa_instance_destroy(v->inst);
    wa_thread_destroy(v->th);
    free(v->imports);
    cr__spectest_destroy(v->spectest);
    wa_module_destroy(v->mod);
    free(v->args);
    free(v->results);
}

static void print_fuel(const invocation *v, bool metered, uint64_t fuel)
{
    if (metered) fprintf(stderr, "fuel used: %" PRIu64 "\n", fuel - wa_thread_fuel(v->th));
}

int cr_cmd_invoke(int argc, char **argv)
{
    invocation v;
    memset(&v, 0, sizeof v);
    v.cfg = wa_config_default();
    bool metered = false;
    uint64_t fuel = 0, pages;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--fuel") && i + 1 < argc) {
            if (!parse_u64(argv[++i], &fuel)) {
                fprintf(stderr, "error: --fuel takes a number, not '%s'\n", argv[i]);
                return 2;
            }
            metered = true;
        } else if (!strcmp(a, "--max-pages") && i + 1 < argc) {
            if (!parse_u64(argv[++i], &pages) || pages > 65536) {
                fprintf(stderr, "error: --max-pages takes a number up to 65536, not '%s'\n",
                        argv[i]);
                return 2;
            }
            v.cfg.max_memory_pages = (uint32_t)pages;
        } else {
            fprintf(stderr, "error: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (argc - i < 2) {
        fprintf(stderr, "error: expected FILE.wasm and EXPORT\n");
        usage(stderr);
        return 2;
    }
    const char *path = argv[i], *export_name = argv[i + 1];
    char **arg_text = argv + i + 2;
    uint32_t nargs = (uint32_t)(argc - i - 2);
    v.cfg.metering = metered;

    int rc = 1;
    wa_error err = {0};
    uint8_t *bytes;
    size_t len;
    if (!cr__file_read(path, &bytes, &len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    wa_status st = wa_module_create(&v.cfg, bytes, len, &v.mod, &err);
    free(bytes);
    if (st != WA_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto done;
    }

    uint32_t nimports = wa_module_import_count(v.mod);
    v.spectest = cr__spectest_create(&v.cfg);
    v.imports = calloc(nimports ? nimports : 1, sizeof *v.imports);
    v.th = wa_thread_create(&v.cfg);
    if (!v.spectest || !v.imports || !v.th) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    if (metered) wa_thread_set_fuel(v.th, fuel);
    if (cr__spectest_bind(v.spectest, v.mod, v.imports, &err) != WA_OK) {
        fprintf(stderr, "error: %s (only spectest imports are provided)\n", err.message);
        goto done;
    }
    st = wa_instance_create(v.mod, v.imports, nimports, v.th, &v.inst, &err);
    if (st == WA_ERR_TRAP) {
        fprintf(stderr, "trap: %s\n", err.message);
        print_fuel(&v, metered, fuel);
        goto done;
    }
    if (st != WA_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto done;
    }

    wa_extern ext;
    if (wa_instance_export(v.inst, export_name, strlen(export_name), &ext) != WA_OK ||
        ext.kind != WA_EXTERN_FUNC) {
        fprintf(stderr, "error: the module exports no function '%s'\n", export_name);
        goto done;
    }
    const wa_functype *ft = wa_func_type(ext.u.func);
    if (nargs != ft->param_count) {
        fprintf(stderr, "error: '%s' takes %" PRIu32 " arguments, %" PRIu32 " given\n", export_name,
                ft->param_count, nargs);
        rc = 2;
        goto done;
    }
    v.args = calloc(nargs + 1, sizeof *v.args);
    v.results = calloc(ft->result_count + 1, sizeof *v.results);
    if (!v.args || !v.results) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    for (uint32_t k = 0; k < nargs; k++) {
        wa_valtype t = (wa_valtype)ft->params[k];
        if (!cr__value_parse(t, arg_text[k], &v.args[k])) {
            fprintf(stderr, "error: argument %" PRIu32 ": '%s' is not a valid %s\n", k + 1,
                    arg_text[k], wa_valtype_name(t));
            rc = 2;
            goto done;
        }
    }
    st = wa_call(v.th, ext.u.func, v.args, nargs, v.results, ft->result_count, &err);
    if (st == WA_ERR_TRAP) {
        fprintf(stderr, "trap: %s\n", err.message);
        print_fuel(&v, metered, fuel);
        goto done;
    }
    if (st != WA_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto done;
    }
    for (uint32_t k = 0; k < ft->result_count; k++) {
        char buf[64];
        printf("%s\n", cr__value_format((wa_valtype)ft->results[k], v.results[k], buf, sizeof buf));
    }
    print_fuel(&v, metered, fuel);
    rc = 0;
done:
    invocation_free(&v);
    return rc;
}
