/*
 * abi_core.c: one guest app, many small methods, each driving one host function along one
 * path (success, a limit hit exactly, a limit passed by one, a hostile pointer, bad
 * UTF-8, a wrong fixed size, an ordering of checks). It imports only the 24 functions
 * the reference host implements, so its scenario outcomes come from that host
 * (tests/scenarios/guests/core*.json). Section numbers refer to spec/host-abi.md.
 * This file: io, registers, panics, logs, events, xcalls; abi_core_state.c: the rest.
 */
#include "guest.h"

static u8 scratch[70000];
static char out[70000];

/* ------------------------------------------------------------------ io (§2.1) -- */

METHOD(noop)
{
}

METHOD(echo)
{
    u64 n = input_get(scratch, sizeof scratch);
    ret_bytes(scratch, n);
}

METHOD(echo_err)
{
    u64 n = input_get(scratch, sizeof scratch);
    ret_tag(1, scratch, n);
}

METHOD(input_len)
{
    input(REG);
    ret_u64(register_len(REG));
}

METHOD(return_twice)
{
    ret_str("first");
    ret_str("second");
}

METHOD(return_err_then_ok)
{
    ret_err_str("bad");
    ret_str("good");
}

METHOD(return_ok_then_err)
{
    ret_str("good");
    ret_err_str("bad");
}

METHOD(return_empty)
{
    ret_bytes(scratch, 0);
}

METHOD(return_err_empty)
{
    ret_tag(1, scratch, 0);
}

METHOD(return_binary)
{
    static const u8 b[] = {0xff, 0xfe, 0x00, 0x80};
    ret_bytes(b, sizeof b);
}

METHOD(return_err_binary)
{
    static const u8 b[] = {0x01, 0x02, 0xff};
    ret_tag(1, b, sizeof b);
}

METHOD(return_then_trap)
{
    ret_str("lost");
    __builtin_trap();
}

/* Tag 2 is undefined upstream; the spec asks for DeserializationError (§2.1). */
METHOD(return_bad_tag)
{
    ret_tag(2, "x", 1);
}

METHOD(return_struct_oob)
{
    value_return(memsize() - 23);
}

METHOD(return_struct_desc_wrap)
{
    value_return(U64_MAX - 7);
}

METHOD(return_struct_at_end)
{
    value_ret *v = (value_ret *)at_end(24);
    v->tag = 0;
    v->value = strbuf("end");
    value_return(P(v));
}

METHOD(return_data_oob)
{
    value_ret v = {0, {memsize() - 2, 3}};
    value_return(P(&v));
}

METHOD(return_data_wrap)
{
    value_ret v = {0, {U64_MAX - 5, 10}};
    value_return(P(&v));
}

METHOD(return_data_at_end)
{
    u8 *p = at_end(3);
    p[0] = 'e', p[1] = 'n', p[2] = 'd';
    ret_bytes(p, 3);
}

/* ----------------------------------------------------------- registers (§0.5) -- */

METHOD(reg_len_missing)
{
    ret_u64(register_len(12345));
}

METHOD(reg_len_huge_id)
{
    context_id(U64_MAX);
    ret_u64(register_len(U64_MAX));
}

/* Registers start empty on every call: nothing set by an earlier call is visible. */
METHOD(reg_len_default)
{
    ret_u64(register_len(REG));
}

METHOD(reg_sdk_id)
{
    u64 n;
    executor_id(SDK_REG);
    n = reg_get(SDK_REG, scratch, 64);
    ret_bytes(scratch, n);
}

METHOD(reg_context_id)
{
    u64 n;
    context_id(REG);
    n = reg_get(REG, scratch, 64);
    ret_bytes(scratch, n);
}

METHOD(reg_read_missing)
{
    buf d = mkbuf(scratch, 8);
    read_register(77, P(&d));
}

METHOD(reg_read_missing_big_id)
{
    buf d = mkbuf(scratch, 8);
    read_register(1ULL << 63, P(&d));
}

METHOD(reg_read_missing_max_id)
{
    buf d = mkbuf(scratch, 8);
    read_register(U64_MAX, P(&d));
}

