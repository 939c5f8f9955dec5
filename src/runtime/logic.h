/*
 * logic.h: the runtime's private header. Engine and module internals, the per-run
 * VMLogic (registers, limits, the outcome being built), the FunctionCallError model,
 * checked guest-memory helpers, the import table and the host handlers' shape.
 * Files of src/runtime/ and src/runtime/host/ include it; nothing else does (the
 * store and CLI use only calimero/runtime.h, tests may use it too).
 */
#ifndef CR_LOGIC_H
#define CR_LOGIC_H

#include "calimero/runtime.h"
#include "wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- allocation through the engine's allocator (eng may be NULL: realloc/free) ---- */

void *cr__alloc(const cr_engine *eng, size_t size);
void *cr__realloc(const cr_engine *eng, void *ptr, size_t old_size, size_t new_size);
void cr__free(const cr_engine *eng, void *ptr, size_t size);
/* Grows an array to hold at least need elements; doubles. Returns false on NOMEM. */
bool cr__grow(const cr_engine *eng, void **data, size_t *cap, size_t need, size_t elem_size);

/* Chunked arena: many small allocations freed at once (outcome texts and records). */
typedef struct cr__arena_block cr__arena_block;
typedef struct cr__arena {
    cr__arena_block *head;
    size_t used; /* in head */
} cr__arena;
void *cr__arena_alloc(cr__arena *a, const cr_engine *eng, size_t size);
void *cr__arena_dup(cr__arena *a, const cr_engine *eng, const void *src, size_t size);
void cr__arena_free(cr__arena *a, const cr_engine *eng);

/* Growable text buffer; on allocation failure it stops growing and sets failed. */
typedef struct cr__sbuf {
    const cr_engine *eng;
    char *data;
    size_t len, cap;
    bool failed;
} cr__sbuf;
void cr__sbuf_put(cr__sbuf *sb, const void *s, size_t n);
void cr__sbuf_puts(cr__sbuf *sb, const char *s);
void cr__sbuf_putc(cr__sbuf *sb, char c);
void cr__sbuf_u64(cr__sbuf *sb, uint64_t v);
void cr__sbuf_hex(cr__sbuf *sb, const uint8_t *p, size_t n);
/* A JSON string literal of UTF-8 text (quotes included). */
void cr__sbuf_json_str(cr__sbuf *sb, const char *s, size_t n);
/* Rust's Debug of a str ("...") and of a char ('.'), as upstream's Display uses them. */
void cr__sbuf_rust_str(cr__sbuf *sb, const char *s, size_t n);
void cr__sbuf_rust_char(cr__sbuf *sb, uint32_t ch);
/* NUL-terminates and returns the data (NULL if failed). Ownership stays with sb. */
const char *cr__sbuf_cstr(cr__sbuf *sb);
void cr__sbuf_free(cr__sbuf *sb);

/* UTF-8: strict validation (Rust's str rules: no surrogates, no overlongs, <= U+10FFFF). */
bool cr__utf8_valid(const uint8_t *s, size_t n);
/* Decodes one scalar at s (valid UTF-8 assumed); returns its byte length. */
size_t cr__utf8_decode(const uint8_t *s, uint32_t *ch);

/* ---- engine and module ---- */

/* Resources of one run kept for the next (run.c); idle ones wait in the engine's pool. */
typedef struct cr__runctx cr__runctx;
enum { CR__POOL_SLOTS = 4 };
void cr__runctx_destroy(cr__runctx *c);

struct cr_engine {
    cr_engine_config cfg;
    wa_config wcfg;
    /* CR__POOL_SLOTS idle run contexts (NULL: empty slot), taken and given back with
       atomic exchanges; the one part of an engine that changes after creation */
    _Atomic(cr__runctx *) *pool;
};

enum { CR__NO_IMPORT = 0xffff };

struct cr_module {
    const cr_engine *eng;
    wa_module *wm;
    uint32_t import_count;
    uint16_t *import_ids; /* import i -> CR_IMPORT_* id (valid when !link_failed) */
    bool link_failed;     /* an import cannot be bound: every run reports LinkError */
    char link_message[200];
};

/* Wraps a compiled engine module (takes wm, also on failure) and links its imports. */
cr_status cr__module_wrap(const cr_engine *eng, wa_module *wm, cr_module **out, cr_error *err);
/* Fills err with prefix + detail (detail nullable), truncated; returns st. */
cr_status cr__module_fail(cr_error *err, cr_status st, const char *prefix, const char *detail);

/* ---- the import table ---- */

typedef struct cr_logic cr_logic;

