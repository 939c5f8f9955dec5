/*
 * image.c: precompiled images (the module cache). wa_module_serialize stores a module's
 * wasm bytes and its compiled code, with opcodes as stable numbers rather than this
 * build's dispatch words; wa_module_deserialize checks the image, decodes the wasm again
 * (which re-validates the module's structure) and verifies the code before it is
 * trusted, so a load skips only the compilation of function bodies.
 *
 * Layout, little-endian:
 *   header (HEADER_LEN bytes): magic, format version, flags, build id, image length,
 *     wasm length, defined function count, code units, pcmap units, reserved (0)
 *   the wasm bytes, zero-padded to a multiple of 4
 *   per defined function: frame_slots, code units, entry fuel, pcmap pairs (u32 each)
 *   the code of every function in order (u32 units; opcodes as WA_OP_* numbers)
 *   the pcmap pairs of every function in order (u32 units)
 *   checksum: image_hash of everything before it (u64)
 */
#include "wasm_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const uint8_t image_magic[8] = {0x00, 'w', 'a', 'i', 'm', 'g', '\r', '\n'};

enum {
    IMAGE_VERSION = 1,
    HEADER_LEN = 56,
    TRAILER_LEN = 8,
    FN_FIELDS = 4, /* frame_slots, code units, entry fuel, pcmap pairs */
    FLAG_METERING = 1,
};

/* Bounds on what one image may hold (the decoder's limits apply to the wasm part). */
#define MAX_FRAME_SLOTS (1u << 24)
#define MAX_FLOW_BYTES  ((size_t)64 << 20)
#define MAX_FLOW_PASSES 1000u
#define CODE_PAD        8u /* zero units after the code: the verifier reads 8 fields ahead */

/* ---- checksum ----
 * Four independent lanes over 8-byte words, then the tail, then a final mix. Every step
 * (xor a word, multiply by an odd constant, xor-shift) is a bijection of the lane for a
 * fixed word and of the word for a fixed lane, so changing any one word, and so any one
 * byte, always changes the result; the length is mixed in first, so truncation does too.
 * It detects damage, not forgery. */

#define HASH_K1 0x9e3779b97f4a7c15ull
#define HASH_K2 0xd6e8feb86659fd93ull

static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
    h ^= w;
    h *= HASH_K2;
    return h ^ (h >> 32);
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

uint64_t wa__image_hash(const uint8_t *p, size_t len)
{
    uint64_t a = HASH_K1, b = HASH_K1 + 1, c = HASH_K1 + 2, d = HASH_K1 + 3;
    size_t i = 0;
    for (; len - i >= 32; i += 32) {
        a = hash_step(a, rd64(p + i));
        b = hash_step(b, rd64(p + i + 8));
        c = hash_step(c, rd64(p + i + 16));
        d = hash_step(d, rd64(p + i + 24));
    }
    uint64_t h = hash_step(hash_step((uint64_t)len * HASH_K1, a), b);
    h = hash_step(hash_step(h, c), d);
    for (; len - i >= 8; i += 8)
        h = hash_step(h, rd64(p + i));
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, p + i, len - i);
        h = hash_step(h, w);
    }
    h ^= h >> 29;
    h *= HASH_K1;
    return h ^ (h >> 32);
}

/* ---- little-endian fields ---- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- the engine build an image belongs to ---- */

/* Every opcode's name and layout, one string: the build id hashes it, so any change to
   the opcode list or an operand layout makes older images stale. */
static const char op_list[] =
#define OP_DEF(name, layout) #name " " #layout "\n"
#include "ops.def"
#undef OP_DEF
    ;

static const char *const op_names[] = {
#define OP_DEF(name, layout) #name,
#include "ops.def"
#undef OP_DEF
};

static const char *const op_layouts[] = {
#define OP_DEF(name, layout) #layout,
#include "ops.def"
#undef OP_DEF
};

static uint64_t build_id(void)
{
    uint64_t h = wa__image_hash((const uint8_t *)op_list, sizeof op_list - 1);
    const uint16_t one = 1;
    uint8_t little;
    memcpy(&little, &one, 1);
    h = hash_step(h, IMAGE_VERSION);
    h = hash_step(h, WA_OP_COUNT);
    h = hash_step(h, sizeof(wa_fn));
    h = hash_step(h, sizeof(wa_compiled));
    h = hash_step(h, sizeof(void *));
    return hash_step(h, little);
}

/* ---- what the verifier knows about each opcode ---- */

/* Operand field kinds (an L immediate is two IMM fields). */
enum { FK_DST, FK_SRC, FK_IMM, FK_TARGET };

/* Opcodes with a meaning beyond their layout's letters. */
enum {
    R_PLAIN,
    R_REJECT, /* never in function code */
    R_TERM,   /* plain, and control never falls through */
    R_BR_TABLE,
    R_BR_TABLE_M,
    R_POOL,
    R_CALL,
    R_CALL_IMPORT,
    R_CALL_INDIRECT,
    R_RET0,
    R_RET1,
    R_RETN,
    R_MOV,
    R_MOV2,
    R_CONST32,
    R_CONST64,
    R_SELECT,
    R_GLOBAL_GET,
    R_GLOBAL_SET,
    R_MEMORY_INIT,
    R_DATA_DROP,
    R_REF_FUNC,
    R_REF_IS_NULL,
    R_TABLE_GET,
    R_TABLE_SET,
    R_TABLE_SIZE,
    R_TABLE_GROW,
    R_TABLE_FILL,
    R_TABLE_COPY,
    R_TABLE_INIT,
    R_ELEM_DROP,
};

/* The layout each rule was written against: if ops.def changes one, the opcode becomes
   unverifiable (images using it are refused) until the rule is updated. */