/* The descriptor is read before the register is looked up. */
METHOD(reg_read_missing_desc_oob)
{
    read_register(77, memsize() - 15);
}

METHOD(reg_read_short)
{
    buf d = mkbuf(scratch, 31);
    context_id(REG);
    ret_u64(read_register(REG, P(&d)));
}

METHOD(reg_read_long)
{
    buf d = mkbuf(scratch, 33);
    context_id(REG);
    ret_u64(read_register(REG, P(&d)));
}

/* Length mismatch is decided before the destination is bounds-checked. */
METHOD(reg_read_mismatch_oob)
{
    buf d = {U64_MAX, 31};
    context_id(REG);
    ret_u64(read_register(REG, P(&d)));
}

METHOD(reg_read_dest_oob)
{
    buf d = {memsize() - 31, 32};
    context_id(REG);
    read_register(REG, P(&d));
}

METHOD(reg_read_dest_wrap)
{
    buf d = {U64_MAX - 15, 32};
    context_id(REG);
    read_register(REG, P(&d));
}

METHOD(reg_read_dest_at_end)
{
    buf d = {memsize() - 32, 32};
    u32 r;
    executor_id(REG);
    r = read_register(REG, P(&d));
    if (r != 1) __builtin_trap();
    ret_bytes(at_end(32), 32);
}

/* Empty register (empty input), empty destination at the very end: valid. */
METHOD(reg_read_empty_at_end)
{
    buf d = {memsize(), 0};
    input(REG);
    ret_u64(read_register(REG, P(&d)));
}

METHOD(reg_read_empty_past_end)
{
    buf d = {memsize() + 1, 0};
    input(REG);
    read_register(REG, P(&d));
}

METHOD(reg_read_twice)
{
    buf d = mkbuf(scratch, 32);
    u64 len = 0;
    context_id(REG);
    put_u64(out, &len, read_register(REG, P(&d)));
    put_u64(out, &len, read_register(REG, P(&d)));
    ret_bytes(out, len);
}

METHOD(reg_overwrite)
{
    context_id(REG);
    input(REG);
    ret_u64(register_len(REG));
}

METHOD(reg_fill_100)
{
    fill_registers();
    ret_u64(register_len(99));
}

METHOD(reg_fill_101)
{
    fill_registers();
    log_str("100 registers set");
    context_id(100);
}

/* Overwriting an existing id is allowed when the table is full. */
METHOD(reg_fill_overwrite)
{
    fill_registers();
    input(42);
    ret_u64(register_len(42));
}

METHOD(reg_fill_input)
{
    fill_registers();
    input(1000);
}

METHOD(reg_fill_storage_hit)
{
    buf k = strbuf("rk"), v = strbuf("rv");
    storage_write(P(&k), P(&v), REG);
    fill_registers();
    storage_read(P(&k), 1000);
}

METHOD(reg_fill_storage_miss)
{
    buf k = strbuf("no-such-key");
    fill_registers();
    ret_u64(storage_read(P(&k), 1000));
}

/* ---------------------------------------------------------------- panic (§2.1) -- */

static location loc(const char *file, u32 line, u32 column)
{
    location l = {strbuf(file), line, column};
    return l;
}

METHOD(panic_at)
{
    location l = loc("test.rs", 42, 10);
    panic(P(&l));
}

METHOD(panic_no_file)
{
    location l = {{0, 0}, 0, 0};
    panic(P(&l));
}

METHOD(panic_max_line)
{
    location l = loc("src/lib.rs", 0xFFFFFFFFu, 0xFFFFFFFFu);
    panic(P(&l));
}

METHOD(panic_loc_oob)
{
    panic(memsize() - 23);
}

METHOD(panic_loc_wrap)
{
    panic(U64_MAX - 10);
}

METHOD(panic_loc_at_end)
{
    location *l = (location *)at_end(24);
    *l = loc("end.rs", 1, 2);
    panic(P(l));
}

METHOD(panic_file_oob)
{
    location l = {{memsize() - 3, 4}, 1, 1};
    panic(P(&l));
}

METHOD(panic_file_bad_utf8)
{
    static const u8 f[] = {'a', 0xc3, 0x28};
    location l = {mkbuf(f, 3), 1, 1};
    panic(P(&l));
}

