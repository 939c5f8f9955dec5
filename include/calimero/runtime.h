/*
 * calimero/runtime.h: the public C API of calimero-runtime. Compile Calimero
 * applications (WebAssembly modules built with the calimero SDK) and run their methods
 * against a storage, with the host ABI and run flow of the upstream Rust runtime
 * (calimero-network/core crates/runtime). See spec/runtime-model.md and spec/host-abi.md.
 *
 * Conventions: opaque handles with _create/_destroy pairs (_destroy(NULL) does nothing);
 * config and parameter structs start from a _default() function; fallible functions
 * return cr_status and take a nullable cr_error * last. Pointer arguments are borrowed
 * (not kept after the call) unless a comment says otherwise. Engines and modules are
 * immutable once created and may be shared by threads; a run, an outcome, a storage and
 * a stage belong to one thread at a time.
 */
#ifndef CALIMERO_RUNTIME_H
#define CALIMERO_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CR_API
#else
#define CR_API __attribute__((visibility("default")))
#endif

/* ---- statuses and errors ---------------------------------------------------------- */

/*
 * Library statuses. Guest-visible failures of a call (traps, host errors, missing
 * methods, ...) are not statuses: cr_run returns CR_OK and reports them in the outcome.
 * CR_ERR_COMPILE and CR_ERR_MODULE_SIZE are upstream's FunctionCallError
 * CompilationError and ModuleSizeLimitExceeded (see cr_error_json).
 */
#define CR_STATUS_MAP(X)                             \
    X(OK, "ok")                                      \
    X(ERR_NOMEM, "out of memory")                    \
    X(ERR_ARG, "invalid argument")                   \
    X(ERR_COMPILE, "compilation error")              \
    X(ERR_MODULE_SIZE, "module size limit exceeded") \
    X(ERR_IMAGE, "bad precompiled image")            \
    X(ERR_STORAGE, "storage error")                  \
    X(ERR_IO, "i/o error")                           \
    X(ERR_NOT_FOUND, "not found")                    \
    X(ERR_UNSUPPORTED, "unsupported")                \
    X(ERR_HOST, "host function failed")

typedef enum cr_status {
#define CR_X(name, msg) CR_##name,
    CR_STATUS_MAP(CR_X)
#undef CR_X
} cr_status;

CR_API const char *cr_status_name(cr_status st); /* "ERR_NOMEM" */
CR_API const char *cr_status_str(cr_status st);  /* "out of memory" */

/*
 * Filled by a failing function (nothing is allocated). message is lowercase, no final
 * period. For CR_ERR_COMPILE it is upstream's Display text ("compilation error: ..."),
 * for CR_ERR_MODULE_SIZE "module size limit (max_module_size) exceeded: <size> bytes >
 * <max> bytes limit", and size/max hold the two numbers.
 */
typedef struct cr_error {
    cr_status st;
    uint64_t size; /* CR_ERR_MODULE_SIZE: module size in bytes */
    uint64_t max;  /* CR_ERR_MODULE_SIZE: the limit */
    char message[256];
} cr_error;

/*
 * Writes upstream's serde JSON of the FunctionCallError an error stands for
 * ({"type":"CompilationError","data":{}}, {"type":"ModuleSizeLimitExceeded",
 * "data":{"size":..,"max":..}}) into buf (NUL-terminated, truncated to cap). Returns
 * the full length, or 0 (and writes "") for statuses with no such error.
 */
CR_API size_t cr_error_json(const cr_error *err, char *buf, size_t cap);

/* ---- limits (upstream VMLimits, runtime-model.md §6; defaults are exact) ------------ */

typedef struct cr_limits {
    uint32_t max_memory_pages;        /* 1024 (64 MiB): memory.grow past it fails */
    uint64_t max_stack_size;          /* 204800: sizes the wasm stack budget */
    uint64_t max_registers;           /* 100 */
    uint64_t max_register_size;       /* 104857600 (100 MiB); must be < UINT64_MAX - 1 */
    uint64_t max_registers_capacity;  /* 1073741824 (1 GiB), sum of (8 + len) */
    uint64_t max_logs;                /* 100 */
    uint64_t max_log_size;            /* 16384 */
    uint64_t max_events;              /* 100 */
    uint64_t max_event_kind_size;     /* 100 */
    uint64_t max_event_data_size;     /* 16384 */
    uint64_t max_xcalls;              /* 100 */
    uint64_t max_xcall_function_size; /* 100 */
    uint64_t max_xcall_params_size;   /* 16384 */
    uint64_t max_storage_key_size;    /* 1048576 (1 MiB); non-zero */
    uint64_t max_storage_value_size;  /* 10485760 (10 MiB); non-zero */
    uint64_t max_blob_handles;        /* 100 */
    uint64_t max_blob_chunk_size;     /* 10485760 (10 MiB) */
    uint64_t max_method_name_length;  /* 256 */
    uint64_t max_module_size;         /* 10485760 (10 MiB) */
    uint64_t max_gas;                 /* 1000000000: wasm operators per call */
} cr_limits;

