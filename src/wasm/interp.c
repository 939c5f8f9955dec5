/*
 * interp.c: the execution loop. Runs the internal code compile.c produced: register-style
 * instructions whose operands are frame slots, dispatched by computed goto (or a switch
 * under WA_SWITCH_DISPATCH). Also threads (the bounded value and frame stacks), wa_call
 * and the call context handed to host functions.
 */
#include "wasm_int.h"

#include <math.h>

/* A call frame record (wa_frame, wasm_int.h): slots live on the value stack, these
   records on a separate bounded array, so guest recursion never touches the C stack. */
typedef wa_frame frame;

struct wa_thread {
    wa_config cfg;
    uint64_t *stack; /* value slots */
    uint64_t *stack_end;
    frame *frames;
    frame *frames_end;
    uint64_t *sp; /* where the next (possibly nested) run starts */
    frame *fsp;
    uint64_t fuel;
    const volatile int *interrupt;
    size_t stack_slots;
    size_t frame_count;
};

struct wa_call_ctx {
    wa_instance *inst;
    wa_thread *th;
    wa_trap trap;
    const char *message;
};

static const int no_interrupt = 0;
static const wa_memory no_memory = {0};

/* ---- threads ---- */

wa_thread *wa_thread_create(const wa_config *cfg)
{
    wa_config dflt = wa_config_default();
    if (!cfg) cfg = &dflt;
    wa_thread *th = wa__alloc(cfg, sizeof *th);
    if (!th) return NULL;
    th->cfg = *cfg;
    th->stack_slots = cfg->stack_bytes / sizeof(uint64_t);
    if (th->stack_slots < 64) th->stack_slots = 64;
    th->frame_count = cfg->max_call_depth ? cfg->max_call_depth : 1;
    /* Not zeroed: a frame's locals are cleared on entry, so untouched pages stay free. */
    th->stack = wa__alloc_uninit(cfg, th->stack_slots * sizeof(uint64_t));
    th->frames = wa__alloc_uninit(cfg, th->frame_count * sizeof(frame));
    if (!th->stack || !th->frames) {
        wa_thread_destroy(th);
        return NULL;
    }
    th->stack_end = th->stack + th->stack_slots;
    th->frames_end = th->frames + th->frame_count;
    th->sp = th->stack;
    th->fsp = th->frames;
    th->fuel = UINT64_MAX;
    return th;
}

void wa_thread_destroy(wa_thread *th)
{
    if (!th) return;
    wa_config cfg = th->cfg;
    wa__free(&cfg, th->stack, th->stack_slots * sizeof(uint64_t));
    wa__free(&cfg, th->frames, th->frame_count * sizeof(frame));
    wa__free(&cfg, th, sizeof *th);
}

void wa_thread_set_fuel(wa_thread *th, uint64_t fuel)
{
    th->fuel = fuel;
}

uint64_t wa_thread_fuel(const wa_thread *th)
{
    return th->fuel;
}

void wa_thread_set_interrupt(wa_thread *th, const volatile int *flag)
{
    th->interrupt = flag;
}

/* ---- call context ---- */

wa_memory *wa_call_ctx_memory(wa_call_ctx *cx)
{
    return cx && cx->inst ? cx->inst->mem0 : NULL;
}

wa_instance *wa_call_ctx_instance(wa_call_ctx *cx)
{
    return cx ? cx->inst : NULL;
}

void wa_call_ctx_trap(wa_call_ctx *cx, wa_trap trap, const char *message)
{
    if (!cx) return;
    cx->trap = trap;
    cx->message = message;
}

/* ---- value helpers: slots hold raw bits; floats are moved through memcpy ---- */

static inline float f32_of(uint64_t v)
{
    uint32_t u = (uint32_t)v;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline double f64_of(uint64_t v)
{
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

static inline uint64_t bits_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline uint64_t bits_f64(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint16_t ld16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* spec, numerics, fmin/fmax: a NaN operand gives a NaN (quieted by the addition), and
   -0 is less than +0. */
static inline float min_f32(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f32_of(bits_f32(a) | bits_f32(b));
    return a < b ? a : b;
}

static inline float max_f32(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f32_of(bits_f32(a) & bits_f32(b));
    return a > b ? a : b;
}

static inline double min_f64(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f64_of(bits_f64(a) | bits_f64(b));
    return a < b ? a : b;
}

static inline double max_f64(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return f64_of(bits_f64(a) & bits_f64(b));
    return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a << k) | (a >> ((32 - k) & 31));
}

static inline uint32_t rotr32(uint32_t a, uint32_t k)
{
    k &= 31;
    return (a >> k) | (a << ((32 - k) & 31));
}

static inline uint64_t rotl64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a << k) | (a >> ((64 - k) & 63));
}

static inline uint64_t rotr64(uint64_t a, uint64_t k)
{
    k &= 63;
    return (a >> k) | (a << ((64 - k) & 63));
}

/* Saturating truncations (spec, numerics, trunc_sat): NaN gives 0, out of range clamps. */
static inline uint64_t sat_f64_s32(double x)
{
    if (x != x) return 0;
    if (x <= -2147483648.0) return (uint32_t)INT32_MIN;
    if (x >= 2147483647.0) return (uint32_t)INT32_MAX;
    return (uint32_t)(int32_t)x;
}

static inline uint64_t sat_f64_u32(double x)
{
    if (x != x || x <= 0.0) return 0;
    if (x >= 4294967295.0) return UINT32_MAX;
    return (uint32_t)x;
}

static inline uint64_t sat_f64_s64(double x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return (uint64_t)INT64_MIN;
    if (x >= 9223372036854775808.0) return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)x;
}

