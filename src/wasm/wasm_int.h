/*
 * wasm_int.h: the engine's private header, shared by its own files only. Holds the
 * decoded module (what decode.c produces and compile.c/instance.c consume) and the
 * internal helpers every step uses. Nothing outside src/wasm/ includes it.
 */
#ifndef WA_WASM_INT_H
#define WA_WASM_INT_H

#include "wasm.h"

#include <string.h>

#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define WA_PAGE_SIZE 65536u
#define WA_MAX_PAGES 65536u /* 4 GiB, wasm32 */
#define WA_MAX_TABLE 0xffffffffu

/* Implementation limits (decode rejects beyond these with WA_ERR_LIMIT). */
#define WA_MAX_FUNCS    1000000u
#define WA_MAX_LOCALS   50000u /* per function, params included (spec tests need 50000) */
#define WA_MAX_TYPES    1000000u
#define WA_MAX_SEGMENTS 100000u

/* ---- allocation through the config's allocator ---- */

void *wa__alloc(const wa_config *cfg, size_t size); /* zeroed; NULL on failure */
/* Not zeroed: for big buffers whose pages should stay untouched until used (stacks). */
void *wa__alloc_uninit(const wa_config *cfg, size_t size);
void *wa__realloc(const wa_config *cfg, void *p, size_t old_size, size_t new_size);
void wa__free(const wa_config *cfg, void *p, size_t size);

/* ---- bounded byte reader (reader.c; hot parts inline) ----
 * Every read checks the end. On failure a read returns false and sets r->fail to the
 * spec suite's wording ("unexpected end", "integer representation too long",
 * "integer too large", "malformed UTF-8 encoding"); r->p is left where it failed so
 * wa__reader_offset() names the place. */
typedef struct wa_reader {
    const uint8_t *p;
    const uint8_t *end;
    const uint8_t *base; /* start of the module binary, for offsets */
    const char *fail;
} wa_reader;

static inline uint32_t wa__reader_offset(const wa_reader *r)
{
    return (uint32_t)(r->p - r->base);
}

static inline bool wa__read_u8(wa_reader *r, uint8_t *out)
{
    if (UNLIKELY(r->p >= r->end)) {
        r->fail = "unexpected end";
        return false;
    }
    *out = *r->p++;
    return true;
}

bool wa__read_leb_slow(wa_reader *r, unsigned bits, bool is_signed, uint64_t *out);