METHOD(panic_after_log)
{
    location l = loc("after.rs", 3, 4);
    log_str("before panic");
    panic(P(&l));
}

METHOD(panic_utf8_msg)
{
    buf m = strbuf("assertion failed: x \xe2\x9c\x93");
    location l = loc("src/lib.rs", 7, 3);
    panic_utf8(P(&m), P(&l));
}

METHOD(panic_utf8_empty_msg)
{
    buf m = mkbuf(scratch, 0);
    location l = loc("", 0, 0);
    panic_utf8(P(&m), P(&l));
}

METHOD(panic_utf8_long_msg)
{
    buf m = mkbuf(scratch, 20000);
    location l = loc("long.rs", 1, 1);
    memset(scratch, 'p', 20000);
    panic_utf8(P(&m), P(&l));
}

METHOD(panic_utf8_bad_msg)
{
    static const u8 bad[] = {0x00, 0x9f, 0x92, 0x96};
    buf m = mkbuf(bad, 4);
    location l = loc("x.rs", 1, 1);
    panic_utf8(P(&m), P(&l));
}

METHOD(panic_utf8_msg_desc_oob)
{
    location l = loc("x.rs", 1, 1);
    panic_utf8(memsize() - 8, P(&l));
}

/* The location struct is read before the message text is decoded. */
METHOD(panic_utf8_bad_msg_loc_oob)
{
    static const u8 bad[] = {0xff};
    buf m = mkbuf(bad, 1);
    panic_utf8(P(&m), memsize() - 16);
}

/* The message text is read before the file name. */
METHOD(panic_utf8_msg_oob_bad_file)
{
    static const u8 f[] = {0xff};
    buf m = {memsize() - 1, 2};
    location l = {mkbuf(f, 1), 1, 1};
    panic_utf8(P(&m), P(&l));
}

METHOD(panic_utf8_bad_msg_file_oob)
{
    static const u8 bad[] = {0xc0, 0x80};
    buf m = mkbuf(bad, 2);
    location l = {{memsize() + 5, 1}, 1, 1};
    panic_utf8(P(&m), P(&l));
}

METHOD(panic_utf8_after_effects)
{
    buf m = strbuf("boom"), k = strbuf("pk"), v = strbuf("pv");
    location l = loc("fx.rs", 9, 9);
    event e = {strbuf("ev"), strbuf("data")};
    xcall_t x = {mkbuf(id32(0x33), 32), strbuf("f"), strbuf("p")};
    log_str("effects");
    emit(P(&e));
    xcall(P(&x));
    storage_write(P(&k), P(&v), REG);
    commit_fixed();
    panic_utf8(P(&m), P(&l));
}

/* ----------------------------------------------------------------- logs (§2.2) -- */

METHOD(log_hello)
{
    log_str("hello");
}

METHOD(log_unicode)
{
    log_str("h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x9a\x80 \xe2\x82\xac");
}

METHOD(log_empty)
{
    log_bytes(scratch, 0);
}

METHOD(log_input)
{
    u64 n = input_get(scratch, sizeof scratch);
    log_bytes(scratch, n);
}

/* Boundary code points, and a NUL byte: all valid UTF-8. */
METHOD(log_utf8_edges)
{
    static const u8 s[] = {'<',  0x7f, 0xc2, 0x80, 0xdf, 0xbf, 0xe0, 0xa0, 0x80, 0xed,
                           0x9f, 0xbf, 0xee, 0x80, 0x80, 0xef, 0xbf, 0xbf, 0xf0, 0x90,
                           0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf, 0x00, '>'};
    log_bytes(s, sizeof s);
}

