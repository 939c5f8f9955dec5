/*
 * jit.c: the second tier. Translates each compiled function's internal code (what
 * compile.c produced and the interpreter runs) into x86-64 machine code, one template per
 * internal instruction. The frame stays the interpreter's: slot k of the running function
 * is [rbx + 8k], so a function runs either way and control passes between the tiers at
 * function boundaries (see wasm_int.h). Registers while machine code runs:
 *
 *   rbx  frame pointer (slots)        r12  memory 0's bytes    r13  memory 0's size
 *   r14  the wa_jit_ctx               r15  fuel                rax rcx rdx rsi rdi r8  scratch
 *
 * No value lives in a register from one instruction to the next, so the code can leave
 * at any instruction (a call, a trap) and resume after a call with only rbx and r12-r15
 * reloaded (calls between machine code push the interpreter's frame records and jump).
 * Every check the interpreter makes is made here in the same order with the
 * same outcome: bounds (one compare per access), fuel (taken at the same branches, with
 * the same amounts), interruption (polled on the same backward branches), integer
 * division traps. A function holding an instruction without a template (float rounding,
 * min/max and conversions to integers, tables, segment operations) stays interpreted.
 */
#include "wasm_int.h"

#if defined(__x86_64__) && !defined(WA_NO_JIT)

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* x86 condition codes; cc ^ 1 is the negation */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7 };
enum { CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf };
/* the comparison order of ops.def: eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u */
static const uint8_t cmp_cc[10] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};

/* ALU operations: opcode of "op r, r/m", and the /digit of "op r/m, imm" */
enum { ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
static const uint8_t alu_rm[6] = {0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b};
static const uint8_t alu_digit[6] = {0, 1, 4, 5, 6, 7};
/* shift /digits */
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

#define CX_MEM     offsetof(wa_jit_ctx, mem)
#define CX_MEMSIZE offsetof(wa_jit_ctx, memsize)
#define CX_FUEL    offsetof(wa_jit_ctx, fuel)
#define CX_INTR    offsetof(wa_jit_ctx, intr)
#define CX_GLOBALS offsetof(wa_jit_ctx, globals)
#define CX_RESUME  offsetof(wa_jit_ctx, resume)
#define CX_AT      offsetof(wa_jit_ctx, at)
#define CX_TRAP    offsetof(wa_jit_ctx, trap)
#define CX_FSP     offsetof(wa_jit_ctx, fsp)
#define CX_FEND    offsetof(wa_jit_ctx, frames_end)
#define CX_SEND    offsetof(wa_jit_ctx, stack_end)
#define CX_FNS     offsetof(wa_jit_ctx, fns)
#define CX_INST    offsetof(wa_jit_ctx, inst)
#define CX_FP      offsetof(wa_jit_ctx, fp)
#define FRAME      ((int32_t)sizeof(wa_frame))
#define FR(field)  ((int32_t)offsetof(wa_frame, field))
#define FN(field)  ((int32_t)offsetof(wa_fn, field))

/* ---- the code buffer ---- */

typedef struct jbuf {
    const wa_config *cfg;
    uint8_t *p;
    size_t len, cap;
    bool oom;      /* out of memory: writes go to scratch and are discarded */
    uint8_t *heap; /* the allocated buffer (p, unless oom) */
    size_t heap_cap;
    uint8_t scratch[64];
} jbuf;

static __attribute__((noinline)) void grow_buf(jbuf *b, size_t n)
{
    if (!b->oom) {
        size_t ncap = b->cap ? b->cap * 2 : 65536;
        while (ncap < b->len + n)
            ncap *= 2;
        uint8_t *np = wa__realloc(b->cfg, b->heap, b->heap_cap, ncap);
        if (np) {
            b->p = b->heap = np;
            b->cap = b->heap_cap = ncap;
            return;
        }
        b->oom = true;
        b->p = b->scratch;
        b->cap = sizeof b->scratch;
    }
    b->len = 0; /* keep writing over the scratch: the result is discarded */
}

static inline void ensure(jbuf *b, size_t n) /* n <= sizeof scratch */
{
    if (UNLIKELY(b->cap - b->len < n)) grow_buf(b, n);
}

static inline void b1(jbuf *b, uint8_t v)
{
    ensure(b, 1);
    b->p[b->len++] = v;
}

static inline void b4(jbuf *b, uint32_t v)
{
    ensure(b, 4);
    memcpy(b->p + b->len, &v, 4);
    b->len += 4;
}

static inline void b8(jbuf *b, uint64_t v)
{
    ensure(b, 8);
    memcpy(b->p + b->len, &v, 8);
    b->len += 8;
}

static inline void put(jbuf *b, const uint8_t *src, size_t n) /* n <= sizeof scratch */
{
    ensure(b, n);
    for (size_t i = 0; i < n; i++)
        b->p[b->len + i] = src[i];
    b->len += n;
}

static void patch32(jbuf *b, size_t at, uint32_t v)
{
    if (!b->oom && at + 4 <= b->len) memcpy(b->p + at, &v, 4);
}

/* ---- instruction encoding ---- */

/* A memory operand [base + index + disp]; index < 0: none. */
typedef struct mop {
    int base, index;
    int32_t disp;
} mop;

static mop slot_m(uint32_t s)
{
    return (mop){RBX, -1, (int32_t)(8 * s)};
}

static mop ctx_m(size_t off)
{
    return (mop){R14, -1, (int32_t)off};
}

static mop mem_m(void) /* [r12 + rax]: a checked guest address */
{
    return (mop){R12, RAX, 0};
}

/* Emits [prefix] [REX] opcode modrm [sib] [disp] for reg and memory operand m. */
static void rm_mem(jbuf *b, uint8_t prefix, bool w, const uint8_t *op, int oplen, int reg, mop m,
                   bool byte_reg)
{
    if (prefix) b1(b, prefix);
    int idx = m.index < 0 ? 0 : m.index;
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((idx & 8) ? 2 : 0) |
                            ((m.base & 8) ? 1 : 0));
    if (rex != 0x40 || (byte_reg && reg >= 4)) b1(b, rex);
    put(b, op, (size_t)oplen);
    bool sib = m.index >= 0 || (m.base & 7) == 4;
    int mod = m.disp == 0 && (m.base & 7) != 5 ? 0 : m.disp >= -128 && m.disp <= 127 ? 1 : 2;
    b1(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (sib ? 4 : (m.base & 7))));
    if (sib) b1(b, (uint8_t)((m.index < 0 ? 4 : (m.index & 7)) << 3 | (m.base & 7)));
    if (mod == 1) b1(b, (uint8_t)(int8_t)m.disp);
    if (mod == 2) b4(b, (uint32_t)m.disp);
}

