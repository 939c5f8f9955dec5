/*
 * abi_ext.c: methods for the host functions the reference host does not implement:
 * context management (spec/host-abi.md §2.8), blobs (§2.9) and fetch (§2.6). Scenarios
 * run without a node client and without a context host, so their expected outcomes are
 * derived from the spec text (tests/scenarios/guests/ext.json, README there).
 */
#include "guest.h"

static u8 scratch[4096];

/* --------------------------------------------------------- context_create (§2.8) -- */

static void create(buf protocol, buf app, buf args, u64 alias_ptr)
{
    context_create(P(&protocol), P(&app), P(&args), alias_ptr);
}

METHOD(ctx_create)
{
    buf alias = strbuf("my_child_context");
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf("\x01\x02\x03", 3), P(&alias));
    ret_str("ok");
}

METHOD(ctx_create_no_alias)
{
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf(scratch, 0), 0);
    ret_str("ok");
}

/* An empty alias descriptor means "no alias", whatever its pointer. */
METHOD(ctx_create_empty_alias)
{
    buf alias = {U64_MAX, 0};
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf(scratch, 0), P(&alias));
    ret_str("ok");
}

/* Without a node client the 50-byte alias limit is not applied. */
METHOD(ctx_create_long_alias)
{
    buf alias = mkbuf(scratch, 60);
    memset(scratch, 'a', 60);
    create(strbuf("icp"), mkbuf(id32(2), 32), mkbuf(scratch, 0), P(&alias));
    ret_str("ok");
}

METHOD(ctx_create_protocol_bad_utf8)
{
    create(mkbuf("ne\xffr", 4), mkbuf(id32(1), 32), mkbuf(scratch, 0), 0);
}

METHOD(ctx_create_protocol_oob)
{
    buf p = {memsize() - 2, 4};
    create(p, mkbuf(id32(1), 32), mkbuf(scratch, 0), 0);
}

METHOD(ctx_create_protocol_desc_oob)
{
    buf app = mkbuf(id32(1), 32), args = mkbuf(scratch, 0);
    context_create(memsize() - 8, P(&app), P(&args), 0);
}

METHOD(ctx_create_app_31)
{
    create(strbuf("near"), mkbuf(id32(1), 31), mkbuf(scratch, 0), 0);
}

METHOD(ctx_create_app_oob)
{
    buf app = {memsize() - 16, 32};
    create(strbuf("near"), app, mkbuf(scratch, 0), 0);
}

METHOD(ctx_create_args_oob)
{
    buf args = {memsize() + 1, 0};
    create(strbuf("near"), mkbuf(id32(1), 32), args, 0);
}

METHOD(ctx_create_alias_desc_oob)
{
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf(scratch, 0), memsize() - 15);
}

METHOD(ctx_create_alias_bad_utf8)
{
    buf alias = mkbuf("al\xc0\x80", 4);
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf(scratch, 0), P(&alias));
}

METHOD(ctx_create_alias_oob)
{
    buf alias = {memsize() - 1, 5};
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf(scratch, 0), P(&alias));
}

/* Protocol, then application id, then arguments, then alias. */
METHOD(ctx_create_bad_protocol_bad_app)
{
    create(mkbuf("\xff", 1), mkbuf(id32(1), 31), mkbuf(scratch, 0), 0);
}

METHOD(ctx_create_bad_app_bad_alias)
{
    buf alias = mkbuf("\xff", 1);
    create(strbuf("near"), mkbuf(id32(1), 33), mkbuf(scratch, 0), P(&alias));
}

/* ----------------------------------------------- delete, members (§2.8) -- */

METHOD(ctx_delete)
{
    buf id = mkbuf(id32(1), 32);
    context_delete(P(&id));
    ret_str("ok");
}

METHOD(ctx_delete_31)
{
    buf id = mkbuf(id32(1), 31);
    context_delete(P(&id));
}

METHOD(ctx_delete_desc_oob)
{
    context_delete(U64_MAX);
}

METHOD(ctx_add_member)
{
    buf pk = mkbuf(id32(0), 32);
    context_add_member(P(&pk));
    ret_str("ok");
}

METHOD(ctx_add_member_33)
{
    buf pk = mkbuf(id32(0), 33);
    context_add_member(P(&pk));
}

METHOD(ctx_remove_member)
{
    buf pk = mkbuf(id32(0xff), 32);
    context_remove_member(P(&pk));
    ret_str("ok");
}

METHOD(ctx_remove_member_oob)
{
    buf pk = {memsize() - 31, 32};
    context_remove_member(P(&pk));
}

/* No context host: never a member. */
METHOD(ctx_is_member)
{
    buf pk = mkbuf(id32(0x22), 32);
    ret_u64(context_is_member(P(&pk)));
}

METHOD(ctx_is_member_31)
{
    buf pk = mkbuf(id32(0x22), 31);
    context_is_member(P(&pk));
}

