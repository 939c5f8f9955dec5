/*
 * test_cli.c: the `calimero-runtime` command's invoke, inspect and spec subcommands,
 * run as a child process against WAT fixtures built by wat2wasm, plus the value
 * parsing and printing they share (src/cli/value.c), tested directly.
 */
#include "value.h"

#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
/* cmocka.h needs the standard headers above */
#include <cmocka.h>

#ifndef CR_CLI_PATH
#error "CR_CLI_PATH must name the calimero-runtime executable"
#endif
#ifndef CR_FIXTURES
#error "CR_FIXTURES must name the fixture directory"
#endif

extern char **environ;

typedef struct run_result {
    int rc;
    char out[16384];
    char err[16384];
} run_result;

static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got <= 0) break;
        n += (size_t)got;
    }
    buf[n] = '\0';
}

/* Runs the CLI with the given arguments (NULL-terminated), capturing both streams. */
static run_result *run_cli(const char *first, ...)
{
    const char *argv[32];
    int argc = 0;
    argv[argc++] = CR_CLI_PATH;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;

    static const char tmpl[] = "/tmp/test_cli.XXXXXX";
    char out_path[sizeof tmpl], err_path[sizeof tmpl];
    memcpy(out_path, tmpl, sizeof tmpl);
    memcpy(err_path, tmpl, sizeof tmpl);
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
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

    run_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    slurp(out_fd, r->out, sizeof r->out);
    slurp(err_fd, r->err, sizeof r->err);
    close(out_fd);
    close(err_fd);
    unlink(out_path);
    unlink(err_path);
    return r;
}

#define FIXTURE(name) CR_FIXTURES "/" name

/* Runs `invoke values.wasm EXPORT ARGS...` and expects success with stdout `want`. */
static void expect_invoke(const char *want, const char *export_name, const char *a1, const char *a2)
{
    run_result *r = run_cli("invoke", FIXTURE("values.wasm"), export_name, a1, a2, NULL);
    assert_string_equal(r->err, "");
    assert_string_equal(r->out, want);
    assert_int_equal(r->rc, 0);
    free(r);
}

static void expect_exit(run_result *r, int rc, const char *err_prefix)
{
    assert_int_equal(r->rc, rc);
    if (err_prefix && strncmp(r->err, err_prefix, strlen(err_prefix))) {
        print_error("stderr: %s\n", r->err);
        fail_msg("stderr does not start with \"%s\"", err_prefix);
    }
    free(r);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("output:\n%s\n", hay);
        fail_msg("missing \"%s\"", needle);
    }
}

/* ---- value.c ---- */

#define fmt(t, v) cr__value_format((t), (v), (char[64]){0}, 64)

static void value_format_keeps_negative_zero(void **state)
{
    (void)state;
    assert_string_equal(fmt(WA_F32, 0x80000000u), "-0");
    assert_string_equal(fmt(WA_F64, 0x8000000000000000u), "-0");
    assert_string_equal(fmt(WA_F32, 0), "0");
}

static void value_format_prints_nan_and_infinities(void **state)
{
    (void)state;
    assert_string_equal(fmt(WA_F32, 0x7fc00000u), "nan");
    assert_string_equal(fmt(WA_F32, 0xffa00001u), "nan");
    assert_string_equal(fmt(WA_F64, 0x7ff0000000000001u), "nan");
    assert_string_equal(fmt(WA_F32, 0x7f800000u), "inf");
    assert_string_equal(fmt(WA_F64, 0xfff0000000000000u), "-inf");
}

static void value_format_prints_signed_integers(void **state)
{
    (void)state;
    assert_string_equal(fmt(WA_I64, 0x8000000000000000u), "-9223372036854775808");
    assert_string_equal(fmt(WA_I32, 0xffffffffu), "-1");
    assert_string_equal(fmt(WA_I32, 0x80000000u), "-2147483648");
}

static void value_format_uses_shortest_round_trip(void **state)
{
    (void)state;
    assert_string_equal(fmt(WA_F32, 0x3dcccccdu), "0.1");
    assert_string_equal(fmt(WA_F64, 0x3fb999999999999au), "0.1");
    assert_string_equal(fmt(WA_F64, 0x3fd5555555555555u), "0.3333333333333333");
    assert_string_equal(fmt(WA_F32, 0x3eaaaaabu), "0.33333334");
    assert_string_equal(fmt(WA_F32, 0x4b800000u), "16777216");
    assert_string_equal(fmt(WA_F32, 0x00000001u), "1.4013e-45");
}

