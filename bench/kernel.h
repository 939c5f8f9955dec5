/*
 * kernel.h: the one convention every benchmark kernel follows. Each kernel is one
 * freestanding C file (no libc) with a function run(n) that returns a 64-bit checksum.
 * Built for wasm32 the function is exported as "run"; built natively it is bench_<name>
 * so that native_main.c can link every kernel into one executable.
 */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stdint.h>

/* Every kernel, in the order the report lists them. */
#define BENCH_KERNEL_MAP(X) \
    X(fib)                  \
    X(sieve)                \
    X(matmul)               \
    X(nbody)                \
    X(mandel)               \
    X(sha256)               \
    X(qsort)                \
    X(hashmap)              \
    X(collatz)

#ifdef __wasm__
#define KERNEL(name) uint64_t run(uint32_t n)
uint64_t run(uint32_t n);
#else
#define KERNEL(name)  uint64_t bench_##name(uint32_t n)
#define BENCH_X(name) uint64_t bench_##name(uint32_t n);
BENCH_KERNEL_MAP(BENCH_X)
#undef BENCH_X
#endif

/* A double's IEEE bits, so float checksums compare exactly across engines. */
static inline uint64_t kernel_f64_bits(double d)
{
    union {
        double d;
        uint64_t u;
    } v;
    v.d = d;
    return v.u;
}

/* Folds a value into a running checksum (order-sensitive). */
static inline uint64_t kernel_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    return h;
}

#endif /* BENCH_KERNEL_H */
