/*
 * utility.c: fetch, random_bytes, time_now and ed25519_verify (host-abi.md §2.6).
 * fetch is disabled unless the engine enables it, as upstream ships it; enabled, it
 * makes a blocking HTTP request with libcurl.
 */
#include "logic.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t cr__wall_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* random bytes from the run's source, or the OS CSPRNG */
static void fill_random(cr_logic *vl, uint8_t *buf, size_t len)
{
    if (vl->p->random.fill)
        vl->p->random.fill(vl->p->random.ud, buf, len);
    else
        randombytes_buf(buf, len);
}

void cr__random(cr_logic *vl, uint8_t *buf, size_t len)
{
    fill_random(vl, buf, len);
}

/* random_bytes(dest): descriptor, writable view, fill (zero length allowed). */
cr_status cr__host_random_bytes(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc d;
    uint8_t *dst;
    cr_status st = cr__gm_desc(vl, args[0], &d);
    if (st == CR_OK) st = cr__gm_out(vl, &d, &dst);
    if (st != CR_OK) return st;
    if (d.len) fill_random(vl, dst, (size_t)d.len);
    return CR_OK;
}

/* time_now(dest): descriptor, length exactly 8, bounds, u64 LE nanoseconds. */
cr_status cr__host_time_now(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    (void)ret;
    cr__desc d;
    cr_status st = cr__gm_desc(vl, args[0], &d);
    if (st != CR_OK) return st;
    if (d.len != 8) return cr__host_fail(vl, CR_HOST_INVALID_MEMORY_ACCESS);
    uint8_t *dst;
    st = cr__gm_out(vl, &d, &dst);
    if (st != CR_OK) return st;
    uint64_t now = vl->p->clock.now ? vl->p->clock.now(vl->p->clock.ud) : cr__wall_clock_ns();
    cr__put_le64(dst, now);
    return CR_OK;
}

/* ed25519_verify(sig, pk, msg): three descriptors, fixed 64 then fixed 32, message;
   a key that does not decompress fails Ed25519IncorrectPublicKey. */
cr_status cr__host_ed25519_verify(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc s, k, m;
    const uint8_t *sig, *pk, *msg;
    cr_status st = cr__gm_desc(vl, args[0], &s);
    if (st == CR_OK) st = cr__gm_desc(vl, args[1], &k);
    if (st == CR_OK) st = cr__gm_desc(vl, args[2], &m);
    if (st == CR_OK) st = cr__gm_fixed(vl, &s, 64, &sig);
    if (st == CR_OK) st = cr__gm_fixed(vl, &k, 32, &pk);
    if (st == CR_OK) st = cr__gm_bytes(vl, &m, &msg);
    if (st != CR_OK) return st;
    uint8_t sig_copy[64], pk_copy[32];
    memcpy(sig_copy, sig, 64);
    memcpy(pk_copy, pk, 32);
    int r = cr__ed25519_verify(sig_copy, pk_copy, msg, (size_t)m.len);
    if (r < 0) return cr__host_fail(vl, CR_HOST_ED25519_INCORRECT_PUBLIC_KEY);
    *ret = (uint64_t)r;
    return CR_OK;
}

/* ---- fetch ---- */

typedef struct fetch_body {
    const cr_engine *eng;
    uint8_t *data;
    size_t len, cap, max;
    bool too_big, nomem;
} fetch_body;

static size_t fetch_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    fetch_body *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > b->max) {
        b->too_big = true;
        return 0;
    }
    void *d = b->data;
    if (!cr__grow(b->eng, &d, &b->cap, b->len + n, 1)) {
        b->nomem = true;
        return 0;
    }
    b->data = d;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

/* borsh Vec<(String, String)> -> curl header list; false on malformed input. */
static bool parse_headers(const uint8_t *p, size_t n, struct curl_slist **out, bool *nomem)
{
    size_t off = 0;
    *out = NULL;
    if (n < 4) return false;
    uint32_t count = cr__le32(p);
    off = 4;
    char line[8192];
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *kv[2];
        uint32_t lens[2];
        for (int j = 0; j < 2; j++) {
            if (n - off < 4) return false;
            lens[j] = cr__le32(p + off);
            off += 4;
            if (n - off < lens[j] || !cr__utf8_valid(p + off, lens[j])) return false;
            kv[j] = p + off;
            off += lens[j];
        }
        int w = snprintf(line, sizeof line, "%.*s: %.*s", (int)lens[0], (const char *)kv[0],
                         (int)lens[1], (const char *)kv[1]);
        if (w < 0 || (size_t)w >= sizeof line) return false;
        struct curl_slist *l = curl_slist_append(*out, line);
        if (!l) {
            *nomem = true;
            return false;
        }
        *out = l;
    }
    return off == n;
}