static inline uint64_t sat_f64_u64(double x)
{
    if (x != x || x <= 0.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* 32-bit values live zero-extended in slots (i64.extend_i32_u relies on it): values from
   outside (arguments of wa_call, host results) are narrowed on the way in. */
static inline uint64_t narrow(uint8_t type, uint64_t v)
{
    return type == WA_I32 || type == WA_F32 ? (uint32_t)v : v;
}

/* Evaluates table.init's items; bounds were checked by the caller. */
static void table_init_items(wa_instance *inst, wa_table *t, const wa_elem_decl *seg, uint32_t d,
                             uint32_t s, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        t->elems[d + k] = wa__const_eval(inst, &seg->items[s + k]);
}

/* ---- the loop ---- */

#ifdef WA_SWITCH_DISPATCH
#define OP(name)       \
    case WA_OP_##name: \
        for (const unsigned oplen_ __attribute__((unused)) = WA_LEN_##name;;)
#define DISPATCH() goto dispatch
#else
#define OP(name)   op_##name : for (const unsigned oplen_ __attribute__((unused)) = WA_LEN_##name;;)
#define DISPATCH() goto *(const void *)((const char *)&&op_unreachable + (int32_t)*ip)
#endif

enum {
#define OP_DEF(name, layout) WA_LEN_##name = WA_LAYOUT_##layout,
#include "ops.def"
#undef OP_DEF
};

#define NEXT()        \
    do {              \
        ip += oplen_; \
        DISPATCH();   \
    } while (0)
#define TRAP(kind)                  \
    do {                            \
        trap_kind = WA_TRAP_##kind; \
        goto trap;                  \
    } while (0)
/* The interrupt flag, written by another thread: a relaxed atomic load (a plain load on
   x86-64), so the poll is no data race. */
#define INTERRUPT_SET() __atomic_load_n(intr, __ATOMIC_RELAXED)
/* Takes the branch whose displacement is at ip[k]; backward branches (loops) poll the
   interrupt flag. */
#define TAKE(k)                                                               \
    do {                                                                      \
        ptrdiff_t k_ = (ptrdiff_t)(k);                                        \
        int32_t d_ = (int32_t)ip[k_];                                         \
        ip += k_ + d_;                                                        \
        if (UNLIKELY(d_ < 0) && UNLIKELY(INTERRUPT_SET())) TRAP(INTERRUPTED); \
        DISPATCH();                                                           \
    } while (0)

/* Metered code: pays the fuel at ip[k] for the segment control enters. */
#define CHARGE(k)                                                \
    do {                                                         \
        uint32_t f_ = ip[k];                                     \
        if (UNLIKELY(__builtin_sub_overflow(fuel, f_, &fuel))) { \
            fuel += f_;                                          \
            TRAP(OUT_OF_FUEL);                                   \
        }                                                        \
    } while (0)

#define SLOT(k)      fp[ip[k]]
#define U32(k)       ((uint32_t)SLOT(k))
#define I32(k)       ((int32_t)(uint32_t)SLOT(k))
#define U64(k)       (SLOT(k))
#define I64(k)       ((int64_t)SLOT(k))
#define F32(k)       f32_of(SLOT(k))
#define F64(k)       f64_of(SLOT(k))
#define IMM(k)       (ip[k])
#define SIMM64(k)    ((uint64_t)(int64_t)(int32_t)ip[k])
#define SET32(k, v)  (SLOT(k) = (uint32_t)(v))
#define SET64(k, v)  (SLOT(k) = (uint64_t)(v))
#define SETF32(k, v) (SLOT(k) = bits_f32(v))
#define SETF64(k, v) (SLOT(k) = bits_f64(v))

#define RELOAD_MEM()          \
    do {                      \
        mem = memp->data;     \
        memsize = memp->size; \
    } while (0)
#define SWITCH_INST()                                        \
    do {                                                     \
        fns = ((const wa_compiled *)inst->m->compiled)->fns; \
        memp = inst->mem0 ? inst->mem0 : &no_memory;         \
    } while (0)

/* Handler generators. */
#define BIN32(name, expr)                \
    OP(name)                             \
    {                                    \
        uint32_t a = U32(2), b = U32(3); \
        SET32(1, expr);                  \
        NEXT();                          \
    }
#define BIN32I(name, expr)               \
    OP(name)                             \
    {                                    \
        uint32_t a = U32(2), b = IMM(3); \
        SET32(1, expr);                  \
        NEXT();                          \
    }
#define BINSH32(name, expr) /* a op (b shift k) */   \
    OP(name)                                         \
    {                                                \
        uint32_t a = U32(2), b = U32(3), k = IMM(4); \
        SET32(1, expr);                              \
        NEXT();                                      \
    }
#define BIN3_32(name, expr) /* a op (b op2 c) */     \
    OP(name)                                         \
    {                                                \
        uint32_t a = U32(2), b = U32(3), c = U32(4); \
        SET32(1, expr);                              \
        NEXT();                                      \
    }
#define BIN64(name, expr)                \
    OP(name)                             \
    {                                    \
        uint64_t a = U64(2), b = U64(3); \
        SET64(1, expr);                  \
        NEXT();                          \
    }
#define BIN64I(name, expr)                  \
    OP(name)                                \
    {                                       \
        uint64_t a = U64(2), b = SIMM64(3); \
        SET64(1, expr);                     \
        NEXT();                             \
    }
#define CMP64(name, expr) /* i64 compare: i32 result */ \
    OP(name)                                            \
    {                                                   \
        uint64_t a = U64(2), b = U64(3);                \
        SET32(1, expr);                                 \
        NEXT();                                         \
    }
#define CMP64I(name, expr)                  \
    OP(name)                                \
    {                                       \
        uint64_t a = U64(2), b = SIMM64(3); \
        SET32(1, expr);                     \
        NEXT();                             \
    }
#define UN32(name, expr)     \
    OP(name)                 \
    {                        \
        uint32_t a = U32(2); \
        SET32(1, expr);      \
        NEXT();              \
    }
#define UN64(name, expr)     \
    OP(name)                 \
    {                        \
        uint64_t a = U64(2); \
        SET64(1, expr);      \
        NEXT();              \
    }
#define BINF32(name, expr)            \
    OP(name)                          \
    {                                 \
        float a = F32(2), b = F32(3); \
        SETF32(1, expr);              \
        NEXT();                       \
    }
#define BINF64(name, expr)             \
    OP(name)                           \
    {                                  \
        double a = F64(2), b = F64(3); \
        SETF64(1, expr);               \
        NEXT();                        \
    }
#define CMPF32(name, expr)            \
    OP(name)                          \
    {                                 \
        float a = F32(2), b = F32(3); \
        SET32(1, expr);               \
        NEXT();                       \
    }
#define CMPF64(name, expr)             \
    OP(name)                           \
    {                                  \
        double a = F64(2), b = F64(3); \
        SET32(1, expr);                \
        NEXT();                        \
    }
#define UNF32(name, expr) \
    OP(name)              \
    {                     \
        float a = F32(2); \
        SETF32(1, expr);  \
        NEXT();           \
    }
#define UNF64(name, expr)  \
    OP(name)               \
    {                      \
        double a = F64(2); \
        SETF64(1, expr);   \
        NEXT();            \
    }
#define CONV(name, expr) /* dst = expr of slot a (raw bits in, raw bits out) */ \
    OP(name)                                                                    \
    {                                                                           \
        uint64_t a = U64(2);                                                    \
        SLOT(1) = (expr);                                                       \
        NEXT();                                                                 \
    }
#define BRCMP32(name, expr)              \
    OP(name)                             \
    {                                    \
        uint32_t a = U32(1), b = U32(2); \
        if (expr) TAKE(3);               \
        NEXT();                          \
    }
#define BRCMP32I(name, expr)             \
    OP(name)                             \
    {                                    \
        uint32_t a = U32(1), b = IMM(2); \
        if (expr) TAKE(3);               \
        NEXT();                          \
    }
#define BRCMP64(name, expr)              \
    OP(name)                             \
    {                                    \
        uint64_t a = U64(1), b = U64(2); \
        if (expr) TAKE(3);               \
        NEXT();                          \
    }
#define BRCMP64I(name, expr)                \
    OP(name)                                \
    {                                       \
        uint64_t a = U64(1), b = SIMM64(2); \
        if (expr) TAKE(3);                  \
        NEXT();                             \
    }
#define BRCMP_M(name, T, ra, rb, expr) \
    OP(name)                           \
    {                                  \
        T a = ra, b = rb;              \
        if (expr) {                    \
            CHARGE(4);                 \
            TAKE(3);                   \
        }                              \
        CHARGE(5);                     \
        NEXT();                        \
    }
#define BRCMP32M(name, expr)  BRCMP_M(name, uint32_t, U32(1), U32(2), expr)
#define BRCMP32IM(name, expr) BRCMP_M(name, uint32_t, U32(1), IMM(2), expr)
#define BRCMP64M(name, expr)  BRCMP_M(name, uint64_t, U64(1), U64(2), expr)
#define BRCMP64IM(name, expr) BRCMP_M(name, uint64_t, U64(1), SIMM64(2), expr)
#define BRTEST_M(name, expr) \
    OP(name)                 \
    {                        \
        if (expr) {          \
            CHARGE(3);       \
            TAKE(2);         \
        }                    \
        CHARGE(4);           \
        NEXT();              \
    }

#define LOAD(name, n, expr)                                           \
    OP(name)                                                          \
    {                                                                 \
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + IMM(3)) + IMM(4); \
        if (UNLIKELY(ea + (n) > memsize)) TRAP(MEM_OOB);              \
        const uint8_t *p = mem + ea;                                  \
        SLOT(1) = (expr);                                             \
        NEXT();                                                       \
    }
#define STORE(name, n)                                                \
    OP(name)                                                          \
    {                                                                 \
        uint64_t ea = (uint64_t)(uint32_t)(U32(1) + IMM(3)) + IMM(4); \
        if (UNLIKELY(ea + (n) > memsize)) TRAP(MEM_OOB);              \
        uint64_t v = U64(2);                                          \
        memcpy(mem + ea, &v, (n)); /* little-endian host */           \
        NEXT();                                                       \
    }

#define BINM(name, T, rd, n, expr)                                    \
    OP(name)                                                          \
    {                                                                 \
        uint64_t ea = (uint64_t)(uint32_t)(U32(3) + IMM(4)) + IMM(5); \
        if (UNLIKELY(ea + (n) > memsize)) TRAP(MEM_OOB);              \
        T a = rd(SLOT(2)), b = rd(ldm##n(mem + ea));                  \
        SLOT(1) = (expr);                                             \
        NEXT();                                                       \
    }
#define ADDTOM(name, T, rd, n, expr)                                  \
    OP(name)                                                          \
    {                                                                 \
        uint64_t ea = (uint64_t)(uint32_t)(U32(1) + IMM(3)) + IMM(4); \
        if (UNLIKELY(ea + (n) > memsize)) TRAP(MEM_OOB);              \
        T a = rd(SLOT(2)), b = rd(ldm##n(mem + ea));                  \
        uint64_t v = (expr);                                          \
        memcpy(mem + ea, &v, (n));                                    \
        NEXT();                                                       \
    }
#define ldm4(p)   ld32(p)
#define ldm8(p)   ld64(p)
#define AS_U32(v) ((uint32_t)(v))
#define AS_U64(v) ((uint64_t)(v))
#define AS_F32(v) f32_of(v)
#define AS_F64(v) f64_of(v)

#define S32OF(x) ((int32_t)(uint32_t)(x))
#define S64OF(x) ((int64_t)(x))

/*
 * Runs f (a wasm function) with its arguments already in base[0..param_count); leaves the
 * results in base[0..result_count). With th == NULL, only stores the code-word table in
 * *words_out (the labels are visible in this function only).
 */
static wa_status run(wa_thread *th, wa_func *f, uint64_t *base, wa_error *err,
                     const int32_t **words_out)
{
#ifdef WA_SWITCH_DISPATCH
    static const int32_t words[] = {
#define OP_DEF(name, layout) WA_OP_##name,
#include "ops.def"
#undef OP_DEF
    };
#else
    static const int32_t words[] = {
#define OP_DEF(name, layout) &&op_##name - &&op_unreachable,
#include "ops.def"
#undef OP_DEF
    };
#endif
    if (!th) {
        *words_out = words;
        return WA_OK;
    }

    wa_instance *inst = f->inst;
    const wa_fn *fns = NULL;
    const wa_memory *memp = NULL;
    SWITCH_INST();
    uint8_t *mem;
    uint64_t memsize;
    RELOAD_MEM();
    uint64_t *const stack_end = th->stack_end;
    frame *const frames_end = th->frames_end;
    frame *fsp = th->fsp;
    uint64_t fuel = th->fuel;
    const volatile int *intr = th->interrupt ? th->interrupt : &no_interrupt;
    wa_trap trap_kind = WA_TRAP_NONE;
    const char *trap_msg = NULL;
    uint32_t exit_code[1] = {(uint32_t)words[WA_OP_exit]};

    /* machine code (jit.c): where it resumes after the call being made, what runs next */
    const void *pending_native = NULL, *jit_target = NULL;
    wa_jit_ctx jcx;
    jcx.intr = intr;
    jcx.frames_end = frames_end;
    jcx.stack_end = stack_end;

    /* state shared by the call paths */
    const wa_fn *callee = &fns[f->idx - inst->m->import_func_count];
    wa_instance *callee_inst = inst;
    wa_func *fobj = NULL;
    uint64_t *nfp = base;
    const uint32_t *ret_ip = exit_code;
    uint64_t *fp = base;
    const uint32_t *ip = exit_code;

    goto enter;

#ifdef WA_SWITCH_DISPATCH
dispatch:
    switch ((wa_op)*ip) {
#endif

        /* ---- fused operators ---- */

        OP(br_ne_i32_inc)
        {
            uint32_t a = U32(1) + IMM(2);
            SET32(1, a);
            if (a != IMM(3)) TAKE(4);
            NEXT();
        }

        OP(br_ne_i32_inc_m)
        {
            uint32_t a = U32(1) + IMM(2);
            SET32(1, a);
            if (a != IMM(3)) {
                CHARGE(5);
                TAKE(4);
            }
            CHARGE(6);
            NEXT();
        }

        BINSH32(i32_xor_rotl, a ^ rotl32(b, k))
        BINSH32(i32_xor_shl, a ^ (b << (k & 31)))
        BINSH32(i32_xor_shr_u, a ^ (b >> (k & 31)))
        BINSH32(i32_or_rotl, a | rotl32(b, k))
        BINSH32(i32_or_shl, a | (b << (k & 31)))
        BINSH32(i32_or_shr_u, a | (b >> (k & 31)))
        BINSH32(i32_add_rotl, a + rotl32(b, k))
        BINSH32(i32_add_shl, a + (b << (k & 31)))
        BINSH32(i32_add_shr_u, a + (b >> (k & 31)))
        BIN3_32(i32_add_add3, a + (b + c))
        BIN3_32(i32_add_and3, a + (b & c))
        BIN3_32(i32_add_or3, a + (b | c))
        BIN3_32(i32_add_xor3, a + (b ^ c))
        BIN3_32(i32_and_add3, a & (b + c))
        BIN3_32(i32_and_and3, a & (b & c))
        BIN3_32(i32_and_or3, a & (b | c))
        BIN3_32(i32_and_xor3, a & (b ^ c))
        BIN3_32(i32_or_add3, a | (b + c))
        BIN3_32(i32_or_and3, a | (b & c))
        BIN3_32(i32_or_or3, a | (b | c))
        BIN3_32(i32_or_xor3, a | (b ^ c))
        BIN3_32(i32_xor_add3, a ^ (b + c))
        BIN3_32(i32_xor_and3, a ^ (b & c))
        BIN3_32(i32_xor_or3, a ^ (b | c))
        BIN3_32(i32_xor_xor3, a ^ (b ^ c))

        ADDTOM(i32_add_to_m, uint32_t, AS_U32, 4, (uint32_t)(a + b))
        ADDTOM(i64_add_to_m, uint64_t, AS_U64, 8, a + b)
        ADDTOM(f32_add_to_m, float, AS_F32, 4, bits_f32(a + b))
        ADDTOM(f64_add_to_m, double, AS_F64, 8, bits_f64(a + b))

        OP(unreachable)
        {
            TRAP(UNREACHABLE);
        }

        OP(exit)
        {
            th->fuel = fuel;
            return WA_OK;
        }

        /* ---- branches ---- */

        OP(br)
        {
            TAKE(1);
        }

        OP(br_nez)
        {
            if (U32(1)) TAKE(2);
            NEXT();
        }

        OP(br_eqz)
        {
            if (!U32(1)) TAKE(2);
            NEXT();
        }

        OP(br_nez_i64)
        {
            if (U64(1)) TAKE(2);
            NEXT();
        }

        OP(br_eqz_i64)
        {
            if (!U64(1)) TAKE(2);
            NEXT();
        }

        BRCMP32(br_eq_i32, a == b)
        BRCMP32(br_ne_i32, a != b)
        BRCMP32(br_lt_s_i32, S32OF(a) < S32OF(b))
        BRCMP32(br_lt_u_i32, a < b)
        BRCMP32(br_gt_s_i32, S32OF(a) > S32OF(b))
        BRCMP32(br_gt_u_i32, a > b)
        BRCMP32(br_le_s_i32, S32OF(a) <= S32OF(b))
        BRCMP32(br_le_u_i32, a <= b)
        BRCMP32(br_ge_s_i32, S32OF(a) >= S32OF(b))
        BRCMP32(br_ge_u_i32, a >= b)
        BRCMP32I(br_eq_i32_imm, a == b)
        BRCMP32I(br_ne_i32_imm, a != b)
        BRCMP32I(br_lt_s_i32_imm, S32OF(a) < S32OF(b))
        BRCMP32I(br_lt_u_i32_imm, a < b)
        BRCMP32I(br_gt_s_i32_imm, S32OF(a) > S32OF(b))
        BRCMP32I(br_gt_u_i32_imm, a > b)
        BRCMP32I(br_le_s_i32_imm, S32OF(a) <= S32OF(b))
        BRCMP32I(br_le_u_i32_imm, a <= b)
        BRCMP32I(br_ge_s_i32_imm, S32OF(a) >= S32OF(b))
        BRCMP32I(br_ge_u_i32_imm, a >= b)
        BRCMP64(br_eq_i64, a == b)
        BRCMP64(br_ne_i64, a != b)
        BRCMP64(br_lt_s_i64, S64OF(a) < S64OF(b))
        BRCMP64(br_lt_u_i64, a < b)
        BRCMP64(br_gt_s_i64, S64OF(a) > S64OF(b))
        BRCMP64(br_gt_u_i64, a > b)
        BRCMP64(br_le_s_i64, S64OF(a) <= S64OF(b))
        BRCMP64(br_le_u_i64, a <= b)
        BRCMP64(br_ge_s_i64, S64OF(a) >= S64OF(b))
        BRCMP64(br_ge_u_i64, a >= b)
        BRCMP64I(br_eq_i64_imm, a == b)
        BRCMP64I(br_ne_i64_imm, a != b)
        BRCMP64I(br_lt_s_i64_imm, S64OF(a) < S64OF(b))
        BRCMP64I(br_lt_u_i64_imm, a < b)
        BRCMP64I(br_gt_s_i64_imm, S64OF(a) > S64OF(b))
        BRCMP64I(br_gt_u_i64_imm, a > b)
        BRCMP64I(br_le_s_i64_imm, S64OF(a) <= S64OF(b))
        BRCMP64I(br_le_u_i64_imm, a <= b)
        BRCMP64I(br_ge_s_i64_imm, S64OF(a) >= S64OF(b))
        BRCMP64I(br_ge_u_i64_imm, a >= b)

        OP(br_table)
        {
            uint32_t i = U32(1), n = IMM(2);
            if (i > n) i = n;
            TAKE(3 + i);
        }

        /* ---- metered branches ---- */

        OP(br_m)
        {
            CHARGE(2);
            TAKE(1);
        }

        BRTEST_M(br_nez_m, U32(1) != 0)
        BRTEST_M(br_eqz_m, U32(1) == 0)
        BRTEST_M(br_nez_i64_m, U64(1) != 0)
        BRTEST_M(br_eqz_i64_m, U64(1) == 0)
        BRCMP32M(br_eq_i32_m, a == b)
        BRCMP32M(br_ne_i32_m, a != b)
        BRCMP32M(br_lt_s_i32_m, S32OF(a) < S32OF(b))
        BRCMP32M(br_lt_u_i32_m, a < b)
        BRCMP32M(br_gt_s_i32_m, S32OF(a) > S32OF(b))
        BRCMP32M(br_gt_u_i32_m, a > b)
        BRCMP32M(br_le_s_i32_m, S32OF(a) <= S32OF(b))
        BRCMP32M(br_le_u_i32_m, a <= b)
        BRCMP32M(br_ge_s_i32_m, S32OF(a) >= S32OF(b))
        BRCMP32M(br_ge_u_i32_m, a >= b)
        BRCMP32IM(br_eq_i32_imm_m, a == b)
        BRCMP32IM(br_ne_i32_imm_m, a != b)
        BRCMP32IM(br_lt_s_i32_imm_m, S32OF(a) < S32OF(b))
        BRCMP32IM(br_lt_u_i32_imm_m, a < b)
        BRCMP32IM(br_gt_s_i32_imm_m, S32OF(a) > S32OF(b))
        BRCMP32IM(br_gt_u_i32_imm_m, a > b)
        BRCMP32IM(br_le_s_i32_imm_m, S32OF(a) <= S32OF(b))
        BRCMP32IM(br_le_u_i32_imm_m, a <= b)
        BRCMP32IM(br_ge_s_i32_imm_m, S32OF(a) >= S32OF(b))
        BRCMP32IM(br_ge_u_i32_imm_m, a >= b)
        BRCMP64M(br_eq_i64_m, a == b)
        BRCMP64M(br_ne_i64_m, a != b)
        BRCMP64M(br_lt_s_i64_m, S64OF(a) < S64OF(b))
        BRCMP64M(br_lt_u_i64_m, a < b)
        BRCMP64M(br_gt_s_i64_m, S64OF(a) > S64OF(b))
        BRCMP64M(br_gt_u_i64_m, a > b)
        BRCMP64M(br_le_s_i64_m, S64OF(a) <= S64OF(b))
        BRCMP64M(br_le_u_i64_m, a <= b)
        BRCMP64M(br_ge_s_i64_m, S64OF(a) >= S64OF(b))
        BRCMP64M(br_ge_u_i64_m, a >= b)
        BRCMP64IM(br_eq_i64_imm_m, a == b)
        BRCMP64IM(br_ne_i64_imm_m, a != b)
        BRCMP64IM(br_lt_s_i64_imm_m, S64OF(a) < S64OF(b))
        BRCMP64IM(br_lt_u_i64_imm_m, a < b)
        BRCMP64IM(br_gt_s_i64_imm_m, S64OF(a) > S64OF(b))
        BRCMP64IM(br_gt_u_i64_imm_m, a > b)
        BRCMP64IM(br_le_s_i64_imm_m, S64OF(a) <= S64OF(b))
        BRCMP64IM(br_le_u_i64_imm_m, a <= b)
        BRCMP64IM(br_ge_s_i64_imm_m, S64OF(a) >= S64OF(b))
        BRCMP64IM(br_ge_u_i64_imm_m, a >= b)

        OP(br_table_m)
        {
            uint32_t i = U32(1), n = IMM(2);
            if (i > n) i = n;
            CHARGE(4 + 2 * i);
            TAKE(3 + 2 * i);
        }

        /* ---- calls ---- */

        OP(call)
        {
            callee = &fns[IMM(1)];
            nfp = fp + IMM(2);
            ret_ip = ip + oplen_;
            callee_inst = inst;
            goto enter;
        }

        OP(call_import)
        {
            fobj = inst->funcs[IMM(1)];
            nfp = fp + IMM(2);
            ret_ip = ip + oplen_;
            goto call_obj;
        }

        OP(call_indirect)
        {
            const wa_table *t = inst->tables[IMM(2)];
            uint32_t i = U32(3);
            if (UNLIKELY(i >= t->size)) TRAP(UNDEFINED_ELEMENT);
            fobj = (wa_func *)(uintptr_t)t->elems[i];
            if (UNLIKELY(!fobj)) TRAP(UNINITIALIZED_ELEMENT);
            const wa_functype *want = &inst->m->types[IMM(1)];
            if (UNLIKELY(fobj->type != want && !wa_functype_equal(fobj->type, want)))
                TRAP(INDIRECT_TYPE_MISMATCH);
            nfp = fp + IMM(4);
            ret_ip = ip + oplen_;
            if (LIKELY(fobj->inst == inst)) {
                callee = &fns[fobj->idx - inst->m->import_func_count];
                callee_inst = inst;
                goto enter;
            }
            goto call_obj;
        }

        OP(ret0)
        {
            goto do_return;
        }

        OP(ret1)
        {
            fp[0] = SLOT(1);
            goto do_return;
        }

        OP(retn)
        {
            const uint64_t *src = &SLOT(1);
            uint32_t n = IMM(2);
            for (uint32_t i = 0; i < n; i++)
                fp[i] = src[i];
            goto do_return;
        }

        /* ---- moves ---- */

        OP(mov)
        {
            SLOT(1) = SLOT(2);
            NEXT();
        }

        OP(mov2)
        {
            SLOT(1) = SLOT(2);
            SLOT(3) = SLOT(4);
            NEXT();
        }

        /* the constants loops use, placed in their slots once per call */
        OP(pool_init)
        {
            uint64_t *d = &SLOT(1);
            uint32_t n = IMM(2);
            for (uint32_t i = 0; i < n; i++)
                d[i] = (uint64_t)ip[3 + 2 * i] | (uint64_t)ip[4 + 2 * i] << 32;
            ip += 3 + 2 * (size_t)n;
            DISPATCH();
        }

        OP(const32)
        {
            SLOT(1) = IMM(2);
            NEXT();
        }

        OP(const64)
        {
            SLOT(1) = (uint64_t)IMM(2) | (uint64_t)IMM(3) << 32;
            NEXT();
        }

        OP(select)
        {
            SLOT(1) = U32(4) ? SLOT(2) : SLOT(3);
            NEXT();
        }

        OP(global_get)
        {
            SLOT(1) = inst->globals[IMM(2)]->val;
            NEXT();
        }

        OP(global_set)
        {
            inst->globals[IMM(2)]->val = SLOT(1);
            NEXT();
        }

        /* ---- memory ---- */

        LOAD(i32_load, 4, ld32(p))
        LOAD(i64_load, 8, ld64(p))
        LOAD(i32_load8_s, 1, (uint32_t)(int32_t)(int8_t)p[0])
        LOAD(i32_load8_u, 1, p[0])
        LOAD(i32_load16_s, 2, (uint32_t)(int32_t)(int16_t)ld16(p))
        LOAD(i32_load16_u, 2, ld16(p))
        LOAD(i64_load8_s, 1, (uint64_t)(int64_t)(int8_t)p[0])
        LOAD(i64_load16_s, 2, (uint64_t)(int64_t)(int16_t)ld16(p))
        LOAD(i64_load32_s, 4, (uint64_t)(int64_t)(int32_t)ld32(p))
        STORE(store8, 1)
        STORE(store16, 2)
        STORE(store32, 4)
        STORE(store64, 8)

        OP(memory_size)
        {
            SET32(1, memsize / WA_PAGE_SIZE);
            NEXT();
        }

        OP(memory_grow)
        {
            int64_t r = inst->mem0 ? wa_memory_grow(inst->mem0, U32(2)) : -1;
            SET32(1, (uint32_t)(int32_t)r);
            RELOAD_MEM();
            NEXT();
        }

        OP(memory_fill)
        {
            uint64_t d = U32(1), n = U32(3);
            if (UNLIKELY(d + n > memsize)) TRAP(MEM_OOB);
            if (n) memset(mem + d, (int)(uint8_t)U32(2), n);
            NEXT();
        }

        OP(memory_copy)
        {
            uint64_t d = U32(1), s = U32(2), n = U32(3);
            if (UNLIKELY(d + n > memsize || s + n > memsize)) TRAP(MEM_OOB);
            if (n) memmove(mem + d, mem + s, n);
            NEXT();
        }

        OP(memory_init)
        {
            uint32_t idx = IMM(4);
            const wa_data_decl *seg = &inst->m->datas[idx];
            uint64_t len = inst->data_dropped[idx] ? 0 : seg->len;
            uint64_t d = U32(1), s = U32(2), n = U32(3);
            if (UNLIKELY(s + n > len || d + n > memsize)) TRAP(MEM_OOB);
            if (n) memcpy(mem + d, seg->bytes + s, n);
            NEXT();
        }

        OP(data_drop)
        {
            inst->data_dropped[IMM(1)] = 1;
            NEXT();
        }

        BINM(i32_add_m, uint32_t, AS_U32, 4, (uint32_t)(a + b))
        BINM(i64_add_m, uint64_t, AS_U64, 8, a + b)
        BINM(f32_add_m, float, AS_F32, 4, bits_f32(a + b))
        BINM(f32_sub_m, float, AS_F32, 4, bits_f32(a - b))
        BINM(f32_mul_m, float, AS_F32, 4, bits_f32(a * b))
        BINM(f64_add_m, double, AS_F64, 8, bits_f64(a + b))
        BINM(f64_sub_m, double, AS_F64, 8, bits_f64(a - b))
        BINM(f64_mul_m, double, AS_F64, 8, bits_f64(a * b))

        /* ---- i32 ---- */

        UN32(i32_eqz, a == 0)
        BIN32(i32_eq, a == b)
        BIN32(i32_ne, a != b)
        BIN32(i32_lt_s, S32OF(a) < S32OF(b))
        BIN32(i32_lt_u, a < b)
        BIN32(i32_gt_s, S32OF(a) > S32OF(b))
        BIN32(i32_gt_u, a > b)
        BIN32(i32_le_s, S32OF(a) <= S32OF(b))
        BIN32(i32_le_u, a <= b)
        BIN32(i32_ge_s, S32OF(a) >= S32OF(b))
        BIN32(i32_ge_u, a >= b)
        BIN32I(i32_eq_imm, a == b)
        BIN32I(i32_ne_imm, a != b)
        BIN32I(i32_lt_s_imm, S32OF(a) < S32OF(b))
        BIN32I(i32_lt_u_imm, a < b)
        BIN32I(i32_gt_s_imm, S32OF(a) > S32OF(b))
        BIN32I(i32_gt_u_imm, a > b)
        BIN32I(i32_le_s_imm, S32OF(a) <= S32OF(b))
        BIN32I(i32_le_u_imm, a <= b)
        BIN32I(i32_ge_s_imm, S32OF(a) >= S32OF(b))
        BIN32I(i32_ge_u_imm, a >= b)
        UN32(i32_clz, a ? (uint32_t)__builtin_clz(a) : 32u)
        UN32(i32_ctz, a ? (uint32_t)__builtin_ctz(a) : 32u)
        UN32(i32_popcnt, (uint32_t)__builtin_popcount(a))
        BIN32(i32_add, a + b)
        BIN32(i32_sub, a - b)
        BIN32(i32_mul, a * b)

        OP(i32_div_s)
        {
            int32_t a = I32(2), b = I32(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            if (UNLIKELY(a == INT32_MIN && b == -1)) TRAP(INT_OVERFLOW);
            SET32(1, a / b);
            NEXT();
        }

        OP(i32_div_u)
        {
            uint32_t a = U32(2), b = U32(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            SET32(1, a / b);
            NEXT();
        }

        OP(i32_rem_s)
        {
            int32_t a = I32(2), b = I32(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            /* spec, numerics, irem_s: INT32_MIN rem -1 is 0 (the C expression overflows) */
            SET32(1, b == -1 ? 0 : a % b);
            NEXT();
        }

        OP(i32_rem_u)
        {
            uint32_t a = U32(2), b = U32(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            SET32(1, a % b);
            NEXT();
        }

        BIN32(i32_and, a & b)
        BIN32(i32_or, a | b)
        BIN32(i32_xor, a ^ b)
        BIN32(i32_shl, a << (b & 31))
        BIN32(i32_shr_s, (uint32_t)(S32OF(a) >> (b & 31)))
        BIN32(i32_shr_u, a >> (b & 31))
        BIN32(i32_rotl, rotl32(a, b))
        BIN32(i32_rotr, rotr32(a, b))
        BIN32I(i32_add_imm, a + b)
        BIN32I(i32_sub_imm, b - a)
        BIN32I(i32_mul_imm, a * b)
        BIN32I(i32_and_imm, a & b)
        BIN32I(i32_or_imm, a | b)
        BIN32I(i32_xor_imm, a ^ b)
        BIN32I(i32_shl_imm, a << (b & 31))
        BIN32I(i32_shr_s_imm, (uint32_t)(S32OF(a) >> (b & 31)))
        BIN32I(i32_shr_u_imm, a >> (b & 31))
        BIN32I(i32_rotl_imm, rotl32(a, b))

        /* ---- i64 ---- */

        OP(i64_eqz)
        {
            SET32(1, U64(2) == 0);
            NEXT();
        }

        CMP64(i64_eq, a == b)
        CMP64(i64_ne, a != b)
        CMP64(i64_lt_s, S64OF(a) < S64OF(b))
        CMP64(i64_lt_u, a < b)
        CMP64(i64_gt_s, S64OF(a) > S64OF(b))
        CMP64(i64_gt_u, a > b)
        CMP64(i64_le_s, S64OF(a) <= S64OF(b))
        CMP64(i64_le_u, a <= b)
        CMP64(i64_ge_s, S64OF(a) >= S64OF(b))
        CMP64(i64_ge_u, a >= b)
        CMP64I(i64_eq_imm, a == b)
        CMP64I(i64_ne_imm, a != b)
        CMP64I(i64_lt_s_imm, S64OF(a) < S64OF(b))
        CMP64I(i64_lt_u_imm, a < b)
        CMP64I(i64_gt_s_imm, S64OF(a) > S64OF(b))
        CMP64I(i64_gt_u_imm, a > b)
        CMP64I(i64_le_s_imm, S64OF(a) <= S64OF(b))
        CMP64I(i64_le_u_imm, a <= b)
        CMP64I(i64_ge_s_imm, S64OF(a) >= S64OF(b))
        CMP64I(i64_ge_u_imm, a >= b)
        UN64(i64_clz, a ? (uint64_t)__builtin_clzll(a) : 64u)
        UN64(i64_ctz, a ? (uint64_t)__builtin_ctzll(a) : 64u)
        UN64(i64_popcnt, (uint64_t)__builtin_popcountll(a))
        BIN64(i64_add, a + b)
        BIN64(i64_sub, a - b)
        BIN64(i64_mul, a * b)

        OP(i64_div_s)
        {
            int64_t a = I64(2), b = I64(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            if (UNLIKELY(a == INT64_MIN && b == -1)) TRAP(INT_OVERFLOW);
            SET64(1, a / b);
            NEXT();
        }

        OP(i64_div_u)
        {
            uint64_t a = U64(2), b = U64(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            SET64(1, a / b);
            NEXT();
        }

        OP(i64_rem_s)
        {
            int64_t a = I64(2), b = I64(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            SET64(1, b == -1 ? 0 : a % b);
            NEXT();
        }

        OP(i64_rem_u)
        {
            uint64_t a = U64(2), b = U64(3);
            if (UNLIKELY(b == 0)) TRAP(INT_DIV_ZERO);
            SET64(1, a % b);
            NEXT();
        }

        BIN64(i64_and, a & b)
        BIN64(i64_or, a | b)
        BIN64(i64_xor, a ^ b)
        BIN64(i64_shl, a << (b & 63))
        BIN64(i64_shr_s, (uint64_t)(S64OF(a) >> (b & 63)))
        BIN64(i64_shr_u, a >> (b & 63))
        BIN64(i64_rotl, rotl64(a, b))
        BIN64(i64_rotr, rotr64(a, b))
        BIN64I(i64_add_imm, a + b)
        BIN64I(i64_sub_imm, b - a)
        BIN64I(i64_mul_imm, a * b)
        BIN64I(i64_and_imm, a & b)
        BIN64I(i64_or_imm, a | b)
        BIN64I(i64_xor_imm, a ^ b)
        BIN64I(i64_shl_imm, a << (b & 63))
        BIN64I(i64_shr_s_imm, (uint64_t)(S64OF(a) >> (b & 63)))
        BIN64I(i64_shr_u_imm, a >> (b & 63))
        BIN64I(i64_rotl_imm, rotl64(a, b))

        /* ---- f32 ---- */

        CMPF32(f32_eq, a == b)
        CMPF32(f32_ne, a != b)
        CMPF32(f32_lt, a < b)
        CMPF32(f32_gt, a > b)
        CMPF32(f32_le, a <= b)
        CMPF32(f32_ge, a >= b)

        /* abs, neg and copysign touch the sign bit only (spec: no NaN canonicalisation) */
        OP(f32_abs)
        {
            SLOT(1) = U32(2) & 0x7fffffffu;
            NEXT();
        }

        OP(f32_neg)
        {
            SLOT(1) = U32(2) ^ 0x80000000u;
            NEXT();
        }

        OP(f32_copysign)
        {
            SLOT(1) = (U32(2) & 0x7fffffffu) | (U32(3) & 0x80000000u);
            NEXT();
        }

        /* a NaN operand is returned quieted (libm may hand a signalling NaN back as is) */
        UNF32(f32_ceil, a != a ? a + a : ceilf(a))
        UNF32(f32_floor, a != a ? a + a : floorf(a))
        UNF32(f32_trunc, a != a ? a + a : truncf(a))
        UNF32(f32_nearest, a != a ? a + a : nearbyintf(a))
        UNF32(f32_sqrt, sqrtf(a))
        BINF32(f32_add, a + b)
        BINF32(f32_sub, a - b)
        BINF32(f32_mul, a * b)
        BINF32(f32_div, a / b)
        BINF32(f32_min, min_f32(a, b))
        BINF32(f32_max, max_f32(a, b))

        /* ---- f64 ---- */

        CMPF64(f64_eq, a == b)
        CMPF64(f64_ne, a != b)
        CMPF64(f64_lt, a < b)
        CMPF64(f64_gt, a > b)
        CMPF64(f64_le, a <= b)
        CMPF64(f64_ge, a >= b)

        OP(f64_abs)
        {
            SLOT(1) = U64(2) & 0x7fffffffffffffffull;
            NEXT();
        }

        OP(f64_neg)
        {
            SLOT(1) = U64(2) ^ 0x8000000000000000ull;
            NEXT();
        }

        OP(f64_copysign)
        {
            SLOT(1) = (U64(2) & 0x7fffffffffffffffull) | (U64(3) & 0x8000000000000000ull);
            NEXT();
        }

        UNF64(f64_ceil, a != a ? a + a : ceil(a))
        UNF64(f64_floor, a != a ? a + a : floor(a))
        UNF64(f64_trunc, a != a ? a + a : trunc(a))
        UNF64(f64_nearest, a != a ? a + a : nearbyint(a))
        UNF64(f64_sqrt, sqrt(a))
        BINF64(f64_add, a + b)
        BINF64(f64_sub, a - b)
        BINF64(f64_mul, a * b)
        BINF64(f64_div, a / b)
        BINF64(f64_min, min_f64(a, b))
        BINF64(f64_max, max_f64(a, b))

        /* ---- conversions ---- */

        CONV(i32_wrap_i64, (uint32_t)a)

        /* spec, numerics, trunc: NaN is an invalid conversion, a result outside the target
           range an overflow; the range test is on the float before the cast. */
        OP(i32_trunc_f32_s)
        {
            float x = F32(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x >= -2147483648.0f && x < 2147483648.0f))) TRAP(INT_OVERFLOW);
            SET32(1, (int32_t)x);
            NEXT();
        }

        OP(i32_trunc_f32_u)
        {
            float x = F32(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x > -1.0f && x < 4294967296.0f))) TRAP(INT_OVERFLOW);
            SET32(1, (uint32_t)x);
            NEXT();
        }

        OP(i32_trunc_f64_s)
        {
            double x = F64(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x > -2147483649.0 && x < 2147483648.0))) TRAP(INT_OVERFLOW);
            SET32(1, (int32_t)x);
            NEXT();
        }

        OP(i32_trunc_f64_u)
        {
            double x = F64(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x > -1.0 && x < 4294967296.0))) TRAP(INT_OVERFLOW);
            SET32(1, (uint32_t)x);
            NEXT();
        }

        CONV(i64_extend_i32_s, (uint64_t)(int64_t)(int32_t)(uint32_t)a)

        OP(i64_trunc_f32_s)
        {
            float x = F32(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x >= -9223372036854775808.0f && x < 9223372036854775808.0f)))
                TRAP(INT_OVERFLOW);
            SET64(1, (int64_t)x);
            NEXT();
        }

        OP(i64_trunc_f32_u)
        {
            float x = F32(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x > -1.0f && x < 18446744073709551616.0f))) TRAP(INT_OVERFLOW);
            SET64(1, (uint64_t)x);
            NEXT();
        }

        OP(i64_trunc_f64_s)
        {
            double x = F64(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)))
                TRAP(INT_OVERFLOW);
            SET64(1, (int64_t)x);
            NEXT();
        }

        OP(i64_trunc_f64_u)
        {
            double x = F64(2);
            if (UNLIKELY(x != x)) TRAP(INVALID_CONVERSION);
            if (UNLIKELY(!(x > -1.0 && x < 18446744073709551616.0))) TRAP(INT_OVERFLOW);
            SET64(1, (uint64_t)x);
            NEXT();
        }

        CONV(f32_convert_i32_s, bits_f32((float)(int32_t)(uint32_t)a))
        CONV(f32_convert_i32_u, bits_f32((float)(uint32_t)a))
        CONV(f32_convert_i64_s, bits_f32((float)(int64_t)a))
        CONV(f32_convert_i64_u, bits_f32((float)a))
        CONV(f32_demote_f64, bits_f32((float)f64_of(a)))
        CONV(f64_convert_i32_s, bits_f64((double)(int32_t)(uint32_t)a))
        CONV(f64_convert_i32_u, bits_f64((double)(uint32_t)a))
        CONV(f64_convert_i64_s, bits_f64((double)(int64_t)a))
        CONV(f64_convert_i64_u, bits_f64((double)a))
        CONV(f64_promote_f32, bits_f64((double)f32_of(a)))
        CONV(i32_extend8_s, (uint32_t)(int32_t)(int8_t)(uint8_t)a)
        CONV(i32_extend16_s, (uint32_t)(int32_t)(int16_t)(uint16_t)a)
        CONV(i64_extend8_s, (uint64_t)(int64_t)(int8_t)(uint8_t)a)
        CONV(i64_extend16_s, (uint64_t)(int64_t)(int16_t)(uint16_t)a)
        CONV(i64_extend32_s, (uint64_t)(int64_t)(int32_t)(uint32_t)a)
        CONV(i32_trunc_sat_f32_s, sat_f64_s32((double)f32_of(a)))
        CONV(i32_trunc_sat_f32_u, sat_f64_u32((double)f32_of(a)))
        CONV(i32_trunc_sat_f64_s, sat_f64_s32(f64_of(a)))
        CONV(i32_trunc_sat_f64_u, sat_f64_u32(f64_of(a)))
        CONV(i64_trunc_sat_f32_s, sat_f64_s64((double)f32_of(a)))
        CONV(i64_trunc_sat_f32_u, sat_f64_u64((double)f32_of(a)))
        CONV(i64_trunc_sat_f64_s, sat_f64_s64(f64_of(a)))
        CONV(i64_trunc_sat_f64_u, sat_f64_u64(f64_of(a)))

        /* ---- references and tables ---- */

        OP(ref_is_null)
        {
            SET32(1, SLOT(2) == 0);
            NEXT();
        }

        OP(ref_func)
        {
            SLOT(1) = (uint64_t)(uintptr_t)inst->funcs[IMM(2)];
            NEXT();
        }

        OP(table_get)
        {
            const wa_table *t = inst->tables[IMM(3)];
            uint32_t i = U32(2);
            if (UNLIKELY(i >= t->size)) TRAP(TABLE_OOB);
            SLOT(1) = t->elems[i];
            NEXT();
        }

        OP(table_set)
        {
            wa_table *t = inst->tables[IMM(3)];
            uint32_t i = U32(1);
            if (UNLIKELY(i >= t->size)) TRAP(TABLE_OOB);
            t->elems[i] = SLOT(2);
            NEXT();
        }

        OP(table_size)
        {
            SET32(1, inst->tables[IMM(2)]->size);
            NEXT();
        }

        OP(table_grow)
        {
            int64_t r = wa__table_grow(inst->tables[IMM(4)], U32(3), SLOT(2));
            SET32(1, (uint32_t)(int32_t)r);
            NEXT();
        }

        OP(table_fill)
        {
            wa_table *t = inst->tables[IMM(4)];
            uint64_t i = U32(1), n = U32(3);
            if (UNLIKELY(i + n > t->size)) TRAP(TABLE_OOB);
            wa_value v = SLOT(2);
            for (uint64_t k = 0; k < n; k++)
                t->elems[i + k] = v;
            NEXT();
        }

        OP(table_copy)
        {
            wa_table *td = inst->tables[IMM(4)];
            const wa_table *ts = inst->tables[IMM(5)];
            uint64_t d = U32(1), s = U32(2), n = U32(3);
            if (UNLIKELY(d + n > td->size || s + n > ts->size)) TRAP(TABLE_OOB);
            if (n) memmove(td->elems + d, ts->elems + s, n * sizeof(wa_value));
            NEXT();
        }

        OP(table_init)
        {
            wa_table *t = inst->tables[IMM(4)];
            uint32_t idx = IMM(5);
            const wa_elem_decl *seg = &inst->m->elems[idx];
            uint64_t len = inst->elem_dropped[idx] ? 0 : seg->count;
            uint64_t d = U32(1), s = U32(2), n = U32(3);
            if (UNLIKELY(s + n > len || d + n > t->size)) TRAP(TABLE_OOB);
            table_init_items(inst, t, seg, (uint32_t)d, (uint32_t)s, (uint32_t)n);
            NEXT();
        }

        OP(elem_drop)
        {
            inst->elem_dropped[IMM(1)] = 1;
            NEXT();
        }

