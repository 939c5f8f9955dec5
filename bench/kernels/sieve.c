/*
 * sieve.c: sieve of Eratosthenes over a 1 MB byte array, n rounds. Stresses byte
 * stores and loads in tight counted loops (i32 arithmetic, compare and branch).
 */
#include "../kernel.h"

#define SIEVE_SIZE (1u << 20)

static uint8_t flags[SIEVE_SIZE];

static uint32_t sieve(uint32_t limit)
{
    uint32_t count = 0;
    for (uint32_t i = 2; i < limit; i++)
        flags[i] = 1;
    for (uint32_t i = 2; i * i < limit; i++) {
        if (!flags[i]) continue;
        for (uint32_t j = i * i; j < limit; j += i)
            flags[j] = 0;
    }
    for (uint32_t i = 2; i < limit; i++)
        count += flags[i];
    return count;
}

KERNEL(sieve)
{
    uint64_t h = 0;
    for (uint32_t round = 0; round < n; round++)
        h = kernel_mix(h, sieve(SIEVE_SIZE - (round & 255)));
    return h;
}