/* Invalid sequences, one per input value 0..11: each must fail BadUTF8. */
METHOD(log_bad_utf8)
{
    static const u8 cases[12][6] = {
        {4, 0x00, 0x9f, 0x92, 0x96},       /* stray continuation bytes */
        {2, 0xc0, 0x80},                   /* overlong NUL */
        {3, 0xe0, 0x80, 0x80},             /* overlong 3-byte */
        {3, 0xed, 0xa0, 0x80},             /* surrogate U+D800 */
        {4, 0xf4, 0x90, 0x80, 0x80},       /* above U+10FFFF */
        {5, 0xf8, 0x88, 0x80, 0x80, 0x80}, /* 5-byte form */
        {2, 0xe2, 0x82},                   /* truncated 3-byte */
        {1, 0xff},                         /* never valid */
        {2, 0xc2, 0x41},                   /* bad continuation */
        {3, 0xf0, 0x9f, 0x98},             /* truncated 4-byte */
        {3, 0xed, 0xbf, 0xbf},             /* surrogate U+DFFF */
        {2, 0xc1, 0xbf},                   /* overlong 2-byte */
    };
    u64 i = input_u64() % 12;
    scratch[0] = 'o', scratch[1] = 'k';
    memcpy(scratch + 2, cases[i] + 1, cases[i][0]);
    log_bytes(scratch, 2u + cases[i][0]);
}

METHOD(log_max)
{
    memset(scratch, 'a', MAX_LOG_SIZE);
    log_bytes(scratch, MAX_LOG_SIZE);
}

METHOD(log_too_long)
{
    memset(scratch, 'a', MAX_LOG_SIZE + 1);
    log_bytes(scratch, MAX_LOG_SIZE + 1);
}

/* The limit counts bytes, not characters. */
METHOD(log_max_multibyte)
{
    u64 i;
    for (i = 0; i < MAX_LOG_SIZE; i += 2)
        scratch[i] = 0xc3, scratch[i + 1] = 0xa9;
    log_bytes(scratch, MAX_LOG_SIZE);
}

METHOD(log_too_long_multibyte)
{
    u64 i;
    for (i = 0; i < MAX_LOG_SIZE; i += 2)
        scratch[i] = 0xc3, scratch[i + 1] = 0xa9;
    scratch[MAX_LOG_SIZE] = 'a';
    log_bytes(scratch, MAX_LOG_SIZE + 1);
}

/* The text is read before its length is checked (§2.2 log_utf8). */
METHOD(log_too_long_oob)
{
    log_at(memsize() - 10, MAX_LOG_SIZE + 1);
}

METHOD(log_too_long_bad_utf8)
{
    memset(scratch, 'a', MAX_LOG_SIZE + 1);
    scratch[100] = 0xff;
    log_bytes(scratch, MAX_LOG_SIZE + 1);
}

static void log_n(u64 n)
{
    u64 i;
    char t[24];
    for (i = 0; i < n; i++) {
        u64 len = fmt_u64(t, i);
        log_bytes(t, len);
    }
}

METHOD(log_100)
{
    log_n(MAX_LOGS);
}

METHOD(log_101)
{
    log_n(MAX_LOGS + 1);
}

METHOD(log_101_bad_utf8)
{
    log_n(MAX_LOGS);
    log_bytes("\xff", 1);
}

METHOD(log_101_too_long)
{
    log_n(MAX_LOGS);
    memset(scratch, 'a', MAX_LOG_SIZE + 1);
    log_bytes(scratch, MAX_LOG_SIZE + 1);
}

METHOD(log_desc_oob)
{
    log_utf8(memsize() - 15);
}

METHOD(log_desc_at_end)
{
    buf *b = (buf *)at_end(16);
    *b = strbuf("desc at end");
    log_utf8(P(b));
}

METHOD(log_desc_wrap)
{
    log_utf8(U64_MAX - 7);
}

METHOD(log_data_oob)
{
    log_at(memsize() - 10, 100);
}

METHOD(log_data_past)
{
    log_at(memsize() + 100, 10);
}

METHOD(log_data_wrap)
{
    log_at(U64_MAX - 5, 10);
}

METHOD(log_len_wrap)
{
    log_at(1, U64_MAX);
}

METHOD(log_len_huge)
{
    log_at(0, 1ULL << 63);
}

METHOD(log_at_end)
{
    u8 *p = at_end(5);
    memcpy(p, "tail!", 5);
    log_at(P(p), 5);
}

METHOD(log_zero_at_end)
{
    log_at(memsize(), 0);
}

METHOD(log_zero_past_end)
{
    log_at(memsize() + 1, 0);
}

METHOD(log_zero_ptr_max)
{
    log_at(U64_MAX, 0);
}

