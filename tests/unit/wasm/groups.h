/*
 * groups.h: the test groups of test_wasm. Each test_*.c file in this folder defines one
 * or more `int run_<group>_tests(void)` returning cmocka_run_group_tests' result;
 * test_wasm.c's main runs every group listed here, in order. Adding a file: define its
 * group function(s) and add one X(<group>) line below.
 */
#ifndef TEST_WASM_GROUPS_H
#define TEST_WASM_GROUPS_H

/* <cmocka.h> needs these first; every test file includes this header before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#define TEST_WASM_GROUPS(X) \
    X(reader)               \
    X(decode)               \
    X(memory)               \
    X(instance)             \
    X(compile)              \
    X(interp)               \
    X(jit)                  \
    X(image)

#define TEST_WASM_DECLARE(group) int run_##group##_tests(void);
TEST_WASM_GROUPS(TEST_WASM_DECLARE)
#undef TEST_WASM_DECLARE

#endif
