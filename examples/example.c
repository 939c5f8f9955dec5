/*
 * example.c: helpers shared by the examples (see example.h).
 */
#include "example.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint8_t *example_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                fprintf(stderr, "%s: out of memory\n", path);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        perror(path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

bool example_tmpdir(char *buf, size_t cap)
{
    const char *base = getenv("TMPDIR");
    snprintf(buf, cap, "%s/calimero-example.XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(buf) != NULL;
}

void example_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            example_rmdir(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(dir);
}

bool example_should_commit(const char *method, const cr_outcome *o)
{
    if (cr_outcome_error(o) != CR_CALL_OK) return false;
    return cr_outcome_root_hash(o) != NULL || strcmp(method, "init") == 0;
}

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", p[i]);
}

void example_print_value(FILE *out, const uint8_t *p, size_t n, const char *indent)
{
    json_t *text = json_stringn((const char *)p, n);
    if (!text) {
        fputs("0x", out);
        print_hex(out, p, n);
        return;
    }
    json_decref(text);
    json_t *j = json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL);
    if (j && (json_is_object(j) || json_is_array(j)) &&
        (json_is_object(j) ? json_object_size(j) : json_array_size(j)) > 0) {
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        for (const char *c = s; c && *c; c++) {
            fputc(*c, out);
            if (*c == '\n') fputs(indent, out);
        }
        free(s);
    } else {
        fwrite(p, 1, n, out);
    }
    json_decref(j);
}

void example_print_outcome(FILE *out, const cr_outcome *o)
{
    const uint8_t *data;
    size_t len;
    const uint8_t *root = cr_outcome_root_hash(o);
    fputs("  root hash: ", out);
    if (root)
        print_hex(out, root, 32);
    else
        fputs("(none)", out);
    cr_outcome_artifact(o, &len);
    fprintf(out, "\n  artifact:  %zu bytes\n", len);
    size_t nlogs = cr_outcome_log_count(o);
    for (size_t i = 0; i < nlogs; i++) {
        size_t l;
        const char *s = cr_outcome_log(o, i, &l);
        fputs(i ? "             " : "  logs:      ", out);
        example_print_value(out, (const uint8_t *)s, l, "             ");
        fputc('\n', out);
    }
    size_t nev = cr_outcome_event_count(o);
    for (size_t i = 0; i < nev; i++) {
        cr_event e;
        cr_outcome_event(o, i, &e);
        fprintf(out, "%s%.*s ", i ? "             " : "  events:    ", (int)e.kind_len, e.kind);
        example_print_value(out, e.data, e.data_len, "             ");
        fputc('\n', out);
    }
    if (cr_outcome_error(o) == CR_CALL_OK) {
        fputs("  returns:   ", out);
        if (cr_outcome_returns(o, &data, &len))
            example_print_value(out, data, len, "             ");
        else
            fputs("(nothing)", out);
        fputc('\n', out);
    } else {
        fprintf(out, "  error:     %s\n", cr_outcome_error_variant(o));
        if (cr_outcome_error_payload(o, &data, &len)) {
            fputs("  payload:   ", out);
            example_print_value(out, data, len, "             ");
            fputc('\n', out);
        } else {
            fprintf(out, "             %s\n", cr_outcome_error_display(o));
        }
    }
}