/* --------------------------------------------------------------- events (§2.2) -- */

static void emit_kd(const void *kind, u64 klen, const void *data, u64 dlen)
{
    event e = {mkbuf(kind, klen), mkbuf(data, dlen)};
    emit(P(&e));
}

static void emit_s(const char *kind, const char *data)
{
    emit_kd(kind, slen(kind), data, slen(data));
}

METHOD(emit_basic)
{
    static const u8 d[] = {1, 2, 3};
    emit_kd("my-event", 8, d, 3);
}

METHOD(emit_text)
{
    emit_s("Inserted", "{\"key\":\"a\",\"value\":\"b\"}");
}

METHOD(emit_binary)
{
    emit_kd("bin", 3, "\xff\x00\x80", 3);
}

METHOD(emit_empty)
{
    emit_kd(scratch, 0, scratch, 0);
}

METHOD(emit_kind_max)
{
    memset(scratch, 'k', MAX_EVENT_KIND);
    emit_kd(scratch, MAX_EVENT_KIND, "d", 1);
}

METHOD(emit_kind_too_long)
{
    memset(scratch, 'k', MAX_EVENT_KIND + 1);
    emit_kd(scratch, MAX_EVENT_KIND + 1, "d", 1);
}

/* Sizes are checked on the descriptors before any byte is read. */
METHOD(emit_kind_max_oob)
{
    event e = {{memsize() - 50, MAX_EVENT_KIND}, strbuf("d")};
    emit(P(&e));
}

METHOD(emit_kind_too_long_oob)
{
    event e = {{U64_MAX, MAX_EVENT_KIND + 1}, strbuf("d")};
    emit(P(&e));
}

METHOD(emit_data_max)
{
    memset(scratch, 'd', MAX_EVENT_DATA);
    emit_kd("k", 1, scratch, MAX_EVENT_DATA);
}

METHOD(emit_data_too_long)
{
    memset(scratch, 'd', MAX_EVENT_DATA + 1);
    emit_kd("k", 1, scratch, MAX_EVENT_DATA + 1);
}

METHOD(emit_data_too_long_oob)
{
    event e = {strbuf("k"), {memsize(), MAX_EVENT_DATA + 1}};
    emit(P(&e));
}

METHOD(emit_data_len_huge)
{
    event e = {strbuf("k"), {0, U64_MAX}};
    emit(P(&e));
}

METHOD(emit_both_too_long)
{
    event e = {{0, MAX_EVENT_KIND + 1}, {0, MAX_EVENT_DATA + 1}};
    emit(P(&e));
}

static void emit_n(u64 n)
{
    u64 i;
    char t[24];
    for (i = 0; i < n; i++) {
        u64 len = fmt_u64(t, i);
        emit_kd("e", 1, t, len);
    }
}

METHOD(emit_100)
{
    emit_n(MAX_EVENTS);
}

METHOD(emit_101)
{
    emit_n(MAX_EVENTS + 1);
}

/* Size limits come before the count. */
METHOD(emit_101_kind_too_long)
{
    emit_n(MAX_EVENTS);
    memset(scratch, 'k', MAX_EVENT_KIND + 1);
    emit_kd(scratch, MAX_EVENT_KIND + 1, "d", 1);
}

/* The count comes before the text is read. */
METHOD(emit_101_bad_kind)
{
    emit_n(MAX_EVENTS);
    emit_kd("\xff", 1, "d", 1);
}

METHOD(emit_struct_oob)
{
    emit(memsize() - 31);
}

METHOD(emit_struct_at_end)
{
    event *e = (event *)at_end(32);
    e->kind = strbuf("end");
    e->data = strbuf("of memory");
    emit(P(e));
}

METHOD(emit_kind_bad_utf8)
{
    emit_kd("\xed\xa0\x80", 3, "d", 1);
}

METHOD(emit_kind_oob)
{
    event e = {{memsize() - 2, 3}, strbuf("d")};
    emit(P(&e));
}

METHOD(emit_data_oob)
{
    event e = {strbuf("k"), {memsize() - 2, 3}};
    emit(P(&e));
}