#ifdef WA_SWITCH_DISPATCH
    default:
        TRAP(UNREACHABLE);
    }
#endif

    /* ---- shared call and return paths ---- */

call_obj:
    /* fobj is a function object: a host function or a wasm function of any instance */
    if (fobj->host) {
        const wa_functype *ft = fobj->type;
        uint64_t *res = nfp + ft->param_count;
        if (UNLIKELY((size_t)(stack_end - res) < ft->result_count)) TRAP(STACK_EXHAUSTED);
        wa_call_ctx cx = {inst, th, WA_TRAP_NONE, NULL};
        th->sp = res + ft->result_count;
        th->fsp = fsp;
        th->fuel = fuel;
        wa_status hst = fobj->host(fobj->env, &cx, nfp, res);
        fuel = th->fuel;
        if (UNLIKELY(hst != WA_OK)) {
            trap_kind = cx.trap != WA_TRAP_NONE ? cx.trap : WA_TRAP_HOST;
            trap_msg = cx.message;
            goto trap;
        }
        for (uint32_t i = 0; i < ft->result_count; i++)
            nfp[i] = narrow(ft->results[i], res[i]);
        RELOAD_MEM();
        if (pending_native) {
            jit_target = pending_native;
            pending_native = NULL;
            goto run_jit;
        }
        ip = ret_ip;
        DISPATCH();
    }
    callee_inst = fobj->inst;
    callee = &((const wa_compiled *)callee_inst->m->compiled)
                  ->fns[fobj->idx - callee_inst->m->import_func_count];
    /* fall through to enter */

