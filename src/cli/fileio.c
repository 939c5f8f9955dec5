/*
 * fileio.c: whole-file reading (see fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

bool cr__file_read(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(buf, ncap);
            if (!p) {
                errno = ENOMEM;
                ok = false;
                break;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ok && ferror(f)) {
        errno = EIO;
        ok = false;
    }
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *data = buf;
    *len = n;
    return true;
}