/* The kind is decoded before the data is read. */
METHOD(emit_kind_bad_utf8_data_oob)
{
    event e = {mkbuf("\xff", 1), {memsize() + 1, 1}};
    emit(P(&e));
}

METHOD(emit_after_logs)
{
    log_str("first");
    emit_s("k1", "d1");
    log_str("second");
    emit_s("k2", "d2");
}

/* ---------------------------------------------------- emit_with_handler (§2.2) -- */

static void ewh(const char *kind, const char *data, u64 handler_ptr)
{
    event e = {strbuf(kind), strbuf(data)};
    emit_with_handler(P(&e), handler_ptr);
}

METHOD(ewh_basic)
{
    buf h = strbuf("on_insert");
    ewh("Inserted", "x", P(&h));
}

METHOD(ewh_null)
{
    ewh("Inserted", "x", 0);
}

METHOD(ewh_empty_handler)
{
    buf h = mkbuf(scratch, 0);
    ewh("Inserted", "x", P(&h));
}

/* An undecodable handler name becomes None (§2.2). */
METHOD(ewh_bad_utf8_handler)
{
    buf h = mkbuf("on_\xff", 4);
    ewh("Inserted", "x", P(&h));
}

METHOD(ewh_long_handler)
{
    buf h = mkbuf(scratch, 5000);
    memset(scratch, 'h', 5000);
    ewh("Inserted", "x", P(&h));
}

METHOD(ewh_handler_desc_oob)
{
    ewh("Inserted", "x", memsize() - 8);
}

METHOD(ewh_kind_too_long)
{
    buf h = strbuf("h");
    event e = {{0, MAX_EVENT_KIND + 1}, strbuf("x")};
    emit_with_handler(P(&e), P(&h));
}

METHOD(ewh_struct_oob)
{
    buf h = strbuf("h");
    emit_with_handler(memsize() - 16, P(&h));
}

METHOD(ewh_101)
{
    buf h = strbuf("h");
    emit_n(MAX_EVENTS);
    ewh("k", "d", P(&h));
}

/* Handler data out of bounds: the handler silently becomes None (§2.2). */
METHOD(ewh_handler_data_oob)
{
    buf h = {memsize() - 2, 4};
    ewh("Inserted", "x", P(&h));
}

METHOD(ewh_handler_data_wrap)
{
    buf h = {U64_MAX - 1, 4};
    ewh("Inserted", "x", P(&h));
}

/* The event checks (steps 1-5 of emit) come before the handler descriptor is read. */
METHOD(ewh_kind_too_long_handler_desc_oob)
{
    event e = {{0, MAX_EVENT_KIND + 1}, strbuf("x")};
    emit_with_handler(P(&e), memsize() - 8);
}

METHOD(ewh_101_handler_desc_oob)
{
    emit_n(MAX_EVENTS);
    ewh("k", "d", U64_MAX);
}

METHOD(ewh_bad_kind_handler_desc_oob)
{
    event e = {mkbuf("\xff", 1), strbuf("x")};
    emit_with_handler(P(&e), memsize());
}

METHOD(ewh_mixed)
{
    buf h = strbuf("handler_b");
    emit_s("a", "1");
    ewh("b", "2", P(&h));
    ewh("c", "3", 0);
    emit_s("d", "4");
}

/* ---------------------------------------------------------------- xcall (§2.2) -- */

static void xcall_b(buf ctx, buf fn, buf params)
{
    xcall_t x = {ctx, fn, params};
    xcall(P(&x));
}

static buf ctx32(void)
{
    u64 i;
    static u8 c[32];
    for (i = 0; i < 32; i++)
        c[i] = (u8)i;
    return mkbuf(c, 32);
}

METHOD(xcall_basic)
{
    xcall_b(ctx32(), strbuf("ping"), strbuf("{\"a\":1}"));
}

METHOD(xcall_binary_params)
{
    xcall_b(ctx32(), strbuf("bin"), mkbuf("\xff\xfe\x00", 3));
}

METHOD(xcall_empty)
{
    xcall_b(ctx32(), mkbuf(scratch, 0), mkbuf(scratch, 0));
}

METHOD(xcall_fn_max)
{
    memset(scratch, 'f', MAX_XCALL_FN);
    xcall_b(ctx32(), mkbuf(scratch, MAX_XCALL_FN), strbuf("p"));
}

