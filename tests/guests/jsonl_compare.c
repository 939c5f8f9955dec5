/*
 * jsonl_compare.c: compares two JSON-lines files (a scenario's expected outcomes and what
 * the runtime printed) line by line as JSON values, and prints, for each differing line,
 * the call, its method and the first differing field with both values.
 *
 * Integers too long for a 64-bit signed value (upstream prints u64 register ids) are
 * compared by their digits: they are read as strings marked "#int:". Text outside the
 * contract is ignored: the wording of a LinkError or CompilationError comes from the
 * engine (spec/runtime-model.md §11.6), and the message and location of a host panic are
 * not reproducible (spec/host-abi.md §0.2); for those only the `error_display` prefix up
 * to its first ": " is compared.
 *
 *   jsonl_compare EXPECTED ACTUAL      exit 0 if equal, 1 if not, 2 on usage or I/O error
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPORTS 40
#define SHOW_CHARS  240

typedef struct {
    char **lines;
    size_t count;
} line_list;

static void lines_free(line_list *l)
{
    size_t i;
    for (i = 0; i < l->count; i++)
        free(l->lines[i]);
    free(l->lines);
}

/* Reads every non-empty line of path; returns 0 on success. */
static int lines_read(const char *path, line_list *l)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, lcap = 0;
    ssize_t n;
    l->lines = NULL;
    l->count = 0;
    if (!f) {
        fprintf(stderr, "jsonl_compare: cannot open %s\n", path);
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n == 0) continue;
        if (l->count == lcap) {
            size_t ncap = lcap ? lcap * 2 : 64;
            char **grown = realloc(l->lines, ncap * sizeof *grown);
            if (!grown) goto fail;
            l->lines = grown;
            lcap = ncap;
        }
        l->lines[l->count] = strdup(line);
        if (!l->lines[l->count]) goto fail;
        l->count++;
    }
    free(line);
    fclose(f);
    return 0;
fail:
    fprintf(stderr, "jsonl_compare: out of memory reading %s\n", path);
    free(line);
    fclose(f);
    lines_free(l);
    return -1;
}

/* Copies line, turning every integer literal of 16 or more digits outside strings into the
 * string "#int:<digits>", so that u64 values compare exactly. Returns owned text or NULL. */
static char *mark_big_ints(const char *line)
{
    size_t n = strlen(line), i = 0, o = 0;
    char *out = malloc(n * 2 + 8);
    int in_str = 0;
    if (!out) return NULL;
    while (i < n) {
        char c = line[i];
        if (in_str) {
            out[o++] = c;
            i++;
            if (c == '\\' && i < n)
                out[o++] = line[i++];
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
            out[o++] = line[i++];
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i + (c == '-'), digits = 0;
            while (j + digits < n && line[j + digits] >= '0' && line[j + digits] <= '9')
                digits++;
            if (digits >= 16 && !strchr(".eE", line[j + digits])) {
                memcpy(out + o, "\"#int:", 6);
                o += 6;
                memcpy(out + o, line + i, j + digits - i);
                o += j + digits - i;
                out[o++] = '"';
                i = j + digits;
                continue;
            }
        }
        out[o++] = line[i++];
    }
    out[o] = 0;
    return out;
}

/* Parses one line (see mark_big_ints); NULL with e filled on failure. */
static json_t *parse_line(const char *line, json_error_t *e)
{
    char *marked = mark_big_ints(line);
    json_t *v;
    if (!marked) {
        snprintf(e->text, sizeof e->text, "out of memory");
        return NULL;
    }
    v = json_loads(marked, JSON_ALLOW_NUL, e);
    free(marked);
    return v;
}

/* Prints v compactly, cut to SHOW_CHARS characters. */
static void show(const char *label, const json_t *v)
{
    char *s;
    if (!v) {
        printf("    %s: (absent)\n", label);
        return;
    }
    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
    if (!s) {
        printf("    %s: (unprintable)\n", label);
        return;
    }
    if (strlen(s) > SHOW_CHARS)
        printf("    %s: %.*s... (%zu chars)\n", label, SHOW_CHARS, s, strlen(s));
    else
        printf("    %s: %s\n", label, s);
    free(s);
}

/* Compares a and b; on the first difference writes its path into path and returns 1. */
static int diff(const json_t *a, const json_t *b, char *path, size_t cap)
{
    size_t used = strlen(path);
    if (!a || !b) return a != b;
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) != json_number_value(b);
    if (json_typeof(a) != json_typeof(b)) return 1;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *va;
        json_object_foreach((json_t *)a, key, va)
        {
            snprintf(path + used, cap - used, "%s%s", used ? "." : "", key);
            if (diff(va, json_object_get(b, key), path, cap)) return 1;
        }
        json_object_foreach((json_t *)b, key, va)
        {
            snprintf(path + used, cap - used, "%s%s", used ? "." : "", key);
            if (!json_object_get(a, key)) return 1;
        }
        path[used] = 0;
        return 0;
    }
    case JSON_ARRAY: {
        size_t i, na = json_array_size(a), nb = json_array_size(b);
        for (i = 0; i < na || i < nb; i++) {
            snprintf(path + used, cap - used, "[%zu]", i);
            if (i >= na || i >= nb) return 1;
            if (diff(json_array_get(a, i), json_array_get(b, i), path, cap)) return 1;
        }
        path[used] = 0;
        return 0;
    }
    case JSON_STRING:
        return json_string_length(a) != json_string_length(b) ||
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) != 0;
    default:
        return !json_equal((json_t *)a, (json_t *)b);
    }
}

