/*
 * test_store.c: the storage semantics every store shares (upstream's Storage trait:
 * get, set and remove with previous values, empty and binary keys and values, byte-wise
 * iteration order), checked on the in-memory store and on the LMDB store alike, and the
 * stage layer's commit, clear and read-through. LMDB-only behaviour and the crash test
 * are in test_lmdb.c and test_crash.c.
 */
#include "store_test.h"

#include <cmocka.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tmpdir_make(char *buf, size_t cap)
{
    const char *base = getenv("TMPDIR");
    snprintf(buf, cap, "%s/test_store.XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(buf));
}

void tmpdir_remove(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        struct stat sb;
        if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            tmpdir_remove(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

/* ---- fixtures: one storage of each kind ------------------------------------------ */

static int setup_memory(void **state)
{
    store_fixture *f = calloc(1, sizeof *f);
    assert_int_equal(cr_memory_storage_create(NULL, &f->s, NULL), CR_OK);
    *state = f;
    return 0;
}

static int setup_lmdb(void **state)
{
    store_fixture *f = calloc(1, sizeof *f);
    tmpdir_make(f->dir, sizeof f->dir);
    cr_error err;
    assert_int_equal(cr_lmdb_open(NULL, f->dir, NULL, &f->db, &err), CR_OK);
    assert_int_equal(cr_lmdb_storage_open(f->db, "state", &f->s, &err), CR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    store_fixture *f = *state;
    cr_storage_destroy(f->s);
    cr_lmdb_close(f->db);
    if (f->dir[0]) tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------- */

static void put(cr_storage *s, const char *k, const char *v)
{
    assert_int_equal(cr_storage_set(s, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v),
                                    NULL, NULL, NULL),
                     CR_OK);
}

/* Asserts key k holds v (NULL: absent). */
static void expect(cr_storage *s, const char *k, const char *v)
{
    const uint8_t *val = (const uint8_t *)"sentinel";
    size_t len = 99;
    assert_int_equal(cr_storage_get(s, (const uint8_t *)k, strlen(k), &val, &len, NULL), CR_OK);
    if (!v) {
        assert_null(val);
        return;
    }
    assert_non_null(val);
    assert_int_equal(len, strlen(v));
    if (len) assert_memory_equal(val, v, len);
}

typedef struct collected {
    char text[4096];
    size_t count;
    size_t stop_after;
} collected;

/* Appends "key=value;" with bytes outside printable ASCII as \xx. */
static void append_bytes(collected *c, const uint8_t *p, size_t n)
{
    size_t len = strlen(c->text);
    for (size_t i = 0; i < n && len + 4 < sizeof c->text; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            c->text[len++] = (char)p[i];
        else
            len += (size_t)snprintf(c->text + len, sizeof c->text - len, "\\%02x", p[i]);
    }
    c->text[len] = 0;
}

static int collect(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val, size_t val_len)
{
    collected *c = ud;
    append_bytes(c, key, key_len);
    strncat(c->text, "=", sizeof c->text - strlen(c->text) - 1);
    if (val)
        append_bytes(c, val, val_len);
    else
        strncat(c->text, "<removed>", sizeof c->text - strlen(c->text) - 1);
    strncat(c->text, ";", sizeof c->text - strlen(c->text) - 1);
    c->count++;
    return c->stop_after && c->count >= c->stop_after;
}

/* ---- storage semantics ------------------------------------------------------------ */

static void storage_get_absent_returns_null(void **state)
{
    store_fixture *f = *state;
    expect(f->s, "missing", NULL);
}

static void storage_set_then_get_returns_value(void **state)
{
    store_fixture *f = *state;
    put(f->s, "foo", "bar");
    expect(f->s, "foo", "bar");
    put(f->s, "foo", "baz");
    expect(f->s, "foo", "baz");
}

static void storage_set_reports_previous_value(void **state)
{
    store_fixture *f = *state;
    const uint8_t *old = (const uint8_t *)"x";
    size_t old_len = 7;
    assert_int_equal(cr_storage_set(f->s, (const uint8_t *)"k", 1, (const uint8_t *)"v1", 2, &old,
                                    &old_len, NULL),
                     CR_OK);
    assert_null(old);
    assert_int_equal(cr_storage_set(f->s, (const uint8_t *)"k", 1, (const uint8_t *)"v22", 3, &old,
                                    &old_len, NULL),
                     CR_OK);
    assert_non_null(old);
    assert_int_equal(old_len, 2);
    assert_memory_equal(old, "v1", 2);
    expect(f->s, "k", "v22");
}

static void storage_remove_reports_previous_value(void **state)
{
    store_fixture *f = *state;
    const uint8_t *old = (const uint8_t *)"x";
    size_t old_len = 7;
    assert_int_equal(cr_storage_remove(f->s, (const uint8_t *)"k", 1, &old, &old_len, NULL), CR_OK);
    assert_null(old);
    put(f->s, "k", "value");
    assert_int_equal(cr_storage_remove(f->s, (const uint8_t *)"k", 1, &old, &old_len, NULL), CR_OK);
    assert_non_null(old);
    assert_int_equal(old_len, 5);
    assert_memory_equal(old, "value", 5);
    expect(f->s, "k", NULL);
    assert_int_equal(cr_storage_remove(f->s, (const uint8_t *)"k", 1, NULL, NULL, NULL), CR_OK);
}

static void storage_empty_key_and_value_are_not_absent(void **state)
{
    store_fixture *f = *state;
    expect(f->s, "", NULL);
    put(f->s, "", "empty key");
    expect(f->s, "", "empty key");
    put(f->s, "e", "");
    const uint8_t *val = NULL;
    size_t len = 5;
    assert_int_equal(cr_storage_get(f->s, (const uint8_t *)"e", 1, &val, &len, NULL), CR_OK);
    assert_non_null(val);
    assert_int_equal(len, 0);
    const uint8_t *old = NULL;
    size_t old_len = 5;
    assert_int_equal(cr_storage_remove(f->s, (const uint8_t *)"e", 1, &old, &old_len, NULL), CR_OK);
    assert_non_null(old);
    assert_int_equal(old_len, 0);
}

static void storage_binary_keys_and_values_roundtrip(void **state)
{
    store_fixture *f = *state;
    uint8_t key[64], val[300];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 37 + 1) ^ (i & 1 ? 0xff : 0);
    key[3] = 0;
    for (size_t i = 0; i < sizeof val; i++)
        val[i] = (uint8_t)(255 - i);
    assert_int_equal(cr_storage_set(f->s, key, sizeof key, val, sizeof val, NULL, NULL, NULL),
                     CR_OK);
    const uint8_t *got;
    size_t len;
    assert_int_equal(cr_storage_get(f->s, key, sizeof key, &got, &len, NULL), CR_OK);
    assert_int_equal(len, sizeof val);
    assert_memory_equal(got, val, sizeof val);
    /* a prefix of the key is another key */
    assert_int_equal(cr_storage_get(f->s, key, 3, &got, &len, NULL), CR_OK);
    assert_null(got);
}

static void storage_iterate_in_bytewise_order_shorter_first(void **state)
{
    store_fixture *f = *state;
    static const struct {
        const char *k;
        size_t len;
    } keys[] = {{"b", 1}, {"ab", 2}, {"\xff", 1}, {"a\0", 2}, {"", 0}, {"a", 1}, {"\x01", 1}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(cr_storage_set(f->s, (const uint8_t *)keys[i].k, keys[i].len,
                                        (const uint8_t *)"v", 1, NULL, NULL, NULL),
                         CR_OK);
    collected c = {0};
    assert_int_equal(cr_storage_iterate(f->s, collect, &c, NULL), CR_OK);
    assert_string_equal(c.text, "=v;\\01=v;a=v;a\\00=v;ab=v;b=v;\\ff=v;");
}

static void storage_iterate_stops_when_visitor_says_so(void **state)
{
    store_fixture *f = *state;
    put(f->s, "a", "1");
    put(f->s, "b", "2");
    put(f->s, "c", "3");
    collected c = {.stop_after = 2};
    assert_int_equal(cr_storage_iterate(f->s, collect, &c, NULL), CR_OK);
    assert_string_equal(c.text, "a=1;b=2;");
}

typedef struct order_check {
    uint8_t prev[6000];
    size_t prev_len;
    bool have;
    size_t count;
    bool ok;
} order_check;

static int check_order(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                       size_t val_len)
{
    (void)val;
    (void)val_len;
    order_check *oc = ud;
    if (oc->have) {
        size_t n = oc->prev_len < key_len ? oc->prev_len : key_len;
        int c = n ? memcmp(oc->prev, key, n) : 0;
        if (c > 0 || (c == 0 && oc->prev_len >= key_len)) oc->ok = false;
    }
    if (key_len <= sizeof oc->prev) {
        memcpy(oc->prev, key, key_len);
        oc->prev_len = key_len;
    }
    oc->have = true;
    oc->count++;
    return 0;
}

static void storage_long_keys_roundtrip_and_sort(void **state)
{
    store_fixture *f = *state;
    /* long keys sharing a long prefix, and keys around the LMDB key size limit */
    static const size_t lens[] = {477, 478, 479, 480, 511, 512, 1000, 5000};
    enum { N = sizeof lens / sizeof lens[0] };
    uint8_t *keys[N * 2];
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < 2; j++) {
            uint8_t *k = malloc(lens[i]);
            memset(k, 'p', lens[i]);
            k[lens[i] - 1] = j ? 'b' : 'a';
            keys[i * 2 + j] = k;
            char v[32];
            snprintf(v, sizeof v, "%zu%c", lens[i], j ? 'b' : 'a');
            assert_int_equal(
                cr_storage_set(f->s, k, lens[i], (const uint8_t *)v, strlen(v), NULL, NULL, NULL),
                CR_OK);
        }
    }
    for (size_t i = 0; i < N * 2; i++) {
        const uint8_t *got;
        size_t len;
        assert_int_equal(cr_storage_get(f->s, keys[i], lens[i / 2], &got, &len, NULL), CR_OK);
        char v[32];
        snprintf(v, sizeof v, "%zu%c", lens[i / 2], i & 1 ? 'b' : 'a');
        assert_non_null(got);
        assert_int_equal(len, strlen(v));
        assert_memory_equal(got, v, len);
    }
    for (size_t i = 0; i < N * 2; i++)
        free(keys[i]);
    order_check *oc = calloc(1, sizeof *oc);
    oc->ok = true;
    assert_int_equal(cr_storage_iterate(f->s, check_order, oc, NULL), CR_OK);
    assert_true(oc->ok);
    assert_int_equal(oc->count, N * 2);
    free(oc);
}

static void storage_iterate_order_holds_for_random_keys(void **state)
{
    store_fixture *f = *state;
    unsigned seed = 12345;
    for (int i = 0; i < 400; i++) {
        size_t len = (size_t)(rand_r(&seed) % 4 == 0 ? rand_r(&seed) % 900 : rand_r(&seed) % 6);
        uint8_t k[900];
        for (size_t j = 0; j < len; j++)
            k[j] = (uint8_t)(j < 470 ? "ab\0\xff"[rand_r(&seed) % 4] : rand_r(&seed) % 3);
        assert_int_equal(cr_storage_set(f->s, k, len, k, len, NULL, NULL, NULL), CR_OK);
    }
    order_check *oc = calloc(1, sizeof *oc);
    oc->ok = true;
    assert_int_equal(cr_storage_iterate(f->s, check_order, oc, NULL), CR_OK);
    assert_true(oc->ok);
    assert_true(oc->count > 100);
    free(oc);
}

/* ---- the stage --------------------------------------------------------------------- */

static void stage_reads_see_staged_writes_before_base(void **state)
{
    store_fixture *f = *state;
    put(f->s, "a", "base-a");
    put(f->s, "b", "base-b");
    cr_stage *st;
    assert_int_equal(cr_stage_create(NULL, f->s, &st, NULL), CR_OK);
    cr_storage *ss = cr_stage_storage(st);
    put(ss, "a", "staged-a");
    assert_int_equal(cr_storage_remove(ss, (const uint8_t *)"b", 1, NULL, NULL, NULL), CR_OK);
    put(ss, "c", "staged-c");
    expect(ss, "a", "staged-a");
    expect(ss, "b", NULL);
    expect(ss, "c", "staged-c");
    /* the base is untouched until commit */
    expect(f->s, "a", "base-a");
    expect(f->s, "b", "base-b");
    expect(f->s, "c", NULL);
    cr_stage_destroy(st);
}

static void stage_commit_applies_writes_and_empties_stage(void **state)
{
    store_fixture *f = *state;
    put(f->s, "a", "base-a");
    put(f->s, "b", "base-b");
    cr_stage *st;
    assert_int_equal(cr_stage_create(NULL, f->s, &st, NULL), CR_OK);
    cr_storage *ss = cr_stage_storage(st);
    put(ss, "c", "3");
    put(ss, "a", "1");
    assert_int_equal(cr_storage_remove(ss, (const uint8_t *)"b", 1, NULL, NULL, NULL), CR_OK);
    collected w = {0};
    assert_int_equal(cr_stage_iterate(st, collect, &w, NULL), CR_OK);
    assert_string_equal(w.text, "a=1;b=<removed>;c=3;");
    assert_int_equal(cr_stage_commit(st, NULL), CR_OK);
    collected c = {0};
    assert_int_equal(cr_storage_iterate(f->s, collect, &c, NULL), CR_OK);
    assert_string_equal(c.text, "a=1;c=3;");
    collected empty = {0};
    assert_int_equal(cr_stage_iterate(st, collect, &empty, NULL), CR_OK);
    assert_int_equal(empty.count, 0);
    cr_stage_destroy(st);
}

static void stage_clear_drops_writes(void **state)
{
    store_fixture *f = *state;
    put(f->s, "a", "base-a");
    cr_stage *st;
    assert_int_equal(cr_stage_create(NULL, f->s, &st, NULL), CR_OK);
    cr_storage *ss = cr_stage_storage(st);
    put(ss, "a", "1");
    put(ss, "z", "26");
    cr_stage_clear(st);
    expect(ss, "a", "base-a");
    expect(ss, "z", NULL);
    assert_int_equal(cr_stage_commit(st, NULL), CR_OK);
    collected c = {0};
    assert_int_equal(cr_storage_iterate(f->s, collect, &c, NULL), CR_OK);
    assert_string_equal(c.text, "a=base-a;");
    cr_stage_destroy(st);
}

static void stage_previous_values_come_from_stage_then_base(void **state)
{
    store_fixture *f = *state;
    put(f->s, "k", "base");
    cr_stage *st;
    assert_int_equal(cr_stage_create(NULL, f->s, &st, NULL), CR_OK);
    cr_storage *ss = cr_stage_storage(st);
    const uint8_t *old;
    size_t old_len;
    assert_int_equal(
        cr_storage_set(ss, (const uint8_t *)"k", 1, (const uint8_t *)"s1", 2, &old, &old_len, NULL),
        CR_OK);
    assert_non_null(old);
    assert_int_equal(old_len, 4);
    assert_memory_equal(old, "base", 4);
    assert_int_equal(cr_storage_remove(ss, (const uint8_t *)"k", 1, &old, &old_len, NULL), CR_OK);
    assert_non_null(old);
    assert_int_equal(old_len, 2);
    assert_memory_equal(old, "s1", 2);
    assert_int_equal(cr_storage_remove(ss, (const uint8_t *)"k", 1, &old, &old_len, NULL), CR_OK);
    assert_null(old);
    cr_stage_destroy(st);
}

#define BOTH(test)                                                 \
    cmocka_unit_test_setup_teardown(test, setup_memory, teardown), \
        cmocka_unit_test_setup_teardown(test, setup_lmdb, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(storage_get_absent_returns_null),
        BOTH(storage_set_then_get_returns_value),
        BOTH(storage_set_reports_previous_value),
        BOTH(storage_remove_reports_previous_value),
        BOTH(storage_empty_key_and_value_are_not_absent),
        BOTH(storage_binary_keys_and_values_roundtrip),
        BOTH(storage_iterate_in_bytewise_order_shorter_first),
        BOTH(storage_iterate_stops_when_visitor_says_so),
        BOTH(storage_long_keys_roundtrip_and_sort),
        BOTH(storage_iterate_order_holds_for_random_keys),
        BOTH(stage_reads_see_staged_writes_before_base),
        BOTH(stage_commit_applies_writes_and_empties_stage),
        BOTH(stage_clear_drops_writes),
        BOTH(stage_previous_values_come_from_stage_then_base),
    };
    int failed = cmocka_run_group_tests_name("store", tests, NULL, NULL);
    failed += run_lmdb_tests();
    failed += run_crash_tests();
    failed += run_cli_store_tests();
    return failed ? 1 : 0;
}
