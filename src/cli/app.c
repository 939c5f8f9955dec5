/*
 * app.c: limits from the command line, hex ids, and app loading with the module cache
 * (see app.h). The cache keeps one precompiled image per wasm binary, named by the
 * binary's sha256, so that later runs skip compilation (runtime-model.md §2.2-2.3).
 */
#include "app.h"

#include "fileio.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- limits ------------------------------------------------------------------------ */

#define CR_LIMIT_FIELDS(X)     \
    X(max_memory_pages)        \
    X(max_stack_size)          \
    X(max_registers)           \
    X(max_register_size)       \
    X(max_registers_capacity)  \
    X(max_logs)                \
    X(max_log_size)            \
    X(max_events)              \
    X(max_event_kind_size)     \
    X(max_event_data_size)     \
    X(max_xcalls)              \
    X(max_xcall_function_size) \
    X(max_xcall_params_size)   \
    X(max_storage_key_size)    \
    X(max_storage_value_size)  \
    X(max_blob_handles)        \
    X(max_blob_chunk_size)     \
    X(max_method_name_length)  \
    X(max_module_size)         \
    X(max_gas)

typedef struct limit_field {
    const char *name;
    size_t offset;
    size_t size; /* 4 or 8 */
} limit_field;

static const limit_field limit_fields[] = {
#define CR_X(f) {#f, offsetof(cr_limits, f), sizeof(((cr_limits *)0)->f)},
    CR_LIMIT_FIELDS(CR_X)
#undef CR_X
};

static uint64_t limit_get(const cr_limits *lim, const limit_field *f)
{
    const char *p = (const char *)lim + f->offset;
    if (f->size == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

bool cr__limit_set(cr_limits *lim, const char *assignment, char *msg, size_t cap)
{
    const char *eq = strchr(assignment, '=');
    if (!eq) {
        snprintf(msg, cap, "--limit wants NAME=VALUE, got '%s'", assignment);
        return false;
    }
    size_t n = (size_t)(eq - assignment);
    for (size_t i = 0; i < sizeof limit_fields / sizeof limit_fields[0]; i++) {
        const limit_field *f = &limit_fields[i];
        if (strlen(f->name) != n || strncmp(f->name, assignment, n) != 0) continue;
        const char *v = eq + 1;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 0);
        if (!*v || *end || errno || *v == '-' || (f->size == 4 && x > UINT32_MAX)) {
            snprintf(msg, cap, "--limit %s: '%s' is not a %s-bit unsigned number", f->name, v,
                     f->size == 4 ? "32" : "64");
            return false;
        }
        char *p = (char *)lim + f->offset;
        if (f->size == 4) {
            uint32_t y = (uint32_t)x;
            memcpy(p, &y, 4);
        } else {
            uint64_t y = x;
            memcpy(p, &y, 8);
        }
        return true;
    }
    snprintf(msg, cap, "--limit: unknown limit '%.*s' (see --limit list)", (int)n, assignment);
    return false;
}

/* A short digest of limits that differ from the defaults; false for the defaults. */
static bool limits_tag(const cr_limits *lim, uint32_t *tag)
{
    cr_limits def = cr_limits_default();
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    bool differs = false;
    for (size_t i = 0; i < sizeof limit_fields / sizeof limit_fields[0]; i++) {
        uint64_t v = limit_get(lim, &limit_fields[i]);
        differs |= v != limit_get(&def, &limit_fields[i]);
        uint8_t le[8];
        for (int b = 0; b < 8; b++)
            le[b] = (uint8_t)(v >> (8 * b));
        crypto_hash_sha256_update(&h, le, sizeof le);
    }
    uint8_t d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, d);
    *tag = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    return differs;
}

void cr__limit_list(FILE *out)
{
    cr_limits def = cr_limits_default();
    for (size_t i = 0; i < sizeof limit_fields / sizeof limit_fields[0]; i++)
        fprintf(out, "%-24s %" PRIu64 "\n", limit_fields[i].name,
                limit_get(&def, &limit_fields[i]));
}

/* ---- hex ---------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool cr__hex32_parse(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64) return false;
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void cr__hex_print(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", p[i]);
}

/* ---- files ------------------------------------------------------------------------ */