static const struct {
    uint16_t op;
    uint8_t rule;
    const char *layout;
} specials[] = {
    {WA_OP_exit, R_REJECT, "N"},
    {WA_OP_unreachable, R_TERM, "N"},
    {WA_OP_br, R_TERM, "T"},
    {WA_OP_br_m, R_TERM, "T_F"},
    {WA_OP_br_table, R_BR_TABLE, "VAR"},
    {WA_OP_br_table_m, R_BR_TABLE_M, "VAR"},
    {WA_OP_pool_init, R_POOL, "VAR"},
    {WA_OP_call, R_CALL, "I_A"},
    {WA_OP_call_import, R_CALL_IMPORT, "I_A"},
    {WA_OP_call_indirect, R_CALL_INDIRECT, "I_I_A_A"},
    {WA_OP_ret0, R_RET0, "N"},
    {WA_OP_ret1, R_RET1, "A"},
    {WA_OP_retn, R_RETN, "A_I"},
    {WA_OP_mov, R_MOV, "D_A"},
    {WA_OP_mov2, R_MOV2, "D_A_D_A"},
    {WA_OP_const32, R_CONST32, "D_I"},
    {WA_OP_const64, R_CONST64, "D_L"},
    {WA_OP_select, R_SELECT, "D_A_B_C"},
    {WA_OP_global_get, R_GLOBAL_GET, "D_I"},
    {WA_OP_global_set, R_GLOBAL_SET, "A_I"},
    {WA_OP_memory_init, R_MEMORY_INIT, "A_B_C_I"},
    {WA_OP_data_drop, R_DATA_DROP, "I"},
    {WA_OP_ref_func, R_REF_FUNC, "D_I"},
    {WA_OP_ref_is_null, R_REF_IS_NULL, "D_A"},
    {WA_OP_table_get, R_TABLE_GET, "D_A_I"},
    {WA_OP_table_set, R_TABLE_SET, "A_B_I"},
    {WA_OP_table_size, R_TABLE_SIZE, "D_I"},
    {WA_OP_table_grow, R_TABLE_GROW, "D_A_B_I"},
    {WA_OP_table_fill, R_TABLE_FILL, "A_B_C_I"},
    {WA_OP_table_copy, R_TABLE_COPY, "A_B_C_I_I"},
    {WA_OP_table_init, R_TABLE_INIT, "A_B_C_I_I"},
    {WA_OP_elem_drop, R_ELEM_DROP, "I"},
};

/* An immediate of an opcode whose name says it touches one of these index spaces may be
   an index; such an opcode must have a rule above, or it cannot be verified. */
static const char *const index_words[] = {"call", "ret", "global",      "table", "elem",
                                          "data", "ref", "memory_init", "func"};

typedef struct opdesc {
    uint8_t len; /* units, code word included; 0 for VAR */
    uint8_t nf;  /* operand fields */
    uint8_t rule;
    bool ready;      /* filled in (prepare_op) */
    bool var;        /* layout VAR: the length comes from a rule */
    bool ok;         /* may appear in verified code */
    uint8_t slots;   /* fields naming slots (bit k: field k) */
    uint8_t targets; /* fields holding branch displacements */
    uint8_t kind[8];
} opdesc;

/* Parses a layout ("D_A_I", "N", "VAR") into d; false for a letter it does not know. */
static bool parse_layout(const char *s, opdesc *d)
{
    d->nf = 0;
    if (strcmp(s, "N") == 0) return true;
    for (const char *p = s; *p; p++) {
        if (*p == '_') continue;
        if (p[1] != '_' && p[1] != 0) return false; /* one letter per field */
        uint8_t k;
        switch (*p) {
        case 'D':
            k = FK_DST;
            break;
        case 'A':
        case 'B':
        case 'C':
            k = FK_SRC;
            break;
        case 'I':
        case 'O':
        case 'F':
        case 'L':
            k = FK_IMM;
            break;
        case 'T':
            k = FK_TARGET;
            break;
        default:
            return false;
        }
        int n = *p == 'L' ? 2 : 1;
        for (int i = 0; i < n; i++) {
            if (d->nf >= sizeof d->kind) return false;
            d->kind[d->nf++] = k;
        }
    }
    return true;
}

static bool has_imm(const opdesc *d)
{
    for (unsigned i = 0; i < d->nf; i++)
        if (d->kind[i] == FK_IMM) return true;
    return false;
}

/* Whether word occurs in name (names are short: a plain scan). */
static bool has_word(const char *name, const char *word)
{
    for (; *name; name++) {
        const char *a = name, *b = word;
        while (*b && *a == *b)
            a++, b++;
        if (!*b) return true;
    }
    return false;
}

/* Fills d for opcode op from its layout and the rules above. Loads prepare only the
   opcodes their code uses. */
static void prepare_op(opdesc *d, unsigned op)
{
    memset(d, 0, sizeof *d);
    d->ready = true;
    unsigned si = 0, ns = sizeof specials / sizeof specials[0];
    while (si < ns && specials[si].op != op)
        si++;
    if (strcmp(op_layouts[op], "VAR") == 0) {
        d->var = true; /* only with a rule */
    } else {
        d->ok = parse_layout(op_layouts[op], d) && 1u + d->nf == wa__op_lens[op];
        d->len = (uint8_t)(1 + d->nf);
        for (unsigned k = 0; k < d->nf; k++) {
            if (d->kind[k] == FK_DST || d->kind[k] == FK_SRC) d->slots |= (uint8_t)(1u << k);
            if (d->kind[k] == FK_TARGET) d->targets |= (uint8_t)(1u << k);
        }
        if (d->ok && si == ns && has_imm(d))
            for (unsigned w = 0; w < sizeof index_words / sizeof index_words[0]; w++)
                if (has_word(op_names[op], index_words[w])) d->ok = false;
    }
    if (si == ns) return;
    d->rule = specials[si].rule;
    if (strcmp(op_layouts[op], specials[si].layout) != 0) d->ok = false;
    if (d->var && strcmp(op_layouts[op], specials[si].layout) == 0) d->ok = true;
    if (d->rule == R_REJECT) d->ok = false;
    /* a call's argument base may equal frame_slots (no arguments, no results): the rule
       checks base + max(params, results) <= frame_slots instead */
    if (d->rule == R_CALL || d->rule == R_CALL_IMPORT) d->slots &= (uint8_t)~2u;
    if (d->rule == R_CALL_INDIRECT) d->slots &= (uint8_t)~8u;
}

