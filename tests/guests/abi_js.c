/*
 * abi_js.c: methods for js_std_d_print (spec/host-abi.md §2.2), the QuickJS log sink of
 * the JS SDK, which the reference host does not implement; expected outcomes come from
 * the spec text (tests/scenarios/guests/js_print.json, README there).
 */
#include "guest.h"

static u8 scratch[20000];

/* -------------------------------------------------------- js_std_d_print (§2.2) -- */

static void jsp(const void *p, u64 len)
{
    ret_u64(js_std_d_print(U64_MAX, P(p), len));
}

METHOD(jsp_hello)
{
    jsp("hello", 5);
}

/* Invalid sequences become U+FFFD, one per maximal invalid subpart; never BadUTF8. */
METHOD(jsp_lossy)
{
    static const u8 s[] = {'a',  0xff, 'b',  0xed, 0xa0, 0x80, 'c',  0xf0, 0x9f,
                           0x98, 'd',  0xc0, 0x80, 'e',  0xe2, 0x82, 0xac};
    jsp(s, sizeof s);
}

/* Zero length: nothing is read, whatever the address. */
METHOD(jsp_empty_bad_ptr)
{
    ret_u64(js_std_d_print(0, U64_MAX, 0));
}

METHOD(jsp_oob)
{
    ret_u64(js_std_d_print(0, memsize() - 2, 4));
}

METHOD(jsp_wrap)
{
    ret_u64(js_std_d_print(0, U64_MAX - 1, 4));
}

/* Upstream allocates before checking; the spec asks for the bounds check first. */
METHOD(jsp_len_huge)
{
    ret_u64(js_std_d_print(0, 0, 1ULL << 63));
}

METHOD(jsp_at_end)
{
    u8 *p = at_end(3);
    memcpy(p, "end", 3);
    jsp(p, 3);
}

METHOD(jsp_max)
{
    memset(scratch, 'a', MAX_LOG_SIZE);
    jsp(scratch, MAX_LOG_SIZE);
}

METHOD(jsp_too_long)
{
    memset(scratch, 'a', MAX_LOG_SIZE + 1);
    jsp(scratch, MAX_LOG_SIZE + 1);
}

/* The limit applies to the decoded text: 5461 x U+FFFD is 16383 bytes, 5462 is 16386. */
METHOD(jsp_expands_to_max)
{
    memset(scratch, 0xff, 5461);
    jsp(scratch, 5461);
}

METHOD(jsp_expands_too_long)
{
    memset(scratch, 0xff, 5462);
    jsp(scratch, 5462);
}

/* js_std_d_print and log_utf8 fill one list of at most 100 logs. */
METHOD(jsp_101)
{
    u64 i;
    for (i = 0; i < 50; i++)
        log_str("L");
    for (i = 0; i < 50; i++)
        js_std_d_print(0, P("J"), 1);
    jsp("over", 4);
}

METHOD(jsp_mixed)
{
    log_str("one");
    js_std_d_print(0, P("two"), 3);
    log_str("three");
}
