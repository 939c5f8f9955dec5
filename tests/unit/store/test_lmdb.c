/*
 * test_lmdb.c: what only the LMDB store does: persistence across reopen, separate named
 * maps, batches (a storage's own and the store-wide one around several maps), growth of
 * a full map, read-only opening, readers in other processes, and refusal of bad input.
 */
#include "store_test.h"

#include <cmocka.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct lmdb_fixture {
    char dir[256];
} lmdb_fixture;

static int setup(void **state)
{
    lmdb_fixture *f = calloc(1, sizeof *f);
    tmpdir_make(f->dir, sizeof f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    lmdb_fixture *f = *state;
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static cr_lmdb *open_db(const char *dir, uint32_t flags)
{
    cr_lmdb_config cfg = cr_lmdb_config_default();
    cfg.flags = flags;
    cr_lmdb *db = NULL;
    cr_error err;
    cr_status st = cr_lmdb_open(NULL, dir, &cfg, &db, &err);
    if (st != CR_OK) fail_msg("cr_lmdb_open: %s", err.message);
    return db;
}

static cr_storage *open_map(cr_lmdb *db, const char *name)
{
    cr_storage *s = NULL;
    cr_error err;
    if (cr_lmdb_storage_open(db, name, &s, &err) != CR_OK)
        fail_msg("cr_lmdb_storage_open: %s", err.message);
    return s;
}

static void put(cr_storage *s, const char *k, const char *v)
{
    cr_error err;
    if (cr_storage_set(s, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v), NULL, NULL,
                       &err) != CR_OK)
        fail_msg("set %s: %s", k, err.message);
}

/* The value of k as a string in buf, or NULL when absent. */
static const char *get(cr_storage *s, const char *k, char *buf, size_t cap)
{
    const uint8_t *v;
    size_t len;
    assert_int_equal(cr_storage_get(s, (const uint8_t *)k, strlen(k), &v, &len, NULL), CR_OK);
    if (!v) return NULL;
    assert_true(len < cap);
    memcpy(buf, v, len);
    buf[len] = 0;
    return buf;
}

static void expect(cr_storage *s, const char *k, const char *v)
{
    char buf[256];
    const char *got = get(s, k, buf, sizeof buf);
    if (!v)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, v);
    }
}

/* ---- tests ------------------------------------------------------------------------- */

static void lmdb_reopen_keeps_committed_writes(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb *db = open_db(f->dir, 0);
    cr_storage *s = open_map(db, "state");
    put(s, "foo", "bar");
    put(s, "name", "Jane");
    assert_int_equal(cr_storage_remove(s, (const uint8_t *)"foo", 3, NULL, NULL, NULL), CR_OK);
    put(s, "", "empty");
    cr_storage_destroy(s);
    cr_lmdb_close(db);

    db = open_db(f->dir, 0);
    s = open_map(db, "state");
    expect(s, "foo", NULL);
    expect(s, "name", "Jane");
    expect(s, "", "empty");
    cr_storage_destroy(s);
    cr_lmdb_close(db);
}

static void lmdb_private_map_is_separate(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb *db = open_db(f->dir, 0);
    cr_storage *pub = open_map(db, "state");
    cr_storage *priv = open_map(db, "private");
    put(pub, "k", "public");
    put(priv, "k", "secret");
    put(priv, "only-private", "1");
    expect(pub, "k", "public");
    expect(priv, "k", "secret");
    expect(pub, "only-private", NULL);
    cr_storage_destroy(pub);
    cr_storage_destroy(priv);
    cr_lmdb_close(db);

    db = open_db(f->dir, CR_LMDB_READONLY);
    pub = open_map(db, "state");
    priv = open_map(db, "private");
    expect(pub, "k", "public");
    expect(priv, "k", "secret");
    expect(priv, "only-private", "1");
    cr_storage_destroy(pub);
    cr_storage_destroy(priv);
    cr_lmdb_close(db);
}

static void lmdb_storage_batch_rollback_drops_writes(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb *db = open_db(f->dir, 0);
    cr_storage *s = open_map(db, "state");
    put(s, "keep", "1");
    assert_int_equal(s->ops->begin(s->self, NULL), CR_OK);
    put(s, "a", "1");
    put(s, "keep", "2");
    expect(s, "a", "1"); /* reads inside the batch see its writes */
    expect(s, "keep", "2");
    s->ops->rollback(s->self);
    expect(s, "a", NULL);
    expect(s, "keep", "1");
    assert_int_equal(s->ops->begin(s->self, NULL), CR_OK);
    put(s, "b", "2");
    assert_int_equal(s->ops->commit(s->self, NULL), CR_OK);
    expect(s, "b", "2");
    cr_storage_destroy(s);
    cr_lmdb_close(db);
}

/* In a child process: opens the store read-only and exits 0 when key k of map holds
   v (v NULL: absent). */
