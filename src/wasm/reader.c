/*
 * reader.c: the slow paths of the bounded byte reader: LEB128 integers of any width up
 * to 64 bits, names and UTF-8 validation. The hot one-byte cases are inline in
 * wasm_int.h; decode.c and compile.c read every byte of a module through here.
 */
#include "wasm_int.h"

/*
 * spec, binary format, integers: an N-bit LEB128 uses at most ceil(N/7) bytes. In the
 * last allowed byte the bits beyond N must be zero (unsigned) or copies of the sign bit
 * (signed), else "integer too large"; a continuation bit there is "integer
 * representation too long". bits is 1..64 (1 reads the limits flag).
 */
bool wa__read_leb_slow(wa_reader *r, unsigned bits, bool is_signed, uint64_t *out)
{
    const uint8_t *p = r->p;
    uint64_t result = 0;
    unsigned shift = 0;
    int left = (int)bits; /* value bits not yet read */

    for (;;) {
        if (left <= 0) {
            r->p = p;
            r->fail = "integer representation too long";
            return false;
        }
        if (UNLIKELY(p >= r->end)) {
            r->p = p;
            r->fail = "unexpected end";
            return false;
        }
        uint8_t b = *p;
        if (left < 7) {
            bool ok;
            if (is_signed) {
                unsigned mask = (0x7fu << (left - 1)) & 0x7fu;
                ok = (b & mask) == 0 || (b & mask) == mask;
            } else {
                ok = (b & 0x7fu) < (1u << left);
            }
            if (!ok) {
                r->p = p;
                r->fail = "integer too large";
                return false;
            }
        }
        p++;
        result |= (uint64_t)(b & 0x7fu) << shift;
        shift += 7;
        left -= 7;
        if (!(b & 0x80u)) {
            if (is_signed && shift < 64 && (b & 0x40u)) result |= ~(uint64_t)0 << shift;
            break;
        }
    }
    r->p = p;
    *out = result;
    return true;
}

/*
 * spec, binary format, names: a length-prefixed UTF-8 string. The length is checked
 * against the bytes left before the string is read, as the reference decoder does.
 */
bool wa__read_name(wa_reader *r, const char **name, uint32_t *len)
{
    const uint8_t *start = r->p;
    uint32_t n;
    if (!wa__read_u32(r, &n)) return false;
    if (n > (size_t)(r->end - start)) {
        r->p = start;
        r->fail = "length out of bounds";
        return false;
    }
    const uint8_t *s;
    if (!wa__read_bytes(r, n, &s)) return false;
    if (!wa__utf8_valid(s, n)) {
        r->p = start;
        r->fail = "malformed UTF-8 encoding";
        return false;
    }
    *name = (const char *)s;
    *len = n;
    return true;
}

/* RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing past U+10FFFF. */
bool wa__utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* > U+10FFFF */
        } else {
            return false; /* continuation byte, 0xc0/0xc1 overlong, or 0xf5.. */
        }
        if (len - i < n) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80) return false;
        i += n;
    }
    return true;
}