METHOD(ctx_is_member_desc_oob)
{
    context_is_member(memsize());
}

/* No context host: the borsh empty list, 00 00 00 00. */
METHOD(ctx_members)
{
    u64 n;
    context_members(REG);
    n = reg_get(REG, scratch, sizeof scratch);
    ret_bytes(scratch, n);
}

METHOD(ctx_members_reg_full)
{
    fill_registers();
    context_members(1000);
}

METHOD(ctx_mutations_then_panic)
{
    buf id = mkbuf(id32(3), 32), pk = mkbuf(id32(4), 32);
    location l = {strbuf("ctx.rs"), 5, 6};
    create(strbuf("near"), mkbuf(id32(1), 32), mkbuf(scratch, 0), 0);
    context_delete(P(&id));
    context_add_member(P(&pk));
    context_remove_member(P(&pk));
    panic(P(&l));
}

/* ------------------------------------------------- context_resolve_alias (§2.8) -- */

METHOD(ctx_resolve_alias)
{
    buf a = strbuf("alice");
    context_resolve_alias(P(&a), REG);
}

/* The node-client check comes before the alias length check. */
METHOD(ctx_resolve_alias_long)
{
    buf a = mkbuf(scratch, 60);
    memset(scratch, 'b', 60);
    context_resolve_alias(P(&a), REG);
}

METHOD(ctx_resolve_alias_bad_utf8)
{
    buf a = mkbuf("\xe2\x82", 2);
    context_resolve_alias(P(&a), REG);
}

METHOD(ctx_resolve_alias_oob)
{
    buf a = {memsize() - 1, 2};
    context_resolve_alias(P(&a), REG);
}

METHOD(ctx_resolve_alias_desc_oob)
{
    context_resolve_alias(memsize() - 1, REG);
}

/* ----------------------------------------------------------------- blobs (§2.9) -- */

METHOD(blob_create_plain)
{
    blob_create();
}

METHOD(blob_write_plain)
{
    buf d = strbuf("chunk");
    blob_write(1, P(&d));
}

METHOD(blob_write_desc_oob)
{
    blob_write(1, memsize() - 8);
}

/* The node-client check precedes the chunk-size check and the data read. */
METHOD(blob_write_huge)
{
    buf d = {U64_MAX, U64_MAX};
    blob_write(1, P(&d));
}

METHOD(blob_close_plain)
{
    buf d = mkbuf(scratch, 32);
    blob_close(1, P(&d));
}

/* The 32-byte size check precedes the node-client check. */
METHOD(blob_close_16)
{
    buf d = mkbuf(scratch, 16);
    blob_close(1, P(&d));
}

METHOD(blob_close_desc_oob)
{
    blob_close(1, memsize() - 15);
}

METHOD(blob_close_32_oob)
{
    buf d = {U64_MAX, 32};
    blob_close(1, P(&d));
}

METHOD(blob_open_plain)
{
    buf id = mkbuf(id32(9), 32);
    blob_open(P(&id));
}

METHOD(blob_open_31)
{
    buf id = mkbuf(id32(9), 31);
    blob_open(P(&id));
}

METHOD(blob_open_desc_oob)
{
    blob_open(memsize() - 4);
}

METHOD(blob_read_plain)
{
    buf d = mkbuf(scratch, 64);
    blob_read(1, P(&d));
}

METHOD(blob_read_zero)
{
    buf d = mkbuf(scratch, 0);
    blob_read(5, P(&d));
}

METHOD(blob_read_desc_oob)
{
    blob_read(1, U64_MAX - 3);
}

METHOD(blob_announce_plain)
{
    buf b = mkbuf(id32(9), 32), c = mkbuf(id32(1), 32);
    blob_announce_to_context(P(&b), P(&c));
}

/* Without a node client nothing is read from memory. */
METHOD(blob_announce_oob)
{
    blob_announce_to_context(U64_MAX, U64_MAX);
}

/* ----------------------------------------------------------------- fetch (§2.6) -- */

/* Disabled: no argument is read, the register gets the explanation, the result is 1. */
METHOD(fetch_disabled)
{
    u64 len = 0;
    static char out[256];
    u32 r = fetch(U64_MAX, U64_MAX, 0, memsize() + 1, REG);
    put_u64(out, &len, r);
    out[len++] = ':';
    len += reg_get(REG, out + len, 200);
    ret_bytes(out, len);
}

METHOD(fetch_sdk_register)
{
    buf url = strbuf("https://example.com"), method = strbuf("GET");
    buf headers = mkbuf("\0\0\0\0", 4), body = mkbuf(scratch, 0);
    u64 n;
    u32 r = fetch(P(&url), P(&method), P(&headers), P(&body), SDK_REG);
    if (r != 1) __builtin_trap();
    n = reg_get(SDK_REG, scratch, sizeof scratch);
    ret_bytes(scratch, n);
}

METHOD(fetch_reg_full)
{
    fill_registers();
    fetch(0, 0, 0, 0, 1000);
}