/* A host handler: args holds the wasm arguments (i32 zero-extended), *ret receives the
   result (truncated to 32 bits for i32 results). CR_OK, or CR_ERR_HOST with the host
   error recorded in vl (cr__host_fail), or another status for a fatal failure
   (allocation, storage) recorded with cr__logic_fatal. */
typedef cr_status (*cr__host_fn)(cr_logic *vl, const uint64_t *args, uint64_t *ret);

#define CR_IMPORT(name, params, results) CR_IMPORT_##name,
enum {
#include "imports.def"
    CR_IMPORT_COUNT
};

#define CR_IMPORT(name, params, results) \
    cr_status cr__host_##name(cr_logic *vl, const uint64_t *args, uint64_t *ret);
#include "imports.def"

typedef struct cr__import {
    const char *name;
    const char *params; /* 'i'/'j' letters */
    const char *results;
    cr__host_fn fn;
} cr__import;

extern const cr__import cr__imports[CR_IMPORT_COUNT];

/* Finds the entry for import d ("env", known name, function of the exact type): its
   id, or CR__NO_IMPORT with a message in msg. */
uint16_t cr__import_resolve(const wa_extern_desc *d, char *msg, size_t msg_cap);

/* ---- errors: upstream's FunctionCallError (runtime-model.md §11) ---- */

/* WasmTrap: id, serde name, Display. */
#define CR_WASM_TRAP_MAP(X)                                                               \
    X(STACK_OVERFLOW, "StackOverflow", "stack overflow")                                  \
    X(MEMORY_OUT_OF_BOUNDS, "MemoryOutOfBounds", "memory out of bounds")                  \
    X(HEAP_MISALIGNED, "HeapMisaligned", "heap misaligned")                               \
    X(TABLE_ACCESS_OUT_OF_BOUNDS, "TableAccessOutOfBounds", "table access out of bounds") \
    X(INDIRECT_CALL_TO_NULL, "IndirectCallToNull", "indirect call to null")               \
    X(BAD_SIGNATURE, "BadSignature", "bad signature")                                     \
    X(ILLEGAL_ARITHMETIC, "IllegalArithmetic", "illegal arithmetic operation")            \
    X(UNREACHABLE, "Unreachable", "unreachable code reached")                             \
    X(UNALIGNED_ATOMIC, "UnalignedAtomic", "unaligned atomic operation")                  \
    X(INDETERMINATE, "Indeterminate", "indeterminate trap")

typedef enum cr__trap {
#define CR_X(id, name, display) CR_TRAP_##id,
    CR_WASM_TRAP_MAP(CR_X)
#undef CR_X
} cr__trap;

/* MethodResolutionError: id, serde name. Display texts are in errors.c. */
#define CR_METHOD_ERROR_MAP(X)                                     \
    X(INVALID_SIGNATURE, "InvalidSignature")                       \
    X(METHOD_NOT_FOUND, "MethodNotFound")                          \
    X(METHOD_NAME_TOO_LONG, "MethodNameTooLong")                   \
    X(INVALID_METHOD_NAME_CHARACTER, "InvalidMethodNameCharacter") \
    X(EMPTY_METHOD_NAME, "EmptyMethodName")

typedef enum cr__method_error {
#define CR_X(id, name) CR_METHOD_##id,
    CR_METHOD_ERROR_MAP(CR_X)
#undef CR_X
} cr__method_error;

/*
 * HostError: id, serde name, payload shape, Display template. Shapes: UNIT (no data),
 * ID {id: a}, MAX {max: a}, SIZE_AND_MAX {size: a, max: b}, CURRENT_MAX {current: a, max: b},
 * STR (data = s), NUM (data = a), PANIC. Templates expand {a}, {b}, {s}.
 */