static void value_format_prints_references(void **state)
{
    (void)state;
    assert_string_equal(fmt(WA_FUNCREF, 0), "null");
    assert_string_equal(fmt(WA_EXTERNREF, cr__hostref(0)), "ref");
}

static void value_parse_accepts_signed_and_unsigned_i32(void **state)
{
    (void)state;
    wa_value v;
    assert_true(cr__value_parse(WA_I32, "4294967295", &v));
    assert_int_equal(v, 0xffffffffu);
    assert_true(cr__value_parse(WA_I32, "-2147483648", &v));
    assert_int_equal(v, 0x80000000u);
    assert_true(cr__value_parse(WA_I32, "-1", &v));
    assert_int_equal(v, 0xffffffffu);
    assert_true(cr__value_parse(WA_I64, "-9223372036854775808", &v));
    assert_int_equal(v, 0x8000000000000000u);
    assert_true(cr__value_parse(WA_I64, "18446744073709551615", &v));
    assert_int_equal(v, UINT64_MAX);
}

static void value_parse_rejects_bad_integers(void **state)
{
    (void)state;
    wa_value v;
    const char *bad32[] = {"", "-", "4294967296", "-2147483649", "1x", " 1", "1.5", "abc"};
    for (size_t i = 0; i < sizeof bad32 / sizeof bad32[0]; i++)
        assert_false(cr__value_parse(WA_I32, bad32[i], &v));
    assert_false(cr__value_parse(WA_I64, "18446744073709551616", &v));
    assert_false(cr__value_parse(WA_I64, "-9223372036854775809", &v));
}

static void value_parse_reads_float_specials(void **state)
{
    (void)state;
    wa_value v;
    assert_true(cr__value_parse(WA_F32, "nan", &v));
    assert_int_equal(v, 0x7fc00000u);
    assert_true(cr__value_parse(WA_F32, "-0", &v));
    assert_int_equal(v, 0x80000000u);
    assert_true(cr__value_parse(WA_F32, "-inf", &v));
    assert_int_equal(v, 0xff800000u);
    assert_true(cr__value_parse(WA_F64, "inf", &v));
    assert_int_equal(v, 0x7ff0000000000000u);
    assert_true(cr__value_parse(WA_F64, "-0", &v));
    assert_int_equal(v, 0x8000000000000000u);
    assert_true(cr__value_parse(WA_F64, "-nan", &v));
    assert_int_equal(v, 0xfff8000000000000u);
    assert_false(cr__value_parse(WA_F64, "", &v));
    assert_false(cr__value_parse(WA_F64, "1.0x", &v));
    assert_false(cr__value_parse(WA_F64, "nan(0x1)", &v));
}

static void value_parse_rounds_f32_once(void **state)
{
    (void)state;
    wa_value v;
    assert_true(cr__value_parse(WA_F32, "0.1", &v));
    assert_int_equal(v, 0x3dcccccdu);
    /* halfway between two floats after a double rounding, not before */
    assert_true(cr__value_parse(WA_F32, "1.00000005960464477550", &v));
    assert_int_equal(v, 0x3f800001u);
}

static void value_parse_reads_references(void **state)
{
    (void)state;
    wa_value v = 1;
    assert_true(cr__value_parse(WA_FUNCREF, "null", &v));
    assert_int_equal(v, 0);
    assert_true(cr__value_parse(WA_EXTERNREF, "7", &v));
    assert_int_equal(v, cr__hostref(7));
    assert_false(cr__value_parse(WA_FUNCREF, "7", &v));
}

/* ---- invoke ---- */

static void invoke_prints_i32_sum(void **state)
{
    (void)state;
    expect_invoke("3\n", "add", "1", "2");
    expect_invoke("-1\n", "add", "-3", "2");
    expect_invoke("0\n", "add", "4294967295", "1");
}

static void invoke_prints_negative_zero(void **state)
{
    (void)state;
    expect_invoke("-0\n", "neg_zero_f32", NULL, NULL);
    expect_invoke("-0\n", "neg_zero_f64", NULL, NULL);
    expect_invoke("-0\n", "id_f64", "-0", NULL);
}

static void invoke_prints_nan_and_infinities(void **state)
{
    (void)state;
    expect_invoke("nan\n", "nan_f32", NULL, NULL);
    expect_invoke("nan\n", "nan_f64", NULL, NULL);
    expect_invoke("inf\n", "inf", NULL, NULL);
    expect_invoke("-inf\n", "neg_inf", NULL, NULL);
    expect_invoke("-inf\n", "id_f32", "-inf", NULL);
}