METHOD(xcall_fn_too_long)
{
    memset(scratch, 'f', MAX_XCALL_FN + 1);
    xcall_b(ctx32(), mkbuf(scratch, MAX_XCALL_FN + 1), strbuf("p"));
}

METHOD(xcall_fn_too_long_oob)
{
    buf bad = {U64_MAX, 0};
    buf fn = {memsize(), MAX_XCALL_FN + 1};
    xcall_b(bad, fn, bad);
}

METHOD(xcall_params_max)
{
    memset(scratch, 'q', MAX_XCALL_PARAMS);
    xcall_b(ctx32(), strbuf("f"), mkbuf(scratch, MAX_XCALL_PARAMS));
}

METHOD(xcall_params_too_long)
{
    memset(scratch, 'q', MAX_XCALL_PARAMS + 1);
    xcall_b(ctx32(), strbuf("f"), mkbuf(scratch, MAX_XCALL_PARAMS + 1));
}

METHOD(xcall_params_too_long_oob)
{
    buf p = {U64_MAX - 3, MAX_XCALL_PARAMS + 1};
    xcall_b(ctx32(), strbuf("f"), p);
}

METHOD(xcall_both_too_long)
{
    buf fn = {0, MAX_XCALL_FN + 1}, p = {0, MAX_XCALL_PARAMS + 1};
    xcall_b(ctx32(), fn, p);
}

static void xcall_n(u64 n)
{
    u64 i;
    char t[24];
    for (i = 0; i < n; i++) {
        u64 len = fmt_u64(t, i);
        xcall_b(ctx32(), strbuf("f"), mkbuf(t, len));
    }
}

METHOD(xcall_100)
{
    xcall_n(MAX_XCALLS);
}

METHOD(xcall_101)
{
    xcall_n(MAX_XCALLS + 1);
}

METHOD(xcall_101_fn_too_long)
{
    buf fn = {0, MAX_XCALL_FN + 1};
    xcall_n(MAX_XCALLS);
    xcall_b(ctx32(), fn, strbuf("p"));
}

METHOD(xcall_101_bad_ctx)
{
    xcall_n(MAX_XCALLS);
    xcall_b(mkbuf(scratch, 31), strbuf("f"), strbuf("p"));
}

METHOD(xcall_ctx_31)
{
    xcall_b(mkbuf(id32(1), 31), strbuf("f"), strbuf("p"));
}

METHOD(xcall_ctx_33)
{
    xcall_b(mkbuf(id32(1), 33), strbuf("f"), strbuf("p"));
}

METHOD(xcall_ctx_oob)
{
    buf c = {memsize() - 16, 32};
    xcall_b(c, strbuf("f"), strbuf("p"));
}

METHOD(xcall_ctx_at_end)
{
    u8 *c = at_end(32);
    memset(c, 0xee, 32);
    xcall_b(mkbuf(c, 32), strbuf("f"), strbuf("p"));
}

METHOD(xcall_fn_bad_utf8)
{
    xcall_b(ctx32(), mkbuf("f\xc0\xaf", 3), strbuf("p"));
}

/* Context id, then function, then params. */
METHOD(xcall_ctx_31_fn_bad_utf8)
{
    xcall_b(mkbuf(id32(1), 31), mkbuf("\xff", 1), strbuf("p"));
}

METHOD(xcall_fn_bad_utf8_params_oob)
{
    buf p = {memsize(), 1};
    xcall_b(ctx32(), mkbuf("\xff", 1), p);
}

METHOD(xcall_params_oob)
{
    buf p = {memsize() - 1, 2};
    xcall_b(ctx32(), strbuf("f"), p);
}

METHOD(xcall_struct_oob)
{
    xcall(memsize() - 47);
}

METHOD(xcall_struct_at_end)
{
    xcall_t *x = (xcall_t *)at_end(48);
    x->context_id = ctx32();
    x->function = strbuf("end");
    x->params = strbuf("");
    xcall(P(x));
}

METHOD(xcall_then_trap)
{
    xcall_b(ctx32(), strbuf("kept"), strbuf("1"));
    __builtin_trap();
}
