/*
 * compile.c: validates each function body and translates it into internal code in one
 * pass (spec, appendix "validation algorithm", extended with code generation). Operand
 * stack positions map to frame slots (slot = locals + pool + height); local.get,
 * constants and "x + k" stay virtual until something needs them in a slot (loads and
 * stores fold "x + k" into their address); compares fuse into branches; a load used by
 * the next add/sub/mul fuses into it; local.set/tee retarget the instruction that made
 * the value; constants read in loops come from a pool filled once per call. Metered code
 * carries fuel on its branches (see "metering"). Runs iteratively: deeply nested blocks
 * never recurse on the C stack.
 */
#include "wasm_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

enum { V_SLOT, V_LOCAL, V_CONST, V_ADDIMM };
enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_ELSE };
enum { BT_EMPTY, BT_VAL, BT_TYPE };

#define T_UNKNOWN  0 /* the polymorphic stack's bottom type */
#define NONE       UINT32_MAX
#define POOL_MARK  0x80000000u /* slot field naming constant pool entry (low bits) */
#define POOL_MAX   64
#define MAX_HEIGHT (1u << 28) /* operand stack entries: keeps slot numbers below POOL_MARK */

/* An operand stack entry: its type and where its value is right now. */
typedef struct vent {
    uint8_t type;
    uint8_t kind; /* V_SLOT: in slot (locals + height); V_LOCAL: still in local `local`;
                     V_CONST: the constant `bits`, not stored anywhere yet;
                     V_ADDIMM: i32 slot `local` (a local, or the entry's own slot) plus
                     the constant `bits`, not computed yet (loads and stores fold it) */
    uint32_t local;
    uint64_t bits;
} vent;

/* A control frame (spec: ctrl_frame) plus its code generation state. */
typedef struct ctl {
    uint8_t kind;
    uint8_t bt_kind;
    uint8_t bt_val;
    bool unreachable; /* the rest of the frame is unreachable (polymorphic stack) */
    bool skip;        /* nothing reaches the rest of this arm: emit nothing */
    bool dead;        /* entered in unreachable code: nothing is emitted inside */
    bool targeted;    /* a branch to the end label was emitted */
    uint32_t bt_type;
    uint32_t height;     /* operand stack height at entry, parameters excluded */
    uint32_t patch;      /* chain of branch fields waiting for the end label (pos + 1) */
    uint32_t else_patch; /* if: the branch to else (pos + 1), 0 once placed */
    uint32_t loop_pos;   /* loop: code position of the header */
    /* metering */
    uint32_t fuel_chain; /* fuel fields of branches to the label (pos + 1 chain) */
    uint32_t else_fuel;  /* if: the fuel field of the branch to else */
    uint32_t loop_cost;  /* loop: fuel of the header's segment, NONE until known */
    uint32_t seg_pt;     /* loop: its entry in cc.seg_pts while unresolved, else NONE */
} ctl;

/* A place where control enters the open straight-line segment: the fuel fields that pay
   for it (a chain, or the chain of the loop ctl `loop`) and the operators before it. */
typedef struct seg_pt {
    uint32_t chain;
    uint32_t loop;
    uint32_t mark;
} seg_pt;

typedef struct cc {
    wa_module *m;
    const wa_config *cfg;
    const int32_t *words;
    wa_error *err;
    wa_reader r;
    uint32_t func_idx;
    const wa_functype *ft;
    uint32_t op_offset;

    uint32_t nlocals;
    uint8_t *ltypes;
    uint32_t *lrefs; /* entries that read each local (V_LOCAL, V_ADDIMM) */
    uint32_t ltypes_cap, lrefs_cap, zk_cap;

    vent *vs;
    uint32_t vs_len, vs_cap, pend_lo, max_height;
    ctl *cs;
    uint32_t cs_len, cs_cap;
    uint32_t *code;
    uint32_t code_len, code_cap;
    uint32_t *stubs; /* br_table: entries that need a copy stub */
    uint32_t stubs_cap;
    uint32_t *pcmap; /* (code position, wasm offset) of instructions that can trap */
    uint32_t pcmap_len, pcmap_cap;

    /* constants read inside loops live in pool slots between the locals and the operand
       stack, stored once per call by a pool_init prologue. Slot fields are numbered as if
       there were no pool (pool entries as POOL_MARK | k) and renumbered at the end. */
    uint64_t pool[POOL_MAX];
    uint32_t pool_len, loop_depth;
    uint32_t *fix; /* positions of every slot field */
    uint32_t fix_len, fix_cap;
    uint8_t cur_mask, cur_field; /* slot fields of the instruction being emitted */
    uint32_t last_mov;           /* start of the last mov (mov2 merging), or NONE */
    uint32_t frame_slots;

    /* declared locals not written yet (still zero), until the first loop */
    uint8_t *zk;
    bool zk_on;

    bool live; /* code being read is reachable: emit it */

    /* peepholes: the last instruction with a plain destination, the last compare */
    uint32_t last_end, last_dst;
    uint32_t cmp_end, cmp_start, cmp_op, cmp_a, cmp_b, cmp_dst;
    /* the last load: an arithmetic operator that consumes it next may absorb it */
    uint32_t ld_end, ld_start, ld_op, ld_addr, ld_k, ld_off, ld_dst, ld_wasm;
    /* the last i32 shift by a constant: a xor/or/add that consumes it next may absorb it */
    uint32_t sh_end, sh_start, sh_op, sh_src, sh_k, sh_dst;
    /* the last add with a memory operand: a store of its result back there may absorb it */
    uint32_t am_end, am_start, am_op, am_other, am_addr, am_k, am_off, am_dst, am_wasm;
    /* the last "local = local + k": a loop test on it that follows may absorb it */
    uint32_t ai_end, ai_start, ai_dst, ai_src, ai_k;
    /* the last i32 add/and/or/xor of two slots: the next one that consumes it may absorb it */
    uint32_t bn_end, bn_start, bn_op, bn_a, bn_b, bn_dst;

    /* metering: operators of the open segment so far and where control enters it */
    bool metering;
    uint32_t fuel_count;
    seg_pt *seg_pts;
    uint32_t seg_len, seg_cap;
    bool entry_open;     /* the function's entry is in the open segment */
    uint32_t entry_fuel; /* fuel of the entry segment, once closed */
} cc;

/* ---- errors ---- */

