/*
 * wasm.h: the engine's one outward header. A WebAssembly 2.0 (minus SIMD) decoder,
 * validator, compiler to internal code and interpreter, with no Calimero knowledge.
 * The runtime layer, the CLI and the tests use the engine only through this file.
 */
#ifndef WA_WASM_H
#define WA_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- statuses and traps (one list each; names and messages generated from them) ---- */

#define WA_STATUS_MAP(X)                          \
    X(OK, "ok")                                   \
    X(ERR_MALFORMED, "malformed module")          \
    X(ERR_INVALID, "invalid module")              \
    X(ERR_UNSUPPORTED, "unsupported")             \
    X(ERR_LINK, "link error")                     \
    X(ERR_TRAP, "trap")                           \
    X(ERR_NOMEM, "out of memory")                 \
    X(ERR_LIMIT, "implementation limit exceeded") \
    X(ERR_ARG, "invalid argument")                \
    X(ERR_NOT_FOUND, "not found")                 \
    X(ERR_IMAGE, "bad precompiled image")

typedef enum wa_status {
#define WA_X(name, msg) WA_##name,
    WA_STATUS_MAP(WA_X)
#undef WA_X
} wa_status;

/* Trap kinds; the message is the spec test suite's wording. */
#define WA_TRAP_MAP(X)                                       \
    X(NONE, "no trap")                                       \
    X(UNREACHABLE, "unreachable")                            \
    X(MEM_OOB, "out of bounds memory access")                \
    X(TABLE_OOB, "out of bounds table access")               \
    X(INT_DIV_ZERO, "integer divide by zero")                \
    X(INT_OVERFLOW, "integer overflow")                      \
    X(INVALID_CONVERSION, "invalid conversion to integer")   \
    X(INDIRECT_TYPE_MISMATCH, "indirect call type mismatch") \
    X(UNDEFINED_ELEMENT, "undefined element")                \
    X(UNINITIALIZED_ELEMENT, "uninitialized element")        \
    X(STACK_EXHAUSTED, "call stack exhausted")               \
    X(OUT_OF_FUEL, "out of fuel")                            \
    X(INTERRUPTED, "interrupted")                            \
    X(HOST, "host function failed")

typedef enum wa_trap {
#define WA_X(name, msg) WA_TRAP_##name,
    WA_TRAP_MAP(WA_X)
#undef WA_X
} wa_trap;

const char *wa_status_name(wa_status st); /* "ERR_MALFORMED" */
const char *wa_status_str(wa_status st);  /* "malformed module" */
const char *wa_trap_str(wa_trap trap);    /* "integer divide by zero" */

/*
 * Every fallible engine function returns a wa_status and takes a nullable wa_error *
 * last. Nothing is allocated on the error path. message is lowercase, no final period,
 * and says what and where, e.g.
 * "malformed module: code section, function 12, offset 0x3f1: unexpected end".
 * For traps, message is the trap's spec wording (wa_trap_str) unless a host function
 * supplied its own.
 */
typedef struct wa_error {
    wa_status st;
    wa_trap trap;      /* WA_TRAP_NONE unless st == WA_ERR_TRAP */
    uint32_t func_idx; /* function index of a trap or a body error, UINT32_MAX if none */
    uint32_t offset;   /* byte offset in the module binary, 0 if unknown */
    char message[256];
} wa_error;