static void build_ops(opdesc *ops)
{
    for (unsigned op = 0; op < WA_OP_COUNT; op++)
        prepare_op(&ops[op], op);
}

/* ---- serializing ---- */

typedef struct wordop {
    int32_t word;
    uint32_t op;
} wordop;

static int wordop_cmp(const void *a, const void *b)
{
    const wordop *x = a, *y = b;
    return x->word < y->word ? -1 : x->word > y->word;
}

static bool word_to_op(const wordop *map, uint32_t w, uint32_t *op)
{
    uint32_t lo = 0, hi = WA_OP_COUNT;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (map[mid].word == (int32_t)w) {
            *op = map[mid].op;
            return true;
        }
        if (map[mid].word < (int32_t)w)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Copies one function's code into dst with its code words replaced by opcode numbers. */
static bool translate_out(const opdesc *ops, const wordop *map, const uint32_t *code, uint32_t n,
                          uint8_t *dst)
{
    uint64_t p = 0;
    while (p < n) {
        uint32_t op;
        if (!word_to_op(map, code[p], &op)) return false;
        uint64_t len = wa__insn_len(op, code + p, (size_t)(n - p));
        if (len == 0 || !ops[op].ok) return false;
        put32(dst + 4 * p, op);
        memcpy(dst + 4 * (p + 1), code + p + 1, (size_t)(len - 1) * 4);
        p += len;
    }
    return true;
}

wa_status wa_module_serialize(const wa_module *m, uint8_t **out, size_t *len, wa_error *err)
{
    if (!m || !out || !len)
        return wa_error_set(err, WA_ERR_ARG, "invalid argument: wa_module_serialize");
    *out = NULL;
    *len = 0;
    const wa_compiled *comp = m->compiled;
    if (!comp)
        return wa_error_set(err, WA_ERR_ARG, "invalid argument: module has no compiled code");
    uint32_t n = comp->fn_count;
    uint64_t units = 0, punits = 0;
    for (uint32_t i = 0; i < n; i++) {
        units += m->funcs[i].code_len / sizeof(uint32_t);
        punits += 2 * (uint64_t)comp->fns[i].pcmap_count;
    }
    uint64_t wasm_pad = ((uint64_t)m->len + 3) & ~(uint64_t)3;
    uint64_t total =
        HEADER_LEN + wasm_pad + (uint64_t)n * FN_FIELDS * 4 + 4 * units + 4 * punits + TRAILER_LEN;
    if (m->len > UINT32_MAX || units > UINT32_MAX || punits > UINT32_MAX || total > SIZE_MAX)
        return wa_error_set(err, WA_ERR_LIMIT,
                            "implementation limit exceeded: module too large for an image");

    opdesc ops[WA_OP_COUNT];
    build_ops(ops);
    wordop map[WA_OP_COUNT];
    const int32_t *words = wa__op_words();
    for (uint32_t op = 0; op < WA_OP_COUNT; op++) {
        map[op].word = words[op];
        map[op].op = op;
    }
    qsort(map, WA_OP_COUNT, sizeof map[0], wordop_cmp);

    uint8_t *img = wa__alloc(&m->cfg, (size_t)total);
    if (!img) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: precompiled image");
    memcpy(img, image_magic, sizeof image_magic);
    put32(img + 8, IMAGE_VERSION);
    put32(img + 12, m->cfg.metering ? FLAG_METERING : 0);
    put64(img + 16, build_id());
    put64(img + 24, total);
    put32(img + 32, (uint32_t)m->len);
    put32(img + 36, n);
    put32(img + 40, (uint32_t)units);
    put32(img + 44, (uint32_t)punits);
    put64(img + 48, 0);
    uint8_t *p = img + HEADER_LEN;
    if (m->len) memcpy(p, m->bytes, m->len);
    p += wasm_pad;
    for (uint32_t i = 0; i < n; i++, p += FN_FIELDS * 4) {
        put32(p, comp->fns[i].frame_slots);
        put32(p + 4, (uint32_t)(m->funcs[i].code_len / sizeof(uint32_t)));
        put32(p + 8, comp->fns[i].entry_fuel);
        put32(p + 12, comp->fns[i].pcmap_count);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fu = (uint32_t)(m->funcs[i].code_len / sizeof(uint32_t));
        if (!translate_out(ops, map, comp->fns[i].code, fu, p)) {
            wa__free(&m->cfg, img, (size_t)total);
            return wa_error_set(err, WA_ERR_UNSUPPORTED,
                                "unsupported: function %u has code the image format cannot "
                                "describe",
                                m->import_func_count + i);
        }
        p += 4 * (size_t)fu;
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t pl = 2 * (size_t)comp->fns[i].pcmap_count;
        for (size_t k = 0; k < pl; k++)
            put32(p + 4 * k, comp->fns[i].pcmap[k]);
        p += 4 * pl;
    }
    put64(p, wa__image_hash(img, (size_t)total - TRAILER_LEN));
    *out = img;
    *len = (size_t)total;
    return WA_OK;
}

/* ---- verifying ---- */

typedef struct vctx {
    const wa_module *m;
    opdesc *ops; /* prepared as opcodes are met */
    wa_error *err;
    uint32_t fi; /* function index (module space) */
    /* scratch, sized for the largest function */
    const int32_t *words;
    uint64_t *bound;  /* instruction starts, one bit per unit */
    uint32_t *tix;    /* target position -> state number + 1 */
    uint32_t *tfield; /* positions of branch fields */
    uint32_t tcount;
    uint64_t *flow; /* flow states */
    size_t flow_words;
} vctx;

static bool bad(vctx *v, uint64_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), cold, noinline));