static int child_expect(const char *dir, const char *map, const char *k, const char *v)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cr_lmdb_config cfg = cr_lmdb_config_default();
        cfg.flags = CR_LMDB_READONLY;
        cr_lmdb *db;
        cr_storage *s;
        if (cr_lmdb_open(NULL, dir, &cfg, &db, NULL) != CR_OK) _exit(10);
        if (cr_lmdb_storage_open(db, map, &s, NULL) != CR_OK) _exit(11);
        const uint8_t *val;
        size_t len;
        if (cr_storage_get(s, (const uint8_t *)k, strlen(k), &val, &len, NULL) != CR_OK) _exit(12);
        int ok = v ? val && len == strlen(v) && memcmp(val, v, len) == 0 : val == NULL;
        cr_storage_destroy(s);
        cr_lmdb_close(db);
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void lmdb_store_batch_commits_maps_together(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb *db = open_db(f->dir, 0);
    cr_storage *pub = open_map(db, "state");
    cr_storage *priv = open_map(db, "private");
    put(pub, "old", "1");
    cr_stage *sp, *sq;
    assert_int_equal(cr_stage_create(NULL, pub, &sp, NULL), CR_OK);
    assert_int_equal(cr_stage_create(NULL, priv, &sq, NULL), CR_OK);
    put(cr_stage_storage(sp), "a", "A");
    put(cr_stage_storage(sq), "p", "P");

    assert_int_equal(cr_lmdb_begin(db, NULL), CR_OK);
    assert_int_equal(cr_stage_commit(sp, NULL), CR_OK);
    assert_int_equal(cr_stage_commit(sq, NULL), CR_OK);
    /* another process sees nothing of the open batch, and is not blocked by it */
    assert_int_equal(child_expect(f->dir, "state", "a", NULL), 0);
    assert_int_equal(child_expect(f->dir, "state", "old", "1"), 0);
    cr_lmdb_rollback(db);
    expect(pub, "a", NULL);
    expect(priv, "p", NULL);

    put(cr_stage_storage(sp), "a", "A");
    put(cr_stage_storage(sq), "p", "P");
    assert_int_equal(cr_lmdb_begin(db, NULL), CR_OK);
    assert_int_equal(cr_stage_commit(sp, NULL), CR_OK);
    assert_int_equal(cr_stage_commit(sq, NULL), CR_OK);
    assert_int_equal(cr_lmdb_commit(db, NULL), CR_OK);
    assert_int_equal(child_expect(f->dir, "state", "a", "A"), 0);
    assert_int_equal(child_expect(f->dir, "private", "p", "P"), 0);
    cr_stage_destroy(sp);
    cr_stage_destroy(sq);
    cr_storage_destroy(pub);
    cr_storage_destroy(priv);
    cr_lmdb_close(db);
}

static void lmdb_nested_rollback_keeps_outer_writes(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb *db = open_db(f->dir, 0);
    cr_storage *s = open_map(db, "state");
    assert_int_equal(cr_lmdb_begin(db, NULL), CR_OK);
    put(s, "a", "1");
    assert_int_equal(s->ops->begin(s->self, NULL), CR_OK);
    put(s, "b", "2");
    put(s, "a", "changed");
    s->ops->rollback(s->self);
    expect(s, "a", "1");
    expect(s, "b", NULL);
    put(s, "c", "3");
    assert_int_equal(cr_lmdb_commit(db, NULL), CR_OK);
    expect(s, "a", "1");
    expect(s, "b", NULL);
    expect(s, "c", "3");
    /* commit without begin is refused */
    cr_error err;
    assert_int_equal(cr_lmdb_commit(db, &err), CR_ERR_ARG);
    cr_storage_destroy(s);
    cr_lmdb_close(db);
}

static void lmdb_grows_map_when_full(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb_config cfg = cr_lmdb_config_default();
    cfg.map_size = 1 << 20;
    cr_lmdb *db;
    cr_error err;
    assert_int_equal(cr_lmdb_open(NULL, f->dir, &cfg, &db, &err), CR_OK);
    cr_storage *s = open_map(db, "state");
    enum { VAL = 64 * 1024, COUNT = 48 };
    uint8_t *val = malloc(VAL);
    /* one batch far larger than the map, then single writes */
    assert_int_equal(cr_lmdb_begin(db, NULL), CR_OK);
    for (int i = 0; i < COUNT; i++) {
        char k[16];
        snprintf(k, sizeof k, "big%02d", i);
        memset(val, i, VAL);
        assert_int_equal(
            cr_storage_set(s, (const uint8_t *)k, strlen(k), val, VAL, NULL, NULL, &err), CR_OK);
    }
    assert_int_equal(cr_lmdb_commit(db, &err), CR_OK);
    for (int i = 0; i < COUNT; i++) {
        char k[16];
        snprintf(k, sizeof k, "one%02d", i);
        memset(val, i, VAL);
        assert_int_equal(
            cr_storage_set(s, (const uint8_t *)k, strlen(k), val, VAL, NULL, NULL, &err), CR_OK);
    }
    cr_storage_destroy(s);
    cr_lmdb_close(db);

    db = open_db(f->dir, CR_LMDB_READONLY);
    s = open_map(db, "state");
    for (int i = 0; i < COUNT; i++) {
        for (int j = 0; j < 2; j++) {
            char k[16];
            snprintf(k, sizeof k, "%s%02d", j ? "one" : "big", i);
            const uint8_t *got;
            size_t len;
            assert_int_equal(cr_storage_get(s, (const uint8_t *)k, strlen(k), &got, &len, NULL),
                             CR_OK);
            assert_non_null(got);
            assert_int_equal(len, VAL);
            assert_int_equal(got[0], i);
            assert_int_equal(got[VAL - 1], i);
        }
    }
    free(val);
    cr_storage_destroy(s);
    cr_lmdb_close(db);
}

