/*
 * example.h: what the examples share: reading a file, a temporary store directory, the
 * node's commit rule, and a readable print of an outcome.
 */
#ifndef CR_EXAMPLE_H
#define CR_EXAMPLE_H

#include "calimero/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads a whole file; returns owned bytes (free()) or NULL with a message on stderr. */
uint8_t *example_read_file(const char *path, size_t *len);

/* Makes an empty temporary directory (path written to buf) / removes it and its files. */
bool example_tmpdir(char *buf, size_t cap);
void example_rmdir(const char *dir);

/* The node's rule (runtime-model.md §8.3): keep a call's writes when it succeeded and
   committed a root hash, or when it is init and succeeded. */
bool example_should_commit(const char *method, const cr_outcome *o);

/* Prints an outcome: return value or error (an ExecutionError payload as JSON), root
   hash, artifact size, logs (pretty JSON when they parse as JSON), events. */
void example_print_outcome(FILE *out, const cr_outcome *o);

/* Prints bytes as text when they are UTF-8 (indented pretty JSON when they parse as
   JSON), else as hex. */
void example_print_value(FILE *out, const uint8_t *p, size_t n, const char *indent);

#endif
