/*
 * hashmap.c: a string-keyed open-addressing hash table. Each round formats 40,000
 * decimal keys into a byte arena, inserts them (FNV-1a hash, linear probing, byte
 * compares), then looks up every key plus as many misses. Stresses byte loads/stores,
 * i32 multiply, unpredictable branches and scattered memory access.
 */
#include "../kernel.h"

#define KEYS      40000u
#define SLOTS     65536u /* power of two, > KEYS / 0.75 */
#define ARENA_LEN (KEYS * 16u)

struct slot {
    uint32_t off; /* key offset in arena + 1; 0 marks an empty slot */
    uint32_t len;
    uint32_t value;
};

static uint8_t arena[ARENA_LEN];
static struct slot table[SLOTS];

static uint32_t fnv1a(const uint8_t *p, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static int bytes_equal(const uint8_t *a, const uint8_t *b, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* Writes "key:" followed by the decimal digits of v; returns the length. */
static uint32_t format_key(uint8_t *out, uint32_t v)
{
    uint8_t digits[10];
    uint32_t nd = 0, len = 0;
    out[len++] = 'k';
    out[len++] = 'e';
    out[len++] = 'y';
    out[len++] = ':';
    do {
        digits[nd++] = (uint8_t)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (nd)
        out[len++] = digits[--nd];
    return len;
}

/* Returns the slot holding the key, or the empty slot where it would go. */
static struct slot *find(const uint8_t *key, uint32_t len)
{
    uint32_t i = fnv1a(key, len) & (SLOTS - 1);
    for (;;) {
        struct slot *s = &table[i];
        if (s->off == 0) return s;
        if (s->len == len && bytes_equal(arena + s->off - 1, key, len)) return s;
        i = (i + 1) & (SLOTS - 1);
    }
}

static uint64_t round_once(uint32_t seed)
{
    for (uint32_t i = 0; i < SLOTS; i++)
        table[i].off = 0;
    uint32_t used = 0, x = seed | 1u;
    for (uint32_t i = 0; i < KEYS; i++) {
        x = x * 1664525u + 1013904223u;
        uint32_t len = format_key(arena + used, x >> 3);
        struct slot *s = find(arena + used, len);
        if (s->off == 0) {
            s->off = used + 1;
            s->len = len;
            s->value = i;
            used += len;
        } else {
            s->value += i;
        }
    }
    uint64_t sum = 0;
    uint8_t probe[16];
    x = seed | 1u;
    for (uint32_t i = 0; i < KEYS; i++) {
        x = x * 1664525u + 1013904223u;
        struct slot *s = find(probe, format_key(probe, x >> 3));
        sum += s->off ? s->value : 0;
        s = find(probe, format_key(probe, (x >> 3) ^ 0x10000000u));
        sum += s->off ? 1000000u : 0;
    }
    return sum * 0x100000001u + used;
}

KERNEL(hashmap)
{
    uint64_t h = 0;
    for (uint32_t round = 0; round < n; round++)
        h = kernel_mix(h, round_once(round * 2654435761u));
    return h;
}
