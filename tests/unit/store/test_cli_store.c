/*
 * test_cli_store.c: the store as `calimero-runtime run` and `compile` use it, with the
 * real kv-store app: the node's commit rule, persistence across processes, the private
 * map, limits, the module cache (good, stale and damaged entries, compiled images), and
 * the crash test through the command: a loop of `run set` killed with SIGKILL at random
 * moments leaves the app's state holding whole calls only.
 */
#include "store_test.h"

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CR_CLI_PATH
#error "CR_CLI_PATH must name the calimero-runtime executable"
#endif
#ifndef CR_KV_STORE
#error "CR_KV_STORE must name kv_store.wasm"
#endif

extern char **environ;

typedef struct cli_result {
    int rc;
    char out[65536];
    char err[16384];
} cli_result;

typedef struct cli_fixture {
    char dir[256];
    char store[300];
} cli_fixture;

static int setup(void **state)
{
    cli_fixture *f = calloc(1, sizeof *f);
    tmpdir_make(f->dir, sizeof f->dir);
    snprintf(f->store, sizeof f->store, "%s/store", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    cli_fixture *f = *state;
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got <= 0) break;
        n += (size_t)got;
    }
    buf[n] = 0;
}

/* Runs the command with the arguments (NULL-terminated), capturing both streams. */
static cli_result *cli(const char *dir, const char *first, ...)
{
    const char *argv[40];
    int argc = 0;
    argv[argc++] = CR_CLI_PATH;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 39; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    char out_path[300], err_path[300];
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    int out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int err_fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(out_fd >= 0 && err_fd >= 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    pid_t pid;
    int st = posix_spawn(&pid, CR_CLI_PATH, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(st, 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    cli_result *r = calloc(1, sizeof *r);
    r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    slurp(out_fd, r->out, sizeof r->out);
    slurp(err_fd, r->err, sizeof r->err);
    close(out_fd);
    close(err_fd);
    return r;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("output:\n%s\n", hay);
        fail_msg("missing \"%s\"", needle);
    }
}

/* `run APP METHOD --store S --json [--input INPUT] [EXTRA]`: the parsed JSON line. */
static json_t *run_json(cli_fixture *f, const char *method, const char *input, const char *extra,
                        int want_rc)
{
    cli_result *r =
        input ? cli(f->dir, "run", CR_KV_STORE, method, "--store", f->store, "--json", "--input",
                    input, extra, NULL)
              : cli(f->dir, "run", CR_KV_STORE, method, "--store", f->store, "--json", extra, NULL);
    if (r->rc != want_rc) {
        print_error("stdout: %s\nstderr: %s\n", r->out, r->err);
        fail_msg("run %s exited %d, want %d", method, r->rc, want_rc);
    }
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    if (!j) {
        print_error("stdout: %s\n", r->out);
        fail_msg("not JSON: %s", je.text);
    }
    free(r);
    return j;
}

static const char *jstr(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool committed(json_t *j)
{
    return json_is_true(json_object_get(json_object_get(j, "storage"), "committed"));
}

/* ---- commit rule and persistence ----------------------------------------------------- */

static void run_commits_init_and_root_hash_calls_only(void **state)
{
    cli_fixture *f = *state;
    json_t *j = run_json(f, "init", NULL, NULL, 0);
    assert_true(committed(j));
    json_decref(j);
    j = run_json(f, "set", "{\"key\":\"foo\",\"value\":\"bar\"}", NULL, 0);
    assert_true(committed(j));
    assert_non_null(jstr(j, "root_hash"));
    assert_true(json_object_size(json_object_get(json_object_get(j, "storage"), "set")) > 0);
    json_decref(j);
    /* a view call commits nothing, and a later process sees the earlier writes */
    j = run_json(f, "get", "{\"key\":\"foo\"}", NULL, 0);
    assert_string_equal(jstr(j, "returns"), "\"bar\"");
    /* one gas unit per wasm operator: a kv_store get executes about 200,000 */
    json_int_t gas = json_integer_value(json_object_get(j, "gas_used"));
    assert_true(gas > 10000 && gas < 10000000);
    /* machine code gives the same outcome and the same gas */
    json_t *k = run_json(f, "get", "{\"key\":\"foo\"}", "--jit", 0);
    assert_string_equal(jstr(k, "returns"), "\"bar\"");
    assert_int_equal(json_integer_value(json_object_get(k, "gas_used")), gas);
    json_decref(k);
    assert_false(committed(j));
    assert_string_equal(jstr(j, "method"), "get");
    assert_string_equal(jstr(j, "input"), "{\"key\":\"foo\"}");
    json_decref(j);
}

/* Every pair of the store's state map as one string. */
static int concat_pairs(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                        size_t val_len)
{
    crypto_hash_sha256_state *h = ud;
    uint8_t lens[16];
    for (int i = 0; i < 8; i++) {
        lens[i] = (uint8_t)(key_len >> (8 * i));
        lens[8 + i] = (uint8_t)(val_len >> (8 * i));
    }
    crypto_hash_sha256_update(h, lens, sizeof lens);
    crypto_hash_sha256_update(h, key, key_len);
    crypto_hash_sha256_update(h, val, val_len);
    return 0;
}

/* A digest of everything in the store (state and private maps). */
static void store_digest(const char *dir, uint8_t out[32])
{
    cr_lmdb_config cfg = cr_lmdb_config_default();
    cfg.flags = CR_LMDB_READONLY;
    cr_lmdb *db;
    cr_error err;
    if (cr_lmdb_open(NULL, dir, &cfg, &db, &err) != CR_OK)
        fail_msg("open %s: %s", dir, err.message);
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    static const char *const maps[] = {"state", "private"};
    for (int i = 0; i < 2; i++) {
        cr_storage *s;
        assert_int_equal(cr_lmdb_storage_open(db, maps[i], &s, NULL), CR_OK);
        assert_int_equal(cr_storage_iterate(s, concat_pairs, &h, NULL), CR_OK);
        crypto_hash_sha256_update(&h, (const uint8_t *)"|", 1);
        cr_storage_destroy(s);
    }
    crypto_hash_sha256_final(&h, out);
    cr_lmdb_close(db);
}

static void run_failed_call_leaves_store_unchanged(void **state)
{
    cli_fixture *f = *state;
    json_decref(run_json(f, "init", NULL, NULL, 0));
    json_decref(run_json(f, "set", "{\"key\":\"a\",\"value\":\"1\"}", NULL, 0));
    uint8_t before[32], after[32];
    store_digest(f->store, before);
    /* a guest panic, an error return, a missing method, a host error from a limit */
    json_t *j = run_json(f, "get_unchecked", "{\"key\":\"absent\"}", NULL, 1);
    assert_string_equal(jstr(json_object_get(json_object_get(j, "error"), "data"), "type"),
                        "Panic");
    json_decref(j);
    json_decref(run_json(f, "get_result", "{\"key\":\"absent\"}", NULL, 1));
    json_decref(run_json(f, "no_such_method", "{}", NULL, 1));
    j = run_json(f, "set", "{\"key\":\"b\",\"value\":\"2\"}", "--limit=max_logs=0", 1);
    assert_false(committed(j));
    assert_contains(jstr(j, "error_display"), "log");
    json_decref(j);
    j = run_json(f, "set", "{\"key\":\"c\",\"value\":\"3\"}", "--no-commit", 0);
    assert_false(committed(j));
    json_decref(j);
    store_digest(f->store, after);
    assert_memory_equal(before, after, 32);
    j = run_json(f, "get", "{\"key\":\"b\"}", NULL, 0);
    assert_string_equal(jstr(j, "returns"), "null");
    json_decref(j);
}

static void run_human_summary_and_exit_codes(void **state)
{
    cli_fixture *f = *state;
    cli_result *r = cli(f->dir, "run", CR_KV_STORE, "init", "--store", f->store, NULL);
    assert_int_equal(r->rc, 0);
    assert_contains(r->out, "root hash  ");
    assert_contains(r->out, "committed");
    assert_contains(r->out, "\ngas used   ");
    free(r);
    r = cli(f->dir, "run", CR_KV_STORE, "get_result", "--store", f->store, "--input",
            "{\"key\":\"height\"}", NULL);
    assert_int_equal(r->rc, 1);
    assert_contains(r->out, "error      the method call returned an error");
    assert_contains(r->out, "payload    {\"data\":\"height\",\"kind\":\"NotFound\"}");
    assert_contains(r->out, "not committed (the call failed)");
    free(r);
}

static void run_usage_errors_exit_2(void **state)
{
    cli_fixture *f = *state;
    static const char *const cases[][4] = {
        {"run", NULL},
        {"run", CR_KV_STORE, NULL},
        {"run", CR_KV_STORE, "get", "--context"},
        {"run", CR_KV_STORE, "get", "--context=abc"},
        {"run", CR_KV_STORE, "get", "--limit=max_nothing=1"},
        {"run", CR_KV_STORE, "get", "--limit=max_logs=-1"},
        {"run", CR_KV_STORE, "get", "--gas=lots"},
        {"run", CR_KV_STORE, "get", "--bogus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_result *r = cli(f->dir, cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
        if (r->rc != 2) fail_msg("case %zu exited %d: %s", i, r->rc, r->err);
        assert_contains(r->err, "error: ");
        free(r);
    }
    cli_result *r = cli(f->dir, "run", "--limit", "list", NULL);
    assert_int_equal(r->rc, 0);
    assert_contains(r->out, "max_memory_pages");
    assert_contains(r->out, "max_gas");
    free(r);
    r = cli(f->dir, "run", "--help", NULL);
    assert_int_equal(r->rc, 0);
    assert_contains(r->out, "Commit rule");
    assert_contains(r->out, "max_storage_key_size");
    free(r);
}

static void run_private_store_in_own_directory(void **state)
{
    cli_fixture *f = *state;
    char priv[400];
    snprintf(priv, sizeof priv, "%s/private", f->dir);
    cli_result *r =
        cli(f->dir, "run", CR_KV_STORE, "init", "--store", f->store, "--private-store", priv, NULL);
    assert_int_equal(r->rc, 0);
    free(r);
    struct stat sb;
    char path[500];
    snprintf(path, sizeof path, "%s/data.mdb", priv);
    assert_int_equal(stat(path, &sb), 0);
    r = cli(f->dir, "run", CR_KV_STORE, "init", "--store", f->store, "--private-store", priv,
            "--no-private-store", NULL);
    assert_int_equal(r->rc, 2);
    free(r);
}

static void run_default_store_is_per_context_under_xdg(void **state)
{
    cli_fixture *f = *state;
    char xdg[400];
    snprintf(xdg, sizeof xdg, "%s/xdg", f->dir);
    setenv("XDG_DATA_HOME", xdg, 1);
    const char *ctx = "0101010101010101010101010101010101010101010101010101010101010101";
    cli_result *r = cli(f->dir, "run", CR_KV_STORE, "init", "--context", ctx, NULL);
    unsetenv("XDG_DATA_HOME");
    assert_int_equal(r->rc, 0);
    free(r);
    char path[600];
    snprintf(path, sizeof path, "%s/calimero-runtime/%s/data.mdb", xdg, ctx);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
}

/* ---- tracing ------------------------------------------------------------------------- */

static void run_calimero_log_traces_on_stderr_only_when_asked(void **state)
{
    cli_fixture *f = *state;
    cli_result *r = cli(f->dir, "run", CR_KV_STORE, "init", "--store", f->store, NULL);
    assert_int_equal(r->rc, 0);
    assert_string_equal(r->err, ""); /* off by default */
    free(r);
    setenv("CALIMERO_LOG", "runtime=debug,host=trace,guest=info", 1);
    r = cli(f->dir, "run", CR_KV_STORE, "set", "--store", f->store, "--input",
            "{\"key\":\"k\",\"value\":\"v\"}", NULL);
    assert_int_equal(r->rc, 0);
    assert_contains(r->err, "DEBUG runtime: run set");
    assert_contains(r->err, "TRACE host: storage_write(");
    assert_contains(r->err, ") -> ");
    assert_contains(r->err, " INFO guest: Setting key: \"k\" to value: \"v\"");
    assert_contains(r->err, " INFO runtime: committed");
    free(r);
    /* host=debug shows failing host calls only; a panic is one */
    setenv("CALIMERO_LOG", "host=debug", 1);
    r = cli(f->dir, "run", CR_KV_STORE, "get_unchecked", "--store", f->store, "--input",
            "{\"key\":\"absent\"}", NULL);
    assert_int_equal(r->rc, 1);
    assert_contains(r->err, "DEBUG host: panic_utf8(");
    assert_contains(r->err, "failed: guest panicked: key not found");
    assert_null(strstr(r->err, "storage_read"));
    assert_null(strstr(r->err, "runtime:"));
    free(r);
    setenv("CALIMERO_LOG", "host=loud", 1);
    r = cli(f->dir, "run", CR_KV_STORE, "len", "--store", f->store, NULL);
    unsetenv("CALIMERO_LOG");
    assert_int_equal(r->rc, 0);
    assert_contains(r->err, "warning: CALIMERO_LOG: unknown level 'loud'");
    assert_null(strstr(r->err, "TRACE"));
    free(r);
}

/* ---- module cache and images --------------------------------------------------------- */

/* The cache entry's path; false when the cache directory holds no .crm. */
static bool cache_entry(const char *store, char *path, size_t cap)
{
    char dir[400];
    snprintf(dir, sizeof dir, "%s/cache", store);
    DIR *d = opendir(dir);
    if (!d) return false;
    struct dirent *e;
    bool found = false;
    while (!found && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n == 64 + 4 && !strcmp(e->d_name + 64, ".crm")) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

static void run_module_cache_rejects_damaged_entries(void **state)
{
    cli_fixture *f = *state;
    json_decref(run_json(f, "init", NULL, NULL, 0));
    char entry[1024];
    if (!cache_entry(f->store, entry, sizeof entry)) skip(); /* this build makes no module images */
    /* a good entry is used silently */
    cli_result *r = cli(f->dir, "run", CR_KV_STORE, "len", "--store", f->store, NULL);
    assert_int_equal(r->rc, 0);
    assert_string_equal(r->err, "");
    free(r);
    struct stat sb;
    assert_int_equal(stat(entry, &sb), 0);
    off_t good_size = sb.st_size;
    /* truncated, then one flipped byte in the middle, then not an image at all */
    for (int damage = 0; damage < 3; damage++) {
        if (damage == 0) {
            assert_int_equal(truncate(entry, good_size / 2), 0);
        } else if (damage == 1) {
            FILE *fp = fopen(entry, "r+b");
            fseek(fp, (long)(good_size / 2), SEEK_SET);
            int c = fgetc(fp);
            fseek(fp, (long)(good_size / 2), SEEK_SET);
            fputc(c ^ 0x40, fp);
            fclose(fp);
        } else {
            FILE *fp = fopen(entry, "wb");
            fputs("stale", fp);
            fclose(fp);
        }
        r = cli(f->dir, "run", CR_KV_STORE, "len", "--store", f->store, NULL);
        assert_int_equal(r->rc, 0);
        assert_contains(r->err, "warning: cached module");
        assert_contains(r->err, "recompiling");
        free(r);
        assert_int_equal(stat(entry, &sb), 0);
        assert_int_equal(sb.st_size, good_size); /* rewritten */
    }
}

static void compile_writes_image_that_run_accepts(void **state)
{
    cli_fixture *f = *state;
    char img[400];
    snprintf(img, sizeof img, "%s/kv.crm", f->dir);
    cli_result *r = cli(f->dir, "compile", CR_KV_STORE, "-o", img, NULL);
    bool no_images = r->rc == 1 && strstr(r->err, "cannot make an image");
    int rc = r->rc;
    free(r);
    if (no_images) skip(); /* this build makes no module images */
    assert_int_equal(rc, 0);
    r = cli(f->dir, "run", img, "init", "--store", f->store, "--no-cache", NULL);
    assert_int_equal(r->rc, 0);
    free(r);
    /* an image made with other compile-time limits is refused */
    r = cli(f->dir, "run", img, "init", "--store", f->store, "--limit", "max_memory_pages=7", NULL);
    assert_int_equal(r->rc, 1);
    assert_contains(r->err, "image");
    free(r);
    r = cli(f->dir, "compile", CR_KV_STORE, NULL);
    assert_int_equal(r->rc, 2);
    free(r);
}

/* ---- crash test through the command -------------------------------------------------- */

static void run_sigkill_during_calls_leaves_whole_calls(void **state)
{
    cli_fixture *f = *state;
    json_decref(run_json(f, "init", NULL, NULL, 0));
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int next = 0; /* the first key not known to be committed */
    for (int round = 0; round < 4; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* a process group of its own: the loop and the command it runs die together */
            setpgid(0, 0);
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            for (int i = next;; i++) {
                char input[128];
                snprintf(input, sizeof input, "{\"key\":\"k%04d\",\"value\":\"v%d\"}", i, i);
                pid_t c = fork();
                if (c == 0) {
                    execl(CR_CLI_PATH, CR_CLI_PATH, "run", CR_KV_STORE, "set", "--store", f->store,
                          "--input", input, (char *)NULL);
                    _exit(127);
                }
                int status;
                if (c < 0 || waitpid(c, &status, 0) != c || !WIFEXITED(status) ||
                    WEXITSTATUS(status) != 0)
                    _exit(3);
            }
        }
        setpgid(pid, pid);
        struct timespec ts = {0, (long)(150 + rand_r(&seed) % 350) * 1000000L};
        nanosleep(&ts, NULL);
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status))
            fail_msg("writer loop stopped by itself (status %d)", WEXITSTATUS(status));

        /* the app must read back a prefix of the calls: keys next.. in order, values right */
        json_t *j = run_json(f, "entries", NULL, NULL, 0);
        const char *ret = jstr(j, "returns");
        assert_non_null(ret);
        json_t *entries = json_loads(ret, 0, NULL);
        assert_true(json_is_object(entries));
        int count = (int)json_object_size(entries);
        assert_true(count >= next);
        for (int i = 0; i < count; i++) {
            char key[32], want[32];
            snprintf(key, sizeof key, "k%04d", i);
            snprintf(want, sizeof want, "v%d", i);
            json_t *v = json_object_get(entries, key);
            if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
                fail_msg("round %d: %s missing or wrong among %d entries", round, key, count);
        }
        json_decref(entries);
        json_decref(j);
        next = count;
    }
    assert_true(next > 0);
}

/* bench: setup calls, then timed calls with a fresh instance each; figures in JSON. */
static void bench_times_calls_after_setup(void **state)
{
    cli_fixture *f = *state;
    cli_result *r = cli(f->dir, "bench", CR_KV_STORE, "get", "--setup", "init", "--setup",
                        "5*set={\"key\":\"k{i}\",\"value\":\"v{i}\"}", "--input",
                        "{\"key\":\"k3\"}", "--calls", "20", "--warmup", "2", "--json", NULL);
    if (r->rc != 0) fail_msg("bench exited %d: %s", r->rc, r->err);
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    assert_non_null(j);
    assert_string_equal(jstr(j, "method"), "get");
    assert_int_equal(json_integer_value(json_object_get(j, "calls")), 20);
    assert_true(json_number_value(json_object_get(j, "per_s")) > 0);
    double p50 = json_number_value(json_object_get(j, "p50_us"));
    assert_true(p50 > 0 && p50 <= json_number_value(json_object_get(j, "p99_us")));
    assert_true(json_integer_value(json_object_get(j, "gas_p50")) > 10000);
    json_decref(j);
    free(r);
    /* the setup really ran: without it, get_unchecked panics and bench says so */
    r = cli(f->dir, "bench", CR_KV_STORE, "get_unchecked", "--input", "{\"key\":\"k3\"}", "--calls",
            "3", NULL);
    assert_int_equal(r->rc, 1);
    assert_contains(r->err, "guest panicked");
    free(r);
    r = cli(f->dir, "bench", CR_KV_STORE, "get_unchecked", "--setup", "init", "--setup",
            "set={\"key\":\"k3\",\"value\":\"three\"}", "--input", "{\"key\":\"k3\"}", "--calls",
            "3", NULL);
    assert_int_equal(r->rc, 0);
    assert_contains(r->out, "calls/s");
    free(r);
    r = cli(f->dir, "bench", CR_KV_STORE, "get", "--setup", "0*init", NULL);
    assert_int_equal(r->rc, 2);
    free(r);
    r = cli(f->dir, "bench", CR_KV_STORE, NULL);
    assert_int_equal(r->rc, 2);
    free(r);
}

int run_cli_store_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(run_commits_init_and_root_hash_calls_only, setup, teardown),
        cmocka_unit_test_setup_teardown(run_failed_call_leaves_store_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(run_human_summary_and_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(run_usage_errors_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(run_private_store_in_own_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(run_default_store_is_per_context_under_xdg, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(run_calimero_log_traces_on_stderr_only_when_asked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(run_module_cache_rejects_damaged_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(compile_writes_image_that_run_accepts, setup, teardown),
        cmocka_unit_test_setup_teardown(bench_times_calls_after_setup, setup, teardown),
        cmocka_unit_test_setup_teardown(run_sigkill_during_calls_leaves_whole_calls, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("cli store", tests, NULL, NULL);
}
