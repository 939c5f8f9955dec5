/*
 * fetch.c: the host's `fetch` seen from a guest. The example starts a small HTTP server
 * on 127.0.0.1 (a thread on an ephemeral port), then runs a guest (fetch_guest.wat) that
 * fetches a URL of it and returns the response it read from the register: once with
 * fetch enabled in the engine, once disabled as upstream ships it, where the guest gets
 * "Host function 'fetch' is temporarily disabled." (host-abi.md `fetch`).
 *
 *   fetch [--mode enabled|disabled|both] [GUEST.wasm]
 *
 * Exits 0 when every mode behaved as described.
 */
#include "example.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef CR_FETCH_GUEST
#define CR_FETCH_GUEST "fetch_guest.wasm"
#endif

static const char response_body[] =
    "{\"jsonrpc\":\"2.0\",\"id\":\"dontcare\",\"result\":{\"account_id\":\"nearkat.testnet\","
    "\"amount\":\"399992611103597728750000000\",\"block_height\":167345193}}";

static const char disabled_text[] = "Host function 'fetch' is temporarily disabled.";

typedef struct server {
    int fd;
    uint16_t port;
    pthread_t thread;
    unsigned served;
} server;

/* Answers every connection with response_body until the listening socket is shut. */
static void *serve(void *arg)
{
    server *s = arg;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) break;
        /* read the request head (the guest sends no body) */
        char req[8192];
        size_t n = 0;
        while (n < sizeof req - 1) {
            ssize_t got = read(c, req + n, sizeof req - 1 - n);
            if (got <= 0) break;
            n += (size_t)got;
            req[n] = 0;
            if (strstr(req, "\r\n\r\n")) break;
        }
        char head[256];
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          sizeof response_body - 1);
        if (write(c, head, (size_t)hn) == hn &&
            write(c, response_body, sizeof response_body - 1) == (ssize_t)sizeof response_body - 1)
            s->served++;
        close(c);
    }
    return NULL;
}

static bool server_start(server *s)
{
    memset(s, 0, sizeof *s);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->fd, 8) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0) {
        close(s->fd);
        return false;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->thread, NULL, serve, s) != 0) {
        close(s->fd);
        return false;
    }
    return true;
}

static void server_stop(server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
}

/* Runs the guest's `get` on url with fetch enabled or not; true when the outcome is the
   one that mode promises. */
static bool run_mode(const uint8_t *wasm, size_t wasm_len, const char *url, bool enabled)
{
    printf("\n== fetch %s\nget %s\n", enabled ? "enabled" : "disabled (upstream's default)", url);
    cr_engine_config cfg = cr_engine_config_default();
    cfg.fetch_enabled = enabled;
    cr_log log;
    cr_log_init(&log, NULL, NULL);
    cr_log_attach(&log, &cfg);
    cr_engine *eng = NULL;
    cr_module *mod = NULL;
    cr_storage *mem = NULL;
    cr_outcome *o = NULL;
    cr_error err;
    bool ok = false;
    if (cr_engine_create(&cfg, &eng, &err) != CR_OK ||
        cr_module_compile(eng, wasm, wasm_len, &mod, &err) != CR_OK ||
        cr_memory_storage_create(eng, &mem, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    cr_run_params p = cr_run_params_default();
    p.method = "get";
    p.input = (const uint8_t *)url;
    p.input_len = strlen(url);
    p.storage = mem;
    if (cr_run(mod, &p, &o, &err) != CR_OK) {
        fprintf(stderr, "error: %s\n", err.message);
        goto out;
    }
    example_print_outcome(stdout, o);
    const uint8_t *data;
    size_t len;
    if (enabled)
        ok = cr_outcome_returns(o, &data, &len) && len == sizeof response_body - 1 &&
             memcmp(data, response_body, len) == 0;
    else
        ok = cr_outcome_error(o) == CR_CALL_EXECUTION && cr_outcome_error_payload(o, &data, &len) &&
             len == sizeof disabled_text - 1 && memcmp(data, disabled_text, len) == 0;
    printf("%s\n", ok ? "as expected" : "UNEXPECTED OUTCOME");
out:
    cr_outcome_destroy(o);
    cr_storage_destroy(mem);
    cr_module_destroy(mod);
    cr_engine_destroy(eng);
    return ok;
}

int main(int argc, char **argv)
{
    const char *mode = "both", *guest = CR_FETCH_GUEST;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc)
            mode = argv[++i];
        else if (argv[i][0] != '-')
            guest = argv[i];
        else {
            fprintf(stderr, "usage: fetch [--mode enabled|disabled|both] [GUEST.wasm]\n");
            return 2;
        }
    }
    bool want_on = !strcmp(mode, "enabled") || !strcmp(mode, "both");
    bool want_off = !strcmp(mode, "disabled") || !strcmp(mode, "both");
    if (!want_on && !want_off) {
        fprintf(stderr, "fetch: unknown mode '%s'\n", mode);
        return 2;
    }
    size_t wasm_len;
    uint8_t *wasm = example_read_file(guest, &wasm_len);
    if (!wasm) return 1;
    server s;
    if (!server_start(&s)) {
        perror("fetch: server");
        free(wasm);
        return 1;
    }
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/account/nearkat.testnet", s.port);
    printf("server listening on 127.0.0.1:%u\n", s.port);
    bool ok = true;
    if (want_on) ok &= run_mode(wasm, wasm_len, url, true);
    if (want_off) ok &= run_mode(wasm, wasm_len, url, false);
    server_stop(&s);
    printf("\nrequests served: %u\n", s.served);
    free(wasm);
    return ok ? 0 : 1;
}