static bool fail(cc *c, wa_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool fail(cc *c, wa_status st, const char *fmt, ...)
{
    if (c->err) {
        char msg[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (st == WA_ERR_UNSUPPORTED)
            wa_error_set(c->err, st, "%s: %s (code section, function %u, offset 0x%x)",
                         wa_status_str(st), msg, c->func_idx, c->op_offset);
        else
            wa_error_set(c->err, st, "%s: code section, function %u, offset 0x%x: %s",
                         wa_status_str(st), c->func_idx, c->op_offset, msg);
        c->err->func_idx = c->func_idx;
        c->err->offset = c->op_offset;
    }
    return false;
}

#define TRY(x)                  \
    do {                        \
        if (!(x)) return false; \
    } while (0)

static bool nomem(cc *c)
{
    return fail(c, WA_ERR_NOMEM, "out of memory");
}

static bool mismatch(cc *c)
{
    return fail(c, WA_ERR_INVALID, "type mismatch");
}

/* Grows *p (elements of size elem, capacity *cap) to hold need elements. */
static bool reserve(cc *c, void **p, uint32_t *cap, size_t elem, uint64_t need)
{
    if (need <= *cap) return true;
    if (need > UINT32_MAX / 2)
        return fail(c, WA_ERR_LIMIT, "implementation limit: function too large");
    uint64_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *np = wa__realloc(c->cfg, *p, (size_t)*cap * elem, (size_t)ncap * elem);
    if (!np) return nomem(c);
    *p = np;
    *cap = (uint32_t)ncap;
    return true;
}

/* ---- reading ---- */

static bool rd_fail(cc *c)
{
    return fail(c, WA_ERR_MALFORMED, "%s", c->r.fail ? c->r.fail : "unexpected end");
}

static bool rd_u8(cc *c, uint8_t *v)
{
    if (wa__read_u8(&c->r, v)) return true;
    *v = 0;
    return rd_fail(c);
}

/* A signed LEB128 of at most `bits` bits: one-byte fast path (most constants and block
   types), the rest in reader.c. */
static inline bool rd_sleb(cc *c, unsigned bits, int64_t *v)
{
    if (LIKELY(c->r.p < c->r.end && *c->r.p < 0x80)) {
        *v = (int64_t)(int8_t)(uint8_t)(*c->r.p++ << 1) >> 1;
        return true;
    }
    uint64_t u = 0;
    bool ok = wa__read_leb_slow(&c->r, bits, true, &u);
    *v = (int64_t)u;
    return ok || rd_fail(c);
}

static inline __attribute__((always_inline)) bool rd_u32(cc *c, uint32_t *v)
{
    const uint8_t *p = c->r.p;
    if (LIKELY(p < c->r.end && p[0] < 0x80)) {
        *v = p[0];
        c->r.p = p + 1;
        return true;
    }
    if (c->r.end - p >= 2 && p[1] < 0x80) {
        /* two bytes: indices and offsets past 127 */
        *v = (uint32_t)(p[0] & 0x7f) | (uint32_t)p[1] << 7;
        c->r.p = p + 2;
        return true;
    }
    if (wa__read_u32(&c->r, v)) return true;
    *v = 0;
    return rd_fail(c);
}

static bool rd_zero(cc *c)
{
    uint8_t b;
    TRY(rd_u8(c, &b));
    if (b != 0) return fail(c, WA_ERR_MALFORMED, "zero byte expected");
    return true;
}

static bool is_valtype(uint8_t t)
{
    return t == WA_I32 || t == WA_I64 || t == WA_F32 || t == WA_F64 || t == WA_FUNCREF ||
           t == WA_EXTERNREF;
}

static bool is_ref(uint8_t t)
{
    return t == WA_FUNCREF || t == WA_EXTERNREF;
}

static bool rd_valtype(cc *c, uint8_t *t)
{
    TRY(rd_u8(c, t));
    if (*t == WA_V128) return fail(c, WA_ERR_UNSUPPORTED, "SIMD");
    if (!is_valtype(*t)) return fail(c, WA_ERR_MALFORMED, "malformed value type");
    return true;
}

/* ---- code emission ---- */

static inline __attribute__((always_inline)) bool emit(cc *c, uint32_t w)
{
    if (c->code_len == c->code_cap &&
        !reserve(c, (void **)&c->code, &c->code_cap, sizeof *c->code, (uint64_t)c->code_len + 1))
        return false;
    if (c->cur_field < 8 && (c->cur_mask >> c->cur_field & 1)) {
        if (c->fix_len == c->fix_cap &&
            !reserve(c, (void **)&c->fix, &c->fix_cap, sizeof *c->fix, (uint64_t)c->fix_len + 1))
            return false;
        c->fix[c->fix_len++] = c->code_len;
    }
    c->cur_field++;
    c->code[c->code_len++] = w;
    return true;
}

static const uint8_t slot_masks[WA_OP_COUNT] = {
#define OP_DEF(name, layout) WA_SLOTS_##layout,
#include "ops.def"
#undef OP_DEF
};

/* Whether an instruction can trap (its position goes into the function's pcmap). */
static bool may_trap(uint32_t op)
{
    if (op >= WA_OP_br && op <= WA_OP_br_table_m) /* fuel, interrupts */
        return true;
    switch (op) {
    case WA_OP_i32_div_s:
    case WA_OP_i32_div_u:
    case WA_OP_i32_rem_s:
    case WA_OP_i32_rem_u:
    case WA_OP_i64_div_s:
    case WA_OP_i64_div_u:
    case WA_OP_i64_rem_s:
    case WA_OP_i64_rem_u:
    case WA_OP_i32_trunc_f32_s:
    case WA_OP_i32_trunc_f32_u:
    case WA_OP_i32_trunc_f64_s:
    case WA_OP_i32_trunc_f64_u:
    case WA_OP_i64_trunc_f32_s:
    case WA_OP_i64_trunc_f32_u:
    case WA_OP_i64_trunc_f64_s:
    case WA_OP_i64_trunc_f64_u:
    case WA_OP_unreachable:
    case WA_OP_call:
    case WA_OP_call_import:
    case WA_OP_call_indirect:
    case WA_OP_memory_fill:
    case WA_OP_memory_copy:
    case WA_OP_memory_init:
    case WA_OP_table_get:
    case WA_OP_table_set:
    case WA_OP_table_fill:
    case WA_OP_table_copy:
    case WA_OP_table_init:
        return true;
    default:
        return op >= WA_OP_i32_load && op <= WA_OP_store64;
    }
}

static bool emit_op(cc *c, uint32_t op)
{
    if (may_trap(op)) {
        if (c->pcmap_len + 2 > c->pcmap_cap &&
            !reserve(c, (void **)&c->pcmap, &c->pcmap_cap, sizeof *c->pcmap,
                     (uint64_t)c->pcmap_len + 2))
            return false;
        c->pcmap[c->pcmap_len++] = c->code_len;
        c->pcmap[c->pcmap_len++] = c->op_offset;
    }
    c->cur_mask = 0;
    TRY(emit(c, (uint32_t)c->words[op]));
    c->cur_mask = slot_masks[op];
    c->cur_field = 0;
    return true;
}

static bool emit64(cc *c, uint64_t v)
{
    return emit(c, (uint32_t)v) && emit(c, (uint32_t)(v >> 32));
}

static uint32_t slot_at(const cc *c, uint32_t height)
{
    return c->nlocals + height;
}

/* Code positions where a branch target is placed invalidate the peepholes. */
static void barrier(cc *c)
{
    c->last_end = NONE;
    c->cmp_end = NONE;
    c->last_mov = NONE;
    c->ld_end = NONE;
    c->sh_end = NONE;
    c->bn_end = NONE;
    c->am_end = NONE;
    c->ai_end = NONE;
}

/* Removes the code from pos on (an instruction being fused into the next). */
static void truncate_code(cc *c, uint32_t pos)
{
    c->code_len = pos;
    while (c->fix_len && c->fix[c->fix_len - 1] >= pos)
        c->fix_len--;
    while (c->pcmap_len && c->pcmap[c->pcmap_len - 2] >= pos)
        c->pcmap_len -= 2;
    barrier(c);
}

/* Records that the instruction just emitted writes its result to the field at pos. */
static void note_dst(cc *c, uint32_t pos)
{
    c->last_end = c->code_len;
    c->last_dst = pos;
}

/* Emits "dst = const". */
static bool emit_const(cc *c, uint32_t dst, uint64_t bits)
{
    uint32_t pos = c->code_len + 1;
    if (bits <= UINT32_MAX)
        TRY(emit_op(c, WA_OP_const32) && emit(c, dst) && emit(c, (uint32_t)bits));
    else
        TRY(emit_op(c, WA_OP_const64) && emit(c, dst) && emit64(c, bits));
    note_dst(c, pos);
    return true;
}

static bool emit_mov(cc *c, uint32_t dst, uint32_t src)
{
    if (dst == src) return true;
    if (c->last_mov != NONE && c->last_mov + WA_LAYOUT_D_A == c->code_len) {
        /* right after another mov: make the pair one mov2 */
        c->code[c->last_mov] = (uint32_t)c->words[WA_OP_mov2];
        c->cur_mask = slot_masks[WA_OP_mov2];
        c->cur_field = 2;
        uint32_t pos = c->code_len;
        TRY(emit(c, dst) && emit(c, src));
        note_dst(c, pos);
        c->last_mov = NONE;
        return true;
    }
    uint32_t start = c->code_len;
    TRY(emit_op(c, WA_OP_mov) && emit(c, dst) && emit(c, src));
    note_dst(c, start + 1);
    c->last_mov = start;
    return true;
}

/*
 * ---- metering ----
 * Code runs in straight-line segments, each ending at a branch. Whatever moves control
 * into a segment pays for the operators from there to the segment's end: a branch for
 * its target (taken) and for the code after it (not taken), a call for the callee's
 * first segment. Labels do not end segments: falling into one costs nothing extra, and a
 * branch to it pays only for the operators after it. So each executed operator costs
 * exactly one unit, and no instruction is spent on metering.
 */

/* Fills the fuel fields of a chain with n. */
static void resolve_fuel(cc *c, uint32_t chain, uint32_t n)
{
    while (chain) {
        uint32_t f = chain - 1;
        chain = c->code[f];
        c->code[f] = n;
    }
}

/* Records that control enters the open segment here, paid by the fields of chain (or of
   loop label `loop`'s chain). */
static bool seg_enter(cc *c, uint32_t chain, uint32_t loop)
{
    if (!c->metering) return true;
    TRY(reserve(c, (void **)&c->seg_pts, &c->seg_cap, sizeof *c->seg_pts,
                (uint64_t)c->seg_len + 1));
    seg_pt p = {chain, loop, c->fuel_count};
    if (loop != NONE) c->cs[loop].seg_pt = c->seg_len;
    c->seg_pts[c->seg_len++] = p;
    return true;
}

/* Ends the open segment (after a branch, or at the function's end): every entry point now
   knows its cost. */
static void seg_close(cc *c)
{
    if (!c->metering) return;
    for (uint32_t i = 0; i < c->seg_len; i++) {
        seg_pt *p = &c->seg_pts[i];
        uint32_t cost = c->fuel_count - p->mark;
        if (p->loop != NONE) {
            ctl *f = &c->cs[p->loop];
            f->loop_cost = cost;
            f->seg_pt = NONE;
            resolve_fuel(c, f->fuel_chain, cost);
            f->fuel_chain = 0;
        } else {
            resolve_fuel(c, p->chain, cost);
        }
    }
    if (c->entry_open) c->entry_fuel = c->fuel_count;
    c->entry_open = false;
    c->seg_len = 0;
    c->fuel_count = 0;
}

/* Emits a fuel field paid by the segment that starts right after this branch. */
static bool emit_fallthrough_fuel(cc *c, uint32_t *pos)
{
    *pos = c->code_len;
    return emit(c, 0);
}

/* ---- operand stack ---- */

static ctl *top_ctl(cc *c)
{
    return &c->cs[c->cs_len - 1];
}

static void set_live(cc *c)
{
    const ctl *f = top_ctl(c);
    c->live = !f->dead && !f->skip;
}

/* The local an entry still reads, or NONE. */
static uint32_t reads_local(const cc *c, const vent *e)
{
    if (e->kind == V_LOCAL || (e->kind == V_ADDIMM && e->local < c->nlocals)) return e->local;
    return NONE;
}

static inline __attribute__((always_inline)) bool push_ent(cc *c, vent e)
{
    if (c->vs_len == c->vs_cap &&
        !reserve(c, (void **)&c->vs, &c->vs_cap, sizeof *c->vs, (uint64_t)c->vs_len + 1))
        return false;
    if (c->vs_len >= MAX_HEIGHT)
        return fail(c, WA_ERR_LIMIT, "implementation limit: operand stack too deep");
    uint32_t l = reads_local(c, &e);
    if (l != NONE) c->lrefs[l]++;
    if (e.kind != V_SLOT && c->vs_len < c->pend_lo) c->pend_lo = c->vs_len;
    c->vs[c->vs_len++] = e;
    if (c->vs_len > c->max_height) c->max_height = c->vs_len;
    return true;
}

static bool push(cc *c, uint8_t type)
{
    vent e = {type, V_SLOT, 0, 0};
    return push_ent(c, e);
}

static bool push_const(cc *c, uint8_t type, uint64_t bits)
{
    vent e = {type, V_CONST, 0, bits};
    return push_ent(c, e);
}

/* Drops entries above height h (consumers gone: unreachable code, frame ends). */
static void drop_to(cc *c, uint32_t h)
{
    while (c->vs_len > h) {
        vent *e = &c->vs[--c->vs_len];
        uint32_t l = reads_local(c, e);
        if (l != NONE) c->lrefs[l]--;
    }
    if (c->pend_lo > c->vs_len) c->pend_lo = c->vs_len;
}

/* spec: pop_val / pop_val(expect). expect T_UNKNOWN accepts anything. */
static inline __attribute__((always_inline)) bool pop(cc *c, uint8_t expect, vent *out)
{
    const ctl *f = top_ctl(c);
    if (c->vs_len == f->height) {
        if (!f->unreachable) return mismatch(c);
        out->type = T_UNKNOWN;
        out->kind = V_SLOT;
        out->local = 0;
        out->bits = 0;
        return true;
    }
    vent e = c->vs[--c->vs_len];
    uint32_t l = reads_local(c, &e);
    if (l != NONE) c->lrefs[l]--;
    if (c->pend_lo > c->vs_len) c->pend_lo = c->vs_len;
    if (expect != T_UNKNOWN && e.type != T_UNKNOWN && e.type != expect) return mismatch(c);
    *out = e;
    return true;
}

/* Emits code that stores the value of entry e, which stands at height h, in slot dst. */
static bool emit_value(cc *c, const vent *e, uint32_t h, uint32_t dst)
{
    switch (e->kind) {
    case V_SLOT:
        return emit_mov(c, dst, slot_at(c, h));
    case V_LOCAL:
        return emit_mov(c, dst, e->local);
    case V_CONST:
        return emit_const(c, dst, e->bits);
    default: {
        uint32_t pos = c->code_len + 1;
        TRY(emit_op(c, WA_OP_i32_add_imm) && emit(c, dst) && emit(c, e->local) &&
            emit(c, (uint32_t)e->bits));
        note_dst(c, pos);
        c->ai_end = c->code_len;
        c->ai_start = pos - 1;
        c->ai_dst = dst;
        c->ai_src = e->local;
        c->ai_k = (uint32_t)e->bits;
        return true;
    }
    }
}

/* Moves the entry at index i into its own slot. */
static bool materialise(cc *c, uint32_t i)
{
    vent *e = &c->vs[i];
    if (e->kind == V_SLOT) return true;
    if (c->live) TRY(emit_value(c, e, i, slot_at(c, i)));
    uint32_t l = reads_local(c, e);
    if (l != NONE) c->lrefs[l]--;
    e->kind = V_SLOT;
    return true;
}

/* Materialises every entry (block boundaries). */
static bool flush(cc *c)
{
    for (uint32_t i = c->pend_lo; i < c->vs_len; i++)
        TRY(materialise(c, i));
    c->pend_lo = c->vs_len;
    return true;
}

/* Materialises the entries that still read local x (before x is written). */
static bool flush_local(cc *c, uint32_t x)
{
    /* from the top down: stops at the deepest reference, so the work stays linear in
       the number of entries pushed (scanning up from pend_lo could be quadratic) */
    for (uint32_t i = c->vs_len; i-- > c->pend_lo && c->lrefs[x] > 0;)
        if (reads_local(c, &c->vs[i]) == x) TRY(materialise(c, i));
    return true;
}

/* The slot an instruction reads a popped entry (which stood at height h) from. */
static bool operand(cc *c, const vent *e, uint32_t h, uint32_t *slot)
{
    switch (e->kind) {
    case V_LOCAL:
        *slot = e->local;
        return true;
    case V_CONST:
        /* a null reference stays out of the pool: the image verifier tracks which slots
           hold funcrefs, and a pool slot also read as a number does not count as one */
        if (c->live && c->loop_depth > 0 && !is_ref(e->type)) {
            uint32_t k = 0;
            while (k < c->pool_len && c->pool[k] != e->bits)
                k++;
            if (k < POOL_MAX) {
                if (k == c->pool_len) c->pool[c->pool_len++] = e->bits;
                *slot = POOL_MARK | k;
                return true;
            }
        }
        __attribute__((fallthrough));
    case V_ADDIMM:
        *slot = slot_at(c, h);
        return !c->live || emit_value(c, e, h, *slot);
    default:
        *slot = slot_at(c, h);
        return true;
    }
}

/* ---- block types and labels ---- */

static const uint8_t *bt_params(const cc *c, const ctl *f, uint32_t *n)
{
    if (f->bt_kind == BT_TYPE) {
        const wa_functype *t = &c->m->types[f->bt_type];
        *n = t->param_count;
        return t->params;
    }
    *n = 0;
    return NULL;
}

static const uint8_t *bt_results(const cc *c, const ctl *f, uint32_t *n)
{
    if (f->bt_kind == BT_TYPE) {
        const wa_functype *t = &c->m->types[f->bt_type];
        *n = t->result_count;
        return t->results;
    }
    if (f->bt_kind == BT_VAL) {
        *n = 1;
        return &f->bt_val;
    }
    *n = 0;
    return NULL;
}

/* spec: label_types: a loop's label takes its parameters, others their results. */
static const uint8_t *label_types(const cc *c, const ctl *f, uint32_t *n)
{
    return f->kind == K_LOOP ? bt_params(c, f, n) : bt_results(c, f, n);
}

/* Checks the top n entries against types without consuming them, as the spec's
   pop_vals then push_vals do: with retype the entries take the declared types (push_vals
   of the types), without they keep what was popped (br_table pushes the popped values).
   Where the stack is short (unreachable code) the missing entries are added. */
static bool check_top(cc *c, const uint8_t *types, uint32_t n, bool retype)
{
    const ctl *f = top_ctl(c);
    if (c->vs_len - f->height >= n) {
        for (uint32_t i = 0; i < n; i++) {
            vent *e = &c->vs[c->vs_len - n + i];
            if (e->type == T_UNKNOWN) {
                if (retype) e->type = types[i];
            } else if (e->type != types[i]) {
                return mismatch(c);
            }
        }
        return true;
    }
    if (!f->unreachable) return mismatch(c);
    uint32_t have = c->vs_len - f->height;
    for (uint32_t i = 0; i < have; i++) {
        vent *e = &c->vs[c->vs_len - have + i];
        uint8_t t = types[n - have + i];
        if (e->type == T_UNKNOWN) {
            if (retype) e->type = t;
        } else if (e->type != t) {
            return mismatch(c);
        }
    }
    /* the missing bottom entries: Unknown popped, pushed back as typed or Unknown */
    uint32_t missing = n - have;
    TRY(reserve(c, (void **)&c->vs, &c->vs_cap, sizeof *c->vs, (uint64_t)c->vs_len + missing));
    memmove(&c->vs[f->height + missing], &c->vs[f->height], (size_t)have * sizeof *c->vs);
    for (uint32_t i = 0; i < missing; i++) {
        vent e = {retype ? types[i] : T_UNKNOWN, V_SLOT, 0, 0};
        c->vs[f->height + i] = e;
    }
    c->vs_len += missing;
    if (c->vs_len > c->max_height) c->max_height = c->vs_len;
    return true;
}

/* Pops exactly the frame's results and checks nothing else is left (spec: pop_ctrl). */
static bool check_frame_end(cc *c, const uint8_t *types, uint32_t n)
{
    TRY(check_top(c, types, n, true));
    if (c->vs_len != top_ctl(c)->height + n) return mismatch(c);
    return true;
}

/* Emits the displacement field of a branch to label li, then (metered code) its fuel. */
static bool emit_target(cc *c, uint32_t li)
{
    ctl *f = &c->cs[li];
    uint32_t pos = c->code_len;
    if (f->kind == K_LOOP) {
        TRY(emit(c, (uint32_t)((int64_t)f->loop_pos - (int64_t)pos)));
    } else {
        TRY(emit(c, f->patch));
        f->patch = pos + 1;
        f->targeted = true;
    }
    if (!c->metering) return true;
    if (f->kind == K_LOOP && f->loop_cost != NONE) return emit(c, f->loop_cost);
    pos = c->code_len;
    TRY(emit(c, f->fuel_chain));
    f->fuel_chain = pos + 1;
    return true;
}

/* The opcode of a branch, metered when the module is. */
static uint32_t br_op(const cc *c, uint32_t op)
{
    return c->metering ? WA_OP_METERED(op) : op;
}

/* Points every field of a patch chain at position `here`. */
static void resolve(cc *c, uint32_t chain, uint32_t here)
{
    while (chain) {
        uint32_t f = chain - 1;
        chain = c->code[f];
        c->code[f] = (uint32_t)((int64_t)here - (int64_t)f);
    }
}

/* Copies the top n entries into slots [dst, dst + n). With commit, entries copied into
   their own slot become V_SLOT (only valid when the copy runs on every path). */
static bool emit_copies(cc *c, uint32_t n, uint32_t dst, bool commit)
{
    uint32_t first = c->vs_len - n;
    for (uint32_t i = 0; i < n; i++) {
        vent *e = &c->vs[first + i];
        uint32_t t = dst + i;
        TRY(emit_value(c, e, first + i, t));
        if (commit && t == slot_at(c, first + i) && e->kind != V_SLOT) {
            uint32_t l = reads_local(c, e);
            if (l != NONE) c->lrefs[l]--;
            e->kind = V_SLOT;
        }
    }
    return true;
}

/* Emits a return of the function's results from the top of the stack. */
static bool emit_return(cc *c, bool commit)
{
    uint32_t n = c->ft->result_count;
    if (n == 0) return emit_op(c, WA_OP_ret0);
    if (n == 1) {
        vent *e = &c->vs[c->vs_len - 1];
        uint32_t src = slot_at(c, c->vs_len - 1);
        if (e->kind == V_LOCAL)
            src = e->local;
        else if (e->kind != V_SLOT)
            TRY(emit_value(c, e, c->vs_len - 1, src));
        return emit_op(c, WA_OP_ret1) && emit(c, src);
    }
    uint32_t first = slot_at(c, c->vs_len - n);
    TRY(emit_copies(c, n, first, commit));
    return emit_op(c, WA_OP_retn) && emit(c, first) && emit(c, n);
}

/* Emits an unconditional transfer to label li carrying its values. */
static bool emit_jump(cc *c, uint32_t li, bool commit)
{
    if (li == 0) return emit_return(c, commit);
    uint32_t n;
    label_types(c, &c->cs[li], &n);
    TRY(emit_copies(c, n, slot_at(c, c->cs[li].height), commit));
    return emit_op(c, br_op(c, WA_OP_br)) && emit_target(c, li);
}

/* Whether a branch to li can be taken without moving values (they are in place). */
static bool in_place(cc *c, uint32_t li)
{
    if (li == 0) return false;
    uint32_t n;
    label_types(c, &c->cs[li], &n);
    return c->vs_len - n == c->cs[li].height;
}

/* ---- conditions: a popped i32 entry, possibly the compare just emitted ---- */

typedef struct cond {
    uint32_t op; /* compare opcode (WA_OP_i32_eq...), WA_OP_i32_eqz/i64_eqz, or 0: plain */
    uint32_t a, b;
    uint32_t inc_start, inc_k; /* "a = a + inc_k" just before the compare, or NONE */
} cond;

static const uint8_t cmp_negate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
static const uint8_t cmp_mirror[10] = {0, 1, 4, 5, 2, 3, 8, 9, 6, 7};

static bool is_cmp(uint32_t op)
{
    return (op >= WA_OP_i32_eq && op <= WA_OP_i32_ge_u_imm) ||
           (op >= WA_OP_i64_eq && op <= WA_OP_i64_ge_u_imm) || op == WA_OP_i32_eqz ||
           op == WA_OP_i64_eqz;
}

/* Pops the condition of br_if/if and turns the compare that produced it, if it is the
   last instruction, into the condition itself (its code is removed). */
static bool pop_cond(cc *c, cond *k)
{
    vent e;
    TRY(pop(c, WA_I32, &e));
    k->op = 0;
    k->a = k->b = 0;
    k->inc_start = NONE;
    k->inc_k = 0;
    if (!c->live) return true;
    uint32_t h = c->vs_len;
    if (e.kind == V_SLOT && c->cmp_end == c->code_len && c->cmp_dst == slot_at(c, h)) {
        k->op = c->cmp_op;
        k->a = c->cmp_a;
        k->b = c->cmp_b;
        if (c->ai_end == c->cmp_start && c->ai_dst == c->ai_src && c->ai_dst == k->a &&
            c->code[c->ai_start + 1] == c->ai_dst) {
            k->inc_start = c->ai_start;
            k->inc_k = c->ai_k;
        }
        truncate_code(c, c->cmp_start);
        return true;
    }
    return operand(c, &e, h, &k->a);
}

/* Emits the conditional branch "if (k) goto", or "if (!k) goto" with negate; the caller
   emits the target field next. */
static bool emit_cond_branch(cc *c, const cond *k, bool negate)
{
    uint32_t op = k->op;
    if (op == 0) return emit_op(c, br_op(c, negate ? WA_OP_br_eqz : WA_OP_br_nez)) && emit(c, k->a);
    if (op == WA_OP_i32_eqz)
        return emit_op(c, br_op(c, negate ? WA_OP_br_nez : WA_OP_br_eqz)) && emit(c, k->a);
    if (op == WA_OP_i64_eqz)
        return emit_op(c, br_op(c, negate ? WA_OP_br_nez_i64 : WA_OP_br_eqz_i64)) && emit(c, k->a);
    uint32_t base, br;
    if (op >= WA_OP_i32_eq && op <= WA_OP_i32_ge_u)
        base = WA_OP_i32_eq, br = WA_OP_br_eq_i32;
    else if (op >= WA_OP_i32_eq_imm && op <= WA_OP_i32_ge_u_imm)
        base = WA_OP_i32_eq_imm, br = WA_OP_br_eq_i32_imm;
    else if (op >= WA_OP_i64_eq && op <= WA_OP_i64_ge_u)
        base = WA_OP_i64_eq, br = WA_OP_br_eq_i64;
    else
        base = WA_OP_i64_eq_imm, br = WA_OP_br_eq_i64_imm;
    uint32_t idx = op - base;
    if (negate) idx = cmp_negate[idx];
    if (br + idx == WA_OP_br_ne_i32_imm && k->inc_start != NONE &&
        k->inc_start + WA_LAYOUT_D_A_I == c->code_len) {
        /* a = a + inc; if (a != b): one instruction */
        truncate_code(c, k->inc_start);
        return emit_op(c, c->metering ? WA_OP_br_ne_i32_inc_m : WA_OP_br_ne_i32_inc) &&
               emit(c, k->a) && emit(c, k->inc_k) && emit(c, k->b);
    }
    return emit_op(c, br_op(c, br + idx)) && emit(c, k->a) && emit(c, k->b);
}

/* ---- numeric operators (0x45..0xc4) ---- */

enum { SH_NONE, SH_UN, SH_BIN, SH_RETYPE };
enum { F_COMM = 1, F_CMP = 2 };

typedef struct numop {
    uint16_t op;     /* internal opcode */
    uint16_t imm_op; /* variant with a constant right operand, 0 if none */
    uint8_t in, out, shape, flags;
} numop;

#define UN(o, i, r)                            \
    {                                          \
        WA_OP_##o, 0, WA_##i, WA_##r, SH_UN, 0 \
    }
#define UNC(o, i, r)                               \
    {                                              \
        WA_OP_##o, 0, WA_##i, WA_##r, SH_UN, F_CMP \
    }
#define BI(o, t)                                \
    {                                           \
        WA_OP_##o, 0, WA_##t, WA_##t, SH_BIN, 0 \
    }
#define BII(o, t, fl)                                          \
    {                                                          \
        WA_OP_##o, WA_OP_##o##_imm, WA_##t, WA_##t, SH_BIN, fl \
    }
#define CMPI(o, t, fl)                                                   \
    {                                                                    \
        WA_OP_##o, WA_OP_##o##_imm, WA_##t, WA_I32, SH_BIN, F_CMP | (fl) \
    }
#define CMPF(o, t)                              \
    {                                           \
        WA_OP_##o, 0, WA_##t, WA_I32, SH_BIN, 0 \
    }
#define RETYPE(i, r)                       \
    {                                      \
        0, 0, WA_##i, WA_##r, SH_RETYPE, 0 \
    }

static const numop numops[0xc5 - 0x45] = {
    UNC(i32_eqz, I32, I32),
    CMPI(i32_eq, I32, F_COMM),
    CMPI(i32_ne, I32, F_COMM),
    CMPI(i32_lt_s, I32, 0),
    CMPI(i32_lt_u, I32, 0),
    CMPI(i32_gt_s, I32, 0),
    CMPI(i32_gt_u, I32, 0),
    CMPI(i32_le_s, I32, 0),
    CMPI(i32_le_u, I32, 0),
    CMPI(i32_ge_s, I32, 0),
    CMPI(i32_ge_u, I32, 0),
    UNC(i64_eqz, I64, I32),
    CMPI(i64_eq, I64, F_COMM),
    CMPI(i64_ne, I64, F_COMM),
    CMPI(i64_lt_s, I64, 0),
    CMPI(i64_lt_u, I64, 0),
    CMPI(i64_gt_s, I64, 0),
    CMPI(i64_gt_u, I64, 0),
    CMPI(i64_le_s, I64, 0),
    CMPI(i64_le_u, I64, 0),
    CMPI(i64_ge_s, I64, 0),
    CMPI(i64_ge_u, I64, 0),
    CMPF(f32_eq, F32),
    CMPF(f32_ne, F32),
    CMPF(f32_lt, F32),
    CMPF(f32_gt, F32),
    CMPF(f32_le, F32),
    CMPF(f32_ge, F32),
    CMPF(f64_eq, F64),
    CMPF(f64_ne, F64),
    CMPF(f64_lt, F64),
    CMPF(f64_gt, F64),
    CMPF(f64_le, F64),
    CMPF(f64_ge, F64),
    UN(i32_clz, I32, I32),
    UN(i32_ctz, I32, I32),
    UN(i32_popcnt, I32, I32),
    BII(i32_add, I32, F_COMM),
    BII(i32_sub, I32, 0),
    BII(i32_mul, I32, F_COMM),
    BI(i32_div_s, I32),
    BI(i32_div_u, I32),
    BI(i32_rem_s, I32),
    BI(i32_rem_u, I32),
    BII(i32_and, I32, F_COMM),
    BII(i32_or, I32, F_COMM),
    BII(i32_xor, I32, F_COMM),
    BII(i32_shl, I32, 0),
    BII(i32_shr_s, I32, 0),
    BII(i32_shr_u, I32, 0),
    BII(i32_rotl, I32, 0),
    BI(i32_rotr, I32),
    UN(i64_clz, I64, I64),
    UN(i64_ctz, I64, I64),
    UN(i64_popcnt, I64, I64),
    BII(i64_add, I64, F_COMM),
    BII(i64_sub, I64, 0),
    BII(i64_mul, I64, F_COMM),
    BI(i64_div_s, I64),
    BI(i64_div_u, I64),
    BI(i64_rem_s, I64),
    BI(i64_rem_u, I64),
    BII(i64_and, I64, F_COMM),
    BII(i64_or, I64, F_COMM),
    BII(i64_xor, I64, F_COMM),
    BII(i64_shl, I64, 0),
    BII(i64_shr_s, I64, 0),
    BII(i64_shr_u, I64, 0),
    BII(i64_rotl, I64, 0),
    BI(i64_rotr, I64),
    UN(f32_abs, F32, F32),
    UN(f32_neg, F32, F32),
    UN(f32_ceil, F32, F32),
    UN(f32_floor, F32, F32),
    UN(f32_trunc, F32, F32),
    UN(f32_nearest, F32, F32),
    UN(f32_sqrt, F32, F32),
    BI(f32_add, F32),
    BI(f32_sub, F32),
    BI(f32_mul, F32),
    BI(f32_div, F32),
    BI(f32_min, F32),
    BI(f32_max, F32),
    BI(f32_copysign, F32),
    UN(f64_abs, F64, F64),
    UN(f64_neg, F64, F64),
    UN(f64_ceil, F64, F64),
    UN(f64_floor, F64, F64),
    UN(f64_trunc, F64, F64),
    UN(f64_nearest, F64, F64),
    UN(f64_sqrt, F64, F64),
    BI(f64_add, F64),
    BI(f64_sub, F64),
    BI(f64_mul, F64),
    BI(f64_div, F64),
    BI(f64_min, F64),
    BI(f64_max, F64),
    BI(f64_copysign, F64),
    UN(i32_wrap_i64, I64, I32),
    UN(i32_trunc_f32_s, F32, I32),
    UN(i32_trunc_f32_u, F32, I32),
    UN(i32_trunc_f64_s, F64, I32),
    UN(i32_trunc_f64_u, F64, I32),
    UN(i64_extend_i32_s, I32, I64),
    RETYPE(I32, I64), /* extend_i32_u: i32 slots are
                          zero-extended already */
    UN(i64_trunc_f32_s, F32, I64),
    UN(i64_trunc_f32_u, F32, I64),
    UN(i64_trunc_f64_s, F64, I64),
    UN(i64_trunc_f64_u, F64, I64),
    UN(f32_convert_i32_s, I32, F32),
    UN(f32_convert_i32_u, I32, F32),
    UN(f32_convert_i64_s, I64, F32),
    UN(f32_convert_i64_u, I64, F32),
    UN(f32_demote_f64, F64, F32),
    UN(f64_convert_i32_s, I32, F64),
    UN(f64_convert_i32_u, I32, F64),
    UN(f64_convert_i64_s, I64, F64),
    UN(f64_convert_i64_u, I64, F64),
    UN(f64_promote_f32, F32, F64),
    RETYPE(F32, I32),
    RETYPE(F64, I64),
    RETYPE(I32, F32),
    RETYPE(I64, F64),
    UN(i32_extend8_s, I32, I32),
    UN(i32_extend16_s, I32, I32),
    UN(i64_extend8_s, I64, I64),
    UN(i64_extend16_s, I64, I64),
    UN(i64_extend32_s, I64, I64),
};

/* Whether a constant of type t fits the 32-bit immediate of an _imm instruction. */
static bool imm_fits(uint8_t t, uint64_t bits, uint32_t *imm)
{
    if (t == WA_I32) {
        *imm = (uint32_t)bits;
        return true;
    }
    int64_t v = (int64_t)bits;
    if (v < INT32_MIN || v > INT32_MAX) return false;
    *imm = (uint32_t)(int32_t)v;
    return true;
}

static void note_cmp(cc *c, uint32_t start, uint32_t op, uint32_t a, uint32_t b, uint32_t dst)
{
    c->cmp_end = c->code_len;
    c->cmp_start = start;
    c->cmp_op = op;
    c->cmp_a = a;
    c->cmp_b = b;
    c->cmp_dst = dst;
}

/* a op [mem]: when one operand of op is the value the last load produced (and nothing
   was emitted since), the load is taken back and op reads memory itself. */
static bool fuse_load(cc *c, uint32_t op, const vent *a, const vent *b, bool *fused)
{
    uint32_t m, ld;
    bool comm = true;
    *fused = false;
    switch (op) {
    case WA_OP_i32_add:
        m = WA_OP_i32_add_m, ld = WA_OP_i32_load;
        break;
    case WA_OP_i64_add:
        m = WA_OP_i64_add_m, ld = WA_OP_i64_load;
        break;
    case WA_OP_f32_add:
        m = WA_OP_f32_add_m, ld = WA_OP_i32_load;
        break;
    case WA_OP_f32_mul:
        m = WA_OP_f32_mul_m, ld = WA_OP_i32_load;
        break;
    case WA_OP_f32_sub:
        m = WA_OP_f32_sub_m, ld = WA_OP_i32_load, comm = false;
        break;
    case WA_OP_f64_add:
        m = WA_OP_f64_add_m, ld = WA_OP_i64_load;
        break;
    case WA_OP_f64_mul:
        m = WA_OP_f64_mul_m, ld = WA_OP_i64_load;
        break;
    case WA_OP_f64_sub:
        m = WA_OP_f64_sub_m, ld = WA_OP_i64_load, comm = false;
        break;
    default:
        return true;
    }
    if (c->ld_end != c->code_len || c->ld_op != ld) return true;
    uint32_t h = c->vs_len, other;
    if (b->kind == V_SLOT && c->ld_dst == slot_at(c, h + 1) &&
        (a->kind == V_SLOT || a->kind == V_LOCAL)) {
        other = a->kind == V_LOCAL ? a->local : slot_at(c, h);
    } else if (comm && a->kind == V_SLOT && c->ld_dst == slot_at(c, h) &&
               (b->kind == V_SLOT || b->kind == V_LOCAL)) {
        other = b->kind == V_LOCAL ? b->local : slot_at(c, h + 1);
    } else {
        return true;
    }
    uint32_t addr = c->ld_addr, k = c->ld_k, off = c->ld_off, at = c->op_offset;
    truncate_code(c, c->ld_start);
    c->op_offset = c->ld_wasm; /* a trap is the load's */
    uint32_t start = c->code_len;
    bool ok = emit_op(c, m) && emit(c, slot_at(c, h)) && emit(c, other) && emit(c, addr) &&
              emit(c, k) && emit(c, off);
    c->op_offset = at;
    TRY(ok);
    note_dst(c, start + 1);
    if (m == WA_OP_i32_add_m || m == WA_OP_i64_add_m || m == WA_OP_f32_add_m ||
        m == WA_OP_f64_add_m) {
        c->am_end = c->code_len;
        c->am_start = start;
        c->am_op = m;
        c->am_other = other;
        c->am_addr = addr;
        c->am_k = k;
        c->am_off = off;
        c->am_dst = slot_at(c, h);
        c->am_wasm = c->ld_wasm;
    }
    *fused = true;
    return true;
}

/* a op (b shift k): when one operand of an i32 xor/or/add is the value the last shift by
   a constant produced (and nothing was emitted since), the shift is taken back and op
   shifts itself. */
static bool fuse_shift(cc *c, uint32_t op, const vent *a, const vent *b, bool *fused)
{
    uint32_t base;
    *fused = false;
    switch (op) {
    case WA_OP_i32_xor:
        base = WA_OP_i32_xor_rotl;
        break;
    case WA_OP_i32_or:
        base = WA_OP_i32_or_rotl;
        break;
    case WA_OP_i32_add:
        base = WA_OP_i32_add_rotl;
        break;
    default:
        return true;
    }
    if (c->sh_end != c->code_len || c->code[c->sh_start + 1] != c->sh_dst) return true;
    uint32_t h = c->vs_len, other;
    if (b->kind == V_SLOT && c->sh_dst == slot_at(c, h + 1) &&
        (a->kind == V_SLOT || a->kind == V_LOCAL)) {
        other = a->kind == V_LOCAL ? a->local : slot_at(c, h);
    } else if (a->kind == V_SLOT && c->sh_dst == slot_at(c, h) && b->kind == V_LOCAL) {
        other = b->local;
    } else {
        return true;
    }
    uint32_t src = c->sh_src, k = c->sh_k;
    uint32_t m = base + (c->sh_op == WA_OP_i32_rotl_imm  ? 0
                         : c->sh_op == WA_OP_i32_shl_imm ? 1
                                                         : 2);
    truncate_code(c, c->sh_start);
    uint32_t start = c->code_len;
    TRY(emit_op(c, m) && emit(c, slot_at(c, h)) && emit(c, other) && emit(c, src) && emit(c, k));
    note_dst(c, start + 1);
    *fused = true;
    return true;
}

/* The row of an i32 add/and/or/xor in the a op (b op2 c) table, or -1. */
static int bin_row(uint32_t op)
{
    switch (op) {
    case WA_OP_i32_add:
        return 0;
    case WA_OP_i32_and:
        return 1;
    case WA_OP_i32_or:
        return 2;
    case WA_OP_i32_xor:
        return 3;
    default:
        return -1;
    }
}

/* a op (b op2 c): as fuse_shift, for an i32 add/and/or/xor of two slots consumed by the
   next add/and/or/xor. */
static bool fuse_bin(cc *c, uint32_t op, const vent *a, const vent *b, bool *fused)
{
    int row = bin_row(op);
    *fused = false;
    if (row < 0 || c->bn_end != c->code_len || c->code[c->bn_start + 1] != c->bn_dst) return true;
    uint32_t h = c->vs_len, other;
    if (b->kind == V_SLOT && c->bn_dst == slot_at(c, h + 1) &&
        (a->kind == V_SLOT || a->kind == V_LOCAL)) {
        other = a->kind == V_LOCAL ? a->local : slot_at(c, h);
    } else if (a->kind == V_SLOT && c->bn_dst == slot_at(c, h) && b->kind == V_LOCAL) {
        other = b->local;
    } else {
        return true;
    }
    uint32_t x = c->bn_a, y = c->bn_b;
    uint32_t m = WA_OP_i32_add_add3 + 4 * (uint32_t)row + (uint32_t)bin_row(c->bn_op);
    truncate_code(c, c->bn_start);
    uint32_t start = c->code_len;
    TRY(emit_op(c, m) && emit(c, slot_at(c, h)) && emit(c, other) && emit(c, x) && emit(c, y));
    note_dst(c, start + 1);
    *fused = true;
    return true;
}

static bool numeric(cc *c, uint8_t opc)
{
    const numop *d = &numops[opc - 0x45];
    vent a, b;
    if (d->shape == SH_RETYPE) {
        TRY(pop(c, d->in, &a));
        a.type = d->out;
        return push_ent(c, a);
    }
    if (d->shape == SH_UN) {
        TRY(pop(c, d->in, &a));
        if (c->live) {
            uint32_t h = c->vs_len, sa, start;
            TRY(operand(c, &a, h, &sa));
            start = c->code_len;
            TRY(emit_op(c, d->op) && emit(c, slot_at(c, h)) && emit(c, sa));
            note_dst(c, start + 1);
            if (d->flags & F_CMP) note_cmp(c, start, d->op, sa, 0, slot_at(c, h));
        }
        return push(c, d->out);
    }
    TRY(pop(c, d->in, &b));
    TRY(pop(c, d->in, &a));
    if (c->live) {
        bool fused;
        TRY(fuse_load(c, d->op, &a, &b, &fused));
        if (fused) return push(c, d->out);
        TRY(fuse_shift(c, d->op, &a, &b, &fused));
        if (fused) return push(c, d->out);
        TRY(fuse_bin(c, d->op, &a, &b, &fused));
        if (fused) return push(c, d->out);
    }
    if (c->live) {
        uint32_t h = c->vs_len, op = d->op, imm = 0, sx, sy = 0;
        const vent *x = &a; /* the slot operand */
        bool use_imm = false;
        if (d->imm_op) {
            uint32_t v;
            bool bc = b.kind == V_CONST && imm_fits(d->in, b.bits, &v);
            bool ac = a.kind == V_CONST && imm_fits(d->in, a.bits, &v);
            if (bc) {
                imm_fits(d->in, b.bits, &imm);
                use_imm = true;
                op = d->imm_op;
                if (op == WA_OP_i32_sub_imm || op == WA_OP_i64_sub_imm) {
                    /* x - k = x + (-k) */
                    if (d->in == WA_I32) {
                        op = WA_OP_i32_add_imm;
                        imm = 0u - imm;
                    } else if (imm != 0x80000000u) {
                        op = WA_OP_i64_add_imm;
                        imm = 0u - imm;
                    } else {
                        use_imm = false;
                        op = d->op;
                    }
                }
            } else if (ac && (d->flags & F_COMM || d->flags & F_CMP ||
                              d->imm_op == WA_OP_i32_sub_imm || d->imm_op == WA_OP_i64_sub_imm)) {
                imm_fits(d->in, a.bits, &imm);
                use_imm = true;
                x = &b;
                op = d->imm_op;
                if ((d->flags & F_CMP) && !(d->flags & F_COMM)) {
                    uint32_t base = d->in == WA_I32 ? WA_OP_i32_eq_imm : WA_OP_i64_eq_imm;
                    op = base + cmp_mirror[op - base];
                }
            }
        }
        if (!use_imm && op == WA_OP_i32_rotr && b.kind == V_CONST) {
            use_imm = true;
            op = WA_OP_i32_rotl_imm;
            imm = (32u - (uint32_t)b.bits) & 31u;
        } else if (!use_imm && op == WA_OP_i64_rotr && b.kind == V_CONST) {
            use_imm = true;
            op = WA_OP_i64_rotl_imm;
            imm = (64u - (uint32_t)(b.bits & 63)) & 63u;
        }
        if (use_imm && op == WA_OP_i32_add_imm) {
            /* x + k stays virtual: a load or store folds it into its address */
            vent r = {WA_I32, V_ADDIMM, NONE, imm};
            if (x->kind == V_LOCAL) {
                r.local = x->local;
            } else if (x == &a && x->kind == V_SLOT) {
                r.local = slot_at(c, h);
            } else if (x->kind == V_ADDIMM && (x == &a || x->local < c->nlocals)) {
                r.local = x->local; /* (y + j) + k = y + (j + k), both wrap mod 2^32 */
                r.bits = (uint32_t)(x->bits + imm);
            }
            if (r.local != NONE) return push_ent(c, r);
        }
        if (use_imm) {
            TRY(operand(c, x, x == &a ? h : h + 1, &sx));
            sy = imm;
        } else {
            TRY(operand(c, &a, h, &sx));
            TRY(operand(c, &b, h + 1, &sy));
        }
        uint32_t start = c->code_len;
        TRY(emit_op(c, op) && emit(c, slot_at(c, h)) && emit(c, sx) && emit(c, sy));
        note_dst(c, start + 1);
        if (is_cmp(op)) note_cmp(c, start, op, sx, sy, slot_at(c, h));
        if (use_imm &&
            (op == WA_OP_i32_rotl_imm || op == WA_OP_i32_shl_imm || op == WA_OP_i32_shr_u_imm)) {
            c->sh_end = c->code_len;
            c->sh_start = start;
            c->sh_op = op;
            c->sh_src = sx;
            c->sh_k = sy;
            c->sh_dst = slot_at(c, h);
        }
        if (!use_imm && bin_row(op) >= 0) {
            c->bn_end = c->code_len;
            c->bn_start = start;
            c->bn_op = op;
            c->bn_a = sx;
            c->bn_b = sy;
            c->bn_dst = slot_at(c, h);
        }
    }
    return push(c, d->out);
}

/* ---- memory instructions ---- */

static bool memarg(cc *c, uint32_t natural_log2, uint32_t *offset)
{
    uint32_t align;
    TRY(rd_u32(c, &align));
    TRY(rd_u32(c, offset));
    if (c->m->memory_count == 0) return fail(c, WA_ERR_INVALID, "unknown memory 0");
    if (align >= 32) return fail(c, WA_ERR_MALFORMED, "malformed memop flags");
    if (align > natural_log2)
        return fail(c, WA_ERR_INVALID, "alignment must not be larger than natural");
    return true;
}

/* A memory access's address operand: a slot plus a folded i32.add constant. */
static bool address(cc *c, const vent *a, uint32_t h, uint32_t *slot, uint32_t *k)
{
    if (a->kind == V_ADDIMM) {
        *slot = a->local;
        *k = (uint32_t)a->bits;
        return true;
    }
    *k = 0;
    return operand(c, a, h, slot);
}

static bool load(cc *c, uint32_t op, uint8_t t, uint32_t nat)
{
    uint32_t offset;
    vent a;
    TRY(memarg(c, nat, &offset));
    TRY(pop(c, WA_I32, &a));
    if (c->live) {
        uint32_t h = c->vs_len, sa, k, start;
        TRY(address(c, &a, h, &sa, &k));
        start = c->code_len;
        TRY(emit_op(c, op) && emit(c, slot_at(c, h)) && emit(c, sa) && emit(c, k) &&
            emit(c, offset));
        note_dst(c, start + 1);
        c->ld_end = c->code_len;
        c->ld_start = start;
        c->ld_op = op;
        c->ld_addr = sa;
        c->ld_k = k;
        c->ld_off = offset;
        c->ld_dst = slot_at(c, h);
        c->ld_wasm = c->op_offset;
    }
    return push(c, t);
}

static bool store(cc *c, uint32_t op, uint8_t t, uint32_t nat)
{
    uint32_t offset;
    vent a, v;
    TRY(memarg(c, nat, &offset));
    TRY(pop(c, t, &v));
    TRY(pop(c, WA_I32, &a));
    if (c->live) {
        uint32_t h = c->vs_len, sa, sv, k;
        TRY(address(c, &a, h, &sa, &k));
        if (v.kind == V_SLOT && c->am_end == c->code_len && slot_at(c, h + 1) == c->am_dst &&
            c->code[c->am_start + 1] == c->am_dst && sa == c->am_addr && k == c->am_k &&
            offset == c->am_off &&
            (op == WA_OP_store64) == (c->am_op == WA_OP_i64_add_m || c->am_op == WA_OP_f64_add_m) &&
            (op == WA_OP_store64 || op == WA_OP_store32)) {
            /* [x] = [x] + y: the add stores its result itself */
            uint32_t m = WA_OP_i32_add_to_m + (c->am_op == WA_OP_i32_add_m   ? 0
                                               : c->am_op == WA_OP_i64_add_m ? 1
                                               : c->am_op == WA_OP_f32_add_m ? 2
                                                                             : 3);
            uint32_t other = c->am_other, at = c->op_offset;
            truncate_code(c, c->am_start);
            c->op_offset = c->am_wasm; /* a trap is the load's */
            bool ok =
                emit_op(c, m) && emit(c, sa) && emit(c, other) && emit(c, k) && emit(c, offset);
            c->op_offset = at;
            return ok;
        }
        TRY(operand(c, &v, h + 1, &sv));
        TRY(emit_op(c, op) && emit(c, sa) && emit(c, sv) && emit(c, k) && emit(c, offset));
    }
    return true;
}

/* Pops n i32 operands (a bulk instruction's) into slots s[0..n). */
static bool pop_i32s(cc *c, uint32_t n, uint32_t *s)
{
    vent e[3];
    for (uint32_t i = n; i-- > 0;)
        TRY(pop(c, WA_I32, &e[i]));
    if (c->live)
        for (uint32_t i = 0; i < n; i++)
            TRY(operand(c, &e[i], c->vs_len + i, &s[i]));
    return true;
}

/* Emits op followed by the given units when the code is live. */
static bool emit_ins(cc *c, uint32_t op, uint32_t n, const uint32_t *u)
{
    if (!c->live) return true;
    TRY(emit_op(c, op));
    for (uint32_t i = 0; i < n; i++)
        TRY(emit(c, u[i]));
    return true;
}

/* ---- control ---- */

static bool read_blocktype(cc *c, ctl *f)
{
    int64_t v;
    TRY(rd_sleb(c, 33, &v));
    f->bt_type = 0;
    f->bt_val = 0;
    if (v >= 0) {
        if ((uint64_t)v >= c->m->type_count)
            return fail(c, WA_ERR_INVALID, "unknown type %lld", (long long)v);
        f->bt_kind = BT_TYPE;
        f->bt_type = (uint32_t)v;
        return true;
    }
    if (v == -64) {
        f->bt_kind = BT_EMPTY;
        return true;
    }
    uint8_t t = (uint8_t)(v & 0x7f);
    if (v < -64 || t == WA_V128 || !is_valtype(t)) {
        if (t == WA_V128 && v >= -64) return fail(c, WA_ERR_UNSUPPORTED, "SIMD");
        return fail(c, WA_ERR_MALFORMED, "malformed value type");
    }
    f->bt_kind = BT_VAL;
    f->bt_val = t;
    return true;
}

/* block, loop, if: pops the parameters, pushes the frame, keeps the parameters. */
static bool push_frame(cc *c, ctl *nf)
{
    uint32_t np;
    const uint8_t *p = bt_params(c, nf, &np);
    TRY(check_top(c, p, np, true));
    TRY(flush(c));
    nf->unreachable = false;
    nf->skip = false;
    nf->dead = !c->live;
    nf->targeted = false;
    nf->height = c->vs_len - np;
    nf->patch = 0;
    nf->else_patch = 0;
    nf->loop_pos = 0;
    nf->fuel_chain = 0;
    nf->else_fuel = 0;
    nf->loop_cost = NONE;
    nf->seg_pt = NONE;
    if (c->cs_len == c->cs_cap &&
        !reserve(c, (void **)&c->cs, &c->cs_cap, sizeof *c->cs, (uint64_t)c->cs_len + 1))
        return false;
    c->cs[c->cs_len++] = *nf;
    return true;
}

static bool op_block(cc *c, uint8_t kind)
{
    ctl nf;
    memset(&nf, 0, sizeof nf);
    nf.kind = kind;
    TRY(read_blocktype(c, &nf));
    cond k = {0, 0, 0, NONE, 0};
    if (kind == K_IF) TRY(pop_cond(c, &k));
    TRY(push_frame(c, &nf));
    ctl *f = top_ctl(c);
    if (kind == K_LOOP) {
        c->loop_depth++;
        c->zk_on = false;
    }
    if (kind == K_LOOP && c->live) {
        barrier(c);
        f->loop_pos = c->code_len;
        TRY(seg_enter(c, 0, c->cs_len - 1));
    } else if (kind == K_IF && c->live) {
        TRY(emit_cond_branch(c, &k, true));
        f->else_patch = c->code_len + 1;
        TRY(emit(c, 0));
        uint32_t ft = 0;
        if (c->metering) {
            f = top_ctl(c);
            f->else_fuel = c->code_len + 1;
            TRY(emit(c, 0));
            TRY(emit_fallthrough_fuel(c, &ft));
        }
        seg_close(c);
        TRY(seg_enter(c, ft + 1, NONE));
    }
    return true;
}

static bool op_else(cc *c)
{
    ctl *f = top_ctl(c);
    if (f->kind != K_IF) return fail(c, WA_ERR_MALFORMED, "else without if");
    uint32_t n;
    const uint8_t *res = bt_results(c, f, &n);
    TRY(check_frame_end(c, res, n));
    if (c->live) {
        TRY(emit_copies(c, n, slot_at(c, f->height), true));
        TRY(emit_op(c, br_op(c, WA_OP_br)) && emit_target(c, c->cs_len - 1));
        seg_close(c);
    }
    f = top_ctl(c);
    drop_to(c, f->height);
    barrier(c);
    if (f->else_patch) {
        resolve(c, f->else_patch, c->code_len);
        f->else_patch = 0;
        TRY(seg_enter(c, f->else_fuel, NONE));
        f = top_ctl(c);
        f->else_fuel = 0;
    }
    f->kind = K_ELSE;
    f->unreachable = false;
    f->skip = false;
    uint32_t np;
    const uint8_t *p = bt_params(c, f, &np);
    for (uint32_t i = 0; i < np; i++)
        TRY(push(c, p[i]));
    set_live(c);
    return true;
}

static bool op_end(cc *c)
{
    ctl *f = top_ctl(c);
    uint32_t n;
    const uint8_t *res = bt_results(c, f, &n);
    TRY(check_frame_end(c, res, n));
    if (f->kind == K_FUNC) {
        if (c->live) {
            TRY(emit_return(c, true));
            seg_close(c);
        }
        drop_to(c, 0);
        c->cs_len--;
        return true;
    }
    if (f->kind == K_IF) {
        /* if without else: the implicit else passes the parameters through */
        uint32_t np;
        const uint8_t *p = bt_params(c, f, &np);
        if (np != n || (n && memcmp(p, res, n) != 0)) return mismatch(c);
    }
    bool fallthrough = c->live;
    if (c->live) TRY(emit_copies(c, n, slot_at(c, f->height), true));
    bool reached = fallthrough || (!f->dead && (f->targeted || f->else_patch));
    if (f->targeted || f->else_patch) barrier(c);
    resolve(c, f->patch, c->code_len);
    if (f->else_patch) resolve(c, f->else_patch, c->code_len);
    if (f->kind == K_LOOP) {
        c->loop_depth--;
        /* no more branches to the header: its entry (if open) keeps the chain it has */
        if (f->seg_pt != NONE) {
            c->seg_pts[f->seg_pt].loop = NONE;
            c->seg_pts[f->seg_pt].chain = f->fuel_chain;
        }
    } else if (!f->dead && (f->targeted || f->else_patch)) {
        uint32_t chain = f->fuel_chain, else_fuel = f->else_patch ? f->else_fuel : 0;
        TRY(seg_enter(c, chain, NONE));
        TRY(seg_enter(c, else_fuel, NONE));
        f = top_ctl(c);
    }
    drop_to(c, f->height);
    c->cs_len--;
    for (uint32_t i = 0; i < n; i++)
        TRY(push(c, res[i]));
    c->pend_lo = c->vs_len;
    if (!reached) /* nothing reaches the code after this end: emit none of it */
        top_ctl(c)->skip = true;
    set_live(c);
    return true;
}

static bool label_idx(cc *c, uint32_t *li)
{
    uint32_t depth;
    *li = 0;
    TRY(rd_u32(c, &depth));
    if (depth >= c->cs_len) return fail(c, WA_ERR_INVALID, "unknown label");
    *li = c->cs_len - 1 - depth;
    return true;
}

/* After an unconditional transfer: the rest of the frame is unreachable. */
static void set_unreachable(cc *c)
{
    ctl *f = top_ctl(c);
    drop_to(c, f->height);
    f->unreachable = true;
    f->skip = true;
    if (c->live) seg_close(c);
    c->live = false;
}

static bool op_br(cc *c)
{
    uint32_t li, n;
    TRY(label_idx(c, &li));
    const uint8_t *t = label_types(c, &c->cs[li], &n);
    TRY(check_top(c, t, n, true));
    if (c->live) TRY(emit_jump(c, li, true));
    set_unreachable(c);
    return true;
}

static bool op_br_if(cc *c)
{
    uint32_t li, n;
    TRY(label_idx(c, &li));
    cond k;
    TRY(pop_cond(c, &k));
    const uint8_t *t = label_types(c, &c->cs[li], &n);
    TRY(check_top(c, t, n, true));
    if (!c->live) return true;
    uint32_t ft = 0;
    if (in_place(c, li)) {
        TRY(emit_copies(c, n, slot_at(c, c->cs[li].height), true));
        TRY(emit_cond_branch(c, &k, false) && emit_target(c, li));
        if (c->metering) TRY(emit_fallthrough_fuel(c, &ft));
    } else {
        /* values must move: branch around the moves when the condition is false */
        TRY(emit_cond_branch(c, &k, true));
        uint32_t skip = c->code_len;
        TRY(emit(c, 0));
        if (c->metering) {
            TRY(emit_fallthrough_fuel(c, &ft)); /* taken: the code after br_if */
            TRY(emit(c, 0));                    /* not taken: the jump pays for itself */
        }
        TRY(emit_jump(c, li, false));
        c->code[skip] = c->code_len - skip;
    }
    seg_close(c);
    barrier(c);
    return seg_enter(c, c->metering ? ft + 1 : 0, NONE);
}

static bool op_br_table(cc *c)
{
    uint32_t count;
    TRY(rd_u32(c, &count));
    if (count > c->r.end - c->r.p) /* each label takes at least one byte */
        return fail(c, WA_ERR_MALFORMED, "unexpected end");
    TRY(reserve(c, (void **)&c->stubs, &c->stubs_cap, sizeof *c->stubs, (uint64_t)count + 1));
    for (uint32_t i = 0; i <= count; i++)
        TRY(label_idx(c, &c->stubs[i]));
    vent idx;
    TRY(pop(c, WA_I32, &idx));
    uint32_t arity;
    label_types(c, &c->cs[c->stubs[count]], &arity);
    for (uint32_t i = 0; i <= count; i++) {
        uint32_t n;
        const uint8_t *t = label_types(c, &c->cs[c->stubs[i]], &n);
        if (n != arity) return mismatch(c);
        TRY(check_top(c, t, n, false));
    }
    if (c->live) {
        uint32_t si;
        TRY(operand(c, &idx, c->vs_len, &si));
        /* values already in place for some labels: materialise them once, here */
        TRY(emit_copies(c, arity, slot_at(c, c->vs_len - arity), true));
        uint32_t table = c->code_len + 3, stride = c->metering ? 2 : 1;
        TRY(emit_op(c, br_op(c, WA_OP_br_table)) && emit(c, si) && emit(c, count));
        for (uint32_t i = 0; i <= count; i++) {
            uint32_t li = c->stubs[i];
            if (in_place(c, li)) {
                TRY(emit_target(c, li));
            } else {
                TRY(emit(c, 0));
                if (c->metering) TRY(emit(c, 0)); /* the stub's jump pays */
            }
        }
        for (uint32_t i = 0; i <= count; i++) {
            uint32_t li = c->stubs[i], f = table + i * stride;
            if (in_place(c, li)) continue;
            c->code[f] = c->code_len - f;
            TRY(emit_jump(c, li, false));
        }
    }
    set_unreachable(c);
    return true;
}

static bool op_return(cc *c)
{
    TRY(check_top(c, c->ft->results, c->ft->result_count, true));
    if (c->live) TRY(emit_return(c, true));
    set_unreachable(c);
    return true;
}

/* Arguments on top of the stack go to consecutive slots; the callee's frame starts at the
   first; results come back in the same place. */
static bool emit_call_args(cc *c, const wa_functype *t, uint32_t *base)
{
    TRY(check_top(c, t->params, t->param_count, true));
    if (c->live) TRY(emit_copies(c, t->param_count, slot_at(c, c->vs_len - t->param_count), true));
    *base = slot_at(c, c->vs_len - t->param_count);
    return true;
}

static bool finish_call(cc *c, const wa_functype *t)
{
    drop_to(c, c->vs_len - t->param_count);
    /* the results are slots; entries below the arguments may still read locals, so
       pend_lo stays where it is (drop_to lowered it to the stack height if needed) */
    for (uint32_t i = 0; i < t->result_count; i++)
        TRY(push(c, t->results[i]));
    return true;
}

static bool op_call(cc *c)
{
    uint32_t fi, base;
    TRY(rd_u32(c, &fi));
    if (fi >= c->m->func_count) return fail(c, WA_ERR_INVALID, "unknown function %u", fi);
    const wa_functype *t = &c->m->types[c->m->func_types[fi]];
    TRY(emit_call_args(c, t, &base));
    if (c->live) {
        if (fi >= c->m->import_func_count)
            TRY(emit_op(c, WA_OP_call) && emit(c, fi - c->m->import_func_count) && emit(c, base));
        else
            TRY(emit_op(c, WA_OP_call_import) && emit(c, fi) && emit(c, base));
    }
    return finish_call(c, t);
}

static bool op_call_indirect(cc *c)
{
    uint32_t ti, tab, base, se = 0;
    TRY(rd_u32(c, &ti));
    TRY(rd_u32(c, &tab));
    if (tab >= c->m->table_count) return fail(c, WA_ERR_INVALID, "unknown table %u", tab);
    if (ti >= c->m->type_count) return fail(c, WA_ERR_INVALID, "unknown type %u", ti);
    if (c->m->tables[tab].elem_type != WA_FUNCREF) return mismatch(c);
    vent e;
    TRY(pop(c, WA_I32, &e));
    const wa_functype *t = &c->m->types[ti];
    TRY(emit_call_args(c, t, &base));
    if (c->live) {
        TRY(operand(c, &e, c->vs_len, &se));
        TRY(emit_op(c, WA_OP_call_indirect) && emit(c, ti) && emit(c, tab) && emit(c, se) &&
            emit(c, base));
    }
    return finish_call(c, t);
}

static bool op_select(cc *c, bool typed)
{
    uint8_t want = T_UNKNOWN;
    if (typed) {
        uint32_t n;
        TRY(rd_u32(c, &n));
        if (n != 1) return fail(c, WA_ERR_INVALID, "invalid result arity");
        TRY(rd_valtype(c, &want));
    }
    vent k, b, a;
    TRY(pop(c, WA_I32, &k));
    TRY(pop(c, want, &b));
    TRY(pop(c, want, &a));
    uint8_t t = want;
    if (!typed) {
        if (is_ref(a.type) || is_ref(b.type)) return mismatch(c);
        if (a.type != T_UNKNOWN && b.type != T_UNKNOWN && a.type != b.type) return mismatch(c);
        t = a.type != T_UNKNOWN ? a.type : b.type;
    }
    if (c->live) {
        uint32_t h = c->vs_len, sa, sb, sk, start;
        TRY(operand(c, &a, h, &sa));
        TRY(operand(c, &b, h + 1, &sb));
        TRY(operand(c, &k, h + 2, &sk));
        start = c->code_len;
        TRY(emit_op(c, WA_OP_select) && emit(c, slot_at(c, h)) && emit(c, sa) && emit(c, sb) &&
            emit(c, sk));
        note_dst(c, start + 1);
    }
    return push(c, t);
}

static bool local_idx(cc *c, uint32_t *x)
{
    TRY(rd_u32(c, x));
    if (*x >= c->nlocals) return fail(c, WA_ERR_INVALID, "unknown local %u", *x);
    return true;
}

/* local.set / local.tee: writes x, retargeting the instruction that produced the value
   when it is the last one emitted. */
static bool op_local_set(cc *c, bool tee)
{
    uint32_t x;
    vent e;
    TRY(local_idx(c, &x));
    TRY(pop(c, c->ltypes[x], &e));
    if (c->zk_on && c->zk[x] && e.kind == V_CONST && e.bits == 0) {
        /* x is still zero: nothing to write */
    } else if (c->live) {
        uint32_t h = c->vs_len;
        c->zk[x] = 0;
        TRY(flush_local(c, x));
        if (e.kind == V_SLOT && c->last_end == c->code_len &&
            c->code[c->last_dst] == slot_at(c, h)) {
            c->code[c->last_dst] = x;
            c->cmp_end = NONE;
            c->ld_end = NONE;
            c->sh_end = NONE;
            c->bn_end = NONE;
            c->am_end = NONE;
        } else if (!(e.kind == V_LOCAL && e.local == x)) {
            TRY(emit_value(c, &e, h, x));
        }
    } else {
        c->zk[x] = 0;
    }
    if (!tee) return true;
    if (c->live && e.kind != V_CONST) {
        vent l = {c->ltypes[x], V_LOCAL, x, 0};
        return push_ent(c, l);
    }
    e.type = c->ltypes[x];
    if (e.kind != V_CONST) e.kind = V_SLOT;
    return push_ent(c, e);
}

static bool global_idx(cc *c, uint32_t *g)
{
    TRY(rd_u32(c, g));
    if (*g >= c->m->global_count) return fail(c, WA_ERR_INVALID, "unknown global %u", *g);
    return true;
}

static bool table_idx(cc *c, uint32_t *t)
{
    TRY(rd_u32(c, t));
    if (*t >= c->m->table_count) return fail(c, WA_ERR_INVALID, "unknown table %u", *t);
    return true;
}

static bool check_elem_idx(cc *c, uint32_t e)
{
    if (e >= c->m->elem_count) return fail(c, WA_ERR_INVALID, "unknown elem segment %u", e);
    return true;
}

/* A data segment index (read earlier). Without a data count section the data section,
   which follows the code, may only be referred to when it is absent (no segments). */
static bool check_data_idx(cc *c, uint32_t d)
{
    if (d >= c->m->data_count) return fail(c, WA_ERR_INVALID, "unknown data segment %u", d);
    if (!c->m->has_data_count) return fail(c, WA_ERR_MALFORMED, "data count section required");
    return true;
}

/* Emits a D_* instruction whose destination is the next stack slot, then pushes it. */
static bool emit_dst_ins(cc *c, uint32_t op, uint8_t type, uint32_t n, const uint32_t *u)
{
    if (c->live) {
        uint32_t start = c->code_len;
        TRY(emit_op(c, op) && emit(c, slot_at(c, c->vs_len)));
        for (uint32_t i = 0; i < n; i++)
            TRY(emit(c, u[i]));
        note_dst(c, start + 1);
    }
    return push(c, type);
}

/* The 0xfc prefix: saturating truncation, bulk memory, tables. */
static bool op_prefix_fc(cc *c)
{
    static const struct {
        uint16_t op;
        uint8_t in, out;
    } sat[8] = {
        {WA_OP_i32_trunc_sat_f32_s, WA_F32, WA_I32}, {WA_OP_i32_trunc_sat_f32_u, WA_F32, WA_I32},
        {WA_OP_i32_trunc_sat_f64_s, WA_F64, WA_I32}, {WA_OP_i32_trunc_sat_f64_u, WA_F64, WA_I32},
        {WA_OP_i64_trunc_sat_f32_s, WA_F32, WA_I64}, {WA_OP_i64_trunc_sat_f32_u, WA_F32, WA_I64},
        {WA_OP_i64_trunc_sat_f64_s, WA_F64, WA_I64}, {WA_OP_i64_trunc_sat_f64_u, WA_F64, WA_I64},
    };
    uint32_t sub, u[5], s[3];
    vent a, v;
    TRY(rd_u32(c, &sub));
    switch (sub) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
        TRY(pop(c, sat[sub].in, &a));
        if (c->live) {
            uint32_t sa;
            TRY(operand(c, &a, c->vs_len, &sa));
            return emit_dst_ins(c, sat[sub].op, sat[sub].out, 1, &sa);
        }
        return push(c, sat[sub].out);
    case 8: /* memory.init */
        TRY(rd_u32(c, &u[3]));
        TRY(rd_zero(c));
        if (c->m->memory_count == 0) return fail(c, WA_ERR_INVALID, "unknown memory 0");
        TRY(check_data_idx(c, u[3]));
        TRY(pop_i32s(c, 3, u));
        return emit_ins(c, WA_OP_memory_init, 4, u);
    case 9: /* data.drop */
        TRY(rd_u32(c, &u[0]));
        TRY(check_data_idx(c, u[0]));
        return emit_ins(c, WA_OP_data_drop, 1, u);
    case 10: /* memory.copy */
        TRY(rd_zero(c));
        TRY(rd_zero(c));
        if (c->m->memory_count == 0) return fail(c, WA_ERR_INVALID, "unknown memory 0");
        TRY(pop_i32s(c, 3, u));
        return emit_ins(c, WA_OP_memory_copy, 3, u);
    case 11: /* memory.fill */
        TRY(rd_zero(c));
        if (c->m->memory_count == 0) return fail(c, WA_ERR_INVALID, "unknown memory 0");
        TRY(pop_i32s(c, 3, u));
        return emit_ins(c, WA_OP_memory_fill, 3, u);
    case 12: { /* table.init elem table */
        TRY(rd_u32(c, &u[4]));
        TRY(table_idx(c, &u[3]));
        TRY(check_elem_idx(c, u[4]));
        if (c->m->elems[u[4]].elem_type != c->m->tables[u[3]].elem_type) return mismatch(c);
        TRY(pop_i32s(c, 3, u));
        return emit_ins(c, WA_OP_table_init, 5, u);
    }
    case 13: /* elem.drop */
        TRY(rd_u32(c, &u[0]));
        TRY(check_elem_idx(c, u[0]));
        return emit_ins(c, WA_OP_elem_drop, 1, u);
    case 14: /* table.copy dst src */
        TRY(table_idx(c, &u[3]));
        TRY(table_idx(c, &u[4]));
        if (c->m->tables[u[3]].elem_type != c->m->tables[u[4]].elem_type) return mismatch(c);
        TRY(pop_i32s(c, 3, u));
        return emit_ins(c, WA_OP_table_copy, 5, u);
    case 15: { /* table.grow: init n -> old size */
        uint32_t t;
        TRY(table_idx(c, &t));
        vent n;
        TRY(pop(c, WA_I32, &n));
        TRY(pop(c, c->m->tables[t].elem_type, &v));
        if (c->live) {
            uint32_t h = c->vs_len;
            TRY(operand(c, &v, h, &s[0]));
            TRY(operand(c, &n, h + 1, &s[1]));
            s[2] = t;
        }
        return emit_dst_ins(c, WA_OP_table_grow, WA_I32, 3, s);
    }
    case 16: /* table.size */
        TRY(table_idx(c, &u[0]));
        return emit_dst_ins(c, WA_OP_table_size, WA_I32, 1, u);
    case 17: { /* table.fill: i val n */
        uint32_t t;
        TRY(table_idx(c, &t));
        vent i, n;
        TRY(pop(c, WA_I32, &n));
        TRY(pop(c, c->m->tables[t].elem_type, &v));
        TRY(pop(c, WA_I32, &i));
        if (c->live) {
            uint32_t h = c->vs_len;
            TRY(operand(c, &i, h, &u[0]));
            TRY(operand(c, &v, h + 1, &u[1]));
            TRY(operand(c, &n, h + 2, &u[2]));
            u[3] = t;
        }
        return emit_ins(c, WA_OP_table_fill, 4, u);
    }
    default:
        return fail(c, WA_ERR_MALFORMED, "illegal opcode 0xfc 0x%x", sub);
    }
}

/* One instruction. */
static bool step(cc *c, uint8_t opc)
{
    uint32_t x, u[3];
    vent a, v;
    switch (opc) {
    case 0x00: /* unreachable */
        if (c->live) TRY(emit_op(c, WA_OP_unreachable));
        set_unreachable(c);
        return true;
    case 0x01: /* nop */
        return true;
    case 0x02:
        return op_block(c, K_BLOCK);
    case 0x03:
        return op_block(c, K_LOOP);
    case 0x04:
        return op_block(c, K_IF);
    case 0x05:
        return op_else(c);
    case 0x0b:
        return op_end(c);
    case 0x0c:
        return op_br(c);
    case 0x0d:
        return op_br_if(c);
    case 0x0e:
        return op_br_table(c);
    case 0x0f:
        return op_return(c);
    case 0x10:
        return op_call(c);
    case 0x11:
        return op_call_indirect(c);
    case 0x1a: /* drop */
        return pop(c, T_UNKNOWN, &a);
    case 0x1b:
        return op_select(c, false);
    case 0x1c:
        return op_select(c, true);
    case 0x20: { /* local.get */
        TRY(local_idx(c, &x));
        vent l = {c->ltypes[x], V_LOCAL, x, 0};
        return push_ent(c, l);
    }
    case 0x21:
        return op_local_set(c, false);
    case 0x22:
        return op_local_set(c, true);
    case 0x23: /* global.get */
        TRY(global_idx(c, &x));
        return emit_dst_ins(c, WA_OP_global_get, c->m->globals[x].type, 1, &x);
    case 0x24: { /* global.set */
        TRY(global_idx(c, &x));
        if (!c->m->globals[x].mutable_) return fail(c, WA_ERR_INVALID, "global is immutable");
        TRY(pop(c, c->m->globals[x].type, &v));
        if (c->live) {
            TRY(operand(c, &v, c->vs_len, &u[0]));
            u[1] = x;
            TRY(emit_ins(c, WA_OP_global_set, 2, u));
        }
        return true;
    }
    case 0x25: { /* table.get */
        TRY(table_idx(c, &x));
        TRY(pop(c, WA_I32, &a));
        if (c->live) {
            TRY(operand(c, &a, c->vs_len, &u[0]));
            u[1] = x;
        }
        return emit_dst_ins(c, WA_OP_table_get, c->m->tables[x].elem_type, 2, u);
    }
    case 0x26: { /* table.set */
        TRY(table_idx(c, &x));
        TRY(pop(c, c->m->tables[x].elem_type, &v));
        TRY(pop(c, WA_I32, &a));
        if (c->live) {
            TRY(operand(c, &a, c->vs_len, &u[0]));
            TRY(operand(c, &v, c->vs_len + 1, &u[1]));
            u[2] = x;
        }
        return emit_ins(c, WA_OP_table_set, 3, u);
    }
    case 0x28:
        return load(c, WA_OP_i32_load, WA_I32, 2);
    case 0x29:
        return load(c, WA_OP_i64_load, WA_I64, 3);
    case 0x2a:
        return load(c, WA_OP_i32_load, WA_F32, 2);
    case 0x2b:
        return load(c, WA_OP_i64_load, WA_F64, 3);
    case 0x2c:
        return load(c, WA_OP_i32_load8_s, WA_I32, 0);
    case 0x2d:
        return load(c, WA_OP_i32_load8_u, WA_I32, 0);
    case 0x2e:
        return load(c, WA_OP_i32_load16_s, WA_I32, 1);
    case 0x2f:
        return load(c, WA_OP_i32_load16_u, WA_I32, 1);
    case 0x30:
        return load(c, WA_OP_i64_load8_s, WA_I64, 0);
    case 0x31:
        return load(c, WA_OP_i32_load8_u, WA_I64, 0);
    case 0x32:
        return load(c, WA_OP_i64_load16_s, WA_I64, 1);
    case 0x33:
        return load(c, WA_OP_i32_load16_u, WA_I64, 1);
    case 0x34:
        return load(c, WA_OP_i64_load32_s, WA_I64, 2);
    case 0x35:
        return load(c, WA_OP_i32_load, WA_I64, 2);
    case 0x36:
        return store(c, WA_OP_store32, WA_I32, 2);
    case 0x37:
        return store(c, WA_OP_store64, WA_I64, 3);
    case 0x38:
        return store(c, WA_OP_store32, WA_F32, 2);
    case 0x39:
        return store(c, WA_OP_store64, WA_F64, 3);
    case 0x3a:
        return store(c, WA_OP_store8, WA_I32, 0);
    case 0x3b:
        return store(c, WA_OP_store16, WA_I32, 1);
    case 0x3c:
        return store(c, WA_OP_store8, WA_I64, 0);
    case 0x3d:
        return store(c, WA_OP_store16, WA_I64, 1);
    case 0x3e:
        return store(c, WA_OP_store32, WA_I64, 2);
    case 0x3f: /* memory.size */
        TRY(rd_zero(c));
        if (c->m->memory_count == 0) return fail(c, WA_ERR_INVALID, "unknown memory 0");
        return emit_dst_ins(c, WA_OP_memory_size, WA_I32, 0, NULL);
    case 0x40: /* memory.grow */
        TRY(rd_zero(c));
        if (c->m->memory_count == 0) return fail(c, WA_ERR_INVALID, "unknown memory 0");
        TRY(pop(c, WA_I32, &a));
        if (c->live) TRY(operand(c, &a, c->vs_len, &u[0]));
        return emit_dst_ins(c, WA_OP_memory_grow, WA_I32, 1, u);
    case 0x41: { /* i32.const */
        int64_t k;
        TRY(rd_sleb(c, 32, &k));
        return push_const(c, WA_I32, (uint32_t)k);
    }
    case 0x42: { /* i64.const */
        int64_t k;
        TRY(rd_sleb(c, 64, &k));
        return push_const(c, WA_I64, (uint64_t)k);
    }
    case 0x43: { /* f32.const */
        uint64_t k;
        if (!wa__read_fixed(&c->r, 4, &k)) return rd_fail(c);
        return push_const(c, WA_F32, k);
    }
    case 0x44: { /* f64.const */
        uint64_t k;
        if (!wa__read_fixed(&c->r, 8, &k)) return rd_fail(c);
        return push_const(c, WA_F64, k);
    }
    case 0xd0: { /* ref.null t */
        uint8_t t;
        TRY(rd_u8(c, &t));
        if (!is_ref(t)) return fail(c, WA_ERR_MALFORMED, "malformed reference type");
        return push_const(c, t, 0);
    }
    case 0xd1: /* ref.is_null */
        TRY(pop(c, T_UNKNOWN, &a));
        if (a.type != T_UNKNOWN && !is_ref(a.type)) return mismatch(c);
        if (c->live) TRY(operand(c, &a, c->vs_len, &u[0]));
        return emit_dst_ins(c, WA_OP_ref_is_null, WA_I32, 1, u);
    case 0xd2: /* ref.func */
        TRY(rd_u32(c, &x));
        if (x >= c->m->func_count) return fail(c, WA_ERR_INVALID, "unknown function %u", x);
        if (!c->m->func_declared || !(c->m->func_declared[x / 8] & (1u << (x % 8))))
            return fail(c, WA_ERR_INVALID, "undeclared function reference");
        return emit_dst_ins(c, WA_OP_ref_func, WA_FUNCREF, 1, &x);
    case 0xfc:
        return op_prefix_fc(c);
    case 0xfd:
        return fail(c, WA_ERR_UNSUPPORTED, "SIMD");
    default:
        if (opc >= 0x45 && opc <= 0xc4) return numeric(c, opc);
        return fail(c, WA_ERR_MALFORMED, "illegal opcode 0x%02x", opc);
    }
}

/* Gives the pool the slots after the locals, moving the operand stack up, and prepends its
   pool_init. Branch displacements are relative, so the body moves as a whole. */
static bool place_pool(cc *c)
{
    if (c->pool_len == 0) return true;
    uint32_t base = c->nlocals, n = c->pool_len, pre = 3 + 2 * n;
    c->frame_slots += n;
    for (uint32_t i = 0; i < c->fix_len; i++) {
        uint32_t *f = &c->code[c->fix[i]];
        if (*f & POOL_MARK)
            *f = base + (*f & ~POOL_MARK);
        else if (*f >= base)
            *f += n;
    }
    TRY(reserve(c, (void **)&c->code, &c->code_cap, sizeof *c->code, (uint64_t)c->code_len + pre));
    memmove(c->code + pre, c->code, (size_t)c->code_len * sizeof *c->code);
    c->code[0] = (uint32_t)c->words[WA_OP_pool_init];
    c->code[1] = base;
    c->code[2] = n;
    for (uint32_t i = 0; i < n; i++) {
        c->code[3 + 2 * i] = (uint32_t)c->pool[i];
        c->code[4 + 2 * i] = (uint32_t)(c->pool[i] >> 32);
    }
    c->code_len += pre;
    for (uint32_t i = 0; i < c->pcmap_len; i += 2)
        c->pcmap[i] += pre;
    return true;
}

/* Validates and compiles defined function i into c->code. */
static bool compile_body(cc *c, uint32_t i)
{
    wa_module *m = c->m;
    wa_func_decl *d = &m->funcs[i];
    c->func_idx = m->import_func_count + i;
    c->ft = &m->types[d->type_idx];
    c->r.base = m->bytes;
    c->r.p = d->body;
    c->r.end = d->body_end;
    c->r.fail = NULL;
    c->op_offset = d->body_offset;

    uint64_t nl = (uint64_t)c->ft->param_count + d->local_count;
    if (nl > WA_MAX_LOCALS) return fail(c, WA_ERR_LIMIT, "too many locals");
    c->nlocals = (uint32_t)nl;
    TRY(reserve(c, (void **)&c->ltypes, &c->ltypes_cap, 1, nl));
    TRY(reserve(c, (void **)&c->lrefs, &c->lrefs_cap, sizeof *c->lrefs, nl));
    TRY(reserve(c, (void **)&c->zk, &c->zk_cap, 1, nl));
    if (c->ft->param_count) memcpy(c->ltypes, c->ft->params, c->ft->param_count);
    if (d->local_count) memcpy(c->ltypes + c->ft->param_count, d->local_types, d->local_count);
    if (nl) {
        memset(c->lrefs, 0, (size_t)nl * sizeof *c->lrefs);
        memset(c->zk, 0, c->ft->param_count);
        memset(c->zk + c->ft->param_count, 1, d->local_count);
    }
    c->zk_on = d->local_count > 0;
    c->pool_len = 0;
    c->loop_depth = 0;
    c->fix_len = 0;
    c->cur_mask = 0;
    c->cur_field = 0;

    c->vs_len = 0;
    c->pend_lo = 0;
    c->max_height = 0;
    c->code_len = 0;
    c->pcmap_len = 0;
    c->cs_len = 0;
    c->fuel_count = 0;
    c->seg_len = 0;
    c->entry_open = true;
    c->entry_fuel = 0;
    barrier(c);
    TRY(reserve(c, (void **)&c->cs, &c->cs_cap, sizeof *c->cs, 1));
    ctl *f = &c->cs[c->cs_len++];
    memset(f, 0, sizeof *f);
    f->kind = K_FUNC;
    f->bt_kind = BT_TYPE;
    f->bt_type = d->type_idx;
    c->live = true;

    while (c->cs_len > 0) {
        uint8_t opc;
        c->op_offset = wa__reader_offset(&c->r);
        if (c->r.p >= c->r.end)
            return fail(c, WA_ERR_MALFORMED, "%s",
                        c->op_offset >= c->m->len ? "unexpected end of section or function"
                                                  : "END opcode expected");
        opc = *c->r.p++;
        if (c->live) c->fuel_count++;
        TRY(step(c, opc));
    }
    if (c->r.p != c->r.end) return fail(c, WA_ERR_MALFORMED, "section size mismatch");
    c->frame_slots = c->nlocals + c->max_height;
    if (c->frame_slots < c->ft->result_count) c->frame_slots = c->ft->result_count;
    return place_pool(c);
}

uint32_t wa__code_offset(const wa_fn *fn, const uint32_t *ip)
{
    uintptr_t p = (uintptr_t)ip, base = fn ? (uintptr_t)fn->code : 0;
    if (!fn || !fn->pcmap_count || p < base) return 0;
    uintptr_t pos = (p - base) / sizeof *ip;
    uint32_t lo = 0, hi = fn->pcmap_count; /* last entry at or before pos */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (fn->pcmap[2 * mid] <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? fn->pcmap[2 * (lo - 1) + 1] : 0;
}

/* Shrinks *p from cap to n units (NULL when n is 0). On failure *p is freed and NULL. */
static bool trim(const wa_config *cfg, uint32_t **p, size_t cap, size_t n)
{
    if (n == cap) return true;
    if (n == 0) {
        wa__free(cfg, *p, cap * sizeof **p);
        *p = NULL;
        return true;
    }
    uint32_t *np = wa__realloc(cfg, *p, cap * sizeof **p, n * sizeof **p);
    if (!np) {
        wa__free(cfg, *p, cap * sizeof **p);
        *p = NULL;
        return false;
    }
    *p = np;
    return true;
}

static void free_compiled(const wa_config *cfg, wa_compiled *comp)
{
    if (!comp) return;
    wa__jit_free(comp);
    wa__free(cfg, comp->pcmaps, comp->pcmap_units * sizeof *comp->pcmaps);
    wa__free(cfg, comp->code, comp->code_units * sizeof *comp->code);
    wa__free(cfg, comp->fns, (size_t)comp->fn_count * sizeof *comp->fns);
    wa__free(cfg, comp, sizeof *comp);
}

void wa__compile_free(wa_module *m)
{
    if (!m || !m->compiled) return;
    uint32_t n = m->func_count - m->import_func_count;
    for (uint32_t i = 0; m->funcs && i < n; i++) {
        m->funcs[i].code = NULL;
        m->funcs[i].code_len = 0;
    }
    free_compiled(&m->cfg, m->compiled);
    m->compiled = NULL;
}

/*
 * Compiling the bodies is the bulk of the work and each body is independent, so big
 * modules are compiled by several threads. Each worker takes chunks of consecutive
 * functions from a shared counter and appends their code to its own arena; the results
 * are then laid out in function order, so the compiled module (and a precompiled image
 * of it) is the same for any number of threads. On failure the error of the lowest
 * failing function wins, as in a sequential pass: chunks are taken in increasing
 * order and no worker takes a chunk beyond the lowest failure seen so far.
 */
#define CHUNK            8
#define MAX_THREADS      WA_MAX_COMPILE_THREADS
#define THREADS_MIN_CODE (64u * 1024) /* code section bytes below which one thread compiles */

typedef struct cjob {
    wa_module *m;
    wa_compiled *comp;
    uint32_t n;
    size_t *offs;    /* per function: unit offset of its code, then of its pcmap (n each) */
    uint8_t *owner;  /* per function: the worker whose arena holds it */
    size_t *jit_off; /* per function: its machine code in the worker's translator, or
                        SIZE_MAX; NULL when machine code is off */
    _Atomic uint32_t next;
    _Atomic uint32_t fail_at; /* lowest failing function index so far, or n */
} cjob;

typedef struct cworker {
    cjob *job;
    uint8_t id;
    uint32_t *arena, *parena;
    size_t units, cap, punits, pcap;
    wa_jitter *jit;    /* machine code of the functions it compiles (jit.c), or NULL */
    uint32_t fail_idx; /* n when this worker had no failure */
    wa_status st;
    wa_error err;
} cworker;

static bool grow_arena(const wa_config *cfg, uint32_t **a, size_t *cap, size_t need)
{
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    uint32_t *na = wa__realloc(cfg, *a, *cap * sizeof **a, ncap * sizeof **a);
    if (!na) return false;
    *a = na;
    *cap = ncap;
    return true;
}

/* Records function i, just compiled into c, in the worker's arenas. */
static bool keep_body(cworker *w, cc *c, uint32_t i)
{
    cjob *job = w->job;
    const wa_config *cfg = &job->m->cfg;
    if (!grow_arena(cfg, &w->arena, &w->cap, w->units + c->code_len) ||
        !grow_arena(cfg, &w->parena, &w->pcap, w->punits + c->pcmap_len))
        return nomem(c);
    memcpy(w->arena + w->units, c->code, (size_t)c->code_len * sizeof *w->arena);
    if (c->pcmap_len)
        memcpy(w->parena + w->punits, c->pcmap, (size_t)c->pcmap_len * sizeof *w->parena);
    job->offs[i] = w->units;
    job->offs[job->n + i] = w->punits;
    job->owner[i] = w->id;
    wa_fn *fn = &job->comp->fns[i];
    fn->pcmap_count = c->pcmap_len / 2;
    fn->frame_slots = c->frame_slots;
    fn->param_count = c->ft->param_count;
    fn->local_count = c->nlocals - c->ft->param_count;
    fn->result_count = c->ft->result_count;
    fn->func_idx = c->func_idx;
    fn->entry_fuel = c->metering ? c->entry_fuel : 0;
    job->m->funcs[i].code_len = (size_t)c->code_len * sizeof *w->arena;
    job->m->funcs[i].frame_slots = fn->frame_slots;
    if (job->jit_off)
        job->jit_off[i] = wa__jitter_add(w->jit, c->code, c->code_len, c->frame_slots);
    w->units += c->code_len;
    w->punits += c->pcmap_len;
    return true;
}

static void *compile_worker(void *arg)
{
    cworker *w = arg;
    cjob *job = w->job;
    cc c;
    memset(&c, 0, sizeof c);
    c.m = job->m;
    c.cfg = &job->m->cfg;
    c.err = &w->err;
    c.words = wa__op_words();
    c.metering = c.cfg->metering;
    w->fail_idx = job->n;
    if (job->jit_off) w->jit = wa__jitter_create(c.cfg);
    for (;;) {
        uint32_t lo = atomic_fetch_add(&job->next, CHUNK);
        if (lo >= job->n || lo >= atomic_load(&job->fail_at)) break;
        uint32_t hi = job->n - lo < CHUNK ? job->n : lo + CHUNK;
        uint32_t i = lo;
        while (i < hi && compile_body(&c, i) && keep_body(w, &c, i))
            i++;
        if (i < hi) {
            w->fail_idx = i;
            w->st = w->err.st;
            uint32_t seen = atomic_load(&job->fail_at);
            while (i < seen && !atomic_compare_exchange_weak(&job->fail_at, &seen, i)) {
            }
            break;
        }
    }
    wa__free(c.cfg, c.ltypes, c.ltypes_cap);
    wa__free(c.cfg, c.zk, c.zk_cap);
    wa__free(c.cfg, c.fix, (size_t)c.fix_cap * sizeof *c.fix);
    wa__free(c.cfg, c.lrefs, (size_t)c.lrefs_cap * sizeof *c.lrefs);
    wa__free(c.cfg, c.vs, (size_t)c.vs_cap * sizeof *c.vs);
    wa__free(c.cfg, c.cs, (size_t)c.cs_cap * sizeof *c.cs);
    wa__free(c.cfg, c.code, (size_t)c.code_cap * sizeof *c.code);
    wa__free(c.cfg, c.stubs, (size_t)c.stubs_cap * sizeof *c.stubs);
    wa__free(c.cfg, c.seg_pts, (size_t)c.seg_cap * sizeof *c.seg_pts);
    wa__free(c.cfg, c.pcmap, (size_t)c.pcmap_cap * sizeof *c.pcmap);
    return NULL;
}

uint32_t wa__compile_threads(const wa_module *m, uint32_t n)
{
    uint32_t want = m->cfg.compile_threads;
    if (want == 0) {
        if (m->code_bytes < THREADS_MIN_CODE) return 1;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        want = cpus < 1 ? 1 : cpus > 4 ? 4 : (uint32_t)cpus;
    }
    if (want > WA_MAX_COMPILE_THREADS) want = WA_MAX_COMPILE_THREADS;
    uint32_t chunks = (n + CHUNK - 1) / CHUNK;
    if (want > chunks) want = chunks ? chunks : 1;
    return want;
}

wa_status wa__compile(wa_module *m, wa_error *err)
{
    const wa_config *cfg = &m->cfg;
    uint32_t n = m->func_count - m->import_func_count;
    wa_compiled *comp = wa__alloc(cfg, sizeof *comp);
    if (!comp) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
    comp->fn_count = n;
    comp->fns = wa__alloc(cfg, (size_t)n * sizeof *comp->fns);
    cjob job;
    memset(&job, 0, sizeof job);
    job.m = m;
    job.comp = comp;
    job.n = n;
    job.offs = wa__alloc(cfg, (size_t)n * 2 * sizeof *job.offs);
    job.owner = wa__alloc(cfg, n);
    if (cfg->jit && n) job.jit_off = wa__alloc_uninit(cfg, (size_t)n * sizeof *job.jit_off);
    atomic_init(&job.next, 0);
    atomic_init(&job.fail_at, n);
    uint32_t nw = wa__compile_threads(m, n);
    cworker ws[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    memset(ws, 0, sizeof ws);
    wa_status st = WA_OK;
    if ((n && !comp->fns) || (n && (!job.offs || !job.owner))) {
        st = wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
        goto done;
    }

    uint32_t started = 0; /* helper threads running; worker 0 is this thread */
    for (uint32_t k = 0; k < nw; k++) {
        ws[k].job = &job;
        ws[k].id = (uint8_t)k;
    }
    for (uint32_t k = 1; k < nw; k++) {
        if (pthread_create(&tids[k], NULL, compile_worker, &ws[k]) != 0) break;
        started = k;
    }
    compile_worker(&ws[0]);
    for (uint32_t k = 1; k <= started; k++)
        pthread_join(tids[k], NULL);

    uint32_t fail_idx = n;
    const cworker *fw = NULL;
    for (uint32_t k = 0; k <= started; k++) {
        if (ws[k].fail_idx < fail_idx) {
            fail_idx = ws[k].fail_idx;
            fw = &ws[k];
        }
    }
    if (fw) {
        st = fw->st ? fw->st : WA_ERR_INVALID;
        if (err) *err = fw->err;
        goto done;
    }

    /* One arena in function order: the sum of the workers' exact sizes. */
    size_t units = 0, punits = 0;
    for (uint32_t k = 0; k <= started; k++) {
        units += ws[k].units;
        punits += ws[k].punits;
    }
    if (started == 0) {
        /* one worker: its arenas are already in order; trim them to what they hold */
        bool ok = trim(cfg, &ws[0].arena, ws[0].cap, units);
        ws[0].cap = ok ? units : 0;
        ok = ok && trim(cfg, &ws[0].parena, ws[0].pcap, punits);
        ws[0].pcap = ok ? punits : ws[0].parena ? ws[0].pcap : 0;
        if (!ok) {
            st = wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
            goto done;
        }
        comp->code = ws[0].arena;
        comp->pcmaps = ws[0].parena;
        ws[0].arena = ws[0].parena = NULL;
    } else {
        comp->code = units ? wa__alloc_uninit(cfg, units * sizeof *comp->code) : NULL;
        comp->pcmaps = punits ? wa__alloc_uninit(cfg, punits * sizeof *comp->pcmaps) : NULL;
        if ((units && !comp->code) || (punits && !comp->pcmaps)) {
            comp->code_units = comp->code ? units : 0;
            comp->pcmap_units = comp->pcmaps ? punits : 0;
            st = wa_error_set(err, WA_ERR_NOMEM, "out of memory: compiled code");
            goto done;
        }
        size_t u = 0, pu = 0;
        for (uint32_t i = 0; i < n; i++) {
            const cworker *w = &ws[job.owner[i]];
            size_t len = m->funcs[i].code_len / sizeof *comp->code;
            size_t plen = (size_t)comp->fns[i].pcmap_count * 2;
            memcpy(comp->code + u, w->arena + job.offs[i], len * sizeof *comp->code);
            if (plen)
                memcpy(comp->pcmaps + pu, w->parena + job.offs[n + i], plen * sizeof *comp->pcmaps);
            job.offs[i] = u;
            job.offs[n + i] = pu;
            u += len;
            pu += plen;
        }
    }
    comp->code_units = units;
    comp->pcmap_units = punits;
    for (uint32_t i = 0; i < n; i++) {
        comp->fns[i].code = comp->code + job.offs[i];
        comp->fns[i].pcmap = comp->pcmaps ? comp->pcmaps + job.offs[n + i] : NULL;
        m->funcs[i].code = (void *)comp->fns[i].code;
    }
    if (job.jit_off) {
        wa_jitter *jits[MAX_THREADS];
        for (uint32_t k = 0; k <= started; k++)
            jits[k] = ws[k].jit;
        wa__jit_install(comp, jits, started + 1, job.owner, job.jit_off);
    }

done:
    for (uint32_t k = 0; k < nw; k++) {
        wa__jitter_destroy(ws[k].jit);
        wa__free(cfg, ws[k].arena, ws[k].cap * sizeof *ws[k].arena);
        wa__free(cfg, ws[k].parena, ws[k].pcap * sizeof *ws[k].parena);
    }
    wa__free(cfg, job.offs, (size_t)n * 2 * sizeof *job.offs);
    wa__free(cfg, job.owner, n);
    wa__free(cfg, job.jit_off, job.jit_off ? (size_t)n * sizeof *job.jit_off : 0);
    if (st != WA_OK) {
        free_compiled(cfg, comp);
        return st;
    }
    m->compiled = comp;
    return WA_OK;
}