#define CR_HOST_ERROR_MAP(X)                                                                     \
    X(INVALID_REGISTER_ID, "InvalidRegisterId", ID, "invalid register id: {a}")                  \
    X(INVALID_MEMORY_ACCESS, "InvalidMemoryAccess", UNIT, "invalid memory access")               \
    X(PANIC, "Panic", PANIC, "")                                                                 \
    X(BAD_UTF8, "BadUTF8", UNIT, "invalid UTF-8 string")                                         \
    X(DESERIALIZATION_ERROR, "DeserializationError", UNIT, "deserialization error")              \
    X(SERIALIZATION_ERROR, "SerializationError", UNIT, "serialization error")                    \
    X(INTEGER_OVERFLOW, "IntegerOverflow", UNIT, "integer overflow")                             \
    X(KEY_LENGTH_OVERFLOW, "KeyLengthOverflow", UNIT, "key length overflow")                     \
    X(VALUE_LENGTH_OVERFLOW, "ValueLengthOverflow", UNIT, "value length overflow")               \
    X(LOG_LENGTH_OVERFLOW, "LogLengthOverflow", UNIT, "log size overflow")                       \
    X(LOGS_OVERFLOW, "LogsOverflow", UNIT, "logs overflow")                                      \
    X(EVENTS_OVERFLOW, "EventsOverflow", UNIT, "events overflow")                                \
    X(EVENT_KIND_SIZE_OVERFLOW, "EventKindSizeOverflow", UNIT, "event kind size overflow")       \
    X(EVENT_DATA_SIZE_OVERFLOW, "EventDataSizeOverflow", UNIT, "event data size overflow")       \
    X(XCALLS_OVERFLOW, "XCallsOverflow", UNIT, "xcalls overflow")                                \
    X(XCALL_FUNCTION_SIZE_OVERFLOW, "XCallFunctionSizeOverflow", UNIT,                           \
      "xcall function size overflow")                                                            \
    X(XCALL_PARAMS_SIZE_OVERFLOW, "XCallParamsSizeOverflow", UNIT, "xcall params size overflow") \
    X(BLOBS_NOT_SUPPORTED, "BlobsNotSupported", UNIT,                                            \
      "blob operations not supported (NodeClient not available)")                                \
    X(INVALID_BLOB_HANDLE, "InvalidBlobHandle", UNIT, "invalid blob handle")                     \
    X(TOO_MANY_BLOB_HANDLES, "TooManyBlobHandles", MAX, "too many blob handles (max: {a})")      \
    X(BLOB_BUFFER_TOO_LARGE, "BlobBufferTooLarge", SIZE_AND_MAX,                                 \
      "blob buffer too large (size: {a}, max: {b})")                                             \
    X(TOTAL_BLOB_MEMORY_EXCEEDED, "TotalBlobMemoryExceeded", CURRENT_MAX,                        \
      "total blob memory exceeded (current: {a}, max: {b})")                                     \
    X(BLOB_WRITE_TOO_LARGE, "BlobWriteTooLarge", SIZE_AND_MAX,                                   \
      "blob write too large (size: {a}, max: {b})")                                              \
    X(BLOB_CONTEXT_MISMATCH, "BlobContextMismatch", UNIT,                                        \
      "context does not have permission to access this blob handle")                             \
    X(BLOB_HANDLE_LIMIT_EXCEEDED, "BlobHandleLimitExceeded", UNIT, "too many blob handles open") \
    X(BLOB_MEMORY_LIMIT_EXCEEDED, "BlobMemoryLimitExceeded", UNIT,                               \
      "total blob memory usage exceeds limit")                                                   \
    X(ED25519_INCORRECT_PUBLIC_KEY, "Ed25519IncorrectPublicKey", UNIT,                           \
      "incorrect ed25519 public key")                                                            \
    X(ALIAS_ALREADY_EXISTS, "AliasAlreadyExists", STR, "alias already exists: {s}")              \
    X(ALIAS_TOO_LONG, "AliasTooLong", NUM, "alias too long: {a}")                                \
    X(NODE_CLIENT_NOT_AVAILABLE, "NodeClientNotAvailable", UNIT, "node client is not available")

typedef enum cr__host_error {
#define CR_X(id, name, shape, display) CR_HOST_##id,
    CR_HOST_ERROR_MAP(CR_X)
#undef CR_X
} cr__host_error;

/*
 * One FunctionCallError. kind says which level; variant is a cr__trap, cr__method_error
 * or cr__host_error. Strings are borrowed (the outcome's arena or static text).
 */
typedef struct cr__fcerr {
    cr_call_error kind;
    int variant;
    uint64_t a, b; /* numbers of the payload (see the shapes above) */
    const char *s; /* name, panic message, alias, compile/link source */
    size_t s_len;
    bool host_panic; /* Panic context: Host (true) or Guest */
    bool has_location;
    const char *file; /* Panic location */
    size_t file_len;
    uint32_t line, column;
    uint32_t ch;            /* InvalidMethodNameCharacter */
    const uint8_t *payload; /* ExecutionError bytes */
    size_t payload_len;
} cr__fcerr;

/* Appends upstream's serde JSON / Display text of e. */
void cr__fcerr_json(const cr__fcerr *e, cr__sbuf *sb);
void cr__fcerr_display(const cr__fcerr *e, cr__sbuf *sb);
/* The innermost variant's name ("Panic", "MethodNotFound", ...). */
const char *cr__fcerr_variant(const cr__fcerr *e);
/* Maps an engine trap kind to WasmTrap (§11.4); OUT_OF_FUEL is handled by the caller. */
cr__trap cr__trap_from_wa(wa_trap t);