/* Emits [prefix] [REX] opcode modrm for "op reg, rm" with two registers. */
static void rm_reg(jbuf *b, uint8_t prefix, bool w, const uint8_t *op, int oplen, int reg, int rm)
{
    if (prefix) b1(b, prefix);
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
    if (rex != 0x40) b1(b, rex);
    put(b, op, (size_t)oplen);
    b1(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

#define OPB(...) (const uint8_t[]){__VA_ARGS__}, (int)sizeof((const uint8_t[]){__VA_ARGS__})

static void ld64(jbuf *b, int r, mop m)
{
    rm_mem(b, 0, true, OPB(0x8b), r, m, false);
}

static void ld32(jbuf *b, int r, mop m)
{
    rm_mem(b, 0, false, OPB(0x8b), r, m, false);
}

static void st64(jbuf *b, mop m, int r)
{
    rm_mem(b, 0, true, OPB(0x89), r, m, false);
}

static void st32(jbuf *b, mop m, int r)
{
    rm_mem(b, 0, false, OPB(0x89), r, m, false);
}

static void mov_rr(jbuf *b, bool w, int dst, int src)
{
    rm_reg(b, 0, w, OPB(0x8b), dst, src);
}

static void alu_mem(jbuf *b, int alu, bool w, int r, mop m)
{
    rm_mem(b, 0, w, &alu_rm[alu], 1, r, m, false);
}

static void alu_reg(jbuf *b, int alu, bool w, int r, int rm)
{
    rm_reg(b, 0, w, &alu_rm[alu], 1, r, rm);
}

/* op r, imm32 (sign-extended to 64 bits when w) */
static void alu_imm(jbuf *b, int alu, bool w, int r, uint32_t imm)
{
    int32_t s = (int32_t)imm;
    if (s >= -128 && s <= 127) {
        rm_reg(b, 0, w, OPB(0x83), alu_digit[alu], r);
        b1(b, (uint8_t)(int8_t)s);
    } else {
        rm_reg(b, 0, w, OPB(0x81), alu_digit[alu], r);
        b4(b, imm);
    }
}

static void mov_imm32(jbuf *b, int r, uint32_t imm) /* zero-extends */
{
    if (r & 8) b1(b, 0x41);
    b1(b, (uint8_t)(0xb8 + (r & 7)));
    b4(b, imm);
}

static void mov_imm64(jbuf *b, int r, uint64_t imm)
{
    if (imm <= UINT32_MAX) {
        mov_imm32(b, r, (uint32_t)imm);
    } else if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX) {
        rm_reg(b, 0, true, OPB(0xc7), 0, r);
        b4(b, (uint32_t)imm);
    } else {
        b1(b, (uint8_t)(0x48 | ((r & 8) ? 1 : 0)));
        b1(b, (uint8_t)(0xb8 + (r & 7)));
        b8(b, imm);
    }
}

static void shift_cl(jbuf *b, int sh, bool w, int r)
{
    rm_reg(b, 0, w, OPB(0xd3), sh, r);
}

static void shift_imm(jbuf *b, int sh, bool w, int r, uint8_t k)
{
    rm_reg(b, 0, w, OPB(0xc1), sh, r);
    b1(b, k);
}

static void setcc_zx(jbuf *b, int cc, int r) /* r = flags ? 1 : 0 (r < 4) */
{
    rm_reg(b, 0, false, OPB(0x0f, (uint8_t)(0x90 + cc)), 0, r);
    rm_reg(b, 0, false, OPB(0x0f, 0xb6), r, r);
}

static void test_rr(jbuf *b, bool w, int a, int c)
{
    rm_reg(b, 0, w, OPB(0x85), c, a);
}

/* ---- per-function state: branch fixups and cold trap stubs ---- */

typedef struct fixup {
    size_t pos;      /* rel32 field */
    uint32_t target; /* code unit, or TO_EXIT for the function's exit */
} fixup;

typedef struct stub {
    size_t pos; /* rel32 field of the jcc that goes there */
    uint32_t at, kind, fuel;
} stub;

#define TO_EXIT UINT32_MAX

typedef struct jfn {
    jbuf *b;
    const wa_config *cfg;
    const uint32_t *code;
    uint32_t units, frame_slots;
    size_t *map; /* units entries: buffer offset of the instruction there, or SIZE_MAX */
    fixup *fx;
    uint32_t nfx, capfx;
    stub *st;
    uint32_t nst, capst;
    bool fail;
} jfn;

static bool grow(jfn *j, void **p, uint32_t *cap, size_t elem, uint32_t need)
{
    if (need <= *cap) return true;
    uint32_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *np = wa__realloc(j->cfg, *p, (size_t)*cap * elem, (size_t)ncap * elem);
    if (!np) {
        j->fail = true;
        return false;
    }
    *p = np;
    *cap = ncap;
    return true;
}

static void add_fixup(jfn *j, size_t pos, uint32_t target)
{
    if (!grow(j, (void **)&j->fx, &j->capfx, sizeof *j->fx, j->nfx + 1)) return;
    j->fx[j->nfx++] = (fixup){pos, target};
}

static void jmp_to(jfn *j, uint32_t target)
{
    b1(j->b, 0xe9);
    add_fixup(j, j->b->len, target);
    b4(j->b, 0);
}

static void jcc_to(jfn *j, int cc, uint32_t target)
{
    b1(j->b, 0x0f);
    b1(j->b, (uint8_t)(0x80 + cc));
    add_fixup(j, j->b->len, target);
    b4(j->b, 0);
}

/* A forward jcc within the template; returns the rel32 to patch with land(). */
static size_t jcc_fwd(jbuf *b, int cc)
{
    b1(b, 0x0f);
    b1(b, (uint8_t)(0x80 + cc));
    b4(b, 0);
    return b->len - 4;
}

static size_t jmp_fwd(jbuf *b)
{
    b1(b, 0xe9);
    b4(b, 0);
    return b->len - 4;
}

static void land(jbuf *b, size_t rel)
{
    patch32(b, rel, (uint32_t)(b->len - (rel + 4)));
}

/* jcc to a cold stub that traps with kind at instruction `at` (giving fuel back first) */
static void jcc_trap(jfn *j, int cc, uint32_t kind, uint32_t at, uint32_t fuel)
{
    b1(j->b, 0x0f);
    b1(j->b, (uint8_t)(0x80 + cc));
    if (grow(j, (void **)&j->st, &j->capst, sizeof *j->st, j->nst + 1))
        j->st[j->nst++] = (stub){j->b->len, at, kind, fuel};
    b4(j->b, 0);
}

static void trap_now(jfn *j, uint32_t kind, uint32_t at)
{
    rm_mem(j->b, 0, false, OPB(0xc7), 0, ctx_m(CX_AT), false);
    b4(j->b, at);
    rm_mem(j->b, 0, false, OPB(0xc7), 0, ctx_m(CX_TRAP), false);
    b4(j->b, kind);
    mov_imm32(j->b, RAX, WA_JIT_TRAP);
    jmp_to(j, TO_EXIT);
}

/* CHARGE: fuel -= f, or trap OUT_OF_FUEL with fuel unchanged */
static void charge(jfn *j, uint32_t f, uint32_t at)
{
    if (!f) return;
    if (f <= INT32_MAX) {
        alu_imm(j->b, ALU_SUB, true, R15, f);
    } else {
        mov_imm32(j->b, RCX, f);
        alu_reg(j->b, ALU_SUB, true, R15, RCX);
    }
    jcc_trap(j, CC_B, WA_TRAP_OUT_OF_FUEL, at, f);
}

/* Control to unit target: fuel f first, then on a backward branch the interrupt poll
   (reported at the target, as the interpreter's TAKE does). */
static void take(jfn *j, uint32_t target, bool backward, uint32_t f, uint32_t at)
{
    charge(j, f, at);
    if (backward) {
        ld64(j->b, RAX, ctx_m(CX_INTR));
        rm_mem(j->b, 0, false, OPB(0x83), 7, (mop){RAX, -1, 0}, false); /* cmp dword [rax], 0 */
        b1(j->b, 0);
        jcc_trap(j, CC_NE, WA_TRAP_INTERRUPTED, target, 0);
    }
    jmp_to(j, target);
}

/* A conditional branch on flags cc. */
static void cond_branch(jfn *j, int cc, uint32_t target, bool backward, bool metered, uint32_t ft,
                        uint32_t fn, uint32_t at)
{
    if (!backward && (!metered || ft == 0)) {
        jcc_to(j, cc, target);
    } else {
        size_t skip = jcc_fwd(j->b, cc ^ 1);
        take(j, target, backward, metered ? ft : 0, at);
        land(j->b, skip);
    }
    if (metered) charge(j, fn, at);
}

/* ---- helpers the code calls (System V ABI; the stack is 16-byte aligned) ---- */

static int jit_fill(uint8_t *mem, uint64_t memsize, uint64_t d, uint64_t v, uint64_t n)
{
    if (d + n > memsize) return 1;
    if (n) memset(mem + d, (int)(uint8_t)v, n);
    return 0;
}

static int jit_copy(uint8_t *mem, uint64_t memsize, uint64_t d, uint64_t s, uint64_t n)
{
    if (d + n > memsize || s + n > memsize) return 1;
    if (n) memmove(mem + d, mem + s, n);
    return 0;
}

static uint64_t jit_grow(wa_jit_ctx *cx, uint64_t delta)
{
    if (!cx->mem0) return UINT32_MAX;
    int64_t r = wa_memory_grow(cx->mem0, (uint32_t)delta);
    cx->mem = cx->mem0->data;
    cx->memsize = cx->mem0->size;
    return (uint32_t)(int32_t)r;
}

static void call_abs(jbuf *b, const void *fn)
{
    uint64_t a;
    memcpy(&a, &fn, sizeof a);
    mov_imm64(b, RAX, a);
    b1(b, 0xff); /* call rax */
    b1(b, 0xd0);
}

/* ---- templates ---- */

/* The slot field ip[k], checked against the frame. */
static uint32_t S(jfn *j, const uint32_t *ip, int k)
{
    uint32_t s = ip[k];
    if (s >= j->frame_slots) {
        j->fail = true;
        return 0;
    }
    return s;
}

/* rax = the checked effective address (u32)(slot + i) + o of an n-byte access */
static void address(jfn *j, uint32_t slot, uint32_t i, uint32_t o, uint32_t n, uint32_t at)
{
    ld32(j->b, RAX, slot_m(slot));
    if (i) alu_imm(j->b, ALU_ADD, false, RAX, i);
    if (o) {
        if (o <= INT32_MAX) {
            alu_imm(j->b, ALU_ADD, true, RAX, o);
        } else {
            mov_imm32(j->b, RCX, o);
            alu_reg(j->b, ALU_ADD, true, RAX, RCX);
        }
    }
    rm_mem(j->b, 0, true, OPB(0x8d), RCX, (mop){RAX, -1, (int32_t)n}, false); /* lea */
    alu_reg(j->b, ALU_CMP, true, RCX, R13);
    jcc_trap(j, CC_A, WA_TRAP_MEM_OOB, at, 0);
}

static void load(jfn *j, const uint32_t *ip, uint32_t at, uint32_t n, const uint8_t *op, int oplen,
                 bool w)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    address(j, a, ip[3], ip[4], n, at);
    rm_mem(j->b, 0, w, op, oplen, RAX, mem_m(), false);
    st64(j->b, slot_m(d), RAX);
}

static void store(jfn *j, const uint32_t *ip, uint32_t at, uint32_t n)
{
    uint32_t a = S(j, ip, 1), v = S(j, ip, 2);
    address(j, a, ip[3], ip[4], n, at);
    ld64(j->b, RDX, slot_m(v));
    if (n == 1) rm_mem(j->b, 0, false, OPB(0x88), RDX, mem_m(), true);
    if (n == 2) rm_mem(j->b, 0x66, false, OPB(0x89), RDX, mem_m(), false);
    if (n == 4) st32(j->b, mem_m(), RDX);
    if (n == 8) st64(j->b, mem_m(), RDX);
}

