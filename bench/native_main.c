/*
 * native_main.c: the native baseline. Links every kernel (built with gcc -O2) and times
 * run(n) in-process, so the figures compare with the in-process timings of node_runner.js
 * and crbench.
 *
 * usage: bench_native KERNEL N REPS
 * prints: "checksum <u64>" then "times_ms <t1> <t2> ..." (one time per repetition)
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t (*kernel_fn)(uint32_t n);

static const struct {
    const char *name;
    kernel_fn fn;
} kernels[] = {
#define BENCH_X(name) {#name, bench_##name},
    BENCH_KERNEL_MAP(BENCH_X)
#undef BENCH_X
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s KERNEL N REPS\n", argv[0]);
        return 2;
    }
    kernel_fn fn = NULL;
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (strcmp(kernels[i].name, argv[1]) == 0) fn = kernels[i].fn;
    if (!fn) {
        fprintf(stderr, "error: unknown kernel '%s'\n", argv[1]);
        return 2;
    }
    uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
    int reps = atoi(argv[3]);
    if (reps < 1) reps = 1;

    double times[256];
    uint64_t checksum = 0;
    if (reps > 256) reps = 256;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        uint64_t c = fn(n);
        times[r] = now_ms() - t0;
        if (r > 0 && c != checksum) {
            fprintf(stderr, "error: %s: checksum changed between runs\n", argv[1]);
            return 1;
        }
        checksum = c;
    }
    printf("checksum %" PRIu64 "\ntimes_ms", checksum);
    for (int r = 0; r < reps; r++)
        printf(" %.3f", times[r]);
    printf("\n");
    return 0;
}