enter:
    /* callee runs in callee_inst with its frame at nfp; returns to ret_ip */
    if (UNLIKELY((size_t)(stack_end - nfp) < callee->frame_slots || fsp == frames_end))
        TRAP(STACK_EXHAUSTED);
    if (UNLIKELY(fuel < callee->entry_fuel)) TRAP(OUT_OF_FUEL);
    fuel -= callee->entry_fuel;
    fsp->ret_ip = ret_ip;
    fsp->ret_fp = fp;
    fsp->ret_inst = inst;
    fsp->fn = callee;
    fsp->ret_native = pending_native;
    pending_native = NULL;
    fsp++;
    if (UNLIKELY(callee_inst != inst)) {
        inst = callee_inst;
        SWITCH_INST();
        RELOAD_MEM();
    }
    {
        /* few locals as a rule: an inline loop (the empty asm keeps the compiler from
           turning it into a memset call, which costs more than it saves here) */
        uint64_t *loc = nfp + callee->param_count;
        for (uint32_t n = callee->local_count; n > 0; n--) {
            __asm__("" : "+r"(loc));
            *loc++ = 0;
        }
    }
    fp = nfp;
    ip = callee->code;
    if (UNLIKELY(INTERRUPT_SET())) TRAP(INTERRUPTED);
    if (callee->jit) {
        jit_target = callee->jit;
        goto run_jit;
    }
    DISPATCH();

