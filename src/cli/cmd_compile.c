/*
 * cmd_compile.c: `calimero-runtime compile APP.wasm -o APP.crm`: compiles an app once and
 * writes its precompiled image (versioned and checksummed by cr_module_to_image), which
 * `run` loads in place of the wasm (runtime-model.md §2.3).
 */
#include "app.h"
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: calimero-runtime compile APP.wasm -o APP.crm [--limit NAME=VALUE]...\n"
    "\n"
    "Compiles APP.wasm and writes its precompiled image. An image records the limits it\n"
    "was compiled with and loads only into the same build with the same limits; `run`\n"
    "accepts it in place of the wasm.\n"
    "\n"
    "  -o, --output FILE     where to write the image (required)\n"
    "  --limit NAME=VALUE    set one VMLimits field ('--limit list' lists them)\n"
    "\n"
    "Exit status: 0 written, 1 compile or write failure, 2 usage error.\n";

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "error: %s%s\n(see calimero-runtime compile --help)\n", msg, arg);
    return 2;
}

int cr_cmd_compile(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    cr_limits limits = cr_limits_default();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return usage_error("missing value of ", a);
            out = argv[++i];
        } else if (!strncmp(a, "--output=", 9)) {
            out = a + 9;
        } else if (!strcmp(a, "--limit") || !strncmp(a, "--limit=", 8)) {
            const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) return usage_error("missing value of ", a);
            if (!strcmp(v, "list")) {
                cr__limit_list(stdout);
                return 0;
            }
            char msg[256];
            if (!cr__limit_set(&limits, v, msg, sizeof msg)) return usage_error(msg, "");
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option ", a);
        } else if (!in) {
            in = a;
        } else {
            return usage_error("unexpected argument ", a);
        }
    }
    if (!in || !out) return usage_error("compile needs APP.wasm and -o APP.crm", "");

    uint8_t *wasm = NULL, *img = NULL;
    size_t wasm_len = 0, img_len = 0;
    cr_engine *eng = NULL;
    cr_module *mod = NULL, *back = NULL;
    cr_error err;
    int rc = 1;
    if (!cr__file_read(in, &wasm, &wasm_len)) {
        fprintf(stderr, "error: cannot read %s: %s\n", in, strerror(errno));
        goto done;
    }
    cr_engine_config cfg = cr_engine_config_default();
    cfg.limits = limits;
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        rc = 2;
        goto done;
    }
    if (cr__app_is_image(wasm, wasm_len)) {
        fprintf(stderr, "error: %s is already a precompiled image\n", in);
        goto done;
    }
    if (cr_module_compile(eng, wasm, wasm_len, &mod, &err) != CR_OK) {
        fprintf(stderr, "error: %s: %s\n", in, err.message);
        goto done;
    }
    if (cr_module_to_image(mod, &img, &img_len, &err) != CR_OK) {
        fprintf(stderr, "error: %s: cannot make an image: %s\n", in, err.message);
        goto done;
    }
    /* an image that does not load back is never written */
    if (cr_module_from_image(eng, img, img_len, &back, &err) != CR_OK) {
        fprintf(stderr, "error: %s: the image does not load back: %s\n", in, err.message);
        goto done;
    }
    FILE *f = fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "error: cannot write %s: %s\n", out, strerror(errno));
        goto done;
    }
    bool ok = fwrite(img, 1, img_len, f) == img_len;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "error: cannot write %s: %s\n", out, strerror(errno));
        remove(out);
        goto done;
    }
    printf("%s: %zu-byte image of %s (%zu bytes)\n", out, img_len, in, wasm_len);
    rc = 0;
done:
    if (img) cr_engine_free(eng, img, img_len);
    cr_module_destroy(back);
    cr_module_destroy(mod);
    cr_engine_destroy(eng);
    free(wasm);
    return rc;
}
