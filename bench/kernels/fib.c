/*
 * fib.c: naive recursive Fibonacci. Stresses calls and returns with tiny bodies:
 * frame setup, argument passing, the call stack.
 */
#include "../kernel.h"

/* noinline: keeps every call a real call, for native code too */
__attribute__((noinline)) static uint32_t fib(uint32_t n)
{
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

KERNEL(fib)
{
    return fib(n);
}
