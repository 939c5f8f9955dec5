/*
 * trace.c: CALIMERO_LOG, the runtime's answer to RUST_LOG. Parses the filter, prints
 * lines to stderr, and supplies the engine's trace hooks (host calls, guest logs) when
 * their targets are enabled, so that a run with tracing off never calls them.
 */
#include "calimero/runtime.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"off", "error", "warn", "info", "debug", "trace"};
static const char *const level_tags[] = {"", "ERROR", " WARN", " INFO", "DEBUG", "TRACE"};
static const char *const target_names[CR_LOG_TARGET_COUNT] = {"runtime", "host", "guest"};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Matches the n bytes at s against a level name, case-insensitively. */
static int parse_level(const char *s, size_t n)
{
    for (int l = CR_LOG_OFF; l <= CR_LOG_TRACE; l++)
        if (strlen(level_names[l]) == n && strncasecmp(s, level_names[l], n) == 0) return l;
    return -1;
}

static cr_status bad_level(cr_log *log, cr_error *err, const char *s, size_t n)
{
    memset(log->level, 0, sizeof log->level);
    if (err) {
        memset(err, 0, sizeof *err);
        err->st = CR_ERR_ARG;
        snprintf(err->message, sizeof err->message,
                 "CALIMERO_LOG: unknown level '%.*s' (off, error, warn, info, debug, trace)",
                 (int)(n > 40 ? 40 : n), s);
    }
    return CR_ERR_ARG;
}

CR_API cr_status cr_log_init(cr_log *log, const char *spec, cr_error *err)
{
    memset(log, 0, sizeof *log);
    log->start_ns = now_ns();
    if (!spec) spec = getenv("CALIMERO_LOG");
    if (!spec) return CR_OK;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        const char *eq = memchr(p, '=', n);
        if (n == 0) {
            /* empty entry: skip */
        } else if (!eq) {
            int l = parse_level(p, n);
            if (l < 0) return bad_level(log, err, p, n);
            memset(log->level, l, sizeof log->level);
        } else {
            size_t tn = (size_t)(eq - p);
            int l = parse_level(eq + 1, n - tn - 1);
            if (l < 0) return bad_level(log, err, eq + 1, n - tn - 1);
            for (int t = 0; t < CR_LOG_TARGET_COUNT; t++)
                if (strlen(target_names[t]) == tn && strncmp(p, target_names[t], tn) == 0)
                    log->level[t] = (uint8_t)l;
        }
        p += n;
        while (*p && *p != ',')
            p++;
        if (*p == ',') p++;
    }
    return CR_OK;
}

/* Writes the prefix and the text as one line with one write(2), so that lines of
   concurrent writers do not interleave. */
static void emit(const cr_log *log, cr_log_target t, cr_log_level l, const char *text, size_t len)
{
    uint64_t ns = now_ns() - log->start_ns;
    char head[64];
    int hn = snprintf(head, sizeof head, "%4" PRIu64 ".%06" PRIu64 " %s %s: ", ns / 1000000000u,
                      ns / 1000u % 1000000u, level_tags[l], target_names[t]);
    if (hn < 0) return;
    size_t total = (size_t)hn + len + 1;
    char small[1024];
    char *line = total <= sizeof small ? small : malloc(total);
    if (!line) return;
    memcpy(line, head, (size_t)hn);
    memcpy(line + hn, text, len);
    line[total - 1] = '\n';
    for (size_t off = 0; off < total;) {
        ssize_t w = write(2, line + off, total - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (line != small) free(line);
}

CR_API void cr_log_printf(const cr_log *log, cr_log_target t, cr_log_level l, const char *fmt, ...)
{
    if (!cr_log_enabled(log, t, l)) return;
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        emit(log, t, l, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    emit(log, t, l, big, (size_t)n);
    free(big);
}

/* The engine's host-call hook: every call at trace, failures at debug. */
static void trace_host(void *ud, const char *import, const uint64_t *args, uint32_t nargs,
                       const uint64_t *result, const char *error)
{
    const cr_log *log = ud;
    cr_log_level l = error ? CR_LOG_DEBUG : CR_LOG_TRACE;
    if (!cr_log_enabled(log, CR_LOG_HOST, l)) return;
    char buf[512];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s(", import);
    for (uint32_t i = 0; i < nargs && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n,
                              args[i] < 0x10000 ? "%s%" PRIu64 : "%s%#" PRIx64, i ? ", " : "",
                              args[i]);
    if (n < sizeof buf) n += (size_t)snprintf(buf + n, sizeof buf - n, ")");
    if (n < sizeof buf && result)
        n += (size_t)snprintf(buf + n, sizeof buf - n, " -> %" PRIu64, *result);
    if (n >= sizeof buf) n = sizeof buf - 1;
    if (error)
        cr_log_printf(log, CR_LOG_HOST, l, "%.*s failed: %s", (int)n, buf, error);
    else
        emit(log, CR_LOG_HOST, l, buf, n);
}

/* The engine's guest-log hook. */
static void trace_guest(void *ud, const char *msg, size_t len)
{
    const cr_log *log = ud;
    if (cr_log_enabled(log, CR_LOG_GUEST, CR_LOG_INFO))
        emit(log, CR_LOG_GUEST, CR_LOG_INFO, msg, len);
}

CR_API void cr_log_attach(cr_log *log, cr_engine_config *cfg)
{
    bool host = cr_log_enabled(log, CR_LOG_HOST, CR_LOG_DEBUG);
    bool guest = cr_log_enabled(log, CR_LOG_GUEST, CR_LOG_INFO);
    cfg->trace = host ? trace_host : NULL;
    cfg->trace_log = guest ? trace_guest : NULL;
    cfg->trace_ud = host || guest ? log : NULL;
}
