/*
 * guest.h: freestanding support for the C guest apps (wasm32, no libc): the 38 host
 * imports the Rust SDK declares (spec/host-abi.md §1) plus js_std_d_print, the
 * guest-memory structures of §0.3, and small helpers to build descriptors, read
 * registers and return values. A module imports only the functions it calls.
 * Guests keep their buffers in static storage; only guest code includes this file.
 */
#ifndef GUEST_H
#define GUEST_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long uptr;

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define METHOD(name)                                     \
    __attribute__((export_name(#name))) void name(void); \
    void name(void)

/* spec/host-abi.md §0.3: every field is 8 bytes wide on wasm32 too */
typedef struct {
    u64 ptr;
    u64 len;
} buf;
typedef struct {
    buf file;
    u32 line;
    u32 column;
} location;
typedef struct {
    buf kind;
    buf data;
} event;
typedef struct {
    buf context_id;
    buf function;
    buf params;
} xcall_t;
typedef struct {
    u64 tag;
    buf value;
} value_ret;

_Static_assert(sizeof(buf) == 16, "Buffer is 16 bytes");
_Static_assert(sizeof(location) == 24, "Location is 24 bytes");
_Static_assert(sizeof(event) == 32, "Event is 32 bytes");
_Static_assert(sizeof(xcall_t) == 48, "XCall is 48 bytes");
_Static_assert(sizeof(value_ret) == 24, "ValueReturn is 24 bytes");

/* system, registers, io */
IMPORT(panic) void panic(u64 location_ptr);
IMPORT(panic_utf8) void panic_utf8(u64 msg_ptr, u64 location_ptr);
IMPORT(register_len) u64 register_len(u64 register_id);
IMPORT(read_register) u32 read_register(u64 register_id, u64 dest_ptr);
IMPORT(context_id) void context_id(u64 register_id);
IMPORT(executor_id) void executor_id(u64 register_id);
IMPORT(input) void input(u64 register_id);
IMPORT(value_return) void value_return(u64 value_ptr);
/* logs, events, xcall, commit */
IMPORT(log_utf8) void log_utf8(u64 msg_ptr);
IMPORT(emit) void emit(u64 event_ptr);
IMPORT(emit_with_handler) void emit_with_handler(u64 event_ptr, u64 handler_ptr);
IMPORT(xcall) void xcall(u64 xcall_ptr);
IMPORT(commit) void commit(u64 root_hash_ptr, u64 artifact_ptr);
/* storage, private storage */
IMPORT(storage_read) u32 storage_read(u64 key_ptr, u64 register_id);
IMPORT(storage_write) u32 storage_write(u64 key_ptr, u64 value_ptr, u64 register_id);
IMPORT(storage_remove) u32 storage_remove(u64 key_ptr, u64 register_id);
IMPORT(private_storage_read) u32 private_storage_read(u64 key_ptr, u64 register_id);
IMPORT(private_storage_remove) u32 private_storage_remove(u64 key_ptr, u64 register_id);
IMPORT(private_storage_write) u32 private_storage_write(u64 key_ptr, u64 value_ptr);
/* QuickJS debug print (a raw address and length, no descriptor) */
IMPORT(js_std_d_print) u32 js_std_d_print(u64 ctx_ptr, u64 message_ptr, u64 message_len);
/* utility */
IMPORT(fetch) u32 fetch(u64 url_ptr, u64 method_ptr, u64 headers_ptr, u64 body_ptr, u64 reg);
IMPORT(random_bytes) void random_bytes(u64 dest_ptr);
IMPORT(time_now) void time_now(u64 dest_ptr);
IMPORT(ed25519_verify) u32 ed25519_verify(u64 sig_ptr, u64 public_key_ptr, u64 message_ptr);
/* governance */
IMPORT(send_proposal) void send_proposal(u64 actions_ptr, u64 dest_id_ptr);
IMPORT(approve_proposal) void approve_proposal(u64 proposal_id_ptr);
/* context management */
IMPORT(context_create)
void context_create(u64 protocol_ptr, u64 app_id_ptr, u64 args_ptr, u64 alias_ptr);
IMPORT(context_delete) void context_delete(u64 context_id_ptr);
IMPORT(context_add_member) void context_add_member(u64 public_key_ptr);
IMPORT(context_remove_member) void context_remove_member(u64 public_key_ptr);
IMPORT(context_is_member) u32 context_is_member(u64 public_key_ptr);
IMPORT(context_members) void context_members(u64 register_id);
IMPORT(context_resolve_alias) u32 context_resolve_alias(u64 alias_ptr, u64 register_id);
/* blobs */
IMPORT(blob_create) u64 blob_create(void);
IMPORT(blob_write) u64 blob_write(u64 fd, u64 data_ptr);
IMPORT(blob_close) u32 blob_close(u64 fd, u64 dest_blob_id_ptr);
IMPORT(blob_open) u64 blob_open(u64 blob_id_ptr);
IMPORT(blob_read) u64 blob_read(u64 fd, u64 dest_ptr);
IMPORT(blob_announce_to_context) u32 blob_announce_to_context(u64 blob_id_ptr, u64 context_id_ptr);

/* Default register id of the helpers; the Rust SDK uses 0xFFFF_FFFE. */
#define REG     7ULL
#define SDK_REG 0xFFFFFFFEULL
#define U64_MAX 0xFFFFFFFFFFFFFFFFULL

/* VMLimits::default() (spec/runtime-model.md §6) */
#define MAX_REGISTERS     100
#define MAX_LOGS          100
#define MAX_LOG_SIZE      16384
#define MAX_EVENTS        100
#define MAX_EVENT_KIND    100
#define MAX_EVENT_DATA    16384
#define MAX_XCALLS        100
#define MAX_XCALL_FN      100
#define MAX_XCALL_PARAMS  16384
#define MAX_STORAGE_KEY   1048576ULL
#define MAX_STORAGE_VALUE 10485760ULL

#define P(x) ((u64)(uptr)(x))

/* Compiled with -fno-builtin, so these loops stay loops (no self-calls). */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

static inline u64 memsize(void)
{
    return (u64)__builtin_wasm_memory_size(0) << 16;
}

static inline u64 slen(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}

static inline buf mkbuf(const void *p, u64 len)
{
    buf b = {P(p), len};
    return b;
}

static inline buf strbuf(const char *s)
{
    return mkbuf(s, slen(s));
}

static inline void ret_tag(u64 tag, const void *p, u64 len)
{
    value_ret v = {tag, {P(p), len}};
    value_return(P(&v));
}

static inline void ret_bytes(const void *p, u64 len)
{
    ret_tag(0, p, len);
}

static inline void ret_str(const char *s)
{
    ret_tag(0, s, slen(s));
}

static inline void ret_err_str(const char *s)
{
    ret_tag(1, s, slen(s));
}

static inline void log_bytes(const void *p, u64 len)
{
    buf b = mkbuf(p, len);
    log_utf8(P(&b));
}

static inline void log_str(const char *s)
{
    log_bytes(s, slen(s));
}

static inline void log_at(u64 ptr, u64 len)
{
    buf b = {ptr, len};
    log_utf8(P(&b));
}

/* Decimal text of v into out (at least 21 bytes); returns the length. */
static inline u64 fmt_u64(char *out, u64 v)
{
    char tmp[21];
    u64 n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return n;
}

static inline void ret_u64(u64 v)
{
    char t[24];
    ret_bytes(t, fmt_u64(t, v));
}

/* Copies register `reg` into dst (cap bytes); returns its length, or U64_MAX if the register
 * is absent or too long. */
static inline u64 reg_get(u64 reg, void *dst, u64 cap)
{
    u64 len = register_len(reg);
    buf b;
    if (len == U64_MAX || len > cap) return U64_MAX;
    b = mkbuf(dst, len);
    if (read_register(reg, P(&b)) != 1) __builtin_trap();
    return len;
}

/* Reads the call input into dst; traps if it does not fit. */
static inline u64 input_get(void *dst, u64 cap)
{
    u64 len;
    input(REG);
    len = reg_get(REG, dst, cap);
    if (len == U64_MAX) __builtin_trap();
    return len;
}

/* The call input as a decimal number (0 when empty). */
static inline u64 input_u64(void)
{
    char t[32];
    u64 n = input_get(t, sizeof t), v = 0, i;
    for (i = 0; i < n; i++)
        if (t[i] >= '0' && t[i] <= '9') v = v * 10 + (u64)(t[i] - '0');
    return v;
}

/* Appends text to an output buffer tracked by (out, *len). */
static inline void put(char *out, u64 *len, const void *p, u64 n)
{
    memcpy(out + *len, p, n);
    *len += n;
}

static inline void put_str(char *out, u64 *len, const char *s)
{
    put(out, len, s, slen(s));
}

static inline void put_u64(char *out, u64 *len, u64 v)
{
    *len += fmt_u64(out + *len, v);
}

/* A 32-byte id filled with one byte value (eight rotating buffers). */
static inline u8 *id32(u8 v)
{
    static u8 ids[8][32];
    static u32 next;
    u8 *p = ids[next++ & 7];
    memset(p, v, 32);
    return p;
}

/* Address `back` bytes before the end of memory. */
static inline u8 *at_end(u64 back)
{
    return (u8 *)(uptr)(memsize() - back);
}

/* Commits root hash 32 x 0xAA with an empty artifact, so the call's writes are kept. */
static inline void commit_fixed(void)
{
    buf root = mkbuf(id32(0xAA), 32), art = mkbuf(0, 0);
    commit(P(&root), P(&art));
}

/* Fills registers 0..99 (the default max_registers) with the context id. */
static inline void fill_registers(void)
{
    u64 i;
    for (i = 0; i < MAX_REGISTERS; i++)
        context_id(i);
}

#endif