/* Fills err (if non-NULL) and returns st. printf-style. */
wa_status wa_error_set(wa_error *err, wa_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- values ---- */

typedef enum wa_valtype {
    WA_I32 = 0x7f,
    WA_I64 = 0x7e,
    WA_F32 = 0x7d,
    WA_F64 = 0x7c,
    WA_V128 = 0x7b, /* decoded only to be rejected: "unsupported: SIMD" */
    WA_FUNCREF = 0x70,
    WA_EXTERNREF = 0x6f,
} wa_valtype;

/*
 * A value is 64 raw bits: i32 zero-extended, f32/f64 as IEEE bit patterns (never
 * converted through float types, so NaN payloads survive), references as pointer bits
 * (0 is null). A funcref is a (wa_func *); an externref is an opaque non-zero
 * uintptr_t chosen by the embedder.
 */
typedef uint64_t wa_value;

const char *wa_valtype_name(wa_valtype t); /* "i32", "funcref", ... */

typedef struct wa_functype {
    uint32_t param_count;
    uint32_t result_count;
    const uint8_t *params;  /* wa_valtype bytes */
    const uint8_t *results; /* wa_valtype bytes */
} wa_functype;

bool wa_functype_equal(const wa_functype *a, const wa_functype *b);

/* ---- allocator (lua_Alloc style: size 0 frees; returns NULL on failure) ---- */

typedef void *(*wa_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/* ---- configuration ---- */

typedef struct wa_config {
    wa_alloc_fn alloc; /* NULL: realloc/free */
    void *alloc_ud;
    uint32_t max_memory_pages; /* memory.grow beyond this returns -1; instantiation of a
                                  memory whose minimum exceeds it fails. Default 65536. */
    uint32_t max_table_elems;  /* same for tables. Default 10,000,000 */
    size_t stack_bytes;        /* value + frame stack of one thread. Default 1 MiB */
    uint32_t max_call_depth;   /* frames. Default 10,000 */
    bool metering;             /* compile fuel charges into the code (default false) */
    uint32_t compile_threads;  /* threads compiling function bodies; 0 (default): one for
                                  modules with less than 64 KiB of code, else one per
                                  online CPU, at most 4. The allocator must be thread-safe
                                  when this may exceed 1. */
    bool jit;                  /* translate function bodies to x86-64 machine code where the
                                  host is x86-64 (default true; false: interpret only) */
} wa_config;

wa_config wa_config_default(void);

/* ---- modules ---- */

typedef struct wa_module wa_module;

/*
 * Decodes, validates and compiles bytes. Borrows bytes (copies what it keeps).
 * Returns owned *out: free with wa_module_destroy. Statuses: WA_OK, WA_ERR_MALFORMED,
 * WA_ERR_INVALID, WA_ERR_UNSUPPORTED (SIMD), WA_ERR_LIMIT, WA_ERR_NOMEM.
 * The module is immutable afterwards and may be shared by threads.
 */
wa_status wa_module_create(const wa_config *cfg, const uint8_t *bytes, size_t len, wa_module **out,
                           wa_error *err);
void wa_module_destroy(wa_module *m);

typedef enum wa_extern_kind {
    WA_EXTERN_FUNC = 0,
    WA_EXTERN_TABLE = 1,
    WA_EXTERN_MEMORY = 2,
    WA_EXTERN_GLOBAL = 3,
} wa_extern_kind;

typedef struct wa_limits {
    uint64_t min;
    uint64_t max;
    bool has_max;
} wa_limits;

/* Describes one import or export. Strings are not NUL-terminated (names may hold NUL):
   use the _len fields. Pointers are valid until the module is destroyed. */
typedef struct wa_extern_desc {
    const char *module; /* imports only */
    uint32_t module_len;
    const char *name;
    uint32_t name_len;
    wa_extern_kind kind;
    uint32_t index;          /* index in its kind's space (exports) */
    const wa_functype *func; /* WA_EXTERN_FUNC */
    wa_valtype elem_type;    /* WA_EXTERN_TABLE */
    wa_limits limits;        /* TABLE, MEMORY */
    wa_valtype global_type;  /* WA_EXTERN_GLOBAL */
    bool global_mutable;
} wa_extern_desc;

uint32_t wa_module_import_count(const wa_module *m);
uint32_t wa_module_export_count(const wa_module *m);
void wa_module_import(const wa_module *m, uint32_t i, wa_extern_desc *out);
void wa_module_export(const wa_module *m, uint32_t i, wa_extern_desc *out);

/* Summary for `inspect` and benchmarks. */
typedef struct wa_module_info {
    uint32_t type_count, func_count, import_func_count, table_count, memory_count, global_count,
        elem_count, data_count, custom_count;
    size_t code_bytes;     /* wasm code section bytes */
    size_t compiled_bytes; /* internal code bytes */
} wa_module_info;
void wa_module_info_get(const wa_module *m, wa_module_info *out);

/* Custom section by index; returns false past the end. Pointers valid for the module. */
bool wa_module_custom(const wa_module *m, uint32_t i, const char **name, uint32_t *name_len,
                      const uint8_t **data, size_t *len);

/* ---- precompiled images (module cache) ---- */

/* Serializes the compiled module. Returns owned *out (free with cfg alloc / free()). */
wa_status wa_module_serialize(const wa_module *m, uint8_t **out, size_t *len, wa_error *err);
/* Loads an image made by wa_module_serialize with the same engine build. Borrows bytes.
   A foreign, stale, truncated or tampered image gives WA_ERR_IMAGE, never a crash. */
wa_status wa_module_deserialize(const wa_config *cfg, const uint8_t *bytes, size_t len,
                                wa_module **out, wa_error *err);

/* ---- runtime objects ---- */

typedef struct wa_instance wa_instance;
typedef struct wa_func wa_func;
typedef struct wa_table wa_table;
typedef struct wa_memory wa_memory;
typedef struct wa_global wa_global;
typedef struct wa_thread wa_thread;

/*
 * A call context handed to host functions: lets a host function reach the calling
 * instance's memory 0 (NULL if it has none). Host functions must re-read
 * wa_memory_data/size after anything that can grow memory.
 */
typedef struct wa_call_ctx wa_call_ctx;
wa_memory *wa_call_ctx_memory(wa_call_ctx *cx);
wa_instance *wa_call_ctx_instance(wa_call_ctx *cx);

/*
 * A host function: args holds the parameters (wa_value each), results receives the
 * results. Return WA_OK, or WA_ERR_TRAP to stop the run: the trap kind is
 * WA_TRAP_HOST unless the host set cx's trap via wa_call_ctx_trap. The embedder keeps
 * its own detailed error in env.
 */
typedef wa_status (*wa_host_fn)(void *env, wa_call_ctx *cx, const wa_value *args,
                                wa_value *results);
/* Sets the trap kind and message reported when the host function returns WA_ERR_TRAP. */
void wa_call_ctx_trap(wa_call_ctx *cx, wa_trap trap, const char *message);

/* Host function object. Borrows type (copied). Free with wa_func_destroy. */
wa_func *wa_func_new_host(const wa_config *cfg, const wa_functype *type, wa_host_fn fn, void *env);
void wa_func_destroy(wa_func *f); /* only for host functions made by wa_func_new_host */
const wa_functype *wa_func_type(const wa_func *f);

/* Stand-alone table/memory/global objects (spectest host module, embedders). */
wa_table *wa_table_new(const wa_config *cfg, wa_valtype elem, wa_limits lim);
void wa_table_destroy(wa_table *t);
wa_memory *wa_memory_new(const wa_config *cfg, wa_limits lim);
void wa_memory_destroy(wa_memory *mem);
wa_global *wa_global_new(const wa_config *cfg, wa_valtype t, bool mut, wa_value v);
void wa_global_destroy(wa_global *g);

uint8_t *wa_memory_data(wa_memory *mem);
uint64_t wa_memory_size(const wa_memory *mem); /* bytes */
uint32_t wa_memory_pages(const wa_memory *mem);
/* Grows by delta pages; returns the old page count or -1 (limits or no memory). */
int64_t wa_memory_grow(wa_memory *mem, uint32_t delta);

wa_value wa_global_get(const wa_global *g);
void wa_global_set(wa_global *g, wa_value v);
wa_valtype wa_global_type(const wa_global *g);

uint32_t wa_table_size(const wa_table *t);
wa_value wa_table_get(const wa_table *t, uint32_t idx); /* 0 past the end */

/* An import binding: what to bind an import to. The pointer's type follows kind. */
typedef struct wa_extern {
    wa_extern_kind kind;
    union {
        wa_func *func;
        wa_table *table;
        wa_memory *memory;
        wa_global *global;
    } u;
} wa_extern;

/*
 * Resolves imports and instantiates: allocates memory/tables/globals, binds imports,
 * applies active element and data segments in order, runs the start function on thread
 * th (NULL: a temporary thread). imports[i] binds import i of the module (in import
 * order); import_count must equal wa_module_import_count.
 * Statuses: WA_OK; WA_ERR_LINK ("incompatible import type: ..."); WA_ERR_TRAP (segment
 * out of bounds or start trapped; segments applied before the failing one stay applied
 * to imported tables/memories, as in 2.0); WA_ERR_LIMIT; WA_ERR_NOMEM.
 * Returns owned *out: free with wa_instance_destroy. The instance borrows the module and
 * every import: they must outlive it. On WA_ERR_TRAP *out is set too (owned): the failed
 * instance's functions may already be stored in imported tables, so it must live as long
 * as they do; on any other error *out is NULL.
 */
wa_status wa_instance_create(const wa_module *m, const wa_extern *imports, uint32_t import_count,
                             wa_thread *th, wa_instance **out, wa_error *err);
void wa_instance_destroy(wa_instance *inst);

/*
 * Memory reuse for a fresh instance per call. A memory cache holds at most one spare
 * linear-memory mapping: wa_instance_destroy_cached clears the defined memory 0 of an
 * instance and keeps its mapping (resident pages up to keep_bytes are zeroed in place,
 * the others are released to the OS), and wa_instance_create_cached maps that memory
 * from it, so the next instance skips mmap/munmap and the page faults of the pages
 * the last one touched, and still starts from all-zero memory. A cache is not
 * thread-safe: use one per thread of control. cache may be NULL in both calls.
 * wa_memcache_create returns owned (free with wa_memcache_destroy), NULL on allocation
 * failure.
 */
typedef struct wa_memcache wa_memcache;
wa_memcache *wa_memcache_create(const wa_config *cfg, size_t keep_bytes);
void wa_memcache_destroy(wa_memcache *cache);
wa_status wa_instance_create_cached(const wa_module *m, const wa_extern *imports,
                                    uint32_t import_count, wa_thread *th, wa_memcache *cache,
                                    wa_instance **out, wa_error *err);
void wa_instance_destroy_cached(wa_instance *inst, wa_memcache *cache);

/* Looks up an export by name (length-counted). WA_ERR_NOT_FOUND if absent. */
wa_status wa_instance_export(wa_instance *inst, const char *name, size_t name_len, wa_extern *out);
const wa_module *wa_instance_module(const wa_instance *inst);
/* Memory 0 of the instance, or NULL. */
wa_memory *wa_instance_memory(wa_instance *inst);

/* ---- threads: the bounded stacks a call runs on, plus fuel and interruption ---- */

/* Returns owned thread (free with wa_thread_destroy), NULL on allocation failure.
   Uses cfg->stack_bytes and cfg->max_call_depth. */
wa_thread *wa_thread_create(const wa_config *cfg);
void wa_thread_destroy(wa_thread *th);

/* Fuel: when the module was compiled with metering, each executed wasm operator costs
   one unit (charged per basic block). Exhaustion traps WA_TRAP_OUT_OF_FUEL. Fuel is
   unlimited (UINT64_MAX) by default. */
void wa_thread_set_fuel(wa_thread *th, uint64_t fuel);
uint64_t wa_thread_fuel(const wa_thread *th); /* remaining */

/* Interruption: another thread may set *flag to non-zero, with an atomic store
   (__atomic_store_n(flag, 1, __ATOMIC_RELAXED)); the run then traps WA_TRAP_INTERRUPTED
   at the next loop back-edge or call. NULL disables. */
void wa_thread_set_interrupt(wa_thread *th, const volatile int *flag);

/*
 * Calls f with args (param_count values) and stores its results (result_count values).
 * The instance that owns f must be alive. Statuses: WA_OK; WA_ERR_TRAP (err->trap says
 * which, err->func_idx/offset where); WA_ERR_ARG (count mismatch).
 * After a trap, the instance remains usable for further calls.
 */
wa_status wa_call(wa_thread *th, wa_func *f, const wa_value *args, uint32_t nargs,
                  wa_value *results, uint32_t nresults, wa_error *err);

#endif /* WA_WASM_H */