static void invoke_prints_integer_minimums(void **state)
{
    (void)state;
    expect_invoke("-9223372036854775808\n", "i64_min", NULL, NULL);
    expect_invoke("-2147483648\n", "i32_min", NULL, NULL);
    expect_invoke("-9223372036854775808\n", "add64", "9223372036854775807", "1");
}

static void invoke_prints_each_result_on_its_line(void **state)
{
    (void)state;
    expect_invoke("0.1\n0.1\n", "tenth", NULL, NULL);
    expect_invoke("", "none", NULL, NULL);
}

static void invoke_passes_float_bits_exactly(void **state)
{
    (void)state;
    expect_invoke("2143289344\n", "bits_f32", "nan", NULL);
    expect_invoke("-2147483648\n", "bits_f32", "-0", NULL);
    expect_invoke("-9223372036854775808\n", "bits_f64", "-0", NULL);
    expect_invoke("1036831949\n", "bits_f32", "0.1", NULL);
    expect_invoke("0.1\n", "id_f32", "0.1", NULL);
    expect_invoke("1e+300\n", "id_f64", "1e300", NULL);
}

static void invoke_prints_references(void **state)
{
    (void)state;
    expect_invoke("null\n", "null_funcref", NULL, NULL);
    expect_invoke("null\n", "id_externref", "null", NULL);
    expect_invoke("ref\n", "id_externref", "3", NULL);
    expect_invoke("1\n", "is_null", "null", NULL);
    expect_invoke("0\n", "is_null", "3", NULL);
}

static void invoke_trap_exits_1_with_message(void **state)
{
    (void)state;
    run_result *r = run_cli("invoke", FIXTURE("values.wasm"), "div_s", "1", "0", NULL);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "trap: integer divide by zero\n");
    expect_exit(r, 1, NULL);
    r = run_cli("invoke", FIXTURE("values.wasm"), "div_s", "-2147483648", "-1", NULL);
    assert_string_equal(r->err, "trap: integer overflow\n");
    expect_exit(r, 1, NULL);
    expect_exit(run_cli("invoke", FIXTURE("values.wasm"), "trap", NULL), 1, "trap: unreachable\n");
}

static void invoke_deep_recursion_traps_cleanly(void **state)
{
    (void)state;
    expect_exit(run_cli("invoke", FIXTURE("values.wasm"), "recurse", NULL), 1,
                "trap: call stack exhausted\n");
}

static void invoke_start_trap_exits_1(void **state)
{
    (void)state;
    expect_exit(run_cli("invoke", FIXTURE("start_trap.wasm"), "f", NULL), 1, "trap: unreachable\n");
}

static void invoke_bad_module_exits_1(void **state)
{
    (void)state;
    expect_exit(run_cli("invoke", FIXTURE("bad.wasm"), "f", NULL), 1, "error: ");
    expect_exit(run_cli("invoke", FIXTURE("no-such-file.wasm"), "f", NULL), 1, "error: ");
    expect_exit(run_cli("invoke", FIXTURE("other_imports.wasm"), "f", NULL), 1,
                "error: unknown import: env.missing");
    expect_exit(run_cli("invoke", FIXTURE("values.wasm"), "no_such_export", NULL), 1, "error: ");
    expect_exit(run_cli("invoke", FIXTURE("values.wasm"), "g", NULL), 1, "error: ");
}

static void invoke_binds_spectest_imports(void **state)
{
    (void)state;
    run_result *r = run_cli("invoke", FIXTURE("spectest_imports.wasm"), "global", NULL);
    assert_string_equal(r->out, "666\n");
    expect_exit(r, 0, "");
    r = run_cli("invoke", FIXTURE("spectest_imports.wasm"), "global_f64", NULL);
    assert_string_equal(r->out, "666.6\n");
    expect_exit(r, 0, "");
    r = run_cli("invoke", FIXTURE("spectest_imports.wasm"), "pages", NULL);
    assert_string_equal(r->out, "1\n");
    expect_exit(r, 0, "");
}