static bool bad(vctx *v, uint64_t pos, const char *fmt, ...)
{
    if (v->err) {
        char msg[128];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        wa_error_set(v->err, WA_ERR_IMAGE,
                     "bad precompiled image: code verification failed in function %u: %s "
                     "(unit %llu)",
                     v->fi, msg, (unsigned long long)pos);
        v->err->func_idx = v->fi;
    }
    return false;
}

static inline bool bit_get(const uint64_t *b, uint64_t i)
{
    return (b[i >> 6] >> (i & 63)) & 1;
}

static inline void bit_put(uint64_t *b, uint64_t i, bool v)
{
    if (v)
        b[i >> 6] |= 1ull << (i & 63);
    else
        b[i >> 6] &= ~(1ull << (i & 63));
}

static const wa_functype *func_type(const wa_module *m, uint32_t fi)
{
    return &m->types[m->func_types[fi]];
}

static bool is_funcref_table(const wa_module *m, uint32_t t)
{
    return m->tables[t].elem_type == WA_FUNCREF;
}

static bool any_funcref(const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (types[i] == WA_FUNCREF) return true;
    return false;
}

/* The callee type of a call instruction (indices already checked). */
static const wa_functype *call_type(const wa_module *m, uint8_t rule, const uint32_t *ins)
{
    if (rule == R_CALL) return func_type(m, m->import_func_count + ins[1]);
    if (rule == R_CALL_IMPORT) return func_type(m, ins[1]);
    return &m->types[ins[1]];
}

/*
 * Pass 1 over code (opcode numbers, as in the image): opcodes, lengths, slot operands and
 * index immediates. Marks instruction starts in v->bound and lists the branch fields in
 * v->tfield. *need_flow is set when the function has an operand that must hold a funcref
 * (see flow()).
 */