/*
 * Method-name validation (runtime-model.md §4). name must be valid UTF-8. Returns true
 * when valid; otherwise fills e (e->s points at name: the caller keeps it alive).
 */
bool cr__method_name_check(const char *name, size_t len, uint64_t max_len, cr__fcerr *e);

/* ---- the outcome ---- */

typedef struct cr__text {
    char *s; /* NUL-terminated copy */
    size_t len;
} cr__text;

typedef struct cr__event_rec {
    cr__text kind;
    uint8_t *data;
    size_t data_len;
    cr__text handler; /* s == NULL: none */
} cr__event_rec;

typedef struct cr__xcall_rec {
    uint8_t context_id[32];
    cr__text function;
    uint8_t *params;
    size_t params_len;
} cr__xcall_rec;

typedef struct cr__proposal_rec {
    uint8_t id[32];
    uint8_t *actions;
    size_t actions_len;
} cr__proposal_rec;

typedef struct cr__mutation_rec {
    cr_mutation_kind kind;
    uint8_t id[32];
    cr__text protocol;
    uint8_t *init_args;
    size_t init_args_len;
    cr__text alias; /* s == NULL: none */
} cr__mutation_rec;

typedef struct cr__host_count {
    uint16_t id;
    uint64_t count;
} cr__host_count;

struct cr_outcome {
    const cr_engine *eng;
    cr__arena arena;
    bool failed;
    cr__fcerr err;
    bool has_returns;
    uint8_t *returns;
    size_t returns_len;
    cr__text *logs;
    size_t log_count, log_cap;
    cr__event_rec *events;
    size_t event_count, event_cap;
    cr__xcall_rec *xcalls;
    size_t xcall_count, xcall_cap;
    bool has_root_hash;
    uint8_t root_hash[32];
    uint8_t *artifact;
    size_t artifact_len;
    cr__proposal_rec *proposals; /* kept sorted by id */
    size_t proposal_count, proposal_cap;
    uint8_t (*approvals)[32];
    size_t approval_count, approval_cap;
    cr__mutation_rec *mutations;
    size_t mutation_count, mutation_cap;
    uint64_t gas_used;
    cr__host_count host_calls[CR_IMPORT_COUNT]; /* in first-call order */
    size_t host_call_count;
    /* lazily built texts */
    const char *err_json, *err_display, *json;
    size_t json_len;
};

cr_status cr__outcome_create(const cr_engine *eng, cr_outcome **out);

/* ---- VMLogic: the state of one run ---- */

typedef struct cr__register {
    uint64_t id;
    uint8_t *data;
    size_t len, cap;
} cr__register;

typedef struct cr__blob_handle {
    uint64_t fd;
    bool writing;
    void *stream;        /* upload or reader handle of the node hooks (NULL: not opened) */
    uint8_t blob_id[32]; /* read handles */
    const uint8_t *left; /* leftover of the last chunk (read handles) */
    size_t left_len;
    uint64_t position;
    bool ended;
} cr__blob_handle;

struct cr_logic {
    const cr_engine *eng;
    const cr_limits *lim;
    const cr_run_params *p;
    wa_memory *mem; /* the attached `memory` export; NULL before attachment */
    cr_outcome *out;
    /* registers */
    cr__register *regs;
    size_t reg_count, reg_cap;
    uint64_t reg_bytes; /* sum of 8 + len */
    /* value_return: 0 none, 1 Ok, 2 Err */
    int ret_kind;
    uint8_t *ret;
    size_t ret_len, ret_cap;
    bool committed;
    /* blobs */
    cr__blob_handle *blobs;
    size_t blob_count, blob_cap;
    uint64_t next_fd;
    /* per-import call counts (indexed by import id) and first-call order */
    uint64_t calls[CR_IMPORT_COUNT];
    uint16_t call_order[CR_IMPORT_COUNT];
    size_t call_order_len;
    /* the failure of the current host call */
    bool has_err;
    cr__fcerr err;
    cr_status fatal; /* CR_OK, or a failure that ends the run with this status */
    char fatal_message[200];
};

/* Sets up vl for one run writing into out. The caller fills vl->mem later. */
void cr__logic_init(cr_logic *vl, const cr_engine *eng, const cr_run_params *p, cr_outcome *out);
/* Frees registers, value_return and open blob handles (aborting uploads). */
void cr__logic_release(cr_logic *vl);
/* Moves the run's results into the outcome (upstream's finish): err is the run's
   failure or NULL. Returns CR_OK or CR_ERR_NOMEM. */
cr_status cr__logic_finish(cr_logic *vl, const cr__fcerr *err);