static void lmdb_readonly_refuses_writes(void **state)
{
    lmdb_fixture *f = *state;
    cr_lmdb *db = open_db(f->dir, 0);
    cr_storage *s = open_map(db, "state");
    put(s, "k", "v");
    cr_storage_destroy(s);
    cr_lmdb_close(db);

    db = open_db(f->dir, CR_LMDB_READONLY);
    s = open_map(db, "state");
    expect(s, "k", "v");
    cr_error err;
    assert_int_equal(
        cr_storage_set(s, (const uint8_t *)"k", 1, (const uint8_t *)"w", 1, NULL, NULL, &err),
        CR_ERR_STORAGE);
    assert_non_null(strstr(err.message, "read-only"));
    assert_int_equal(cr_lmdb_begin(db, &err), CR_ERR_STORAGE);
    /* a map nobody wrote reads as empty */
    cr_storage *p = open_map(db, "private");
    expect(p, "k", NULL);
    cr_storage_destroy(p);
    cr_storage_destroy(s);
    cr_lmdb_close(db);
}

static void lmdb_readonly_without_store_is_not_found(void **state)
{
    lmdb_fixture *f = *state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/absent", f->dir);
    cr_lmdb_config cfg = cr_lmdb_config_default();
    cfg.flags = CR_LMDB_READONLY;
    cr_lmdb *db = (cr_lmdb *)1;
    cr_error err;
    assert_int_equal(cr_lmdb_open(NULL, dir, &cfg, &db, &err), CR_ERR_NOT_FOUND);
    assert_null(db);
    assert_int_equal(cr_lmdb_open(NULL, f->dir, &cfg, &db, &err), CR_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "no store"));
}

static void lmdb_rejects_bad_arguments(void **state)
{
    lmdb_fixture *f = *state;
    cr_error err;
    cr_lmdb *db = NULL;
    assert_int_equal(cr_lmdb_open(NULL, "", NULL, &db, &err), CR_ERR_ARG);
    char file[512];
    snprintf(file, sizeof file, "%s/file", f->dir);
    FILE *fp = fopen(file, "w");
    fputs("x", fp);
    fclose(fp);
    assert_int_equal(cr_lmdb_open(NULL, file, NULL, &db, &err), CR_ERR_ARG);
    assert_non_null(strstr(err.message, "not a directory"));

    db = open_db(f->dir, 0);
    cr_storage *s = NULL;
    assert_int_equal(cr_lmdb_storage_open(db, "", &s, &err), CR_ERR_ARG);
    assert_int_equal(cr_lmdb_storage_open(db, "meta", &s, &err), CR_ERR_ARG);
    char longname[80];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(cr_lmdb_storage_open(db, longname, &s, &err), CR_ERR_ARG);
    assert_null(s);
    cr_lmdb_close(db);
    cr_lmdb_close(NULL);
}

static void lmdb_rejects_store_of_other_format(void **state)
{
    lmdb_fixture *f = *state;
    /* a store whose format record says version 99 */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", MDB_CREATE, &dbi), 0);
    uint8_t rec[16] = {99};
    MDB_val k = {6, "format"}, v = {sizeof rec, rec};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    cr_lmdb *db = NULL;
    cr_error err;
    assert_int_equal(cr_lmdb_open(NULL, f->dir, NULL, &db, &err), CR_ERR_STORAGE);
    assert_null(db);
    assert_non_null(strstr(err.message, "incompatible"));
}

int run_lmdb_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lmdb_reopen_keeps_committed_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_private_map_is_separate, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_storage_batch_rollback_drops_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_store_batch_commits_maps_together, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_nested_rollback_keeps_outer_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_grows_map_when_full, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_readonly_refuses_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_readonly_without_store_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_rejects_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(lmdb_rejects_store_of_other_format, setup, teardown),
    };
    return cmocka_run_group_tests_name("lmdb", tests, NULL, NULL);
}