do_return:
    fsp--;
    ip = fsp->ret_ip;
    fp = fsp->ret_fp;
    if (UNLIKELY(fsp->ret_inst != inst)) {
        inst = fsp->ret_inst;
        SWITCH_INST();
    }
    RELOAD_MEM();
    if (fsp->ret_native) {
        jit_target = fsp->ret_native;
        goto run_jit;
    }
    DISPATCH();

run_jit:
    /* machine code of the function in fsp[-1] runs on frame fp until it returns, calls
       (the interpreter makes the call, then resumes it) or traps */
    jcx.mem = mem;
    jcx.memsize = memsize;
    jcx.fuel = fuel;
    jcx.globals = inst->globals;
    jcx.mem0 = inst->mem0;
    jcx.inst = inst;
    jcx.fns = fns;
    jcx.fsp = fsp;
    {
        int js = wa__jit_enter(inst->m->compiled, &jcx, fp, jit_target);
        fuel = jcx.fuel;
        fsp = jcx.fsp; /* calls between machine code push and pop records too */
        fp = jcx.fp;
        RELOAD_MEM();
        if (js == WA_JIT_RETURN) goto do_return;
        ip = fsp[-1].fn->code + jcx.at;
        if (js == WA_JIT_CALL) {
            pending_native = jcx.resume;
            DISPATCH();
        }
        trap_kind = (wa_trap)jcx.trap;
        goto trap;
    }

