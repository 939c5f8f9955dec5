/*
 * mandel.c: Mandelbrot set membership on an n x n grid, up to 64 iterations per point.
 * Stresses f64 arithmetic and compare-and-branch on locals, with no memory traffic.
 */
#include "../kernel.h"

#define MAX_ITER 64

KERNEL(mandel)
{
    uint64_t inside = 0, iters = 0;
    double step = 3.0 / (double)n;
    for (uint32_t py = 0; py < n; py++) {
        double ci = (double)py * step - 1.5;
        for (uint32_t px = 0; px < n; px++) {
            double cr = (double)px * step - 2.0;
            double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
            uint32_t it = 0;
            while (it < MAX_ITER && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            iters += it;
            inside += it == MAX_ITER;
        }
    }
    return (inside << 32) ^ iters;
}