static cr_status fetch_enabled(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    cr__desc du, dm, dh, db;
    cr_status st = cr__gm_desc(vl, args[0], &du);
    if (st == CR_OK) st = cr__gm_desc(vl, args[1], &dm);
    if (st == CR_OK) st = cr__gm_desc(vl, args[2], &dh);
    if (st == CR_OK) st = cr__gm_desc(vl, args[3], &db);
    const char *url, *method;
    const uint8_t *headers, *body;
    if (st == CR_OK) st = cr__gm_str(vl, &du, &url);
    if (st == CR_OK) st = cr__gm_str(vl, &dm, &method);
    if (st == CR_OK) st = cr__gm_bytes(vl, &dh, &headers);
    if (st == CR_OK) st = cr__gm_bytes(vl, &db, &body);
    if (st != CR_OK) return st;
    struct curl_slist *hl = NULL;
    bool nomem = false;
    if (!parse_headers(headers, (size_t)dh.len, &hl, &nomem)) {
        curl_slist_free_all(hl);
        if (nomem) return cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        return cr__host_fail(vl, CR_HOST_DESERIALIZATION_ERROR);
    }
    /* NUL-terminated copies of url and method (guest memory is not) */
    char *curl_url = cr__alloc(vl->eng, (size_t)du.len + 1);
    char *curl_method = cr__alloc(vl->eng, (size_t)dm.len + 1);
    uint8_t *body_copy = cr__alloc(vl->eng, (size_t)db.len);
    fetch_body fb = {.eng = vl->eng, .max = (size_t)vl->lim->max_register_size};
    CURL *c = NULL;
    if (!curl_url || !curl_method || !body_copy || !(c = curl_easy_init())) {
        st = cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(curl_url, url, (size_t)du.len);
    curl_url[du.len] = 0;
    memcpy(curl_method, method, (size_t)dm.len);
    curl_method[dm.len] = 0;
    if (db.len) memcpy(body_copy, body, (size_t)db.len);
    curl_easy_setopt(c, CURLOPT_URL, curl_url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, curl_method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &fb);
    if (db.len) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_copy);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)db.len);
    }
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (fb.nomem) {
        st = cr__logic_fatal(vl, CR_ERR_NOMEM, "out of memory");
    } else if (cc == CURLE_OK && code >= 200 && code < 300) {
        st = cr__reg_set(vl, args[4], fb.data, fb.len);
        *ret = 0;
    } else {
        char msg[512];
        if (cc != CURLE_OK)
            snprintf(msg, sizeof msg, "%s: %s", curl_url,
                     fb.too_big ? "Failed to read the response body." : curl_easy_strerror(cc));
        else
            snprintf(msg, sizeof msg, "%s: status code %ld", curl_url, code);
        st = cr__reg_set(vl, args[4], (const uint8_t *)msg, strlen(msg));
        *ret = 1;
    }
done:
    if (c) curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    cr__free(vl->eng, curl_url, (size_t)du.len + 1);
    cr__free(vl->eng, curl_method, (size_t)dm.len + 1);
    cr__free(vl->eng, body_copy, (size_t)db.len);
    cr__free(vl->eng, fb.data, fb.cap);
    return st;
}

/*
 * fetch(url, method, headers, body, reg): disabled (upstream at the reference
 * revision): no argument is read, the register gets the explanation, result 1.
 */
cr_status cr__host_fetch(cr_logic *vl, const uint64_t *args, uint64_t *ret)
{
    if (vl->eng->cfg.fetch_enabled) return fetch_enabled(vl, args, ret);
    static const char msg[] = "Host function 'fetch' is temporarily disabled.";
    cr_status st = cr__reg_set(vl, args[4], (const uint8_t *)msg, sizeof msg - 1);
    if (st != CR_OK) return st;
    *ret = 1;
    return CR_OK;
}