trap:
    th->fuel = fuel;
    if (err) {
        const wa_fn *cur = fsp > th->fsp ? fsp[-1].fn : callee;
        if (trap_msg && trap_msg[0])
            wa_error_set(err, WA_ERR_TRAP, "%s", trap_msg);
        else
            wa_error_set(err, WA_ERR_TRAP, "%s", wa_trap_str(trap_kind));
        err->trap = trap_kind;
        err->func_idx = cur ? cur->func_idx : UINT32_MAX;
        err->offset = ip == exit_code ? 0 : wa__code_offset(cur, ip);
    }
    return WA_ERR_TRAP;
}

const int32_t *wa__op_words(void)
{
    const int32_t *words = NULL;
    run(NULL, NULL, NULL, NULL, &words);
    return words;
}

/* Calls a host function directly (no calling instance). */
static wa_status call_host_direct(wa_thread *th, wa_func *f, const wa_value *args,
                                  wa_value *results, wa_error *err)
{
    wa_call_ctx cx = {NULL, th, WA_TRAP_NONE, NULL};
    wa_status st = f->host(f->env, &cx, args, results);
    if (st == WA_OK) return WA_OK;
    wa_trap kind = cx.trap != WA_TRAP_NONE ? cx.trap : WA_TRAP_HOST;
    if (err) {
        wa_error_set(err, WA_ERR_TRAP, "%s",
                     cx.message && cx.message[0] ? cx.message : wa_trap_str(kind));
        err->trap = kind;
        err->func_idx = UINT32_MAX;
        err->offset = 0;
    }
    return WA_ERR_TRAP;
}