CR_API cr_limits cr_limits_default(void);

/* ---- engine ---------------------------------------------------------------------- */

/* lua_Alloc-style allocator: new_size 0 frees and returns NULL; else (re)allocates,
   returning NULL on failure (ptr is then untouched). */
typedef void *(*cr_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/*
 * Called after every host function call: the import's name, its raw arguments, its
 * result (NULL when it has none or failed) and, when it failed, the Display text of the
 * failure (else NULL). Strings are valid only during the call.
 */
typedef void (*cr_trace_fn)(void *ud, const char *import, const uint64_t *args, uint32_t nargs,
                            const uint64_t *result, const char *error);

typedef struct cr_engine_config {
    cr_limits limits;
    cr_alloc_fn alloc; /* NULL: realloc/free */
    void *alloc_ud;
    bool fetch_enabled; /* false (upstream): fetch answers "temporarily disabled" */
    cr_trace_fn trace;  /* NULL: no tracing */
    void *trace_ud;
    /* NULL, or called with each text log_utf8 records, as it happens (trace_ud) */
    void (*trace_log)(void *ud, const char *msg, size_t len);
    /* threads compiling a module's function bodies: 0 (default) picks one for modules
       with less than 64 KiB of code, else one per online CPU up to 4; 1 compiles on the
       calling thread only. alloc must be thread-safe when this may exceed 1. */
    uint32_t compile_threads;
    /* true (default): function bodies also become x86-64 machine code where the host is
       x86-64 (the interpreter runs what the translator does not cover); false: interpret */
    bool jit;
} cr_engine_config;

CR_API cr_engine_config cr_engine_config_default(void);

typedef struct cr_engine cr_engine;

/*
 * Creates an engine. Borrows cfg (copied). Returns owned *out: free with
 * cr_engine_destroy after every module made from it. Statuses: CR_OK, CR_ERR_ARG (a zero
 * storage key/value limit, max_register_size >= UINT64_MAX - 1), CR_ERR_NOMEM.
 * Thread-safe once created. The engine keeps the resources of up to four finished runs
 * for later runs (stacks, host-function objects, a cleared linear-memory mapping with
 * at most 8 MiB resident); cr_engine_destroy frees them.
 */
CR_API cr_status cr_engine_create(const cr_engine_config *cfg, cr_engine **out, cr_error *err);
CR_API void cr_engine_destroy(cr_engine *eng);
/* The engine's limits; valid until the engine is destroyed. */
CR_API const cr_limits *cr_engine_limits(const cr_engine *eng);
/* Frees a buffer the engine returned as owned (images), with its length. */
CR_API void cr_engine_free(const cr_engine *eng, void *ptr, size_t len);

/* ---- modules --------------------------------------------------------------------- */

typedef struct cr_module cr_module;

/*
 * Compiles a wasm binary. Borrows bytes. A module longer than limits.max_module_size
 * fails with CR_ERR_MODULE_SIZE (err->size, err->max); invalid wasm with CR_ERR_COMPILE.
 * No import is checked here (upstream links at run time). Returns owned *out: free with
 * cr_module_destroy before the engine. Also CR_ERR_NOMEM. Thread-safe.
 */
CR_API cr_status cr_module_compile(const cr_engine *eng, const uint8_t *bytes, size_t len,
                                   cr_module **out, cr_error *err);
CR_API void cr_module_destroy(cr_module *m);
CR_API const cr_engine *cr_module_engine(const cr_module *m);

/*
 * Serializes a compiled module to a precompiled image. Returns owned *out: free with
 * cr_engine_free(engine, *out, *len). Statuses: CR_OK, CR_ERR_NOMEM, CR_ERR_UNSUPPORTED.
 */
CR_API cr_status cr_module_to_image(const cr_module *m, uint8_t **out, size_t *len, cr_error *err);
/*
 * Loads an image made by cr_module_to_image with the same build. Borrows bytes. Trusted
 * input: no size limit (as upstream's from_precompiled), but a foreign, stale or
 * damaged image gives CR_ERR_IMAGE, never a crash. Returns owned *out.
 */
CR_API cr_status cr_module_from_image(const cr_engine *eng, const uint8_t *bytes, size_t len,
                                      cr_module **out, cr_error *err);

/* ---- storage ----------------------------------------------------------------------- */

/* Visitor for iteration: return non-zero to stop. Pointers valid during the call. */
typedef int (*cr_storage_visit_fn)(void *ud, const uint8_t *key, size_t key_len, const uint8_t *val,
                                   size_t val_len);

/*
 * The storage interface (upstream's Storage trait): a map of byte strings to byte
 * strings. Keys and values may be empty and hold any bytes. Byte pointers a function
 * hands back are owned by the store and valid until the next call on it.
 *   get:     *val = NULL when absent (an empty value is a non-NULL pointer, len 0).
 *   set:     stores val; if old is non-NULL, *old receives the previous value (NULL if
 *            there was none), *old_len its length.
 *   remove:  same old-value contract; removing an absent key is not an error.
 *   iterate: every pair in byte-wise key order (memcmp, shorter first).
 *   begin/commit/rollback: optional (NULL): bracket a batch of set/remove calls that
 *            must land atomically; rollback undoes everything since begin.
 *   destroy: optional: frees the store (called by cr_storage_destroy).
 * Failures return a status other than CR_OK (usually CR_ERR_STORAGE/CR_ERR_NOMEM); a
 * run that sees one stops and cr_run returns it.
 */
typedef struct cr_storage_ops {
    cr_status (*get)(void *self, const uint8_t *key, size_t key_len, const uint8_t **val,
                     size_t *val_len, cr_error *err);
    cr_status (*set)(void *self, const uint8_t *key, size_t key_len, const uint8_t *val,
                     size_t val_len, const uint8_t **old, size_t *old_len, cr_error *err);
    cr_status (*remove)(void *self, const uint8_t *key, size_t key_len, const uint8_t **old,
                        size_t *old_len, cr_error *err);
    cr_status (*iterate)(void *self, cr_storage_visit_fn fn, void *ud, cr_error *err);
    cr_status (*begin)(void *self, cr_error *err);
    cr_status (*commit)(void *self, cr_error *err);
    void (*rollback)(void *self);
    void (*destroy)(void *self);
} cr_storage_ops;

/* A storage: an interface value. Implement one by pointing ops at a static table and
   self at the store's state. */
typedef struct cr_storage {
    const cr_storage_ops *ops;
    void *self;
} cr_storage;

/* Calls through s->ops (convenience for embedders and tests). */
CR_API cr_status cr_storage_get(cr_storage *s, const uint8_t *key, size_t key_len,
                                const uint8_t **val, size_t *val_len, cr_error *err);
CR_API cr_status cr_storage_set(cr_storage *s, const uint8_t *key, size_t key_len,
                                const uint8_t *val, size_t val_len, const uint8_t **old,
                                size_t *old_len, cr_error *err);
CR_API cr_status cr_storage_remove(cr_storage *s, const uint8_t *key, size_t key_len,
                                   const uint8_t **old, size_t *old_len, cr_error *err);
CR_API cr_status cr_storage_iterate(cr_storage *s, cr_storage_visit_fn fn, void *ud, cr_error *err);
/* Calls s->ops->destroy(s->self) if set. NULL does nothing. */
CR_API void cr_storage_destroy(cr_storage *s);

/*
 * The in-memory store (upstream InMemoryStorage): an ordered map, byte-wise key order.
 * eng (nullable: realloc/free) supplies the allocator and must outlive the store.
 * Returns owned *out: free with cr_storage_destroy. Statuses: CR_OK, CR_ERR_NOMEM.
 */
CR_API cr_status cr_memory_storage_create(const cr_engine *eng, cr_storage **out, cr_error *err);

/*
 * The persistent store on LMDB. A cr_lmdb is one store directory (data.mdb, lock.mdb);
 * it holds named maps ("state", "private", ...), each usable as a cr_storage. Every
 * write happens in an LMDB write transaction: a storage's begin/commit (what
 * cr_stage_commit uses) make one transaction, and cr_lmdb_begin/cr_lmdb_commit make one
 * transaction around the commits of several maps, so a killed process leaves only whole
 * batches. Other processes may read while one writes. Keys of any length (also empty)
 * iterate in byte-wise order. A cr_lmdb and its storages belong to one thread at a time.
 */
typedef struct cr_lmdb cr_lmdb;

#define CR_LMDB_READONLY 0x1u /* open for reading only; the directory must exist */
#define CR_LMDB_NOSYNC   0x2u /* no fsync per commit: survives a killed process, not an OS crash */

typedef struct cr_lmdb_config {
    uint32_t flags;    /* CR_LMDB_*; 0 */
    uint64_t map_size; /* initial map size in bytes, doubled when full; 64 MiB */
} cr_lmdb_config;

CR_API cr_lmdb_config cr_lmdb_config_default(void);

/*
 * Opens (creating the directory and the store unless CR_LMDB_READONLY) the store in dir.
 * Borrows cfg (nullable: defaults) and eng (nullable: realloc/free; must outlive the
 * store). Returns owned *out: free with cr_lmdb_close after destroying its storages.
 * Statuses: CR_OK, CR_ERR_ARG, CR_ERR_NOT_FOUND (read-only and no store), CR_ERR_IO,
 * CR_ERR_STORAGE (not a store of this format), CR_ERR_NOMEM.
 */
CR_API cr_status cr_lmdb_open(const cr_engine *eng, const char *dir, const cr_lmdb_config *cfg,
                              cr_lmdb **out, cr_error *err);
CR_API void cr_lmdb_close(cr_lmdb *db);
/*
 * The named map name (1 to 64 bytes; "meta" is reserved) of db as a storage, created
 * on first write. Returns owned *out: free with cr_storage_destroy before closing db.
 * Statuses: CR_OK, CR_ERR_ARG, CR_ERR_STORAGE, CR_ERR_NOMEM.
 */
CR_API cr_status cr_lmdb_storage_open(cr_lmdb *db, const char *name, cr_storage **out,
                                      cr_error *err);
/* One write transaction around everything until cr_lmdb_commit (or _rollback): the
   storages' own begin/commit inside it only mark and undo their part. */
CR_API cr_status cr_lmdb_begin(cr_lmdb *db, cr_error *err);
CR_API cr_status cr_lmdb_commit(cr_lmdb *db, cr_error *err);
CR_API void cr_lmdb_rollback(cr_lmdb *db);

/*
 * A stage: a write buffer over a base storage. Reads through the stage see the staged
 * writes first, then the base; writes and removals stay in the stage until
 * cr_stage_commit applies them to the base as one batch (inside the base's
 * begin/commit when it has them), in key order. This is how a caller keeps a run's
 * writes only when the outcome says so (runtime-model.md §8.3): pass
 * cr_stage_storage(st) to cr_run, then commit or clear.
 */
typedef struct cr_stage cr_stage;

/* Borrows base (must outlive the stage) and eng (nullable). Returns owned *out: free
   with cr_stage_destroy. Statuses: CR_OK, CR_ERR_NOMEM. */
CR_API cr_status cr_stage_create(const cr_engine *eng, cr_storage *base, cr_stage **out,
                                 cr_error *err);
CR_API void cr_stage_destroy(cr_stage *st);
/* The stage as a storage; valid until the stage is destroyed. */
CR_API cr_storage *cr_stage_storage(cr_stage *st);
/* Applies the staged writes to the base and empties the stage. On failure the base's
   rollback (if any) runs and the stage keeps its writes. */
CR_API cr_status cr_stage_commit(cr_stage *st, cr_error *err);
/* Drops every staged write. */
CR_API void cr_stage_clear(cr_stage *st);
/* Visits the staged writes in key order; val is NULL for a removal. */
CR_API cr_status cr_stage_iterate(cr_stage *st, cr_storage_visit_fn fn, void *ud, cr_error *err);

/* ---- node hooks (upstream NodeClient and ContextHost; all optional) ----------------- */

/*
 * Blob and alias services of the node (NodeClient). Any member may be NULL, meaning the
 * node does not offer it; a NULL cr_node_hooks pointer in cr_run_params means "no node
 * client" (blob functions fail BlobsNotSupported, context_resolve_alias fails
 * NodeClientNotAvailable). A hook returning a status other than CR_OK counts as the
 * node-side failure upstream describes (mostly BlobsNotSupported).
 */
typedef struct cr_node_hooks {
    void *ud;
    /* Starts a streaming upload; *upload is the hook's handle. */
    cr_status (*blob_upload_begin)(void *ud, void **upload);
    cr_status (*blob_upload_write)(void *ud, void *upload, const uint8_t *data, size_t len);
    /* Ends the stream and waits for the stored blob's id and size; frees the upload (also
       on failure). */
    cr_status (*blob_upload_finish)(void *ud, void *upload, uint8_t blob_id[32], uint64_t *size);
    /* Abandons an unfinished upload (handles left open at the end of a run). */
    void (*blob_upload_abort)(void *ud, void *upload);
    /* Opens a local blob for reading; *reader = NULL when the blob does not exist. */
    cr_status (*blob_read_open)(void *ud, const uint8_t blob_id[32], void **reader);
    /* Next chunk; *len = 0 at the end. *chunk is valid until the next call. */
    cr_status (*blob_read_next)(void *ud, void *reader, const uint8_t **chunk, size_t *len);
    void (*blob_read_close)(void *ud, void *reader);
    /* Blob metadata: *found false when unknown. */
    cr_status (*blob_info)(void *ud, const uint8_t blob_id[32], bool *found, uint64_t *size);
    cr_status (*blob_announce)(void *ud, const uint8_t blob_id[32], const uint8_t context_id[32],
                               uint64_t size);
    /* Stored alias of a public key in the scope of context_id: *found, key. */
    cr_status (*alias_lookup)(void *ud, const char *alias, size_t len, const uint8_t context_id[32],
                              bool *found, uint8_t key[32]);
    /* Lookup, then the node's fallbacks (a base58 public key resolves to itself). */
    cr_status (*alias_resolve)(void *ud, const char *alias, size_t len,
                               const uint8_t context_id[32], bool *found, uint8_t key[32]);
} cr_node_hooks;

/* Membership of the current context (ContextHost). */
typedef struct cr_context_hooks {
    void *ud;
    bool (*is_member)(void *ud, const uint8_t public_key[32]);
    /* Writes up to cap members into out and returns the total count (call again with a
       larger buffer when it exceeds cap). */
    size_t (*members)(void *ud, uint8_t (*out)[32], size_t cap);
} cr_context_hooks;

/* ---- clock and randomness --------------------------------------------------------- */

/* time_now's source: nanoseconds since the Unix epoch. now == NULL: the wall clock. */
typedef struct cr_clock {
    uint64_t (*now)(void *ud);
    void *ud;
} cr_clock;

/* random_bytes' (and proposal ids') source. fill == NULL: the OS CSPRNG (libsodium). */
typedef struct cr_random {
    void (*fill)(void *ud, uint8_t *buf, size_t len);
    void *ud;
} cr_random;

/* Deterministic sources (spec/scenario.md). A step clock answers start + k*step for its
   k-th reading; share one among runs to count across them. */
typedef struct cr_step_clock {
    uint64_t start, step, count;
} cr_step_clock;
CR_API uint64_t cr_step_clock_now(void *step_clock);

/* splitmix64: each request of len bytes takes ceil(len/8) words, 8 bytes little-endian
   each, and drops the unused tail. Seed with state = seed. */
typedef struct cr_splitmix {
    uint64_t state;
} cr_splitmix;
CR_API void cr_splitmix_fill(void *splitmix, uint8_t *buf, size_t len);

/* ---- runs ------------------------------------------------------------------------- */

#define CR_STRLEN ((size_t)-1)

typedef struct cr_run_params {
    uint8_t context_id[32];  /* also the storage root id */
    uint8_t executor_id[32]; /* executor's public key */
    const char *method;      /* UTF-8 */
    size_t method_len;       /* CR_STRLEN (default): strlen(method) */
    const uint8_t *input;    /* may be NULL when input_len is 0 */
    size_t input_len;
    cr_storage *storage;             /* required; written directly (stage it) */
    cr_storage *private_storage;     /* NULL: none (private_* functions return 0) */
    const cr_node_hooks *node;       /* NULL: no node client */
    const cr_context_hooks *context; /* NULL: no context host */
    cr_clock clock;
    cr_random random;
} cr_run_params;

CR_API cr_run_params cr_run_params_default(void);

typedef struct cr_outcome cr_outcome;

/*
 * Runs one method as upstream's Module::run does (runtime-model.md §3): method-name
 * check, fresh instance, `memory` export, __calimero_register_merge if exported, method
 * lookup and () -> () check, call, outcome. Every guest-visible failure is reported in
 * the outcome with CR_OK. Storage writes go straight to p->storage / p->private_storage
 * and are never rolled back here.
 * Each run gets a fresh instance (memory, globals, tables as the module defines them),
 * built with resources the engine kept from earlier runs when it has some.
 * Borrows m and p (and everything p points to) for the duration of the call. Returns
 * owned *out: free with cr_outcome_destroy. Statuses: CR_OK; CR_ERR_ARG (NULL storage,
 * method not UTF-8); CR_ERR_NOMEM; a storage's own failure status (the run stops).
 * Thread-safe for distinct storages.
 */
CR_API cr_status cr_run(const cr_module *m, const cr_run_params *p, cr_outcome **out,
                        cr_error *err);
CR_API void cr_outcome_destroy(cr_outcome *o);

/* ---- outcomes (upstream Outcome, runtime-model.md §10). Pointers from accessors are
   valid until cr_outcome_destroy. Strings are UTF-8 and also NUL-terminated. ---------- */

/* The top level of upstream's FunctionCallError, or CR_CALL_OK. */
typedef enum cr_call_error {
    CR_CALL_OK = 0,
    CR_CALL_COMPILATION,
    CR_CALL_LINK,
    CR_CALL_METHOD_RESOLUTION,
    CR_CALL_WASM_TRAP,
    CR_CALL_HOST,
    CR_CALL_EXECUTION,
    CR_CALL_MODULE_SIZE,
    CR_CALL_GAS_EXHAUSTED,
} cr_call_error;

CR_API cr_call_error cr_outcome_error(const cr_outcome *o);
/* Innermost variant name ("Panic", "MethodNotFound", "Unreachable", "ExecutionError",
   ...), NULL on success. */
CR_API const char *cr_outcome_error_variant(const cr_outcome *o);
/* Upstream's serde JSON of the error, NULL on success. */
CR_API const char *cr_outcome_error_json(const cr_outcome *o);
/* Upstream's Display text of the error, NULL on success. */
CR_API const char *cr_outcome_error_display(const cr_outcome *o);
/* The value_return bytes: true with data on success with a value; false otherwise
   (including on failure; an ExecutionError's bytes come from cr_outcome_error_payload). */
CR_API bool cr_outcome_returns(const cr_outcome *o, const uint8_t **data, size_t *len);
CR_API bool cr_outcome_error_payload(const cr_outcome *o, const uint8_t **data, size_t *len);

CR_API size_t cr_outcome_log_count(const cr_outcome *o);
CR_API const char *cr_outcome_log(const cr_outcome *o, size_t idx, size_t *len);

typedef struct cr_event {
    const char *kind;
    size_t kind_len;
    const uint8_t *data;
    size_t data_len;
    const char *handler; /* NULL unless emit_with_handler gave one */
    size_t handler_len;
} cr_event;
CR_API size_t cr_outcome_event_count(const cr_outcome *o);
CR_API void cr_outcome_event(const cr_outcome *o, size_t idx, cr_event *out);

typedef struct cr_xcall {
    const uint8_t *context_id; /* 32 bytes */
    const char *function;
    size_t function_len;
    const uint8_t *params;
    size_t params_len;
} cr_xcall;
CR_API size_t cr_outcome_xcall_count(const cr_outcome *o);
CR_API void cr_outcome_xcall(const cr_outcome *o, size_t idx, cr_xcall *out);

/* Committed root hash (32 bytes) or NULL; the artifact (len 0 without commit). */
CR_API const uint8_t *cr_outcome_root_hash(const cr_outcome *o);
CR_API const uint8_t *cr_outcome_artifact(const cr_outcome *o, size_t *len);

/* Proposals in id order (upstream's BTreeMap). */
typedef struct cr_proposal {
    const uint8_t *id; /* 32 bytes */
    const uint8_t *actions;
    size_t actions_len;
} cr_proposal;
CR_API size_t cr_outcome_proposal_count(const cr_outcome *o);
CR_API void cr_outcome_proposal(const cr_outcome *o, size_t idx, cr_proposal *out);
CR_API size_t cr_outcome_approval_count(const cr_outcome *o);
CR_API const uint8_t *cr_outcome_approval(const cr_outcome *o, size_t idx); /* 32 bytes */

typedef enum cr_mutation_kind {
    CR_MUTATION_CREATE_CONTEXT,
    CR_MUTATION_DELETE_CONTEXT,
    CR_MUTATION_ADD_MEMBER,
    CR_MUTATION_REMOVE_MEMBER,
} cr_mutation_kind;

typedef struct cr_context_mutation {
    cr_mutation_kind kind;
    const uint8_t *id;    /* 32 bytes: public key, deleted context id or application id */
    const char *protocol; /* CREATE_CONTEXT */
    size_t protocol_len;
    const uint8_t *init_args;
    size_t init_args_len;
    const char *alias; /* NULL: none */
    size_t alias_len;
} cr_context_mutation;
CR_API size_t cr_outcome_mutation_count(const cr_outcome *o);
CR_API void cr_outcome_mutation(const cr_outcome *o, size_t idx, cr_context_mutation *out);

/* Wasm operators executed (fuel spent), merge hook included. */
CR_API uint64_t cr_outcome_gas_used(const cr_outcome *o);

/* Host calls per import, in the order of each import's first call. */
CR_API size_t cr_outcome_host_call_count(const cr_outcome *o);
CR_API void cr_outcome_host_call(const cr_outcome *o, size_t idx, const char **name,
                                 uint64_t *count);

/*
 * The outcome as one JSON object with the per-call fields of spec/scenario.md that the
 * runtime knows: returns, error, error_display, error_payload (ExecutionError only),
 * logs, events, xcalls, root_hash, artifact_len, artifact_sha256, artifact_actions,
 * proposals, approvals, host_calls. *json (NUL-terminated) is owned by the outcome and
 * valid until cr_outcome_destroy. Statuses: CR_OK, CR_ERR_NOMEM.
 */
CR_API cr_status cr_outcome_to_json(cr_outcome *o, const char **json, size_t *len, cr_error *err);

/* ---- tracing: CALIMERO_LOG, read like RUST_LOG ----------------------------------------- */

typedef enum cr_log_level {
    CR_LOG_OFF,
    CR_LOG_ERROR,
    CR_LOG_WARN,
    CR_LOG_INFO,
    CR_LOG_DEBUG,
    CR_LOG_TRACE,
} cr_log_level;

/* runtime: compile, cache, run and commit steps; host: host calls (debug: the failing
   ones, trace: every one with arguments and result); guest: the guest's logs as they
   happen (info and up). */
typedef enum cr_log_target {
    CR_LOG_RUNTIME,
    CR_LOG_HOST,
    CR_LOG_GUEST,
    CR_LOG_TARGET_COUNT,
} cr_log_target;

/* A parsed filter: the level of each target. Lines go to stderr, prefixed with the
   seconds since cr_log_init, the level and the target. */
typedef struct cr_log {
    uint8_t level[CR_LOG_TARGET_COUNT]; /* cr_log_level */
    uint64_t start_ns;
} cr_log;

/*
 * Fills log from spec, a comma-separated list of LEVEL (every target) and TARGET=LEVEL
 * ("runtime=debug,host=trace,guest=trace"; levels off, error, warn, info, debug, trace;
 * later entries win; unknown targets are ignored as RUST_LOG does). spec NULL: the
 * CALIMERO_LOG environment variable (unset or empty: everything off). A bad level gives
 * CR_ERR_ARG and leaves everything off.
 */
CR_API cr_status cr_log_init(cr_log *log, const char *spec, cr_error *err);

static inline bool cr_log_enabled(const cr_log *log, cr_log_target t, cr_log_level l)
{
    return log && l != CR_LOG_OFF && log->level[t] >= l;
}

/* Writes one line when the target has the level enabled. */
CR_API void cr_log_printf(const cr_log *log, cr_log_target t, cr_log_level l, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Points cfg's trace hooks at log when host or guest tracing is on, and leaves them NULL
   otherwise (so that tracing costs nothing when off). Borrows log until the engine made
   from cfg is destroyed. */
CR_API void cr_log_attach(cr_log *log, cr_engine_config *cfg);

#ifdef __cplusplus
}
#endif

#endif /* CALIMERO_RUNTIME_H */