/* u32 LEB128: one-byte fast path, the rest in reader.c. */
static inline bool wa__read_u32(wa_reader *r, uint32_t *out)
{
    if (LIKELY(r->p < r->end && *r->p < 0x80)) {
        *out = *r->p++;
        return true;
    }
    uint64_t v;
    if (!wa__read_leb_slow(r, 32, false, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool wa__read_s32(wa_reader *r, int32_t *out)
{
    uint64_t v;
    if (!wa__read_leb_slow(r, 32, true, &v)) return false;
    *out = (int32_t)(uint32_t)v;
    return true;
}

static inline bool wa__read_s33(wa_reader *r, int64_t *out) /* block types */
{
    uint64_t v;
    if (!wa__read_leb_slow(r, 33, true, &v)) return false;
    *out = (int64_t)v;
    return true;
}

static inline bool wa__read_s64(wa_reader *r, int64_t *out)
{
    uint64_t v;
    if (!wa__read_leb_slow(r, 64, true, &v)) return false;
    *out = (int64_t)v;
    return true;
}

static inline bool wa__read_bytes(wa_reader *r, size_t len, const uint8_t **out)
{
    if (UNLIKELY((size_t)(r->end - r->p) < len)) {
        r->fail = "unexpected end";
        return false;
    }
    *out = r->p;
    r->p += len;
    return true;
}

/* Fixed-width little-endian (f32/f64 immediates). */
static inline bool wa__read_fixed(wa_reader *r, unsigned nbytes, uint64_t *out)
{
    const uint8_t *b;
    if (!wa__read_bytes(r, nbytes, &b)) return false;
    uint64_t v = 0;
    for (unsigned i = 0; i < nbytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    *out = v;
    return true;
}

/* A name: u32 length + UTF-8 bytes, validated. */
bool wa__read_name(wa_reader *r, const char **name, uint32_t *len);
bool wa__utf8_valid(const uint8_t *s, size_t len);

/* ---- constant expressions (2.0: one instruction, then end) ---- */

typedef enum wa_const_kind {
    WA_CONST_VALUE,      /* t.const: value in bits */
    WA_CONST_GLOBAL_GET, /* global.get idx (an imported global) */
    WA_CONST_REF_NULL,   /* ref.null t */
    WA_CONST_REF_FUNC,   /* ref.func idx */
} wa_const_kind;

typedef struct wa_const_expr {
    uint8_t kind; /* wa_const_kind */
    uint8_t type; /* wa_valtype of the result */
    uint32_t idx; /* global or function index */
    uint64_t bits;
} wa_const_expr;

/* ---- decoded module ---- */

typedef struct wa_import_decl {
    const char *module; /* points into the module's owned copy of the bytes */
    uint32_t module_len;
    const char *name;
    uint32_t name_len;
    uint8_t kind;   /* wa_extern_kind */
    uint32_t index; /* type index (func) or index in its kind's space */
} wa_import_decl;

typedef struct wa_export_decl {
    const char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} wa_export_decl;

typedef struct wa_table_decl {
    uint8_t elem_type; /* WA_FUNCREF or WA_EXTERNREF */
    wa_limits limits;
} wa_table_decl;

typedef struct wa_memory_decl {
    wa_limits limits; /* pages */
} wa_memory_decl;

typedef struct wa_global_decl {
    uint8_t type;
    bool mutable_;
    wa_const_expr init; /* unused for imported globals */
} wa_global_decl;

typedef enum wa_seg_mode { WA_SEG_ACTIVE, WA_SEG_PASSIVE, WA_SEG_DECLARATIVE } wa_seg_mode;

typedef struct wa_elem_decl {
    uint8_t mode;      /* wa_seg_mode */
    uint8_t elem_type; /* WA_FUNCREF or WA_EXTERNREF */
    uint32_t table_idx;
    wa_const_expr offset; /* active only; i32 */
    uint32_t count;
    wa_const_expr *items; /* count entries (ref.func / ref.null / global.get) */
} wa_elem_decl;

typedef struct wa_data_decl {
    uint8_t mode; /* ACTIVE or PASSIVE */
    uint32_t memory_idx;
    wa_const_expr offset;
    const uint8_t *bytes; /* into the owned copy */
    uint32_t len;
} wa_data_decl;

/* A defined function: type, locals and body bytes, then what compile.c made of it. */
typedef struct wa_func_decl {
    uint32_t type_idx;
    uint32_t local_count;    /* declared locals, params excluded */
    uint8_t *local_types;    /* local_count entries (expanded) */
    const uint8_t *body;     /* first instruction (after the locals) */
    const uint8_t *body_end; /* one past the final `end` */
    uint32_t body_offset;    /* offset of `body` in the module binary */
    /* Filled by compile.c: */
    void *code;           /* internal code, owned by the module */
    size_t code_len;      /* bytes */
    uint32_t frame_slots; /* 64-bit slots a frame needs (params, locals, temps) */
} wa_func_decl;

typedef struct wa_custom_decl {
    const char *name;
    uint32_t name_len;
    const uint8_t *data;
    size_t len;
} wa_custom_decl;

struct wa_module {
    wa_config cfg;
    uint8_t *bytes; /* owned copy of the binary: names and bodies point into it */
    size_t len;

    uint32_t type_count;
    wa_functype *types; /* params/results point into type_vals */
    uint8_t *type_vals;

    uint32_t import_count;
    wa_import_decl *imports;
    uint32_t import_func_count, import_table_count, import_memory_count, import_global_count;

    /* Index spaces: imports first, then definitions. */
    uint32_t func_count;  /* imported + defined */
    uint32_t *func_types; /* type index of every function in the space */
    wa_func_decl *funcs;  /* defined only: funcs[i] is function import_func_count + i */

    uint32_t table_count;
    wa_table_decl *tables; /* whole space */
    uint32_t memory_count;
    wa_memory_decl *memories; /* whole space */
    uint32_t global_count;
    wa_global_decl *globals; /* whole space (imports: type/mutability only) */

    uint32_t export_count;
    wa_export_decl *exports;

    bool has_start;
    uint32_t start;

    uint32_t elem_count;
    wa_elem_decl *elems;

    bool has_data_count;
    uint32_t data_count;
    wa_data_decl *datas;

    uint32_t custom_count;
    wa_custom_decl *customs;

    /* Functions that may be named by ref.func in code (C.refs of the spec): those in
       element segments, exports and global initialisers. func_count bits. */
    uint8_t *func_declared;

    /* Filled by compile.c / instance.c (opaque here): */
    void *compiled; /* engine-private compile results shared by all instances */

    /* Owned by decode.c: */
    void *arena;                           /* every array above lives in these chunks */
    const wa_export_decl **exports_sorted; /* by name (length, then bytes): lookups */
    size_t code_bytes;                     /* code section size */
    /* decode failed (malformed) after a complete code section: the bodies may hold an
       earlier error, which the reference decoder would report first */
    bool malformed_after_code;
};

/*
 * decode.c: parses and validates everything but function bodies (sections, order,
 * sizes, indices, limits, const exprs, export-name uniqueness, data count), filling m.
 * Copies bytes into m->bytes. A v128 type anywhere gives WA_ERR_UNSUPPORTED
 * "unsupported: SIMD". Malformed input (binary format) gives WA_ERR_MALFORMED with
 * the spec suite's wording in the message (e.g. "unexpected end", "integer too large",
 * "magic header not detected", "section size mismatch"); a well-formed but invalid
 * module (e.g. unknown function index) gives WA_ERR_INVALID with the spec's wording
 * ("unknown function 7", "type mismatch", "multiple memories", "duplicate export name").
 */
wa_status wa__decode(wa_module *m, const uint8_t *bytes, size_t len, wa_error *err);

/* Frees everything decode and compile allocated (not m itself). */
void wa__module_free_parts(wa_module *m);
/* Frees what wa__decode allocated (the arena and the byte copy); safe on partial results. */
void wa__decode_free(wa_module *m);
/* module.c: the export named name (length-counted), or NULL. O(log n). */
const wa_export_decl *wa__module_find_export(const wa_module *m, const char *name, size_t len);

/*
 * compile.c: validates and compiles every defined function body of a decoded module
 * (one pass per body), filling funcs[i].code/code_len/frame_slots and m->compiled.
 * Errors: WA_ERR_MALFORMED / WA_ERR_INVALID / WA_ERR_UNSUPPORTED with the function
 * index and code offset in err.
 */
wa_status wa__compile(wa_module *m, wa_error *err);
/* compile.c: how many threads compile (and translate) the n defined functions of m:
   cfg.compile_threads, or by default one below 64 KiB of code, else one per CPU up to 4. */
#define WA_MAX_COMPILE_THREADS 8
uint32_t wa__compile_threads(const wa_module *m, uint32_t n);
/* Frees what wa__compile allocated (funcs[i].code, m->compiled); safe on partial results. */
void wa__compile_free(wa_module *m);
/* image.c: the 64-bit checksum precompiled images carry (detects damage, not forgery). */
uint64_t wa__image_hash(const uint8_t *p, size_t len);
/* image.c: whether the image verifier accepts opcode op in function code (tests use it to
   notice an opcode added to ops.def without a verification rule); *name gets its name. */
bool wa__image_op_verifiable(uint32_t op, const char **name);

/* ---- internal code (compile.c writes it, interp.c runs it) ---- */

/* Internal opcodes, one per line of ops.def. */
typedef enum wa_op {
#define OP_DEF(name, layout) WA_OP_##name,
#include "ops.def"
#undef OP_DEF
    WA_OP_COUNT
} wa_op;

/* Instruction lengths in 32-bit units (code word included) by operand layout. */
enum {
    WA_LAYOUT_N = 1,
    WA_LAYOUT_D = 2,
    WA_LAYOUT_A = 2,
    WA_LAYOUT_I = 2,
    WA_LAYOUT_T = 2,
    WA_LAYOUT_D_A = 3,
    WA_LAYOUT_D_I = 3,
    WA_LAYOUT_A_I = 3,
    WA_LAYOUT_I_I = 3,
    WA_LAYOUT_A_T = 3,
    WA_LAYOUT_D_L = 4,
    WA_LAYOUT_D_A_B = 4,
    WA_LAYOUT_D_A_I = 4,
    WA_LAYOUT_D_A_I_O = 5,
    WA_LAYOUT_A_B_I_O = 5,
    WA_LAYOUT_A_B_T = 4,
    WA_LAYOUT_A_I_T = 4,
    WA_LAYOUT_A_B_C = 4,
    WA_LAYOUT_A_B_I = 4,
    WA_LAYOUT_D_A_B_C = 5,
    WA_LAYOUT_D_A_B_I = 5,
    WA_LAYOUT_A_B_C_I = 5,
    WA_LAYOUT_I_I_A_A = 5,
    WA_LAYOUT_I_A = 3,
    WA_LAYOUT_A_B_C_I_I = 6,
    WA_LAYOUT_T_F = 3,
    WA_LAYOUT_A_T_F_F = 5,
    WA_LAYOUT_A_B_T_F_F = 6,
    WA_LAYOUT_A_I_T_F_F = 6,
    WA_LAYOUT_VAR = 1, /* the handler computes the length */
    WA_LAYOUT_D_A_D_A = 5,
    WA_LAYOUT_D_A_B_I_O = 6,
    WA_LAYOUT_D_I_I_T = 5,
    WA_LAYOUT_D_I_I_T_F_F = 7,
};

/* Which operand fields (bit i: field i after the code word) name slots, by layout. */
enum {
    WA_SLOTS_N = 0,
    WA_SLOTS_D = 1,
    WA_SLOTS_A = 1,
    WA_SLOTS_I = 0,
    WA_SLOTS_T = 0,
    WA_SLOTS_D_A = 3,
    WA_SLOTS_D_I = 1,
    WA_SLOTS_A_I = 1,
    WA_SLOTS_I_I = 0,
    WA_SLOTS_A_T = 1,
    WA_SLOTS_D_L = 1,
    WA_SLOTS_D_A_B = 7,
    WA_SLOTS_D_A_I = 3,
    WA_SLOTS_D_A_I_O = 3,
    WA_SLOTS_A_B_I_O = 3,
    WA_SLOTS_A_B_T = 3,
    WA_SLOTS_A_I_T = 1,
    WA_SLOTS_A_B_C = 7,
    WA_SLOTS_A_B_I = 3,
    WA_SLOTS_D_A_B_C = 15,
    WA_SLOTS_D_A_B_I = 7,
    WA_SLOTS_A_B_C_I = 7,
    WA_SLOTS_I_I_A_A = 12,
    WA_SLOTS_I_A = 2,
    WA_SLOTS_A_B_C_I_I = 7,
    WA_SLOTS_T_F = 0,
    WA_SLOTS_A_T_F_F = 1,
    WA_SLOTS_A_B_T_F_F = 3,
    WA_SLOTS_A_I_T_F_F = 1,
    WA_SLOTS_VAR = 1, /* br_table's index; pool_init has none that matter */
    WA_SLOTS_D_A_D_A = 15,
    WA_SLOTS_D_A_B_I_O = 7,
    WA_SLOTS_D_I_I_T = 1,
    WA_SLOTS_D_I_I_T_F_F = 1,
};

/* What a defined function compiled to. A frame holds frame_slots 64-bit slots: the
   parameters, the declared locals (zeroed on entry), then the operand stack. Results are
   returned in slots [0, result_count) of the callee's frame, which are the argument slots
   of the caller. */
typedef struct wa_fn {
    const uint32_t *code;
    uint32_t frame_slots; /* >= param_count + local_count, >= result_count */
    uint32_t param_count;
    uint32_t local_count;
    uint32_t result_count;
    uint32_t func_idx;     /* index in the module's function space */
    uint32_t entry_fuel;   /* metering: fuel of the straight-line segment at entry, charged
                              by the call (0 when not metered) */
    const uint32_t *pcmap; /* pcmap_count pairs (code unit, wasm byte offset), ascending:
                              where each instruction that can trap came from */
    uint32_t pcmap_count;
    const void *jit; /* machine code of the body (jit.c), or NULL: interpreted */
} wa_fn;

/* m->compiled: what compile.c made of the whole module. */
typedef struct wa_compiled {
    wa_fn *fns; /* fn_count = func_count - import_func_count */
    uint32_t fn_count;
    uint32_t *code; /* every function's code, one allocation of code_units units */
    size_t code_units;
    uint32_t *pcmaps; /* every function's pcmap, one allocation of pcmap_units units */
    size_t pcmap_units;
    void *jit_code; /* jit.c: one executable mapping of jit_len bytes, or NULL */
    size_t jit_len;
} wa_compiled;

/* ---- machine code (jit.c) ----
 * Functions whose every instruction the translator knows run as x86-64 code that keeps
 * the interpreter's frame layout (slots addressed from the frame pointer), so control
 * passes between the two at function boundaries: the interpreter enters machine code
 * through wa__jit_enter, and the code comes back to it to return, to trap, and for every
 * call (the interpreter makes the call; when the callee returns, the caller's machine
 * code resumes where it left off). Fuel and interruption are charged and polled exactly
 * where the interpreter does. */
/* A call frame record (interp.c keeps them in a bounded array; machine code pushes and
   pops them too when it calls machine code directly). */
typedef struct wa_frame {
    const uint32_t *ret_ip; /* caller's next instruction */
    uint64_t *ret_fp;       /* caller's frame */
    wa_instance *ret_inst;  /* caller's instance */
    const wa_fn *fn;        /* the function running in this frame */
    const void *ret_native; /* caller's machine code resumes here (jit.c), or NULL */
} wa_frame;

typedef struct wa_jit_ctx {
    uint8_t *mem;             /* in/out: memory 0's bytes (updated by memory.grow) */
    uint64_t memsize;         /* in/out */
    uint64_t fuel;            /* in/out */
    const volatile int *intr; /* the interrupt flag (never NULL) */
    wa_global **globals;      /* the running instance's globals */
    wa_memory *mem0;          /* the running instance's memory 0, or NULL */
    const void *resume;       /* out (WA_JIT_CALL): where the caller's code resumes */
    uint32_t at;              /* out: code unit of the instruction that calls or traps */
    uint32_t trap;            /* out (WA_JIT_TRAP): a wa_trap */
    wa_frame *fsp;            /* in/out: the next free frame record */
    const wa_frame *frames_end;
    const uint64_t *stack_end; /* end of the value stack */
    const wa_fn *fns;          /* the running instance's module's functions */
    const wa_instance *inst;   /* the running instance */
    uint64_t *fp;              /* out: the frame of the function that left */
} wa_jit_ctx;

enum { WA_JIT_RETURN = 0, WA_JIT_CALL = 1, WA_JIT_TRAP = 2 };

/* A translator (one per compiling thread), NULL when cfg->jit is off, the host is not
   x86-64 or memory is short. wa__jitter_add appends one function's machine code (its
   internal code in this build's code words) and returns its offset in the translator's
   buffer, or SIZE_MAX when the function stays interpreted. wa__jit_install maps the
   code of translators ts[0..nts) executable and sets comp->fns[i].jit for every function
   i with off[i] != SIZE_MAX, whose code is in ts[owner[i]]. Nothing here fails a module:
   without memory for machine code it is interpreted. */
typedef struct wa_jitter wa_jitter;
wa_jitter *wa__jitter_create(const wa_config *cfg);
void wa__jitter_destroy(wa_jitter *t);
size_t wa__jitter_add(wa_jitter *t, const uint32_t *code, size_t units, uint32_t frame_slots);
void wa__jit_install(wa_compiled *comp, wa_jitter *const *ts, uint32_t nts, const uint8_t *owner,
                     const size_t *off);
/* Translates a compiled module on this thread (after an image load). */
void wa__jit_compile(wa_module *m);
void wa__jit_free(wa_compiled *comp);
/* Runs machine code at target (a function's entry, or a resume point) of comp on frame
   fp. Returns a WA_JIT_* status; fills cx's out fields. */
int wa__jit_enter(const wa_compiled *comp, wa_jit_ctx *cx, uint64_t *fp, const void *target);

/* util.c: units of every opcode's instruction (VAR ones: their fixed part), and the length
   of the instruction op at ins (ins[1..] its operands: br_table and pool_init carry their
   count at ins[2]), 0 when op is unknown or the instruction does not fit in avail units. */
extern const uint8_t wa__op_lens[WA_OP_COUNT];
size_t wa__insn_len(uint32_t op, const uint32_t *ins, size_t avail);

/* compile.c: the wasm byte offset of the instruction at ip in fn's code, 0 if unknown. */
uint32_t wa__code_offset(const wa_fn *fn, const uint32_t *ip);

/* Distance from a branch opcode to its metered variant (ops.def lists them in order). */
#define WA_OP_METERED(op) ((op) + (WA_OP_br_m - WA_OP_br))

/* interp.c: the code word of each internal opcode for this build (dispatch label offsets
   under computed goto, opcode numbers under switch dispatch). WA_OP_COUNT entries. */
const int32_t *wa__op_words(void);

/* ---- runtime objects (instance.c, memory.c; used by interp.c) ---- */

struct wa_memory {
    uint8_t *data; /* reserved mapping; accessible bytes [0, size) */
    uint64_t size; /* bytes = pages * 64 KiB */
    uint32_t pages;
    uint32_t max_pages; /* effective: min(declared max, cfg->max_memory_pages) */
    bool has_max;       /* declared max (for import matching) */
    uint32_t decl_max;
    size_t reserved; /* bytes mapped */
    const wa_config *cfg;
    bool reused; /* mapping from a memory cache: its pages are likely resident */
};

struct wa_table {
    wa_value *elems;
    uint32_t size;
    uint32_t max; /* effective */
    bool has_max;
    uint32_t decl_max;
    uint32_t cap; /* allocated entries */
    uint8_t elem_type;
    const wa_config *cfg;
};

struct wa_global {
    wa_value val;
    uint8_t type;
    bool mutable_;
    const wa_config *cfg;
};

/* A function object: a wasm function of an instance, or a host function. funcref
   values are (wa_func *). */
struct wa_func {
    const wa_functype *type;
    wa_instance *inst;        /* owning instance; NULL for host functions */
    const wa_func_decl *decl; /* defined wasm function; NULL for host */
    uint32_t idx;             /* index in the owning module's function space */
    wa_host_fn host;
    void *env;
    const wa_config *cfg; /* host functions made by wa_func_new_host */
    wa_functype own_type; /* host: copied type (points into own_vals) */
    uint8_t *own_vals;    /* host: owned param+result bytes */
};

struct wa_instance {
    const wa_module *m;
    wa_memory *mem0;       /* memories[0] or NULL: the interpreter's fast path */
    wa_memory **memories;  /* memory_count */
    wa_table **tables;     /* table_count */
    wa_global **globals;   /* global_count */
    wa_func **funcs;       /* func_count: imported (borrowed) then own */
    wa_func *own_funcs;    /* storage for defined functions (fixed-size records) */
    uint8_t *elem_dropped; /* elem_count flags: dropped or declarative */
    uint8_t *data_dropped; /* data_count flags */
    /* objects the instance owns (defined memories/tables/globals) are freed with it */
    wa_memory *own_memory;
    wa_table *own_tables;
    wa_global *own_globals;
    void *host_data; /* embedder's pointer (unused by the engine) */
};

/* memory.c */
wa_status wa__memory_init(wa_memory *mem, const wa_config *cfg, wa_limits lim, wa_error *err);
void wa__memory_free(wa_memory *mem);
/* The same, taking the mapping from cache (may be NULL) / giving it back cleared. */
wa_status wa__memory_init_cached(wa_memory *mem, const wa_config *cfg, wa_limits lim,
                                 wa_memcache *cache, wa_error *err);
void wa__memory_free_cached(wa_memory *mem, wa_memcache *cache);
/* Populates the pages under [off, off + len) (within size) ahead of a large write. */
void wa__memory_prefault(wa_memory *mem, uint64_t off, uint64_t len);
/* table objects */
wa_status wa__table_init(wa_table *t, const wa_config *cfg, uint8_t elem_type, wa_limits lim,
                         wa_error *err);
void wa__table_free(wa_table *t);
/* Grows a table by delta with init; returns old size or -1. */
int64_t wa__table_grow(wa_table *t, uint32_t delta, wa_value init);

/* Evaluates a constant expression in an instance (globals and functions bound). */
wa_value wa__const_eval(const wa_instance *inst, const wa_const_expr *e);

#endif /* WA_WASM_INT_H */