/* Looks a dotted/indexed path up again, to print the two values that differ. */
static const json_t *lookup(const json_t *v, const char *path)
{
    char key[512];
    while (v && *path) {
        if (*path == '.') {
            path++;
            continue;
        }
        if (*path == '[') {
            v = json_array_get(v, strtoul(path + 1, NULL, 10));
            path = strchr(path, ']');
            if (!path) return NULL;
            path++;
            continue;
        }
        {
            size_t n = strcspn(path, ".[");
            if (n >= sizeof key) return NULL;
            memcpy(key, path, n);
            key[n] = 0;
            v = json_object_get(v, key);
            path += n;
        }
    }
    return v;
}

static int is_string(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* Cuts text that is not part of the contract before comparing: the engine's wording of
 * compile and link errors (keeps "link error: "), and the message and location of a host
 * panic (spec/host-abi.md §0.2: keeps "host panicked: "). */
static void trim_engine_text(json_t *call)
{
    json_t *err = json_object_get(call, "error");
    json_t *host = json_object_get(err, "data");
    json_t *panic = json_object_get(host, "data");
    const char *type = json_string_value(json_object_get(err, "type"));
    const char *text = json_string_value(json_object_get(call, "error_display"));
    const char *colon;
    char prefix[64];
    if (!type || !text) return;
    if (strcmp(type, "HostError") == 0 && is_string(json_object_get(host, "type"), "Panic") &&
        is_string(json_object_get(panic, "context"), "Host")) {
        json_object_set_new(panic, "message", json_string(""));
        json_object_del(panic, "location");
    } else if (strcmp(type, "LinkError") != 0 && strcmp(type, "CompilationError") != 0) {
        return;
    }
    colon = strstr(text, ": ");
    if (!colon || (size_t)(colon - text) + 2 >= sizeof prefix) return;
    memcpy(prefix, text, (size_t)(colon - text) + 2);
    prefix[colon - text + 2] = 0;
    json_object_set_new(call, "error_display", json_string(prefix));
}

static void describe(size_t line, const json_t *exp)
{
    const json_t *call = json_object_get(exp, "call");
    const char *method = json_string_value(json_object_get(exp, "method"));
    if (call && method)
        printf("line %zu: call %.0f, method \"%s\"\n", line + 1, json_number_value(call), method);
    else
        printf("line %zu:\n", line + 1);
}

int main(int argc, char **argv)
{
    line_list want, got;
    size_t i, bad = 0, n;
    if (argc != 3) {
        fprintf(stderr, "usage: jsonl_compare EXPECTED.jsonl ACTUAL.jsonl\n");
        return 2;
    }
    if (lines_read(argv[1], &want) != 0) return 2;
    if (lines_read(argv[2], &got) != 0) {
        lines_free(&want);
        return 2;
    }
    n = want.count > got.count ? want.count : got.count;
    for (i = 0; i < n; i++) {
        json_error_t e;
        json_t *a = NULL, *b = NULL;
        char path[1024] = "";
        int differs;
        if (i < want.count && !(a = parse_line(want.lines[i], &e))) {
            printf("line %zu: expected file is not JSON: %s\n", i + 1, e.text);
            bad++;
            continue;
        }
        if (i < got.count && !(b = parse_line(got.lines[i], &e))) {
            describe(i, a);
            printf("    output is not JSON: %s\n", e.text);
            show("expected", a);
            json_decref(a);
            bad++;
            continue;
        }
        if (a && b && json_is_object(a) && json_is_object(b)) {
            trim_engine_text(a);
            trim_engine_text(b);
        }
        differs = diff(a, b, path, sizeof path);
        if (differs) {
            if (++bad <= MAX_REPORTS) {
                describe(i, a ? a : b);
                if (!a || !b) {
                    printf("    %s\n", a ? "missing from the output" : "extra output line");
                    show(a ? "expected" : "got", a ? a : b);
                } else {
                    printf("    field %s\n", path[0] ? path : "(whole line)");
                    show("expected", path[0] ? lookup(a, path) : a);
                    show("got     ", path[0] ? lookup(b, path) : b);
                }
            }
        }
        json_decref(a);
        json_decref(b);
    }
    if (bad > MAX_REPORTS) printf("... %zu more differing lines\n", bad - MAX_REPORTS);
    printf("%s: %zu of %zu lines differ\n", bad ? "FAIL" : "ok", bad, n);
    lines_free(&want);
    lines_free(&got);
    return bad ? 1 : 0;
}
