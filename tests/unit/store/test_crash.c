/*
 * test_crash.c: a writer killed with SIGKILL at random moments leaves the LMDB store
 * holding whole batches only. A child process streams batches (each writes several keys
 * that must appear together, plus the batch number); the parent kills it after a random
 * delay, reopens the store and checks every key holds the same batch, and that batches
 * never go backwards across kills. Once through a storage's own begin/commit, once
 * through a stage, once through a store-wide batch around the commits of two stages (the
 * CLI's commit of the context and private maps).
 */
#include "store_test.h"

#include <cmocka.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { KEYS = 8, KILLS = 5 };

typedef enum mode { MODE_STORAGE, MODE_STAGE, MODE_TWO_MAPS } mode;

/* Reads "n" as a number (0 when absent). */
static unsigned long long read_batch(cr_storage *s, const char *key)
{
    const uint8_t *v;
    size_t len;
    if (cr_storage_get(s, (const uint8_t *)key, strlen(key), &v, &len, NULL) != CR_OK || !v)
        return 0;
    char buf[32];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, v, len);
    buf[len] = 0;
    return strtoull(buf, NULL, 10);
}

/* The value of one key of batch n: the number, a colon, then a batch-dependent amount of
   filler so that batches span different numbers of pages. */
static size_t batch_value(unsigned long long n, int key, uint8_t *buf, size_t cap)
{
    int len = snprintf((char *)buf, cap, "%llu:", n);
    size_t fill = (size_t)((n * 2654435761u + (unsigned)key * 40503u) % 6000);
    if (fill > cap - (size_t)len) fill = cap - (size_t)len;
    memset(buf + len, 'a' + key, fill);
    return (size_t)len + fill;
}

static void write_batch(cr_storage *s, const char *prefix, unsigned long long n)
{
    uint8_t val[8192];
    for (int k = 0; k < KEYS; k++) {
        char key[16];
        snprintf(key, sizeof key, "%s%02d", prefix, k);
        size_t len = batch_value(n, k, val, sizeof val);
        if (cr_storage_set(s, (const uint8_t *)key, strlen(key), val, len, NULL, NULL, NULL) !=
            CR_OK)
            _exit(3);
    }
    char num[32];
    snprintf(num, sizeof num, "%llu", n);
    if (cr_storage_set(s, (const uint8_t *)"n", 1, (const uint8_t *)num, strlen(num), NULL, NULL,
                       NULL) != CR_OK)
        _exit(3);
}

/* The child: writes batches until killed. */
static void writer(const char *dir, mode m)
{
    cr_lmdb *db;
    cr_storage *pub, *priv;
    if (cr_lmdb_open(NULL, dir, NULL, &db, NULL) != CR_OK) _exit(2);
    if (cr_lmdb_storage_open(db, "state", &pub, NULL) != CR_OK ||
        cr_lmdb_storage_open(db, "private", &priv, NULL) != CR_OK)
        _exit(2);
    cr_stage *sp, *sq;
    if (cr_stage_create(NULL, pub, &sp, NULL) != CR_OK ||
        cr_stage_create(NULL, priv, &sq, NULL) != CR_OK)
        _exit(2);
    for (unsigned long long n = read_batch(pub, "n") + 1;; n++) {
        switch (m) {
        case MODE_STORAGE:
            if (pub->ops->begin(pub->self, NULL) != CR_OK) _exit(4);
            write_batch(pub, "key", n);
            if (pub->ops->commit(pub->self, NULL) != CR_OK) _exit(4);
            break;
        case MODE_STAGE:
            write_batch(cr_stage_storage(sp), "key", n);
            if (cr_stage_commit(sp, NULL) != CR_OK) _exit(4);
            break;
        case MODE_TWO_MAPS:
            write_batch(cr_stage_storage(sp), "key", n);
            write_batch(cr_stage_storage(sq), "priv", n);
            if (cr_lmdb_begin(db, NULL) != CR_OK || cr_stage_commit(sp, NULL) != CR_OK ||
                cr_stage_commit(sq, NULL) != CR_OK || cr_lmdb_commit(db, NULL) != CR_OK)
                _exit(4);
            break;
        }
    }
}

/* Checks that every key of the map holds batch n (all absent when n is 0). */
static void check_whole(cr_storage *s, const char *prefix, unsigned long long n)
{
    uint8_t want[8192];
    for (int k = 0; k < KEYS; k++) {
        char key[16];
        snprintf(key, sizeof key, "%s%02d", prefix, k);
        const uint8_t *v;
        size_t len;
        assert_int_equal(cr_storage_get(s, (const uint8_t *)key, strlen(key), &v, &len, NULL),
                         CR_OK);
        if (n == 0) {
            assert_null(v);
            continue;
        }
        size_t wlen = batch_value(n, k, want, sizeof want);
        assert_non_null(v);
        if (len != wlen || memcmp(v, want, len) != 0)
            fail_msg("key %s does not hold batch %llu", key, n);
    }
}

static void crash_test(mode m)
{
    char dir[256];
    tmpdir_make(dir, sizeof dir);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    unsigned long long last = 0;
    for (int round = 0; round < KILLS; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) writer(dir, m);
        struct timespec ts = {0, (long)(20 + rand_r(&seed) % 180) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status))
            fail_msg("writer exited by itself with status %d", WEXITSTATUS(status));
        assert_true(WIFSIGNALED(status));

        cr_lmdb *db;
        cr_storage *pub, *priv;
        cr_error err;
        if (cr_lmdb_open(NULL, dir, NULL, &db, &err) != CR_OK)
            fail_msg("reopen after kill: %s", err.message);
        assert_int_equal(cr_lmdb_storage_open(db, "state", &pub, NULL), CR_OK);
        assert_int_equal(cr_lmdb_storage_open(db, "private", &priv, NULL), CR_OK);
        unsigned long long n = read_batch(pub, "n");
        assert_true(n >= last);
        check_whole(pub, "key", n);
        if (m == MODE_TWO_MAPS) {
            assert_int_equal(read_batch(priv, "n"), n);
            check_whole(priv, "priv", n);
        }
        last = n;
        cr_storage_destroy(pub);
        cr_storage_destroy(priv);
        cr_lmdb_close(db);
    }
    assert_true(last > 0); /* some batches landed */
    tmpdir_remove(dir);
}

static void crash_storage_batches_survive_sigkill_whole(void **state)
{
    (void)state;
    crash_test(MODE_STORAGE);
}

static void crash_stage_commits_survive_sigkill_whole(void **state)
{
    (void)state;
    crash_test(MODE_STAGE);
}

static void crash_two_map_batches_survive_sigkill_whole(void **state)
{
    (void)state;
    crash_test(MODE_TWO_MAPS);
}

int run_crash_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_storage_batches_survive_sigkill_whole),
        cmocka_unit_test(crash_stage_commits_survive_sigkill_whole),
        cmocka_unit_test(crash_two_map_batches_survive_sigkill_whole),
    };
    return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
