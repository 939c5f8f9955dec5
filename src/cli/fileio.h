/*
 * fileio.h: whole-file reading for the commands that load a module or a script.
 */
#ifndef CR_CLI_FILEIO_H
#define CR_CLI_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the file at path. Returns owned *data (free with free()) and its length, or
   false with errno set. */
bool cr__file_read(const char *path, uint8_t **data, size_t *len);

#endif
