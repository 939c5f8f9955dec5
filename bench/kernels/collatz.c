/*
 * collatz.c: Collatz trajectory lengths for n consecutive 64-bit starting values above
 * 2^40, plus a base-10 digit sum of each start. Stresses i64 shifts, adds, multiplies,
 * division/remainder by constants and compare-and-branch.
 */
#include "../kernel.h"

KERNEL(collatz)
{
    uint64_t steps_total = 0, digits_total = 0, peak = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = (1ull << 40) + i * 7919u;
        for (uint64_t d = x; d; d /= 10u)
            digits_total += d % 10u;
        uint32_t steps = 0;
        while (x != 1) {
            if (x & 1)
                x = 3 * x + 1;
            else
                x >>= 1;
            if (x > peak) peak = x;
            steps++;
        }
        steps_total += steps;
    }
    return kernel_mix(kernel_mix(steps_total, digits_total), peak);
}