static void invoke_usage_errors_exit_2(void **state)
{
    (void)state;
    const char *v = FIXTURE("values.wasm");
    expect_exit(run_cli("invoke", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", v, NULL), 2, "error: ");
    expect_exit(run_cli("invoke", v, "add", "1", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", v, "add", "1", "2", "3", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", v, "add", "1", "abc", NULL), 2, "error: argument 2");
    expect_exit(run_cli("invoke", v, "add", "4294967296", "0", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", v, "id_f32", "1.5x", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", "--bogus", v, "none", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", "--fuel", "lots", v, "none", NULL), 2, "error: ");
    expect_exit(run_cli("invoke", "--max-pages", "70000", v, "none", NULL), 2, "error: ");
}

static void invoke_fuel_stops_an_endless_loop(void **state)
{
    (void)state;
    run_result *r = run_cli("invoke", "--fuel", "1000", FIXTURE("values.wasm"), "spin", NULL);
    assert_contains(r->err, "trap: out of fuel\n");
    assert_contains(r->err, "fuel used: ");
    expect_exit(r, 1, "trap: out of fuel\n");
}

static void invoke_fuel_reports_use(void **state)
{
    (void)state;
    run_result *r =
        run_cli("invoke", "--fuel", "1000000", FIXTURE("values.wasm"), "add", "2", "3", NULL);
    assert_string_equal(r->out, "5\n");
    assert_contains(r->err, "fuel used: ");
    long used = strtol(r->err + strlen("fuel used: "), NULL, 10);
    assert_true(used > 0 && used < 100);
    expect_exit(r, 0, "fuel used: ");
}

static void invoke_max_pages_limits_memory_grow(void **state)
{
    (void)state;
    const char *v = FIXTURE("values.wasm");
    run_result *r = run_cli("invoke", "--max-pages", "2", v, "grow", "1", NULL);
    assert_string_equal(r->out, "1\n");
    expect_exit(r, 0, "");
    r = run_cli("invoke", "--max-pages", "2", v, "grow", "2", NULL);
    assert_string_equal(r->out, "-1\n");
    expect_exit(r, 0, "");
    r = run_cli("invoke", v, "grow", "2", NULL);
    assert_string_equal(r->out, "1\n");
    expect_exit(r, 0, "");
}

/* ---- help and usage ---- */

static void every_command_has_help(void **state)
{
    (void)state;
    const char *cmds[] = {"invoke", "inspect", "spec"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run_result *r = run_cli(cmds[i], "--help", NULL);
        char want[64];
        snprintf(want, sizeof want, "usage: calimero-runtime %s", cmds[i]);
        assert_contains(r->out, want);
        assert_string_equal(r->err, "");
        expect_exit(r, 0, NULL);
    }
}

/* ---- inspect ---- */

static void inspect_lists_imports_exports_and_sections(void **state)
{
    (void)state;
    run_result *r = run_cli("inspect", FIXTURE("custom.wasm"), NULL);
    assert_contains(r->out, "size: ");
    assert_contains(r->out, "compiled: ");
    assert_contains(r->out, "compile time: ");
    assert_contains(r->out, "imports: 1\n");
    assert_contains(r->out, "  spectest.print_f64_f64: func (f64 f64) -> ()\n");
    assert_contains(r->out, "exports: 4\n");
    assert_contains(r->out, "  mix: func (i32 f32) -> (i64 f64)\n");
    assert_contains(r->out, "  mem: memory 1..4 pages\n");
    assert_contains(r->out, "  tab: table funcref 2..10\n");
    assert_contains(r->out, "  counter: global mut i64\n");
    assert_contains(r->out, "custom sections: 1\n  name: ");
    expect_exit(r, 0, "");
}

static void inspect_errors(void **state)
{
    (void)state;
    expect_exit(run_cli("inspect", FIXTURE("bad.wasm"), NULL), 1, "error: ");
    expect_exit(run_cli("inspect", NULL), 2, "error: ");
    expect_exit(run_cli("inspect", FIXTURE("values.wasm"), "extra", NULL), 2, "error: ");
}

/* ---- spec ---- */

static void spec_runs_a_passing_script(void **state)
{
    (void)state;
    run_result *r = run_cli("spec", FIXTURE("spec_pass.json"), NULL);
    assert_string_equal(r->out, "spec_pass.json: 19 passed, 0 failed, 1 skipped\n"
                                "19 passed, 0 failed, 1 skipped\n");
    expect_exit(r, 0, "");
}

static void spec_reports_failures_with_lines(void **state)
{
    (void)state;
    run_result *r = run_cli("spec", FIXTURE("spec_fail.json"), FIXTURE("spec_pass.json"), NULL);
    assert_contains(r->out, "spec_fail.wast:2: assert_return: ");
    assert_contains(r->out, "got i32 3 (0x00000003), expected i32 4 (0x00000004)");
    assert_contains(r->out, "spec_fail.wast:3: assert_trap: ");
    assert_contains(r->out, "spec_fail.wast:4: assert_return: ");
    assert_contains(r->out, "spec_fail.json: 2 passed, 3 failed, 0 skipped\n");
    assert_contains(r->out, "\n21 passed, 3 failed, 1 skipped\n");
    expect_exit(r, 1, NULL);
}

static void spec_check_messages_compares_trap_text(void **state)
{
    (void)state;
    run_result *r = run_cli("spec", FIXTURE("spec_message.json"), NULL);
    assert_contains(r->out, "spec_message.json: 3 passed, 0 failed, 0 skipped\n");
    expect_exit(r, 0, NULL);
    r = run_cli("spec", "--check-messages", FIXTURE("spec_message.json"), NULL);
    assert_contains(r->out, "spec_message.json: 2 passed, 1 failed, 0 skipped\n");
    assert_contains(r->out, "expected \"out of bounds memory access\"");
    expect_exit(r, 1, NULL);
}

static void spec_skip_list_skips_listed_commands(void **state)
{
    (void)state;
    char path[] = "/tmp/test_cli_skip.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# comment\n\nspec_fail.json:2 wrong on purpose, issue #1\n"
                        "spec_fail.json:3 wrong on purpose, issue #1\n"
                        "spec_fail.json:4 wrong on purpose, issue #1\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    run_result *r = run_cli("spec", "--skip", path, FIXTURE("spec_fail.json"), NULL);
    assert_string_equal(r->out, "spec_fail.json: 2 passed, 0 failed, 3 skipped\n"
                                "2 passed, 0 failed, 3 skipped\n");
    expect_exit(r, 0, "");
    unlink(path);
}

static void spec_usage_errors_exit_2(void **state)
{
    (void)state;
    expect_exit(run_cli("spec", NULL), 2, "error: ");
    expect_exit(run_cli("spec", "--bogus", FIXTURE("spec_pass.json"), NULL), 2, "error: ");
    expect_exit(run_cli("spec", "--skip", "/nonexistent/skip.txt", FIXTURE("spec_pass.json"), NULL),
                2, "error: ");
}

static void spec_unreadable_script_fails(void **state)
{
    (void)state;
    run_result *r = run_cli("spec", FIXTURE("no-such-script.json"), NULL);
    assert_contains(r->out, "no-such-script.json: 0 passed, 1 failed, 0 skipped\n");
    expect_exit(r, 1, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(value_format_keeps_negative_zero),
        cmocka_unit_test(value_format_prints_nan_and_infinities),
        cmocka_unit_test(value_format_prints_signed_integers),
        cmocka_unit_test(value_format_uses_shortest_round_trip),
        cmocka_unit_test(value_format_prints_references),
        cmocka_unit_test(value_parse_accepts_signed_and_unsigned_i32),
        cmocka_unit_test(value_parse_rejects_bad_integers),
        cmocka_unit_test(value_parse_reads_float_specials),
        cmocka_unit_test(value_parse_rounds_f32_once),
        cmocka_unit_test(value_parse_reads_references),
        cmocka_unit_test(invoke_prints_i32_sum),
        cmocka_unit_test(invoke_prints_negative_zero),
        cmocka_unit_test(invoke_prints_nan_and_infinities),
        cmocka_unit_test(invoke_prints_integer_minimums),
        cmocka_unit_test(invoke_prints_each_result_on_its_line),
        cmocka_unit_test(invoke_passes_float_bits_exactly),
        cmocka_unit_test(invoke_prints_references),
        cmocka_unit_test(invoke_trap_exits_1_with_message),
        cmocka_unit_test(invoke_deep_recursion_traps_cleanly),
        cmocka_unit_test(invoke_start_trap_exits_1),
        cmocka_unit_test(invoke_bad_module_exits_1),
        cmocka_unit_test(invoke_binds_spectest_imports),
        cmocka_unit_test(invoke_usage_errors_exit_2),
        cmocka_unit_test(invoke_fuel_stops_an_endless_loop),
        cmocka_unit_test(invoke_fuel_reports_use),
        cmocka_unit_test(invoke_max_pages_limits_memory_grow),
        cmocka_unit_test(every_command_has_help),
        cmocka_unit_test(inspect_lists_imports_exports_and_sections),
        cmocka_unit_test(inspect_errors),
        cmocka_unit_test(spec_runs_a_passing_script),
        cmocka_unit_test(spec_reports_failures_with_lines),
        cmocka_unit_test(spec_check_messages_compares_trap_text),
        cmocka_unit_test(spec_skip_list_skips_listed_commands),
        cmocka_unit_test(spec_usage_errors_exit_2),
        cmocka_unit_test(spec_unreadable_script_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