/* d = a op b (slots), 32- or 64-bit */
static void bin(jfn *j, const uint32_t *ip, int alu, bool w)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2), c = S(j, ip, 3);
    if (w)
        ld64(j->b, RAX, slot_m(a));
    else
        ld32(j->b, RAX, slot_m(a));
    alu_mem(j->b, alu, w, RAX, slot_m(c));
    st64(j->b, slot_m(d), RAX);
}

static void bin_imm(jfn *j, const uint32_t *ip, int alu, bool w)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    if (w)
        ld64(j->b, RAX, slot_m(a));
    else
        ld32(j->b, RAX, slot_m(a));
    alu_imm(j->b, alu, w, RAX, ip[3]);
    st64(j->b, slot_m(d), RAX);
}

static void shift(jfn *j, const uint32_t *ip, int sh, bool w)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2), c = S(j, ip, 3);
    (w ? ld64 : ld32)(j->b, RAX, slot_m(a));
    ld32(j->b, RCX, slot_m(c));
    shift_cl(j->b, sh, w, RAX);
    st64(j->b, slot_m(d), RAX);
}

static void shift_k(jfn *j, const uint32_t *ip, int sh, bool w)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    (w ? ld64 : ld32)(j->b, RAX, slot_m(a));
    shift_imm(j->b, sh, w, RAX, (uint8_t)(ip[3] & (w ? 63 : 31)));
    st64(j->b, slot_m(d), RAX);
}

/* d = (a cmp b) as 0/1 */
static void compare(jfn *j, const uint32_t *ip, int cc, bool w, bool imm)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    (w ? ld64 : ld32)(j->b, RAX, slot_m(a));
    if (imm)
        alu_imm(j->b, ALU_CMP, w, RAX, ip[3]);
    else
        alu_mem(j->b, ALU_CMP, w, RAX, slot_m(S(j, ip, 3)));
    setcc_zx(j->b, cc, RAX);
    st64(j->b, slot_m(d), RAX);
}

static void divide(jfn *j, const uint32_t *ip, uint32_t at, bool w, bool sign, bool rem)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2), c = S(j, ip, 3);
    (w ? ld64 : ld32)(j->b, RAX, slot_m(a));
    (w ? ld64 : ld32)(j->b, RCX, slot_m(c));
    test_rr(j->b, w, RCX, RCX);
    jcc_trap(j, CC_E, WA_TRAP_INT_DIV_ZERO, at, 0);
    size_t done = SIZE_MAX;
    if (sign) {
        alu_imm(j->b, ALU_CMP, w, RCX, UINT32_MAX); /* -1 */
        size_t normal = jcc_fwd(j->b, CC_NE);
        if (rem) { /* spec: INT_MIN rem -1 is 0; any x rem -1 is 0 */
            alu_reg(j->b, ALU_XOR, false, RDX, RDX);
            done = jmp_fwd(j->b);
        } else {
            mov_imm64(j->b, RSI, w ? (uint64_t)INT64_MIN : (uint64_t)(uint32_t)INT32_MIN);
            alu_reg(j->b, ALU_CMP, w, RAX, RSI);
            jcc_trap(j, CC_E, WA_TRAP_INT_OVERFLOW, at, 0);
        }
        land(j->b, normal);
        if (w) b1(j->b, 0x48);
        b1(j->b, 0x99);                        /* cdq / cqo */
        rm_reg(j->b, 0, w, OPB(0xf7), 7, RCX); /* idiv */
    } else {
        alu_reg(j->b, ALU_XOR, false, RDX, RDX);
        rm_reg(j->b, 0, w, OPB(0xf7), 6, RCX); /* div */
    }
    if (done != SIZE_MAX) land(j->b, done);
    st64(j->b, slot_m(d), rem ? RDX : RAX);
}

/* clz/ctz: bsr/bsf with the zero case apart */
static void count_zeros(jfn *j, const uint32_t *ip, bool w, bool leading)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    (w ? ld64 : ld32)(j->b, RCX, slot_m(a));
    mov_imm32(j->b, RAX, w ? 64 : 32);
    test_rr(j->b, w, RCX, RCX);
    size_t zero = jcc_fwd(j->b, CC_E);
    rm_reg(j->b, 0, w, OPB(0x0f, leading ? 0xbd : 0xbc), RAX, RCX);
    if (leading) alu_imm(j->b, ALU_XOR, false, RAX, w ? 63 : 31);
    land(j->b, zero);
    st64(j->b, slot_m(d), RAX);
}

/* Leaves for the interpreter to make the call at `at`; the caller's code resumes right
   after this sequence once the callee has returned. */
static void calls_out(jfn *j, uint32_t at)
{
    jbuf *b = j->b;
    rm_mem(b, 0, false, OPB(0xc7), 0, ctx_m(CX_AT), false);
    b4(b, at);
    static const uint8_t lea_rip[] = {0x48, 0x8d, 0x05}; /* lea rax, [rip + rel32] */
    put(b, lea_rip, sizeof lea_rip);
    b4(b, 0);
    size_t rel = b->len - 4;
    st64(b, ctx_m(CX_RESUME), RAX);
    mov_imm32(b, RAX, WA_JIT_CALL);
    jmp_to(j, TO_EXIT);
    land(b, rel);
}

/* A direct call of function idx (same instance) when it has machine code: what the
   interpreter's call and enter do (stack and frame-record room, entry fuel, the record,
   zeroed locals, the interrupt poll), then a jump; otherwise, or when any check fails,
   the interpreter makes the call (and raises the trap). Both resume after it. */
static void call_direct(jfn *j, uint32_t idx, uint32_t base, uint32_t at, uint32_t next)
{
    jbuf *b = j->b;
    if ((uint64_t)idx * sizeof(wa_fn) > INT32_MAX || base > INT32_MAX / 8 ||
        (uint64_t)next * 4 > INT32_MAX) {
        calls_out(j, at);
        return;
    }
    size_t slow[4];
    ld64(b, RSI, ctx_m(CX_FNS));
    if (idx) alu_imm(b, ALU_ADD, true, RSI, (uint32_t)(idx * sizeof(wa_fn)));
    ld64(b, RDX, (mop){RSI, -1, FN(jit)});
    test_rr(b, true, RDX, RDX);
    slow[0] = jcc_fwd(b, CC_E);
    rm_mem(b, 0, true, OPB(0x8d), RDI, slot_m(base), false); /* rdi = the callee's frame */
    ld64(b, RAX, ctx_m(CX_SEND));
    alu_reg(b, ALU_SUB, true, RAX, RDI);
    ld32(b, RCX, (mop){RSI, -1, FN(frame_slots)});
    shift_imm(b, SH_SHL, true, RCX, 3);
    alu_reg(b, ALU_CMP, true, RAX, RCX);
    slow[1] = jcc_fwd(b, CC_B);
    ld64(b, R8, ctx_m(CX_FSP));
    alu_mem(b, ALU_CMP, true, R8, ctx_m(CX_FEND));
    slow[2] = jcc_fwd(b, CC_AE);
    ld32(b, RCX, (mop){RSI, -1, FN(entry_fuel)});
    alu_reg(b, ALU_CMP, true, R15, RCX);
    slow[3] = jcc_fwd(b, CC_B);
    alu_reg(b, ALU_SUB, true, R15, RCX);
    /* the record: return position in the caller's code, frame, instance, callee, and
       where the caller's machine code resumes */
    ld64(b, RAX, (mop){R8, -1, -FRAME + FR(fn)});
    ld64(b, RAX, (mop){RAX, -1, FN(code)});
    alu_imm(b, ALU_ADD, true, RAX, next * 4);
    st64(b, (mop){R8, -1, FR(ret_ip)}, RAX);
    st64(b, (mop){R8, -1, FR(ret_fp)}, RBX);
    ld64(b, RAX, ctx_m(CX_INST));
    st64(b, (mop){R8, -1, FR(ret_inst)}, RAX);
    st64(b, (mop){R8, -1, FR(fn)}, RSI);
    static const uint8_t lea_rip[] = {0x48, 0x8d, 0x05}; /* lea rax, [rip + rel32] */
    put(b, lea_rip, sizeof lea_rip);
    b4(b, 0);
    size_t resume_rel = b->len - 4;
    st64(b, (mop){R8, -1, FR(ret_native)}, RAX);
    alu_imm(b, ALU_ADD, true, R8, (uint32_t)FRAME);
    st64(b, ctx_m(CX_FSP), R8);
    /* zero the declared locals: rep stosq from frame + 8 * params */
    ld32(b, RAX, (mop){RSI, -1, FN(param_count)});
    shift_imm(b, SH_SHL, true, RAX, 3);
    alu_reg(b, ALU_ADD, true, RDI, RAX);
    ld32(b, RCX, (mop){RSI, -1, FN(local_count)});
    alu_reg(b, ALU_XOR, false, RAX, RAX);
    static const uint8_t rep_stosq[] = {0xf3, 0x48, 0xab};
    put(b, rep_stosq, sizeof rep_stosq);
    rm_mem(b, 0, true, OPB(0x8d), RBX, slot_m(base), false); /* rbx = the callee's frame */
    ld64(b, RAX, ctx_m(CX_INTR));
    rm_mem(b, 0, false, OPB(0x83), 7, (mop){RAX, -1, 0}, false); /* cmp dword [rax], 0 */
    b1(b, 0);
    jcc_trap(j, CC_NE, WA_TRAP_INTERRUPTED, 0, 0); /* at the callee's start, as enter does */
    b1(b, 0xff);                                   /* jmp rdx */
    b1(b, 0xe2);
    for (int k = 0; k < 4; k++)
        land(b, slow[k]);
    calls_out(j, at);
    land(b, resume_rel); /* both ways resume here */
}