static bool check_insns(vctx *v, const wa_fn *fn, const uint32_t *code, uint32_t n, bool *need_flow)
{
    const wa_module *m = v->m;
    const wa_functype *ft = func_type(m, v->fi);
    uint64_t S = fn->frame_slots;
    uint64_t p = 0;
    uint32_t nt = 0;
    uint8_t last = R_PLAIN;
    memset(v->bound, 0, ((size_t)n + 63) / 64 * sizeof *v->bound);
    *need_flow = false;
    if (n == 0) return bad(v, 0, "empty code");
    while (p < n) {
        uint32_t op = code[p];
        if (op >= WA_OP_COUNT) return bad(v, p, "unknown opcode %u", op);
        if (UNLIKELY(!v->ops[op].ready)) prepare_op(&v->ops[op], op);
        const opdesc *d = &v->ops[op];
        if (!d->ok) return bad(v, p, "opcode %s not allowed", op_names[op]);
        uint64_t len = d->len;
        if (d->var) len = wa__insn_len(op, code + p, (size_t)(n - p));
        if (len == 0 || len > n - p) return bad(v, p, "%s runs past the end", op_names[op]);
        v->bound[p >> 6] |= 1ull << (p & 63);
        const uint32_t *ins = code + p;
        /* all eight possible fields compared at once (the arena has CODE_PAD units after
           the last function), then masked by the fields that name slots */
        unsigned over = (unsigned)(ins[1] >= S) | (unsigned)(ins[2] >= S) << 1 |
                        (unsigned)(ins[3] >= S) << 2 | (unsigned)(ins[4] >= S) << 3 |
                        (unsigned)(ins[5] >= S) << 4 | (unsigned)(ins[6] >= S) << 5 |
                        (unsigned)(ins[7] >= S) << 6 | (unsigned)(ins[8] >= S) << 7;
        if (UNLIKELY(over & d->slots)) {
            uint32_t x = ins[1 + __builtin_ctz(over & d->slots)];
            return bad(v, p, "%s: slot %u out of range", op_names[op], x);
        }
        for (unsigned mask = d->targets; mask; mask &= mask - 1)
            v->tfield[nt++] = (uint32_t)p + 1 + (uint32_t)__builtin_ctz(mask);
        if (LIKELY(d->rule == R_PLAIN)) {
            p += len;
            last = R_PLAIN;
            continue;
        }
        switch (d->rule) {
        case R_BR_TABLE:
        case R_BR_TABLE_M: {
            if (ins[1] >= S) return bad(v, p, "slot %u out of range", ins[1]);
            uint32_t step = d->rule == R_BR_TABLE ? 1 : 2;
            for (uint64_t j = 0; j <= ins[2]; j++)
                v->tfield[nt++] = (uint32_t)(p + 3 + j * step);
            break;
        }
        case R_POOL:
            if ((uint64_t)ins[1] + ins[2] > S) return bad(v, p, "constant pool out of range");
            break;
        case R_CALL:
        case R_CALL_IMPORT:
        case R_CALL_INDIRECT: {
            uint32_t base;
            if (d->rule == R_CALL) {
                if (ins[1] >= m->func_count - m->import_func_count)
                    return bad(v, p, "unknown function");
                base = ins[2];
            } else if (d->rule == R_CALL_IMPORT) {
                if (ins[1] >= m->import_func_count) return bad(v, p, "unknown imported function");
                base = ins[2];
            } else {
                if (ins[1] >= m->type_count) return bad(v, p, "unknown type");
                if (ins[2] >= m->table_count || !is_funcref_table(m, ins[2]))
                    return bad(v, p, "call_indirect needs a funcref table");
                base = ins[4];
            }
            const wa_functype *t = call_type(m, d->rule, ins);
            uint32_t k = t->param_count > t->result_count ? t->param_count : t->result_count;
            if ((uint64_t)base + k > S) return bad(v, p, "call arguments out of range");
            if (any_funcref(t->params, t->param_count)) *need_flow = true;
            break;
        }
        case R_RET0:
            if (ft->result_count != 0) return bad(v, p, "return arity");
            break;
        case R_RET1:
            if (ft->result_count != 1) return bad(v, p, "return arity");
            *need_flow |= ft->results[0] == WA_FUNCREF;
            break;
        case R_RETN:
            if (ins[2] != ft->result_count || (uint64_t)ins[1] + ins[2] > S)
                return bad(v, p, "return arity");
            *need_flow |= any_funcref(ft->results, ft->result_count);
            break;
        case R_GLOBAL_GET:
            if (ins[2] >= m->global_count) return bad(v, p, "unknown global");
            break;
        case R_GLOBAL_SET:
            if (ins[2] >= m->global_count || !m->globals[ins[2]].mutable_)
                return bad(v, p, "unknown or immutable global");
            *need_flow |= m->globals[ins[2]].type == WA_FUNCREF;
            break;
        case R_MEMORY_INIT:
            if (ins[4] >= m->data_count || m->memory_count == 0)
                return bad(v, p, "unknown data segment");
            break;
        case R_DATA_DROP:
            if (ins[1] >= m->data_count) return bad(v, p, "unknown data segment");
            break;
        case R_REF_FUNC:
            if (ins[2] >= m->func_count) return bad(v, p, "unknown function");
            break;
        case R_TABLE_GET:
        case R_TABLE_SET:
            if (ins[3] >= m->table_count) return bad(v, p, "unknown table");
            *need_flow |= d->rule == R_TABLE_SET && is_funcref_table(m, ins[3]);
            break;
        case R_TABLE_SIZE:
            if (ins[2] >= m->table_count) return bad(v, p, "unknown table");
            break;
        case R_TABLE_GROW:
        case R_TABLE_FILL:
            if (ins[4] >= m->table_count) return bad(v, p, "unknown table");
            *need_flow |= is_funcref_table(m, ins[4]);
            break;
        case R_TABLE_COPY:
            if (ins[4] >= m->table_count || ins[5] >= m->table_count ||
                m->tables[ins[4]].elem_type != m->tables[ins[5]].elem_type)
                return bad(v, p, "unknown or mismatched table");
            break;
        case R_TABLE_INIT:
            if (ins[4] >= m->table_count || ins[5] >= m->elem_count ||
                m->tables[ins[4]].elem_type != m->elems[ins[5]].elem_type)
                return bad(v, p, "unknown or mismatched table or segment");
            break;
        case R_ELEM_DROP:
            if (ins[1] >= m->elem_count) return bad(v, p, "unknown element segment");
            break;
        default:
            break;
        }
        last = d->rule;
        p += len;
    }
    v->tcount = nt;
    switch (last) {
    case R_TERM:
    case R_BR_TABLE:
    case R_BR_TABLE_M:
    case R_RET0:
    case R_RET1:
    case R_RETN:
        return true;
    default:
        return bad(v, p, "code falls off the end");
    }
}

/* Calls fn(v, field position, target) for each branch field of the instruction at p. */
#define FOR_TARGETS(v, code, p, d, body)                                \
    do {                                                                \
        if ((d)->rule == R_BR_TABLE || (d)->rule == R_BR_TABLE_M) {     \
            uint64_t cnt_ = (uint64_t)(code)[(p) + 2] + 1;              \
            uint64_t step_ = (d)->rule == R_BR_TABLE ? 1 : 2;           \
            for (uint64_t j_ = 0; j_ < cnt_; j_++) {                    \
                uint64_t fpos_ = (p) + 3 + j_ * step_;                  \
                int64_t tgt_ = (int64_t)fpos_ + (int32_t)(code)[fpos_]; \
                body;                                                   \
            }                                                           \
        } else {                                                        \
            for (unsigned k_ = 0; k_ < (d)->nf; k_++) {                 \
                if ((d)->kind[k_] != FK_TARGET) continue;               \
                uint64_t fpos_ = (p) + 1 + k_;                          \
                int64_t tgt_ = (int64_t)fpos_ + (int32_t)(code)[fpos_]; \
                body;                                                   \
            }                                                           \
        }                                                               \
    } while (0)

/* Pass 2: every branch field lands on an instruction start inside the function. Numbers
   the targets in tix when the flow analysis needs them. */
static bool check_targets(vctx *v, const uint32_t *code, uint32_t n, bool number,
                          uint32_t *ntargets)
{
    uint32_t nt = 0;
    if (number) memset(v->tix, 0, (size_t)n * sizeof *v->tix);
    for (uint32_t i = 0; i < v->tcount; i++) {
        uint32_t f = v->tfield[i];
        int64_t tgt = (int64_t)f + (int32_t)code[f];
        if (tgt < 0 || tgt >= (int64_t)n || !bit_get(v->bound, (uint64_t)tgt))
            return bad(v, f, "branch target outside the function or inside an instruction");
        if (number && v->tix[tgt] == 0) v->tix[tgt] = ++nt;
    }
    *ntargets = nt;
    return true;
}

