/*
 * qsort.c: quicksort (median of three, insertion sort below 16 elements) of 200,000
 * pseudo-random i32 values, n rounds. Stresses i32 loads/stores through computed
 * addresses, data-dependent branches and recursion.
 */
#include "../kernel.h"

#define COUNT 200000u

static int32_t arr[COUNT];

static void swap(int32_t *x, int32_t *y)
{
    int32_t t = *x;
    *x = *y;
    *y = t;
}

static void insertion_sort(int32_t *v, uint32_t len)
{
    for (uint32_t i = 1; i < len; i++) {
        int32_t x = v[i];
        uint32_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Recurses into the smaller side and loops on the larger, so depth stays logarithmic. */
static void quicksort(int32_t *v, uint32_t len)
{
    while (len > 16) {
        uint32_t mid = len / 2;
        if (v[mid] < v[0]) swap(&v[mid], &v[0]);
        if (v[len - 1] < v[0]) swap(&v[len - 1], &v[0]);
        if (v[len - 1] < v[mid]) swap(&v[len - 1], &v[mid]);
        int32_t pivot = v[mid];
        uint32_t i = 0, j = len - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j) break;
            swap(&v[i], &v[j]);
            i++;
            j--;
        }
        uint32_t left = j + 1;
        if (left < len - left) {
            quicksort(v, left);
            v += left;
            len -= left;
        } else {
            quicksort(v + left, len - left);
            len = left;
        }
    }
    insertion_sort(v, len);
}

KERNEL(qsort)
{
    uint64_t h = 0;
    uint32_t x = 2463534242u;
    for (uint32_t round = 0; round < n; round++) {
        for (uint32_t i = 0; i < COUNT; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            arr[i] = (int32_t)(x % 1000003u) - 500000;
        }
        quicksort(arr, COUNT);
        uint64_t sum = 0;
        for (uint32_t i = 0; i < COUNT; i += 97)
            sum = sum * 31u + (uint32_t)arr[i];
        h = kernel_mix(h, sum);
    }
    return h;
}
