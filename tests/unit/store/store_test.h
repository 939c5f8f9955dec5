/*
 * store_test.h: what the files of test_store share: temporary store directories and the
 * test groups each file contributes.
 */
#ifndef CR_STORE_TEST_H
#define CR_STORE_TEST_H

#include "calimero/runtime.h"

/* what cmocka.h needs before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* Makes a fresh empty directory under $TMPDIR (or /tmp); writes its path to buf. */
void tmpdir_make(char *buf, size_t cap);
/* Removes the directory and the files and directories inside it. */
void tmpdir_remove(const char *path);

/* A storage under test, with what it needs kept alive. */
typedef struct store_fixture {
    char dir[256];
    cr_lmdb *db;
    cr_storage *s;
} store_fixture;

int run_lmdb_tests(void);
int run_crash_tests(void);
int run_cli_store_tests(void);

#endif