/*
 * Pass 3, for functions with operands that must be funcrefs: a forward "must" analysis
 * of which slots surely hold a funcref value or null (the interpreter calls through
 * funcrefs, so a forged one would be dereferenced). One bit per slot; states at branch
 * targets meet by AND, starting from all-ones, iterated to the greatest fixed point.
 * Producers: ref.func, table.get and global.get of funcref, calls' funcref results,
 * funcref parameters, zeroed locals, zero constants, moves and selects of such slots.
 * Consumers checked: funcref call arguments and returns, global.set, table.set/fill/grow
 * into funcref tables. Any other instruction clears the bits of every slot it names.
 */
static bool flow(vctx *v, const wa_fn *fn, const uint32_t *code, uint32_t n, uint32_t nt)
{
    const wa_module *m = v->m;
    const wa_functype *ft = func_type(m, v->fi);
    uint64_t S = fn->frame_slots;
    size_t W = (size_t)((S + 63) / 64);
    size_t need = ((size_t)nt + 2) * W;
    if (need > MAX_FLOW_BYTES / sizeof(uint64_t)) return bad(v, 0, "function too large to verify");
    if (need > v->flow_words) {
        uint64_t *nf = wa__realloc(&m->cfg, v->flow, v->flow_words * sizeof *nf, need * sizeof *nf);
        if (!nf) {
            wa_error_set(v->err, WA_ERR_NOMEM, "out of memory: image verification");
            return false;
        }
        v->flow = nf;
        v->flow_words = need;
    }
    uint64_t *cur = v->flow, *entry = v->flow + W, *states = v->flow + 2 * W;
    memset(entry, 0, W * sizeof *entry);
    for (uint32_t i = 0; i < ft->param_count; i++)
        bit_put(entry, i, ft->params[i] == WA_FUNCREF);
    for (uint64_t i = ft->param_count; i < (uint64_t)fn->param_count + fn->local_count; i++)
        bit_put(entry, i, true); /* zeroed on entry: null */
    memset(states, 0xff, (size_t)nt * W * sizeof *states);

#define NEED_F(slot)                                                              \
    do {                                                                          \
        if (!bit_get(cur, (slot)))                                                \
            return bad(v, p, "slot %u may not hold a funcref", (unsigned)(slot)); \
    } while (0)

    for (unsigned pass = 0;; pass++) {
        bool changed = false, reach = true;
        memcpy(cur, entry, W * sizeof *cur);
        uint64_t p = 0;
        if (pass > MAX_FLOW_PASSES) return bad(v, 0, "flow analysis does not settle");
        while (p < n) {
            if (v->tix[p]) {
                const uint64_t *s = states + (size_t)(v->tix[p] - 1) * W;
                for (size_t w = 0; w < W; w++)
                    cur[w] = reach ? cur[w] & s[w] : s[w];
            } else if (!reach) {
                memset(cur, 0xff, W * sizeof *cur); /* unreachable: nothing to check */
            }
            reach = true;
            uint32_t op = code[p];
            const opdesc *d = &v->ops[op];
            const uint32_t *ins = code + p;
            switch (d->rule) {
            case R_MOV:
                bit_put(cur, ins[1], bit_get(cur, ins[2]));
                break;
            case R_MOV2:
                bit_put(cur, ins[1], bit_get(cur, ins[2]));
                bit_put(cur, ins[3], bit_get(cur, ins[4]));
                break;
            case R_CONST32:
                bit_put(cur, ins[1], ins[2] == 0);
                break;
            case R_CONST64:
                bit_put(cur, ins[1], ins[2] == 0 && ins[3] == 0);
                break;
            case R_SELECT: {
                bool f = bit_get(cur, ins[2]) && bit_get(cur, ins[3]);
                bit_put(cur, ins[1], f);
                break;
            }
            case R_POOL:
                for (uint32_t j = 0; j < ins[2]; j++)
                    bit_put(cur, (uint64_t)ins[1] + j, ins[3 + 2 * j] == 0 && ins[4 + 2 * j] == 0);
                break;
            case R_GLOBAL_GET:
                bit_put(cur, ins[1], m->globals[ins[2]].type == WA_FUNCREF);
                break;
            case R_GLOBAL_SET:
                if (m->globals[ins[2]].type == WA_FUNCREF) NEED_F(ins[1]);
                break;
            case R_REF_FUNC:
                bit_put(cur, ins[1], true);
                break;
            case R_REF_IS_NULL:
            case R_TABLE_SIZE:
                bit_put(cur, ins[1], false);
                break;
            case R_TABLE_GET:
                bit_put(cur, ins[1], is_funcref_table(m, ins[3]));
                break;
            case R_TABLE_SET:
                if (is_funcref_table(m, ins[3])) NEED_F(ins[2]);
                break;
            case R_TABLE_FILL:
                if (is_funcref_table(m, ins[4])) NEED_F(ins[2]);
                break;
            case R_TABLE_GROW:
                if (is_funcref_table(m, ins[4])) NEED_F(ins[2]);
                bit_put(cur, ins[1], false);
                break;
            case R_TABLE_COPY:
            case R_TABLE_INIT:
            case R_MEMORY_INIT:
            case R_DATA_DROP:
            case R_ELEM_DROP:
            case R_BR_TABLE:
            case R_BR_TABLE_M:
            case R_RET0:
                break;
            case R_RET1:
                if (ft->results[0] == WA_FUNCREF) NEED_F(ins[1]);
                break;
            case R_RETN:
                for (uint32_t j = 0; j < ins[2]; j++)
                    if (ft->results[j] == WA_FUNCREF) NEED_F((uint64_t)ins[1] + j);
                break;
            case R_CALL:
            case R_CALL_IMPORT:
            case R_CALL_INDIRECT: {
                const wa_functype *t = call_type(m, d->rule, ins);
                uint64_t base = d->rule == R_CALL_INDIRECT ? ins[4] : ins[2];
                for (uint32_t j = 0; j < t->param_count; j++)
                    if (t->params[j] == WA_FUNCREF) NEED_F(base + j);
                for (uint64_t s = base; s < S; s++)
                    bit_put(cur, s, false); /* the callee's frame */
                for (uint32_t j = 0; j < t->result_count; j++)
                    bit_put(cur, base + j, t->results[j] == WA_FUNCREF);
                break;
            }
            default:
                for (unsigned k = 0; k < d->nf; k++)
                    if (d->kind[k] == FK_DST || d->kind[k] == FK_SRC)
                        bit_put(cur, ins[1 + k], false);
                break;
            }
            FOR_TARGETS(v, code, p, d, {
                uint64_t *s = states + (size_t)(v->tix[tgt_] - 1) * W;
                for (size_t w = 0; w < W; w++) {
                    uint64_t x = s[w] & cur[w];
                    if (x != s[w]) {
                        s[w] = x;
                        if ((uint64_t)tgt_ <= p) changed = true;
                    }
                }
            });
            switch (d->rule) {
            case R_TERM:
            case R_BR_TABLE:
            case R_BR_TABLE_M:
            case R_RET0:
            case R_RET1:
            case R_RETN:
                reach = false;
                break;
            default:
                break;
            }
            p += wa__insn_len(op, code + p, (size_t)(n - p));
        }
        if (!changed) return true;
    }
#undef NEED_F
}