/* Return: straight into the caller's machine code when the caller is machine code of
   this instance (its record says where), else through the interpreter. */
static void ret_now(jfn *j)
{
    jbuf *b = j->b;
    ld64(b, RAX, ctx_m(CX_FSP));
    ld64(b, RCX, (mop){RAX, -1, -FRAME + FR(ret_native)});
    test_rr(b, true, RCX, RCX);
    size_t out1 = jcc_fwd(b, CC_E);
    ld64(b, RDX, (mop){RAX, -1, -FRAME + FR(ret_inst)});
    alu_mem(b, ALU_CMP, true, RDX, ctx_m(CX_INST));
    size_t out2 = jcc_fwd(b, CC_NE);
    alu_imm(b, ALU_SUB, true, RAX, (uint32_t)FRAME);
    st64(b, ctx_m(CX_FSP), RAX);
    ld64(b, RBX, (mop){RAX, -1, FR(ret_fp)});
    b1(b, 0xff); /* jmp rcx */
    b1(b, 0xe1);
    land(b, out1);
    land(b, out2);
    alu_reg(b, ALU_XOR, false, RAX, RAX);
    jmp_to(j, TO_EXIT);
}

/* ---- floating point (SSE2; the interpreter's C compiles to the same instructions) ---- */

enum { SD = 0xf2, SS = 0xf3 };

static void fload(jbuf *b, uint8_t pfx, int x, mop m) /* movsd/movss xmm, m */
{
    rm_mem(b, pfx, false, OPB(0x0f, 0x10), x, m, false);
}

/* stores xmm0 as the slot's bits: f64 whole, f32 zero-extended (slots hold it so) */
static void fstore_slot(jbuf *b, uint8_t pfx, uint32_t d)
{
    if (pfx == SD) {
        rm_mem(b, SD, false, OPB(0x0f, 0x11), 0, slot_m(d), false);
    } else {
        rm_reg(b, 0x66, false, OPB(0x0f, 0x7e), 0, RAX); /* movd eax, xmm0 */
        st64(b, slot_m(d), RAX);
    }
}

/* d = a op b; op: 0x58 add, 0x59 mul, 0x5c sub, 0x5e div */
static void fbin(jfn *j, const uint32_t *ip, uint8_t pfx, uint8_t op)
{
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2), c = S(j, ip, 3);
    fload(j->b, pfx, 0, slot_m(a));
    rm_mem(j->b, pfx, false, OPB(0x0f, op), 0, slot_m(c), false);
    fstore_slot(j->b, pfx, d);
}

/* d = (a cmp b): k = 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge; unordered is false but for ne */
static void fcmp(jfn *j, const uint32_t *ip, bool dbl, int k)
{
    jbuf *b = j->b;
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2), c = S(j, ip, 3);
    bool swap = k == 2 || k == 4; /* a < b is b > a */
    fload(b, dbl ? SD : SS, 0, slot_m(swap ? c : a));
    rm_mem(b, dbl ? 0x66 : 0, false, OPB(0x0f, 0x2e), 0, slot_m(swap ? a : c), false);
    if (k <= 1) {
        setcc_zx(b, k == 0 ? CC_E : CC_NE, RAX);
        setcc_zx(b, k == 0 ? 0xb : 0xa, RCX); /* np / p */
        alu_reg(b, k == 0 ? ALU_AND : ALU_OR, false, RAX, RCX);
    } else {
        setcc_zx(b, k <= 3 ? CC_A : CC_AE, RAX);
    }
    st64(b, slot_m(d), RAX);
}

/* abs, neg, copysign: the sign bit only, as integers */
static void fsign(jfn *j, const uint32_t *ip, bool dbl, int k)
{
    jbuf *b = j->b;
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    uint64_t sign = dbl ? 0x8000000000000000ull : 0x80000000ull;
    (dbl ? ld64 : ld32)(b, RAX, slot_m(a));
    mov_imm64(b, RCX, k == 1 ? sign : ~sign & (dbl ? UINT64_MAX : UINT32_MAX));
    alu_reg(b, k == 1 ? ALU_XOR : ALU_AND, dbl, RAX, RCX);
    if (k == 2) { /* copysign: | (b & sign) */
        (dbl ? ld64 : ld32)(b, RDX, slot_m(S(j, ip, 3)));
        mov_imm64(b, RCX, sign);
        alu_reg(b, ALU_AND, dbl, RDX, RCX);
        alu_reg(b, ALU_OR, dbl, RAX, RDX);
    }
    st64(b, slot_m(d), RAX);
}

/* int to float: cvtsi2sd/ss from a 32-bit (w false) or 64-bit source */
static void fconv(jfn *j, const uint32_t *ip, uint8_t pfx, bool w, bool zero_extend)
{
    jbuf *b = j->b;
    uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
    if (zero_extend) { /* u32: exact as a 64-bit signed integer */
        ld32(b, RAX, slot_m(a));
        rm_reg(b, pfx, true, OPB(0x0f, 0x2a), 0, RAX);
    } else {
        rm_mem(b, pfx, w, OPB(0x0f, 0x2a), 0, slot_m(a), false);
    }
    fstore_slot(b, pfx, d);
}