/* Records host error kind and returns CR_ERR_HOST (the handler's failure). */
cr_status cr__host_fail(cr_logic *vl, cr__host_error kind);
cr_status cr__host_fail_num(cr_logic *vl, cr__host_error kind, uint64_t a, uint64_t b);
cr_status cr__host_fail_str(cr_logic *vl, cr__host_error kind, const char *s, size_t n);
/* Records Panic{context, message, location} (file == NULL: Unknown) and returns
   CR_ERR_HOST. Copies the texts. */
cr_status cr__host_panic_record(cr_logic *vl, bool host, const char *msg, size_t msg_len,
                                const char *file, size_t file_len, uint32_t line, uint32_t column);
/* Records a fatal failure (allocation, storage) and returns st. */
cr_status cr__logic_fatal(cr_logic *vl, cr_status st, const char *message);

/* Registers (host-abi.md §0.5). reg_set fails InvalidMemoryAccess on a limit. */
cr_status cr__reg_set(cr_logic *vl, uint64_t id, const uint8_t *data, size_t len);
const cr__register *cr__reg_get(const cr_logic *vl, uint64_t id);

/* Outcome records (each copies its inputs; CR_ERR_NOMEM recorded as fatal). */
cr_status cr__out_log(cr_logic *vl, const char *s, size_t n);
cr_status cr__out_text(cr_logic *vl, cr__text *t, const char *s, size_t n);
void *cr__out_dup(cr_logic *vl, const void *p, size_t n);

/* ---- guest memory (host-abi.md §0.3-0.4) ---- */

typedef struct cr__desc {
    uint64_t ptr, len;
} cr__desc;

/* [ptr, ptr+len) inside the current memory, computed without overflow. */
bool cr__gm_in_bounds(const wa_memory *mem, uint64_t ptr, uint64_t len);
/* A checked view: *out points at guest memory (valid until memory grows or the host
   call returns). InvalidMemoryAccess on failure. */
cr_status cr__gm_view(cr_logic *vl, uint64_t ptr, uint64_t len, uint8_t **out);
/* Reads a 16-byte descriptor at ptr. */
cr_status cr__gm_desc(cr_logic *vl, uint64_t ptr, cr__desc *d);
/* Copies size bytes at ptr into dst (struct reads). */
cr_status cr__gm_read(cr_logic *vl, uint64_t ptr, void *dst, size_t size);
/* bytes(d) / str(d) (BadUTF8) / fixed(d, n) (length must be n). */
cr_status cr__gm_bytes(cr_logic *vl, const cr__desc *d, const uint8_t **out);
cr_status cr__gm_str(cr_logic *vl, const cr__desc *d, const char **out);
cr_status cr__gm_fixed(cr_logic *vl, const cr__desc *d, uint64_t n, const uint8_t **out);
/* out(d): a writable view. */
cr_status cr__gm_out(cr_logic *vl, const cr__desc *d, uint8_t **out);

static inline uint64_t cr__le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static inline uint32_t cr__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void cr__put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- storage helpers shared by host/storage.c and host/private_storage.c ---- */

/* key descriptor, KeyLengthOverflow, key bytes (a view into guest memory) */
cr_status cr__storage_key(cr_logic *vl, uint64_t key_ptr, const uint8_t **key, size_t *key_len);
/* both descriptors, KeyLengthOverflow, ValueLengthOverflow, key and value bytes */
cr_status cr__storage_key_value(cr_logic *vl, uint64_t key_ptr, uint64_t value_ptr,
                                const uint8_t **key, size_t *key_len, const uint8_t **val,
                                size_t *val_len);
/* get: hit -> register, 1; miss -> 0 */
cr_status cr__storage_do_read(cr_logic *vl, cr_storage *s, const uint8_t *key, size_t key_len,
                              uint64_t reg, uint64_t *ret);
/* get, then remove and the old value into the register: 1; miss -> 0 */
cr_status cr__storage_do_remove(cr_logic *vl, cr_storage *s, const uint8_t *key, size_t key_len,
                                uint64_t reg, uint64_t *ret);

/* ---- utility internals ---- */

/* ed25519-dalek 2.x non-strict verification: 1 valid, 0 invalid, -1 the public key does
   not decompress (host-abi.md §2.6). */
int cr__ed25519_verify(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg,
                       size_t msg_len);
/* Fills buf from the run's random source (the OS CSPRNG by default). */
void cr__random(cr_logic *vl, uint8_t *buf, size_t len);
/* Wall clock in ns since the epoch. */
uint64_t cr__wall_clock_ns(void);

#endif /* CR_LOGIC_H */