/* Verifies one function's code (opcode numbers, as in the image), then replaces each
   opcode number with this build's code word. */
static bool verify_fn(vctx *v, const wa_fn *fn, uint32_t *code, uint32_t n)
{
    bool need_flow;
    uint32_t nt = 0;
    if (!check_insns(v, fn, code, n, &need_flow) || !check_targets(v, code, n, need_flow, &nt))
        return false;
    if (need_flow && !flow(v, fn, code, n, nt)) return false;
    const int32_t *words = v->words;
    for (size_t w = 0, nw = ((size_t)n + 63) / 64; w < nw; w++)
        for (uint64_t b = v->bound[w]; b; b &= b - 1) {
            size_t p = w * 64 + (size_t)__builtin_ctzll(b);
            code[p] = (uint32_t)words[code[p]];
        }
    return true;
}

/* ---- loading ---- */

static wa_status image_fail(wa_error *err, const char *what)
{
    return wa_error_set(err, WA_ERR_IMAGE, "bad precompiled image: %s", what);
}

/* Builds m->compiled from the image's function records, code and pcmaps, verifying the
   code. Sizes were checked against the image length by the caller. */
static wa_status load_code(wa_module *m, const uint8_t *recs, const uint8_t *code_in,
                           const uint8_t *pcmap_in, uint32_t units, uint32_t punits, wa_error *err)
{
    const wa_config *cfg = &m->cfg;
    uint32_t n = m->func_count - m->import_func_count;
    wa_compiled *comp = wa__alloc(cfg, sizeof *comp);
    if (!comp) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
    m->compiled = comp; /* freed with the module from here on */
    comp->fns = wa__alloc(cfg, (size_t)n * sizeof *comp->fns);
    if (!comp->fns) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
    comp->fn_count = n;
    comp->code = wa__alloc_uninit(cfg, ((size_t)units + CODE_PAD) * sizeof *comp->code);
    if (!comp->code) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
    comp->code_units = (size_t)units + CODE_PAD;
    memset(comp->code + units, 0, CODE_PAD * sizeof *comp->code);
    if (punits) {
        comp->pcmaps = wa__alloc_uninit(cfg, (size_t)punits * sizeof *comp->pcmaps);
        if (!comp->pcmaps) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
        comp->pcmap_units = punits;
        memcpy(comp->pcmaps, pcmap_in, (size_t)punits * sizeof *comp->pcmaps);
    }
    if (units) memcpy(comp->code, code_in, (size_t)units * sizeof *comp->code);

    /* the records first: sizes must add up before any code is looked at */
    uint64_t off = 0, poff = 0, maxn = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *r = recs + (size_t)i * FN_FIELDS * 4;
        wa_fn *fn = &comp->fns[i];
        uint32_t fi = m->import_func_count + i;
        const wa_functype *t = func_type(m, fi);
        uint32_t fu = get32(r + 4);
        fn->frame_slots = get32(r);
        fn->entry_fuel = get32(r + 8);
        fn->pcmap_count = get32(r + 12);
        fn->param_count = t->param_count;
        fn->local_count = m->funcs[i].local_count;
        fn->result_count = t->result_count;
        fn->func_idx = fi;
        if (fu > units - off || 2 * (uint64_t)fn->pcmap_count > punits - poff ||
            fn->frame_slots > MAX_FRAME_SLOTS ||
            fn->frame_slots < (uint64_t)fn->param_count + fn->local_count ||
            fn->frame_slots < fn->result_count || (!m->cfg.metering && fn->entry_fuel != 0)) {
            char msg[96];
            snprintf(msg, sizeof msg, "function record %u is inconsistent", fi);
            return image_fail(err, msg);
        }
        fn->code = comp->code + off;
        fn->pcmap = fn->pcmap_count ? comp->pcmaps + poff : NULL;
        m->funcs[i].code = comp->code + off;
        m->funcs[i].code_len = (size_t)fu * sizeof(uint32_t);
        m->funcs[i].frame_slots = fn->frame_slots;
        off += fu;
        poff += 2 * (uint64_t)fn->pcmap_count;
        if (fu > maxn) maxn = fu;
    }
    if (off != units || poff != punits)
        return image_fail(err, "function records do not cover the code");

    opdesc ops[WA_OP_COUNT];
    memset(ops, 0, sizeof ops);
    vctx v;
    memset(&v, 0, sizeof v);
    v.m = m;
    v.ops = ops;
    v.err = err;
    v.words = wa__op_words();
    v.bound = wa__alloc_uninit(cfg, ((size_t)maxn + 63) / 64 * sizeof *v.bound);
    v.tix = wa__alloc_uninit(cfg, ((size_t)maxn + 1) * sizeof *v.tix);
    v.tfield = wa__alloc_uninit(cfg, ((size_t)maxn + 1) * sizeof *v.tfield);
    wa_status st = WA_OK;
    if (!v.bound || !v.tix || !v.tfield) {
        st = wa_error_set(err, WA_ERR_NOMEM, "out of memory: image verification");
    } else {
        for (uint32_t i = 0; i < n; i++) {
            wa_fn *fn = &comp->fns[i];
            v.fi = fn->func_idx;
            uint32_t fu = (uint32_t)(m->funcs[i].code_len / sizeof(uint32_t));
            if (!verify_fn(&v, fn, m->funcs[i].code, fu)) {
                st = err->st;
                break;
            }
        }
    }
    wa__free(cfg, v.bound, ((size_t)maxn + 63) / 64 * sizeof *v.bound);
    wa__free(cfg, v.tix, ((size_t)maxn + 1) * sizeof *v.tix);
    wa__free(cfg, v.tfield, ((size_t)maxn + 1) * sizeof *v.tfield);
    wa__free(cfg, v.flow, v.flow_words * sizeof *v.flow);
    return st;
}