/* Translates one function; false when some instruction has no template. */
static bool translate(jfn *j)
{
    static const uint8_t ld32_op[] = {0x8b}, ld64_op[] = {0x8b}, zx8[] = {0x0f, 0xb6},
                         zx16[] = {0x0f, 0xb7}, sx8[] = {0x0f, 0xbe}, sx16[] = {0x0f, 0xbf},
                         sx32[] = {0x63};
    jbuf *b = j->b;
    const uint32_t *code = j->code;
    for (uint32_t pos = 0; pos < j->units && !j->fail;) {
        const uint32_t *ip = code + pos;
        uint32_t op = ip[0], len = (uint32_t)wa__insn_len(ip[0], ip, j->units - pos);
        if (len == 0) return false;
        j->map[pos] = b->len;
        uint32_t at = pos;
        bool metered = false;
        int ci;

        if (op >= WA_OP_br_m && op <= WA_OP_br_table_m) {
            metered = true;
            op -= WA_OP_br_m - WA_OP_br; /* the plain form; fuel fields follow */
        }
#define TARGET(k) (pos + (k) + (uint32_t)ip[k])
#define BACK(k)   ((int32_t)ip[k] < 0)
        switch (op) {
        case WA_OP_unreachable:
            trap_now(j, WA_TRAP_UNREACHABLE, at);
            break;
        case WA_OP_br:
            take(j, TARGET(1), BACK(1), metered ? ip[2] : 0, at);
            break;
        case WA_OP_br_nez:
        case WA_OP_br_eqz:
        case WA_OP_br_nez_i64:
        case WA_OP_br_eqz_i64: {
            bool w = op == WA_OP_br_nez_i64 || op == WA_OP_br_eqz_i64;
            (w ? ld64 : ld32)(b, RAX, slot_m(S(j, ip, 1)));
            test_rr(b, w, RAX, RAX);
            int cc = op == WA_OP_br_nez || op == WA_OP_br_nez_i64 ? CC_NE : CC_E;
            cond_branch(j, cc, TARGET(2), BACK(2), metered, metered ? ip[3] : 0,
                        metered ? ip[4] : 0, at);
            break;
        }
        case WA_OP_br_table: {
            uint32_t n = ip[2];
            ld32(b, RAX, slot_m(S(j, ip, 1)));
            mov_imm32(b, RCX, n);
            alu_reg(b, ALU_CMP, false, RAX, RCX);
            rm_reg(b, 0, false, OPB(0x0f, 0x40 + CC_A), RAX, RCX); /* cmova eax, ecx */
            /* lea rcx, [rip + table]; movsxd rax, [rcx + 4*rax]; add rax, rcx; jmp rax */
            b1(b, 0x48);
            b1(b, 0x8d);
            b1(b, 0x0d);
            b4(b, 0);
            size_t tref = b->len - 4;
            b1(b, 0x48);
            b1(b, 0x63);
            b1(b, 0x04);
            b1(b, 0x81);
            alu_reg(b, ALU_ADD, true, RAX, RCX);
            b1(b, 0xff);
            b1(b, 0xe0);
            while (b->len % 4)
                b1(b, 0xcc);
            land(b, tref);
            size_t table = b->len;
            for (uint32_t i = 0; i <= n; i++)
                b4(b, 0);
            for (uint32_t i = 0; i <= n; i++) {
                patch32(b, table + 4 * i, (uint32_t)(b->len - table));
                uint32_t k = metered ? 3 + 2 * i : 3 + i;
                take(j, TARGET(k), BACK(k), metered ? ip[k + 1] : 0, at);
            }
            break;
        }
        case WA_OP_br_ne_i32_inc:
        case WA_OP_br_ne_i32_inc_m: {
            bool m = op == WA_OP_br_ne_i32_inc_m;
            uint32_t d = S(j, ip, 1);
            ld32(b, RAX, slot_m(d));
            alu_imm(b, ALU_ADD, false, RAX, ip[2]);
            st64(b, slot_m(d), RAX);
            alu_imm(b, ALU_CMP, false, RAX, ip[3]);
            cond_branch(j, CC_NE, TARGET(4), BACK(4), m, m ? ip[5] : 0, m ? ip[6] : 0, at);
            break;
        }
        case WA_OP_call:
            if (ip[2] > j->frame_slots) return false;
            call_direct(j, ip[1], ip[2], at, pos + len);
            break;
        case WA_OP_call_import:
        case WA_OP_call_indirect:
            calls_out(j, at);
            break;
        case WA_OP_ret0:
            ret_now(j);
            break;
        case WA_OP_ret1:
            ld64(b, RAX, slot_m(S(j, ip, 1)));
            st64(b, slot_m(0), RAX);
            ret_now(j);
            break;
        case WA_OP_retn: {
            uint32_t s = S(j, ip, 1), n = ip[2];
            if (n > j->frame_slots || s > j->frame_slots - n) return false;
            for (uint32_t i = 0; i < n; i++) {
                ld64(b, RAX, slot_m(s + i));
                st64(b, slot_m(i), RAX);
            }
            ret_now(j);
            break;
        }
        case WA_OP_mov:
            ld64(b, RAX, slot_m(S(j, ip, 2)));
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_mov2:
            ld64(b, RAX, slot_m(S(j, ip, 2)));
            st64(b, slot_m(S(j, ip, 1)), RAX);
            ld64(b, RAX, slot_m(S(j, ip, 4)));
            st64(b, slot_m(S(j, ip, 3)), RAX);
            break;
        case WA_OP_pool_init: {
            uint32_t s = S(j, ip, 1), n = ip[2];
            if (n > j->frame_slots || s > j->frame_slots - n) return false;
            for (uint32_t i = 0; i < n; i++) {
                mov_imm64(b, RAX, (uint64_t)ip[3 + 2 * i] | (uint64_t)ip[4 + 2 * i] << 32);
                st64(b, slot_m(s + i), RAX);
            }
            break;
        }
        case WA_OP_const32:
            mov_imm32(b, RAX, ip[2]);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_const64:
            mov_imm64(b, RAX, (uint64_t)ip[2] | (uint64_t)ip[3] << 32);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_select: /* d = c ? a : b */
            ld64(b, RAX, slot_m(S(j, ip, 3)));
            ld32(b, RDX, slot_m(S(j, ip, 4)));
            test_rr(b, false, RDX, RDX);
            rm_mem(b, 0, true, OPB(0x0f, 0x40 + CC_NE), RAX, slot_m(S(j, ip, 2)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_global_get:
        case WA_OP_global_set: {
            if (ip[2] > INT32_MAX / 8) return false;
            ld64(b, RCX, ctx_m(CX_GLOBALS));
            ld64(b, RCX, (mop){RCX, -1, (int32_t)(8 * ip[2])});
            mop g = {RCX, -1, (int32_t)offsetof(struct wa_global, val)};
            if (op == WA_OP_global_get) {
                ld64(b, RAX, g);
                st64(b, slot_m(S(j, ip, 1)), RAX);
            } else {
                ld64(b, RAX, slot_m(S(j, ip, 1)));
                st64(b, g, RAX);
            }
            break;
        }
        case WA_OP_i32_load:
            load(j, ip, at, 4, ld32_op, 1, false);
            break;
        case WA_OP_i64_load:
            load(j, ip, at, 8, ld64_op, 1, true);
            break;
        case WA_OP_i32_load8_s:
            load(j, ip, at, 1, sx8, 2, false);
            break;
        case WA_OP_i32_load8_u:
            load(j, ip, at, 1, zx8, 2, false);
            break;
        case WA_OP_i32_load16_s:
            load(j, ip, at, 2, sx16, 2, false);
            break;
        case WA_OP_i32_load16_u:
            load(j, ip, at, 2, zx16, 2, false);
            break;
        case WA_OP_i64_load8_s:
            load(j, ip, at, 1, sx8, 2, true);
            break;
        case WA_OP_i64_load16_s:
            load(j, ip, at, 2, sx16, 2, true);
            break;
        case WA_OP_i64_load32_s:
            load(j, ip, at, 4, sx32, 1, true);
            break;
        case WA_OP_store8:
            store(j, ip, at, 1);
            break;
        case WA_OP_store16:
            store(j, ip, at, 2);
            break;
        case WA_OP_store32:
            store(j, ip, at, 4);
            break;
        case WA_OP_store64:
            store(j, ip, at, 8);
            break;
        case WA_OP_memory_size:
            mov_rr(b, true, RAX, R13);
            shift_imm(b, SH_SHR, true, RAX, 16);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_memory_grow:
            mov_rr(b, true, RDI, R14);
            ld32(b, RSI, slot_m(S(j, ip, 2)));
            call_abs(b, (const void *)jit_grow);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            ld64(b, R12, ctx_m(CX_MEM));
            ld64(b, R13, ctx_m(CX_MEMSIZE));
            break;
        case WA_OP_memory_fill:
        case WA_OP_memory_copy:
            mov_rr(b, true, RDI, R12);
            mov_rr(b, true, RSI, R13);
            ld32(b, RDX, slot_m(S(j, ip, 1)));
            ld32(b, RCX, slot_m(S(j, ip, 2)));
            ld32(b, R8, slot_m(S(j, ip, 3)));
            call_abs(b, op == WA_OP_memory_fill ? (const void *)jit_fill : (const void *)jit_copy);
            test_rr(b, false, RAX, RAX);
            jcc_trap(j, CC_NE, WA_TRAP_MEM_OOB, at, 0);
            break;
        case WA_OP_i32_add_m:
        case WA_OP_i64_add_m: {
            bool w = op == WA_OP_i64_add_m;
            uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
            address(j, S(j, ip, 3), ip[4], ip[5], w ? 8 : 4, at);
            (w ? ld64 : ld32)(b, RCX, mem_m());
            alu_mem(b, ALU_ADD, w, RCX, slot_m(a));
            st64(b, slot_m(d), RCX);
            break;
        }
        case WA_OP_i32_add_to_m:
        case WA_OP_i64_add_to_m: {
            bool w = op == WA_OP_i64_add_to_m;
            uint32_t v = S(j, ip, 2);
            address(j, S(j, ip, 1), ip[3], ip[4], w ? 8 : 4, at);
            (w ? ld64 : ld32)(b, RCX, slot_m(v));
            rm_mem(b, 0, w, OPB(0x01), RCX, mem_m(), false); /* add [mem], rcx */
            break;
        }
        case WA_OP_i32_eqz:
        case WA_OP_i64_eqz: {
            bool w = op == WA_OP_i64_eqz;
            (w ? ld64 : ld32)(b, RCX, slot_m(S(j, ip, 2)));
            alu_reg(b, ALU_XOR, false, RAX, RAX);
            test_rr(b, w, RCX, RCX);
            setcc_zx(b, CC_E, RAX);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        }
        case WA_OP_i32_clz:
        case WA_OP_i32_ctz:
        case WA_OP_i64_clz:
        case WA_OP_i64_ctz:
            count_zeros(j, ip, op == WA_OP_i64_clz || op == WA_OP_i64_ctz,
                        op == WA_OP_i32_clz || op == WA_OP_i64_clz);
            break;
        case WA_OP_i32_add:
            bin(j, ip, ALU_ADD, false);
            break;
        case WA_OP_i32_sub:
            bin(j, ip, ALU_SUB, false);
            break;
        case WA_OP_i32_and:
            bin(j, ip, ALU_AND, false);
            break;
        case WA_OP_i32_or:
            bin(j, ip, ALU_OR, false);
            break;
        case WA_OP_i32_xor:
            bin(j, ip, ALU_XOR, false);
            break;
        case WA_OP_i64_add:
            bin(j, ip, ALU_ADD, true);
            break;
        case WA_OP_i64_sub:
            bin(j, ip, ALU_SUB, true);
            break;
        case WA_OP_i64_and:
            bin(j, ip, ALU_AND, true);
            break;
        case WA_OP_i64_or:
            bin(j, ip, ALU_OR, true);
            break;
        case WA_OP_i64_xor:
            bin(j, ip, ALU_XOR, true);
            break;
        case WA_OP_i32_mul:
        case WA_OP_i64_mul: {
            bool w = op == WA_OP_i64_mul;
            (w ? ld64 : ld32)(b, RAX, slot_m(S(j, ip, 2)));
            rm_mem(b, 0, w, OPB(0x0f, 0xaf), RAX, slot_m(S(j, ip, 3)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        }
        case WA_OP_i32_mul_imm:
        case WA_OP_i64_mul_imm: {
            bool w = op == WA_OP_i64_mul_imm;
            rm_mem(b, 0, w, OPB(0x69), RAX, slot_m(S(j, ip, 2)), false);
            b4(b, ip[3]);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        }
        case WA_OP_i32_div_s:
            divide(j, ip, at, false, true, false);
            break;
        case WA_OP_i32_div_u:
            divide(j, ip, at, false, false, false);
            break;
        case WA_OP_i32_rem_s:
            divide(j, ip, at, false, true, true);
            break;
        case WA_OP_i32_rem_u:
            divide(j, ip, at, false, false, true);
            break;
        case WA_OP_i64_div_s:
            divide(j, ip, at, true, true, false);
            break;
        case WA_OP_i64_div_u:
            divide(j, ip, at, true, false, false);
            break;
        case WA_OP_i64_rem_s:
            divide(j, ip, at, true, true, true);
            break;
        case WA_OP_i64_rem_u:
            divide(j, ip, at, true, false, true);
            break;
        case WA_OP_i32_shl:
            shift(j, ip, SH_SHL, false);
            break;
        case WA_OP_i32_shr_s:
            shift(j, ip, SH_SAR, false);
            break;
        case WA_OP_i32_shr_u:
            shift(j, ip, SH_SHR, false);
            break;
        case WA_OP_i32_rotl:
            shift(j, ip, SH_ROL, false);
            break;
        case WA_OP_i32_rotr:
            shift(j, ip, SH_ROR, false);
            break;
        case WA_OP_i64_shl:
            shift(j, ip, SH_SHL, true);
            break;
        case WA_OP_i64_shr_s:
            shift(j, ip, SH_SAR, true);
            break;
        case WA_OP_i64_shr_u:
            shift(j, ip, SH_SHR, true);
            break;
        case WA_OP_i64_rotl:
            shift(j, ip, SH_ROL, true);
            break;
        case WA_OP_i64_rotr:
            shift(j, ip, SH_ROR, true);
            break;
        case WA_OP_i32_add_imm:
            bin_imm(j, ip, ALU_ADD, false);
            break;
        case WA_OP_i32_and_imm:
            bin_imm(j, ip, ALU_AND, false);
            break;
        case WA_OP_i32_or_imm:
            bin_imm(j, ip, ALU_OR, false);
            break;
        case WA_OP_i32_xor_imm:
            bin_imm(j, ip, ALU_XOR, false);
            break;
        case WA_OP_i64_add_imm:
            bin_imm(j, ip, ALU_ADD, true);
            break;
        case WA_OP_i64_and_imm:
            bin_imm(j, ip, ALU_AND, true);
            break;
        case WA_OP_i64_or_imm:
            bin_imm(j, ip, ALU_OR, true);
            break;
        case WA_OP_i64_xor_imm:
            bin_imm(j, ip, ALU_XOR, true);
            break;
        case WA_OP_i32_sub_imm: /* imm - a */
        case WA_OP_i64_sub_imm: {
            bool w = op == WA_OP_i64_sub_imm;
            mov_imm64(b, RAX, w ? (uint64_t)(int64_t)(int32_t)ip[3] : ip[3]);
            alu_mem(b, ALU_SUB, w, RAX, slot_m(S(j, ip, 2)));
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        }
        case WA_OP_i32_shl_imm:
            shift_k(j, ip, SH_SHL, false);
            break;
        case WA_OP_i32_shr_s_imm:
            shift_k(j, ip, SH_SAR, false);
            break;
        case WA_OP_i32_shr_u_imm:
            shift_k(j, ip, SH_SHR, false);
            break;
        case WA_OP_i32_rotl_imm:
            shift_k(j, ip, SH_ROL, false);
            break;
        case WA_OP_i64_shl_imm:
            shift_k(j, ip, SH_SHL, true);
            break;
        case WA_OP_i64_shr_s_imm:
            shift_k(j, ip, SH_SAR, true);
            break;
        case WA_OP_i64_shr_u_imm:
            shift_k(j, ip, SH_SHR, true);
            break;
        case WA_OP_i64_rotl_imm:
            shift_k(j, ip, SH_ROL, true);
            break;
        case WA_OP_i32_wrap_i64:
            ld32(b, RAX, slot_m(S(j, ip, 2)));
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_i32_extend8_s:
            rm_mem(b, 0, false, sx8, 2, RAX, slot_m(S(j, ip, 2)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_i32_extend16_s:
            rm_mem(b, 0, false, sx16, 2, RAX, slot_m(S(j, ip, 2)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_i64_extend8_s:
            rm_mem(b, 0, true, sx8, 2, RAX, slot_m(S(j, ip, 2)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_i64_extend16_s:
            rm_mem(b, 0, true, sx16, 2, RAX, slot_m(S(j, ip, 2)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        case WA_OP_f32_add:
        case WA_OP_f32_sub:
        case WA_OP_f32_mul:
        case WA_OP_f32_div:
        case WA_OP_f64_add:
        case WA_OP_f64_sub:
        case WA_OP_f64_mul:
        case WA_OP_f64_div: {
            static const uint8_t fop[4] = {0x58, 0x5c, 0x59, 0x5e};
            bool dbl = op >= WA_OP_f64_add;
            fbin(j, ip, dbl ? SD : SS, fop[op - (dbl ? WA_OP_f64_add : WA_OP_f32_add)]);
            break;
        }
        case WA_OP_f32_sqrt:
        case WA_OP_f64_sqrt: {
            uint8_t pfx = op == WA_OP_f64_sqrt ? SD : SS;
            rm_mem(b, pfx, false, OPB(0x0f, 0x51), 0, slot_m(S(j, ip, 2)), false);
            fstore_slot(b, pfx, S(j, ip, 1));
            break;
        }
        case WA_OP_f32_eq:
        case WA_OP_f32_ne:
        case WA_OP_f32_lt:
        case WA_OP_f32_gt:
        case WA_OP_f32_le:
        case WA_OP_f32_ge:
            fcmp(j, ip, false, (int)(op - WA_OP_f32_eq));
            break;
        case WA_OP_f64_eq:
        case WA_OP_f64_ne:
        case WA_OP_f64_lt:
        case WA_OP_f64_gt:
        case WA_OP_f64_le:
        case WA_OP_f64_ge:
            fcmp(j, ip, true, (int)(op - WA_OP_f64_eq));
            break;
        case WA_OP_f32_abs:
            fsign(j, ip, false, 0);
            break;
        case WA_OP_f32_neg:
            fsign(j, ip, false, 1);
            break;
        case WA_OP_f32_copysign:
            fsign(j, ip, false, 2);
            break;
        case WA_OP_f64_abs:
            fsign(j, ip, true, 0);
            break;
        case WA_OP_f64_neg:
            fsign(j, ip, true, 1);
            break;
        case WA_OP_f64_copysign:
            fsign(j, ip, true, 2);
            break;
        case WA_OP_f32_convert_i32_s:
            fconv(j, ip, SS, false, false);
            break;
        case WA_OP_f32_convert_i32_u:
            fconv(j, ip, SS, false, true);
            break;
        case WA_OP_f32_convert_i64_s:
            fconv(j, ip, SS, true, false);
            break;
        case WA_OP_f64_convert_i32_s:
            fconv(j, ip, SD, false, false);
            break;
        case WA_OP_f64_convert_i32_u:
            fconv(j, ip, SD, false, true);
            break;
        case WA_OP_f64_convert_i64_s:
            fconv(j, ip, SD, true, false);
            break;
        case WA_OP_f32_demote_f64: /* cvtsd2ss */
            rm_mem(b, SD, false, OPB(0x0f, 0x5a), 0, slot_m(S(j, ip, 2)), false);
            fstore_slot(b, SS, S(j, ip, 1));
            break;
        case WA_OP_f64_promote_f32: /* cvtss2sd */
            rm_mem(b, SS, false, OPB(0x0f, 0x5a), 0, slot_m(S(j, ip, 2)), false);
            fstore_slot(b, SD, S(j, ip, 1));
            break;
        case WA_OP_f32_add_m:
        case WA_OP_f32_sub_m:
        case WA_OP_f32_mul_m:
        case WA_OP_f64_add_m:
        case WA_OP_f64_sub_m:
        case WA_OP_f64_mul_m: {
            static const uint8_t fop[3] = {0x58, 0x5c, 0x59};
            bool dbl = op >= WA_OP_f64_add_m;
            uint8_t pfx = dbl ? SD : SS;
            uint32_t d = S(j, ip, 1), a = S(j, ip, 2);
            address(j, S(j, ip, 3), ip[4], ip[5], dbl ? 8 : 4, at);
            fload(b, pfx, 0, slot_m(a));
            rm_mem(b, pfx, false, OPB(0x0f, fop[op - (dbl ? WA_OP_f64_add_m : WA_OP_f32_add_m)]), 0,
                   mem_m(), false);
            fstore_slot(b, pfx, d);
            break;
        }
        case WA_OP_f32_add_to_m:
        case WA_OP_f64_add_to_m: {
            uint8_t pfx = op == WA_OP_f64_add_to_m ? SD : SS;
            uint32_t v = S(j, ip, 2);
            address(j, S(j, ip, 1), ip[3], ip[4], pfx == SD ? 8 : 4, at);
            fload(b, pfx, 0, slot_m(v));
            rm_mem(b, pfx, false, OPB(0x0f, 0x58), 0, mem_m(), false);
            rm_mem(b, pfx, false, OPB(0x0f, 0x11), 0, mem_m(), false);
            break;
        }
        case WA_OP_i64_extend32_s:
        case WA_OP_i64_extend_i32_s:
            rm_mem(b, 0, true, sx32, 1, RAX, slot_m(S(j, ip, 2)), false);
            st64(b, slot_m(S(j, ip, 1)), RAX);
            break;
        default:
            if (op >= WA_OP_br_eq_i32 && op <= WA_OP_br_ge_u_i64_imm) {
                ci = (int)(op - WA_OP_br_eq_i32);
                int group = ci / 10; /* i32, i32 imm, i64, i64 imm */
                bool w = group >= 2, imm = group & 1;
                (w ? ld64 : ld32)(b, RAX, slot_m(S(j, ip, 1)));
                if (imm)
                    alu_imm(b, ALU_CMP, w, RAX, ip[2]);
                else
                    alu_mem(b, ALU_CMP, w, RAX, slot_m(S(j, ip, 2)));
                cond_branch(j, cmp_cc[ci % 10], TARGET(3), BACK(3), metered, metered ? ip[4] : 0,
                            metered ? ip[5] : 0, at);
            } else if (op >= WA_OP_i32_eq && op <= WA_OP_i32_ge_u_imm) {
                ci = (int)(op - WA_OP_i32_eq);
                compare(j, ip, cmp_cc[ci % 10], false, ci >= 10);
            } else if (op >= WA_OP_i64_eq && op <= WA_OP_i64_ge_u_imm) {
                ci = (int)(op - WA_OP_i64_eq);
                compare(j, ip, cmp_cc[ci % 10], true, ci >= 10);
            } else if (op >= WA_OP_i32_xor_rotl && op <= WA_OP_i32_add_shr_u) {
                /* a op (b shift k) */
                static const int outer[3] = {ALU_XOR, ALU_OR, ALU_ADD};
                static const int sh[3] = {SH_ROL, SH_SHL, SH_SHR};
                ci = (int)(op - WA_OP_i32_xor_rotl);
                ld32(b, RCX, slot_m(S(j, ip, 3)));
                shift_imm(b, sh[ci % 3], false, RCX, (uint8_t)(ip[4] & 31));
                ld32(b, RAX, slot_m(S(j, ip, 2)));
                alu_reg(b, outer[ci / 3], false, RAX, RCX);
                st64(b, slot_m(S(j, ip, 1)), RAX);
            } else if (op >= WA_OP_i32_add_add3 && op <= WA_OP_i32_xor_xor3) {
                /* a op (b op2 c) */
                static const int ops4[4] = {ALU_ADD, ALU_AND, ALU_OR, ALU_XOR};
                ci = (int)(op - WA_OP_i32_add_add3);
                ld32(b, RCX, slot_m(S(j, ip, 3)));
                alu_mem(b, ops4[ci % 4], false, RCX, slot_m(S(j, ip, 4)));
                ld32(b, RAX, slot_m(S(j, ip, 2)));
                alu_reg(b, ops4[ci / 4], false, RAX, RCX);
                st64(b, slot_m(S(j, ip, 1)), RAX);
            } else {
                return false; /* no template: the function stays interpreted */
            }
        }
#undef TARGET
#undef BACK
        pos += len;
    }
    return !j->fail && !b->oom;
}

_Static_assert(WA_OP_br_ge_u_i64_imm - WA_OP_br_eq_i32 == 39, "ops.def: branch order");
_Static_assert(WA_OP_br_ge_u_i64_imm_m - WA_OP_br_m == WA_OP_br_ge_u_i64_imm - WA_OP_br,
               "ops.def: metered branches mirror the plain ones");
_Static_assert(WA_OP_br_table_m - WA_OP_br_m == WA_OP_br_table - WA_OP_br,
               "ops.def: metered br_table");
_Static_assert(WA_OP_i32_ge_u_imm - WA_OP_i32_eq == 19, "ops.def: i32 comparison order");
_Static_assert(WA_OP_i64_ge_u_imm - WA_OP_i64_eq == 19, "ops.def: i64 comparison order");
_Static_assert(WA_OP_i32_add_shr_u - WA_OP_i32_xor_rotl == 8, "ops.def: fused shifts");
_Static_assert(WA_OP_i32_xor_xor3 - WA_OP_i32_add_add3 == 15, "ops.def: fused three-operand ops");
_Static_assert(WA_OP_f32_div - WA_OP_f32_add == 3 && WA_OP_f64_div - WA_OP_f64_add == 3 &&
                   WA_OP_f32_sub == WA_OP_f32_add + 1 && WA_OP_f32_mul == WA_OP_f32_add + 2,
               "ops.def: float arithmetic order");
_Static_assert(WA_OP_f32_ge - WA_OP_f32_eq == 5 && WA_OP_f64_ge - WA_OP_f64_eq == 5,
               "ops.def: float comparison order");
_Static_assert(WA_OP_f32_mul_m - WA_OP_f32_add_m == 2 && WA_OP_f64_add_m == WA_OP_f32_mul_m + 1 &&
                   WA_OP_f64_mul_m - WA_OP_f64_add_m == 2,
               "ops.def: float memory operand order");

/* The function's exit and its cold trap stubs, then the branch fixups. */
static bool finish(jfn *j)
{
    jbuf *b = j->b;
    size_t exit_at = b->len;
    st64(b, ctx_m(CX_FUEL), R15);
    st64(b, ctx_m(CX_FP), RBX);
    alu_imm(b, ALU_ADD, true, RSP, 8);
    static const uint8_t epilogue[] = {
        0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d,
        0x41, 0x5c, 0x5b, 0x5d, 0xc3}; /* pop r15..r12, rbx, rbp; ret */
    put(b, epilogue, sizeof epilogue);
    for (uint32_t i = 0; i < j->nst; i++) {
        const stub *s = &j->st[i];
        patch32(b, s->pos, (uint32_t)(b->len - (s->pos + 4)));
        if (s->fuel) {
            mov_imm32(b, RCX, s->fuel);
            alu_reg(b, ALU_ADD, true, R15, RCX);
        }
        rm_mem(b, 0, false, OPB(0xc7), 0, ctx_m(CX_AT), false);
        b4(b, s->at);
        rm_mem(b, 0, false, OPB(0xc7), 0, ctx_m(CX_TRAP), false);
        b4(b, s->kind);
        mov_imm32(b, RAX, WA_JIT_TRAP);
        b1(b, 0xe9);
        b4(b, (uint32_t)(exit_at - (b->len + 4)));
    }
    for (uint32_t i = 0; i < j->nfx; i++) {
        const fixup *f = &j->fx[i];
        size_t to;
        if (f->target == TO_EXIT) {
            to = exit_at;
        } else {
            if (f->target >= j->units || j->map[f->target] == SIZE_MAX) return false;
            to = j->map[f->target];
        }
        patch32(b, f->pos, (uint32_t)(to - (f->pos + 4)));
    }
    return !b->oom && !j->fail;
}

/* The entry trampoline: (ctx rdi, fp rsi, target rdx) -> status in eax. */
static void trampoline(jbuf *b)
{
    static const uint8_t prologue[] = {
        0x55,                   /* push rbp */
        0x53,                   /* push rbx */
        0x41, 0x54,             /* push r12 */
        0x41, 0x55,             /* push r13 */
        0x41, 0x56,             /* push r14 */
        0x41, 0x57,             /* push r15 */
        0x48, 0x83, 0xec, 0x08, /* sub rsp, 8: 16-byte aligned for helper calls */
        0x49, 0x89, 0xfe,       /* mov r14, rdi */
        0x48, 0x89, 0xf3,       /* mov rbx, rsi */
    };
    put(b, prologue, sizeof prologue);
    ld64(b, R12, ctx_m(CX_MEM));
    ld64(b, R13, ctx_m(CX_MEMSIZE));
    ld64(b, R15, ctx_m(CX_FUEL));
    b1(b, 0xff); /* jmp rdx */
    b1(b, 0xe2);
    while (b->len % 16)
        b1(b, 0xcc);
}

/* A translator: its buffer of machine code and its scratch state. One per compiling
   thread; the code it makes is position-independent (relative jumps within a function,
   absolute addresses only of C helpers), so wa__jit_install can place it anywhere. */
struct wa_jitter {
    const wa_config *cfg;
    jbuf b;
    jfn j;
    uint32_t *ops; /* one function's code as opcode numbers */
    size_t ops_cap, map_cap;
    int32_t lo; /* code words back to opcode numbers: opof[word - lo] */
    size_t span;
    uint16_t *opof;
};

wa_jitter *wa__jitter_create(const wa_config *cfg)
{
    if (!cfg->jit) return NULL;
    wa_jitter *t = wa__alloc(cfg, sizeof *t);
    if (!t) return NULL;
    t->cfg = cfg;
    t->b.cfg = cfg;
    t->j.b = &t->b;
    t->j.cfg = cfg;
    /* computed-goto builds store label offsets as code words, switch builds numbers */
    const int32_t *words = wa__op_words();
    int32_t lo = words[0], hi = words[0];
    for (uint32_t k = 1; k < WA_OP_COUNT; k++) {
        if (words[k] < lo) lo = words[k];
        if (words[k] > hi) hi = words[k];
    }
    t->lo = lo;
    t->span = (size_t)((int64_t)hi - lo) + 1;
    t->opof = wa__alloc_uninit(cfg, t->span * sizeof *t->opof);
    if (!t->opof) {
        wa__jitter_destroy(t);
        return NULL;
    }
    memset(t->opof, 0xff, t->span * sizeof *t->opof);
    for (uint32_t k = 0; k < WA_OP_COUNT; k++)
        t->opof[words[k] - lo] = (uint16_t)k;
    return t;
}

void wa__jitter_destroy(wa_jitter *t)
{
    if (!t) return;
    const wa_config *cfg = t->cfg;
    wa__free(cfg, t->opof, t->span * sizeof *t->opof);
    wa__free(cfg, t->ops, t->ops_cap * sizeof *t->ops);
    wa__free(cfg, t->j.map, t->map_cap * sizeof *t->j.map);
    wa__free(cfg, t->j.fx, (size_t)t->j.capfx * sizeof *t->j.fx);
    wa__free(cfg, t->j.st, (size_t)t->j.capst * sizeof *t->j.st);
    wa__free(cfg, t->b.heap, t->b.heap_cap);
    wa__free(cfg, t, sizeof *t);
}

size_t wa__jitter_add(wa_jitter *t, const uint32_t *code, size_t units, uint32_t frame_slots)
{
    if (!t || t->b.oom || !units || units > UINT32_MAX / 2 || frame_slots > INT32_MAX / 8)
        return SIZE_MAX;
    jbuf *b = &t->b;
    jfn *j = &t->j;
    if (units > t->ops_cap) {
        uint32_t *no =
            wa__realloc(t->cfg, t->ops, t->ops_cap * sizeof *t->ops, units * sizeof *t->ops);
        if (!no) return SIZE_MAX;
        t->ops = no;
        t->ops_cap = units;
    }
    if (units > t->map_cap) {
        size_t *nm =
            wa__realloc(t->cfg, j->map, t->map_cap * sizeof *j->map, units * sizeof *j->map);
        if (!nm) return SIZE_MAX;
        j->map = nm;
        t->map_cap = units;
    }
    /* opcode words become numbers; operands stay (the templates read them) */
    uint32_t *ops = t->ops;
    memcpy(ops, code, units * sizeof *ops);
    for (size_t pos = 0; pos < units;) {
        int64_t w = (int32_t)ops[pos] - (int64_t)t->lo;
        uint16_t op = w >= 0 && (size_t)w < t->span ? t->opof[w] : UINT16_MAX;
        if (op == UINT16_MAX) return SIZE_MAX;
        ops[pos] = op;
        size_t len = wa__insn_len(ops[pos], ops + pos, units - pos);
        if (len == 0) return SIZE_MAX;
        pos += len;
    }
    for (size_t k = 0; k < units; k++)
        j->map[k] = SIZE_MAX;
    j->code = ops;
    j->units = (uint32_t)units;
    j->frame_slots = frame_slots;
    j->nfx = j->nst = 0;
    j->fail = false;
    size_t start = b->len;
    if (translate(j) && finish(j)) {
        size_t entry = j->map[0];
        while (b->len % 16)
            b1(b, 0xcc);
        if (!b->oom) return entry;
    }
    if (!b->oom) b->len = start;
    return SIZE_MAX;
}

void wa__jit_install(wa_compiled *comp, wa_jitter *const *ts, uint32_t nts, const uint8_t *owner,
                     const size_t *off)
{
    jbuf tb; /* the entry trampoline */
    memset(&tb, 0, sizeof tb);
    tb.p = tb.scratch;
    tb.cap = sizeof tb.scratch;
    trampoline(&tb);
    size_t total = tb.len, base[256];
    for (uint32_t k = 0; k < nts && k < 256; k++) {
        base[k] = total;
        if (ts[k]) {
            if (ts[k]->b.oom) return;
            total += ts[k]->b.len;
        }
    }
    long page = sysconf(_SC_PAGESIZE);
    size_t len = (total + (size_t)page - 1) & ~((size_t)page - 1);
    uint8_t *code = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) return;
    memcpy(code, tb.p, tb.len);
    for (uint32_t k = 0; k < nts && k < 256; k++)
        if (ts[k] && ts[k]->b.len) memcpy(code + base[k], ts[k]->b.p, ts[k]->b.len);
    if (mprotect(code, len, PROT_READ | PROT_EXEC) != 0) {
        munmap(code, len);
        return;
    }
    comp->jit_code = code;
    comp->jit_len = len;
    for (uint32_t i = 0; i < comp->fn_count; i++)
        if (owner[i] < nts && ts[owner[i]] && off[i] != SIZE_MAX)
            comp->fns[i].jit = code + base[owner[i]] + off[i];
}

/* wa__jit_compile's threads take chunks of functions from a shared counter. */
typedef struct jwork {
    wa_module *m;
    wa_jitter *t;
    size_t *off;
    uint8_t *owner;
    uint8_t id;
    _Atomic uint32_t *next;
} jwork;

static void *jit_worker(void *arg)
{
    jwork *w = arg;
    const wa_compiled *comp = w->m->compiled;
    uint32_t n = comp->fn_count;
    for (;;) {
        uint32_t lo = atomic_fetch_add(w->next, 16);
        if (lo >= n) break;
        for (uint32_t i = lo; i < n && i < lo + 16; i++) {
            w->owner[i] = w->id;
            w->off[i] =
                wa__jitter_add(w->t, comp->fns[i].code, w->m->funcs[i].code_len / sizeof(uint32_t),
                               comp->fns[i].frame_slots);
        }
    }
    return NULL;
}

void wa__jit_compile(wa_module *m)
{
    wa_compiled *comp = m->compiled;
    if (!comp || comp->jit_code || comp->fn_count == 0 || !m->cfg.jit) return;
    const wa_config *cfg = &m->cfg;
    uint32_t n = comp->fn_count, nw = wa__compile_threads(m, n), started = 0;
    size_t *off = wa__alloc(cfg, (size_t)n * sizeof *off);
    uint8_t *owner = wa__alloc(cfg, n);
    wa_jitter *ts[WA_MAX_COMPILE_THREADS] = {NULL};
    jwork ws[WA_MAX_COMPILE_THREADS];
    pthread_t tids[WA_MAX_COMPILE_THREADS];
    _Atomic uint32_t next;
    atomic_init(&next, 0);
    if (!off || !owner || !(ts[0] = wa__jitter_create(cfg))) goto out;
    for (uint32_t k = 0; k < nw; k++) {
        if (k > 0 && !(ts[k] = wa__jitter_create(cfg))) break;
        ws[k] = (jwork){m, ts[k], off, owner, (uint8_t)k, &next};
        if (k > 0) {
            if (pthread_create(&tids[k], NULL, jit_worker, &ws[k]) != 0) break;
            started = k;
        }
    }
    jit_worker(&ws[0]);
    for (uint32_t k = 1; k <= started; k++)
        pthread_join(tids[k], NULL);
    wa__jit_install(comp, ts, started + 1, owner, off);
out:
    for (uint32_t k = 0; k < WA_MAX_COMPILE_THREADS; k++)
        wa__jitter_destroy(ts[k]);
    wa__free(cfg, owner, n);
    wa__free(cfg, off, (size_t)n * sizeof *off);
}

void wa__jit_free(wa_compiled *comp)
{
    if (!comp || !comp->jit_code) return;
    munmap(comp->jit_code, comp->jit_len);
    comp->jit_code = NULL;
    comp->jit_len = 0;
    for (uint32_t i = 0; i < comp->fn_count; i++)
        comp->fns[i].jit = NULL;
}

typedef int (*tramp_fn)(wa_jit_ctx *cx, uint64_t *fp, const void *target);

int wa__jit_enter(const wa_compiled *comp, wa_jit_ctx *cx, uint64_t *fp, const void *target)
{
    tramp_fn f;
    void *p = comp->jit_code;
    memcpy(&f, &p, sizeof f);
    return f(cx, fp, target);
}

#else /* no machine code on this host: everything is interpreted */

wa_jitter *wa__jitter_create(const wa_config *cfg)
{
    (void)cfg;
    return NULL;
}

void wa__jitter_destroy(wa_jitter *t)
{
    (void)t;
}

size_t wa__jitter_add(wa_jitter *t, const uint32_t *code, size_t units, uint32_t frame_slots)
{
    (void)t;
    (void)code;
    (void)units;
    (void)frame_slots;
    return SIZE_MAX;
}

void wa__jit_install(wa_compiled *comp, wa_jitter *const *ts, uint32_t nts, const uint8_t *owner,
                     const size_t *off)
{
    (void)comp;
    (void)ts;
    (void)nts;
    (void)owner;
    (void)off;
}

void wa__jit_compile(wa_module *m)
{
    (void)m;
}

void wa__jit_free(wa_compiled *comp)
{
    (void)comp;
}

int wa__jit_enter(const wa_compiled *comp, wa_jit_ctx *cx, uint64_t *fp, const void *target)
{
    (void)comp;
    (void)cx;
    (void)fp;
    (void)target;
    return WA_JIT_TRAP;
}

#endif
