/*
 * matmul.c: dense f64 matrix multiply, 128x128, n rounds. Stresses f64 loads, stores,
 * multiply-add chains and address arithmetic in nested loops.
 */
#include "../kernel.h"

#define DIM 128

static double a[DIM * DIM], b[DIM * DIM], c[DIM * DIM];

KERNEL(matmul)
{
    uint64_t h = 0;
    for (uint32_t round = 0; round < n; round++) {
        for (uint32_t i = 0; i < DIM * DIM; i++) {
            a[i] = (double)((i * 7u + round) % 61u) * 0.25 - 3.0;
            b[i] = (double)((i * 13u + round) % 47u) * 0.5 + 1.0;
            c[i] = 0.0;
        }
        for (uint32_t i = 0; i < DIM; i++)
            for (uint32_t k = 0; k < DIM; k++) {
                double aik = a[i * DIM + k];
                for (uint32_t j = 0; j < DIM; j++)
                    c[i * DIM + j] += aik * b[k * DIM + j];
            }
        double sum = 0.0;
        for (uint32_t i = 0; i < DIM * DIM; i++)
            sum += c[i] * (double)(i & 7u);
        h = kernel_mix(h, kernel_f64_bits(sum));
    }
    return h;
}