bool cr__mkdir_p(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return false;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0) continue;
        char c = path[i];
        path[i] = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) return false;
        path[i] = c;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0) return false;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

/* Writes data to path through a temporary file and a rename, so that readers never see
   a partial file. */
static bool write_atomic(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4300];
    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp)
        return false;
    FILE *f = fopen(tmp, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0) ok = false;
    if (!ok) unlink(tmp);
    return ok;
}

/* ---- loading ---------------------------------------------------------------------- */

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

bool cr__app_is_image(const uint8_t *bytes, size_t len)
{
    /* the runtime's images start with "CRIMG"; a wasm binary with "\0asm" */
    return len >= 5 && memcmp(bytes, "CRIMG", 5) == 0;
}

cr_status cr__app_load(const cr_engine *eng, const uint8_t *bytes, size_t len,
                       const char *cache_dir, const cr_log *log, cr_module **out, cr_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *out = NULL;
    if (cr__app_is_image(bytes, len)) {
        cr_status st = cr_module_from_image(eng, bytes, len, out, err);
        if (st == CR_OK)
            cr_log_printf(log, CR_LOG_RUNTIME, CR_LOG_DEBUG,
                          "loaded precompiled image (%zu bytes) in %.3f ms", len, ms_since(&t0));
        return st;
    }
    char path[4200] = "";
    if (cache_dir) {
        uint8_t digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, bytes, len);
        int n = snprintf(path, sizeof path, "%s/", cache_dir);
        for (size_t i = 0; i < sizeof digest && n > 0 && (size_t)n + 3 < sizeof path; i++)
            n += snprintf(path + n, sizeof path - (size_t)n, "%02x", digest[i]);
        /* images record their limits: other limits get entries of their own */
        uint32_t tag;
        if (n > 0 && limits_tag(cr_engine_limits(eng), &tag))
            n += snprintf(path + n, sizeof path - (size_t)n, "-%08" PRIx32, tag);
        if (n > 0) snprintf(path + n, sizeof path - (size_t)n, ".crm");
        uint8_t *img;
        size_t img_len;
        if (cr__file_read(path, &img, &img_len)) {
            cr_error ierr;
            cr_status st = cr_module_from_image(eng, img, img_len, out, &ierr);
            free(img);
            if (st == CR_OK) {
                cr_log_printf(log, CR_LOG_RUNTIME, CR_LOG_DEBUG,
                              "module cache hit %s (%zu bytes) in %.3f ms", path, img_len,
                              ms_since(&t0));
                return CR_OK;
            }
            if (st != CR_ERR_IMAGE) {
                if (err) *err = ierr;
                return st;
            }
            fprintf(stderr, "warning: cached module %s rejected (%s); recompiling\n", path,
                    ierr.message);
        } else {
            cr_log_printf(log, CR_LOG_RUNTIME, CR_LOG_DEBUG, "module cache miss %s", path);
        }
    }
    cr_status st = cr_module_compile(eng, bytes, len, out, err);
    if (st != CR_OK) return st;
    cr_log_printf(log, CR_LOG_RUNTIME, CR_LOG_DEBUG, "compiled %zu-byte module in %.3f ms", len,
                  ms_since(&t0));
    if (!cache_dir) return CR_OK;
    uint8_t *img;
    size_t img_len;
    cr_error ierr;
    st = cr_module_to_image(*out, &img, &img_len, &ierr);
    if (st != CR_OK) {
        /* no image support in this build: run uncached */
        cr_log_printf(log, CR_LOG_RUNTIME, CR_LOG_WARN, "module not cached: %s", ierr.message);
        return CR_OK;
    }
    if (!cr__mkdir_p(cache_dir) || !write_atomic(path, img, img_len))
        fprintf(stderr, "warning: cannot write module cache %s: %s\n", path, strerror(errno));
    else
        cr_log_printf(log, CR_LOG_RUNTIME, CR_LOG_DEBUG, "module cached as %s (%zu bytes)", path,
                      img_len);
    cr_engine_free(eng, img, img_len);
    return CR_OK;
}