wa_status wa_module_deserialize(const wa_config *cfg, const uint8_t *bytes, size_t len,
                                wa_module **out, wa_error *err)
{
    if (!out || (!bytes && len))
        return wa_error_set(err, WA_ERR_ARG, "invalid argument: wa_module_deserialize");
    *out = NULL;
    wa_error local;
    if (!err) err = &local; /* the verifier reads back the status it set */
    err->func_idx = UINT32_MAX;
    err->offset = 0;
    err->trap = WA_TRAP_NONE;
    wa_config c = cfg ? *cfg : wa_config_default();
    if (len < sizeof image_magic || memcmp(bytes, image_magic, sizeof image_magic) != 0)
        return image_fail(err, "not a precompiled image");
    if (len < HEADER_LEN + TRAILER_LEN) return image_fail(err, "truncated");
    if (get32(bytes + 8) != IMAGE_VERSION) return image_fail(err, "unsupported format version");
    if (get64(bytes + 16) != build_id()) return image_fail(err, "made by another engine build");
    uint64_t total = get64(bytes + 24);
    if (total > len) return image_fail(err, "truncated");
    if (total < len) return image_fail(err, "trailing bytes after the image");
    if (get64(bytes + len - TRAILER_LEN) != wa__image_hash(bytes, len - TRAILER_LEN))
        return image_fail(err, "checksum mismatch");
    uint32_t flags = get32(bytes + 12);
    if (flags & ~(uint32_t)FLAG_METERING || get64(bytes + 48) != 0)
        return image_fail(err, "unknown flags");
    if (((flags & FLAG_METERING) != 0) != c.metering)
        return wa_error_set(err, WA_ERR_IMAGE,
                            "bad precompiled image: compiled with metering %s, the config has "
                            "it %s",
                            flags & FLAG_METERING ? "on" : "off", c.metering ? "on" : "off");
    uint32_t wasm_len = get32(bytes + 32), n = get32(bytes + 36);
    uint32_t units = get32(bytes + 40), punits = get32(bytes + 44);
    uint64_t wasm_pad = ((uint64_t)wasm_len + 3) & ~(uint64_t)3;
    uint64_t want = HEADER_LEN + wasm_pad + (uint64_t)n * FN_FIELDS * 4 + 4 * (uint64_t)units +
                    4 * (uint64_t)punits + TRAILER_LEN;
    if (want != total || punits % 2 != 0) return image_fail(err, "section sizes do not add up");

    wa_module *m = wa__alloc(&c, sizeof *m);
    if (!m) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: module");
    m->cfg = c;
    const uint8_t *wasm = bytes + HEADER_LEN;
    wa_error derr;
    wa_status st = wa__decode(m, wasm, wasm_len, &derr);
    if (st == WA_ERR_NOMEM) {
        *err = derr;
    } else if (st != WA_OK) {
        wa_error_set(err, WA_ERR_IMAGE, "bad precompiled image: embedded module: %.200s",
                     derr.message);
        st = WA_ERR_IMAGE;
    } else if (n != m->func_count - m->import_func_count) {
        st = image_fail(err, "function count does not match the module");
    } else {
        const uint8_t *recs = wasm + wasm_pad;
        const uint8_t *code = recs + (size_t)n * FN_FIELDS * 4;
        const uint8_t *pcmap = code + (size_t)units * 4;
        st = load_code(m, recs, code, pcmap, units, punits, err);
    }
    if (st != WA_OK) {
        wa_module_destroy(m);
        return st;
    }
    wa__jit_compile(m);
    *out = m;
    return WA_OK;
}

bool wa__image_op_verifiable(uint32_t op, const char **name)
{
    if (op >= WA_OP_COUNT) return false;
    opdesc d;
    prepare_op(&d, op);
    if (name) *name = op_names[op];
    return d.ok;
}