wa_status wa_call(wa_thread *th, wa_func *f, const wa_value *args, uint32_t nargs,
                  wa_value *results, uint32_t nresults, wa_error *err)
{
    if (!f) return wa_error_set(err, WA_ERR_ARG, "invalid argument: no function");
    const wa_functype *ft = f->type;
    if (nargs != ft->param_count || nresults != ft->result_count)
        return wa_error_set(err, WA_ERR_ARG,
                            "invalid argument: function takes %u arguments and returns %u "
                            "results, called with %u and %u",
                            ft->param_count, ft->result_count, nargs, nresults);
    wa_thread *tmp = NULL;
    if (!th) {
        const wa_config *cfg = f->inst ? &f->inst->m->cfg : f->cfg;
        tmp = th = wa_thread_create(cfg);
        if (!th) return wa_error_set(err, WA_ERR_NOMEM, "out of memory: thread stacks");
    }
    wa_status st;
    if (f->host) {
        st = call_host_direct(th, f, args, results, err);
    } else {
        uint64_t *base = th->sp;
        frame *fbase = th->fsp;
        size_t need = ft->param_count > ft->result_count ? ft->param_count : ft->result_count;
        if ((size_t)(th->stack_end - base) < need) {
            st = wa_error_set(err, WA_ERR_TRAP, "%s", wa_trap_str(WA_TRAP_STACK_EXHAUSTED));
            if (err) {
                err->trap = WA_TRAP_STACK_EXHAUSTED;
                err->func_idx = f->idx;
                err->offset = 0;
            }
        } else {
            for (uint32_t i = 0; i < nargs; i++)
                base[i] = narrow(ft->params[i], args[i]);
            st = run(th, f, base, err, NULL);
            th->sp = base;
            th->fsp = fbase;
            if (st == WA_OK)
                for (uint32_t i = 0; i < nresults; i++)
                    results[i] = base[i];
        }
    }
    if (tmp) wa_thread_destroy(tmp);
    return st;
}
