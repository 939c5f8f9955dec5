'use strict';
/*
 * gen.js: generator of random, valid, deterministic WebAssembly modules for the
 * differential tester (diff.js). No npm packages: it writes the binary format directly.
 *
 * generate(seed) returns { bytes, funcs } where funcs lists each exported function
 * (name, param types, result types). Every module has:
 *   - global 0 `fuel` (i32, mutable): each function entry decrements it and traps
 *     (unreachable) at 0, so runs end even when calls nest; export `reset` refills it;
 *   - mutable globals of every numeric type (exported g1..), a memory of 1..4 pages
 *     (exported `mem`), active and passive data segments, a funcref table holding every
 *     function after two null slots;
 *   - functions f0..fN-1 that call only lower-numbered functions (directly or through
 *     call_indirect with an index reduced modulo the caller's own slot), so there is no
 *     recursion; loops count down a reserved counter local.
 * Floats that could leak a NaN payload into memory or integer bits (stores, reinterpret,
 * copysign's sign) go through a select that replaces NaN with 0, so results never
 * depend on the NaN bits an engine picks.
 */

const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c;
const NUM = [I32, I64, F32, F64];

function rng(seed) {
    let a = seed >>> 0;
    const next = () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return (t ^ (t >>> 14)) >>> 0;
    };
    const r = {
        next,
        int: (n) => next() % n,
        chance: (p) => next() / 4294967296 < p,
        pick: (arr) => arr[next() % arr.length],
        range: (lo, hi) => lo + (next() % (hi - lo + 1)),
    };
    return r;
}

/* ---- encoding ---- */

function uleb(n) {
    const out = [];
    do {
        let b = n & 0x7f;
        n = Math.floor(n / 128);
        if (n !== 0) b |= 0x80;
        out.push(b);
    } while (n !== 0);
    return out;
}
function sleb64(v) {
    v = BigInt.asIntN(64, BigInt(v));
    const out = [];
    for (;;) {
        const b = Number(v & 0x7fn);
        v >>= 7n;
        if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}
const sleb32 = (v) => sleb64(BigInt(v | 0));
function f32bytes(x) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    return [...b];
}
function f64bytes(x) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, true);
    return [...b];
}
const str = (s) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];

/* ---- opcode tables ---- */

const BIN = {
    [I32]: [0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78],
    [I64]: [0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a],
    [F32]: [0x92, 0x93, 0x94, 0x95, 0x96, 0x97],
    [F64]: [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5],
};
/* the cheap, non-trapping integer ops the compiler folds most (add, sub, and, or, xor, shifts) */
const BIN_EASY = {
    [I32]: [0x6a, 0x6b, 0x6c, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78],
    [I64]: [0x7c, 0x7d, 0x7e, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a],
};
const UN = {
    [I32]: [[0x67], [0x68], [0x69], [0xc0], [0xc1]],
    [I64]: [[0x79], [0x7a], [0x7b], [0xc2], [0xc3], [0xc4]],
    [F32]: [[0x8b], [0x8c], [0x8d], [0x8e], [0x8f], [0x90], [0x91]],
    [F64]: [[0x99], [0x9a], [0x9b], [0x9c], [0x9d], [0x9e], [0x9f]],
};
const CMP = {
    [I32]: [0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f],
    [I64]: [0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a],
    [F32]: [0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60],
    [F64]: [0x61, 0x62, 0x63, 0x64, 0x65, 0x66],
};
const EQZ = { [I32]: 0x45, [I64]: 0x50 };
/* loads: [opcode, result type, natural alignment log2, bytes] */
const LOADS = [
    [0x28, I32, 2, 4], [0x29, I64, 3, 8], [0x2a, F32, 2, 4], [0x2b, F64, 3, 8],
    [0x2c, I32, 0, 1], [0x2d, I32, 0, 1], [0x2e, I32, 1, 2], [0x2f, I32, 1, 2],
    [0x30, I64, 0, 1], [0x31, I64, 0, 1], [0x32, I64, 1, 2], [0x33, I64, 1, 2],
    [0x34, I64, 2, 4], [0x35, I64, 2, 4],
];
const STORES = [
    [0x36, I32, 2], [0x37, I64, 3], [0x38, F32, 2], [0x39, F64, 3], [0x3a, I32, 0],
    [0x3b, I32, 1], [0x3c, I64, 0], [0x3d, I64, 1], [0x3e, I64, 2],
];
/* conversions [bytes, from, to]; trapping ones flagged */
const CONV = [
    [[0xa7], I64, I32], [[0xac], I32, I64], [[0xad], I32, I64],
    [[0xb2], I32, F32], [[0xb3], I32, F32], [[0xb4], I64, F32], [[0xb5], I64, F32],
    [[0xb7], I32, F64], [[0xb8], I32, F64], [[0xb9], I64, F64], [[0xba], I64, F64],
    [[0xb6], F64, F32], [[0xbb], F32, F64],
    [[0xfc, 0], F32, I32], [[0xfc, 1], F32, I32], [[0xfc, 2], F64, I32], [[0xfc, 3], F64, I32],
    [[0xfc, 4], F32, I64], [[0xfc, 5], F32, I64], [[0xfc, 6], F64, I64], [[0xfc, 7], F64, I64],
    [[0xa8], F32, I32, 1], [[0xa9], F32, I32, 1], [[0xaa], F64, I32, 1], [[0xab], F64, I32, 1],
    [[0xae], F32, I64, 1], [[0xaf], F32, I64, 1], [[0xb0], F64, I64, 1], [[0xb1], F64, I64, 1],
    [[0xbe], I32, F32], [[0xbf], I64, F64],
    [[0xbc], F32, I32, 0, 1], [[0xbd], F64, I64, 0, 1], /* reinterpret: sanitize first */
];

const I32_SPECIAL = [0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 33, 63, 64, 255, 256, 0x7fff, 0x8000,
    0xffff, 0x10000, 0x7fffffff, -0x80000000, -2, 100, 1000, 65535, 65536, 65532];
const I64_SPECIAL = [0n, 1n, -1n, 2n, 31n, 32n, 63n, 64n, 0xffffffffn, 0x100000000n,
    0x7fffffffffffffffn, -0x8000000000000000n, -2n, 255n, 0x80000000n, 1000n];
const F_SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, 1e10, -1e10, 2147483647,
    2147483648, -2147483649, 4294967296, 9.2e18, -9.3e18, 1.8e19, Infinity, -Infinity, NaN,
    1e-40, 3.4e38, 65536.75, -7.25, 0.1];

/* ---- module generation ---- */

function generate(seed, opts = {}) {
    const R = rng(seed);
    const types = []; /* [params, results] */
    const typeKey = new Map();
    const typeIdx = (params, results) => {
        const k = params.join(',') + '>' + results.join(',');
        if (!typeKey.has(k)) {
            typeKey.set(k, types.length);
            types.push([params, results]);
        }
        return typeKey.get(k);
    };
    const randType = () => R.pick([I32, I32, I32, I64, I64, F32, F64]);
    const randTypes = (max) => {
        const n = R.int(max + 1);
        const out = [];
        for (let i = 0; i < n; i++) out.push(randType());
        return out;
    };

    const nfuncs = opts.nfuncs || R.range(3, 7);
    const funcs = [];
    for (let i = 0; i < nfuncs; i++) {
        const params = randTypes(4);
        const results = randTypes(R.chance(0.3) ? 3 : 1);
        funcs.push({ params, results, type: typeIdx(params, results) });
    }
    const resetType = typeIdx([], []);
    /* globals: 0 is fuel; then a few of each type */
    const globals = [{ t: I32, init: 1000 }];
    for (const t of NUM) {
        const n = R.range(1, 2);
        for (let i = 0; i < n; i++) globals.push({ t, init: constVal(t) });
    }
    const memPages = R.range(1, 2);
    const memMax = memPages + R.range(0, 2);
    const passiveLen = R.range(1, 64);
    const tableSize = nfuncs + 2;

    function constVal(t) {
        if (t === I32) return R.chance(0.6) ? R.pick(I32_SPECIAL) : R.next() | 0;
        if (t === I64)
            return R.chance(0.6) ? R.pick(I64_SPECIAL)
                : BigInt.asIntN(64, (BigInt(R.next()) << 32n) | BigInt(R.next()));
        return R.chance(0.7) ? R.pick(F_SPECIAL) : (R.next() / 65536) * (R.chance(0.5) ? 1 : -1);
    }
    function constCode(t, v) {
        if (v === undefined) v = constVal(t);
        if (t === I32) return [0x41, ...sleb32(v)];
        if (t === I64) return [0x42, ...sleb64(v)];
        if (t === F32) return [0x43, ...f32bytes(v)];
        return [0x44, ...f64bytes(v)];
    }

    function genFunc(fi) {
        const f = funcs[fi];
        const locals = f.params.slice();
        const writable = { [I32]: [], [I64]: [], [F32]: [], [F64]: [] };
        f.params.forEach((t, i) => writable[t].push(i));
        const decl = [];
        const addLocal = (t) => {
            locals.push(t);
            decl.push(t);
            return locals.length - 1;
        };
        for (const t of NUM) {
            const n = R.range(t === I32 || t === I64 ? 1 : 0, 3);
            for (let i = 0; i < n; i++) writable[t].push(addLocal(t));
        }
        const counters = [addLocal(I32), addLocal(I32), addLocal(I32)];
        const scratch = { [F32]: addLocal(F32), [F64]: addLocal(F64) };
        let budget = opts.budget || R.range(20, Number(process.env.CR_DIFF_BUDGET || 120));
        const labels = [{ kind: 'func', types: f.results }];
        let loopDepth = 0;

        const anyLocal = (t) => writable[t].length ? R.pick(writable[t]) : -1;
        const sanitize = (t) => {
            if (t !== F32 && t !== F64) return [];
            const s = scratch[t];
            const eq = t === F32 ? 0x5b : 0x61;
            return [0x22, ...uleb(s), ...constCode(t, 0), 0x20, ...uleb(s), 0x20, ...uleb(s), eq,
                0x1b];
        };
        const blockType = (params, results) => {
            if (params.length === 0 && results.length === 0) return [0x40];
            if (params.length === 0 && results.length === 1) return [results[0]];
            return sleb32(typeIdx(params, results));
        };
        /* an address: mostly masked into the first page(s), sometimes raw */
        const addr = (d) => {
            if (R.chance(0.02)) return expr(I32, d + 1);
            if (R.chance(0.25)) {
                const l = anyLocal(I32);
                if (l >= 0) return [0x20, ...uleb(l), 0x41, ...sleb32(R.int(300)), 0x6a];
            }
            const mask = R.pick([0xff, 0xfff, 0xffff, 0xfff8, 0x3f]);
            return [...expr(I32, d + 1), 0x41, ...sleb32(mask), 0x71];
        };
        const memarg = (align) => [...uleb(R.int(align + 1)), ...uleb(R.chance(0.5) ? 0 : R.pick([1, 2, 4, 8, 16, 100, 4096, R.chance(0.2) ? 65535 : 3]))];
        const convert = (from, to) => {
            if (from === to) return [];
            const opts2 = CONV.filter((c) => c[1] === from && c[2] === to && (!c[3] || R.chance(0.3)));
            if (opts2.length) {
                const c = R.pick(opts2);
                return [...(c[4] ? sanitize(from) : []), ...c[0]];
            }
            /* two steps through i32/i64 */
            const mid = from === I32 || to === I32 ? I64 : I32;
            return [...convert(from, mid), ...convert(mid, to)];
        };
        /* code that turns values of the given types (top last) into one value of type t */
        const reduce = (stack, t, d) => {
            const code = [];
            stack = stack.slice();
            if (stack.length === 0) return expr(t, d + 1);
            while (stack.length > 1) {
                const top = stack[stack.length - 1], below = stack[stack.length - 2];
                if (top === below && (top === I32 || top === I64) && R.chance(0.5)) {
                    code.push(R.pick(BIN_EASY[top]));
                    stack.pop();
                    continue;
                }
                const l = anyLocal(top);
                if (l >= 0 && R.chance(0.6)) code.push(0x21, ...uleb(l));
                else code.push(0x1a);
                stack.pop();
            }
            code.push(...convert(stack[0], t));
            return code;
        };
        const exprs = (ts, d) => ts.flatMap((t) => expr(t, d));
        const callable = () => (fi > 0 ? R.int(fi) : -1);
        /* a counted loop around body(); the counter is a reserved local */
        const countedLoop = (params, results, body) => {
            if (loopDepth >= counters.length) return null;
            const c = counters[loopDepth];
            loopDepth++;
            labels.push({ kind: 'loop', types: params });
            const b = body();
            labels.pop();
            loopDepth--;
            return [0x41, ...sleb32(R.range(1, 4)), 0x21, ...uleb(c),
                0x03, ...blockType(params, results),
                ...b.pre,
                0x20, ...uleb(c), 0x41, 1, 0x6b, 0x22, ...uleb(c), 0x0d, 0x00,
                ...b.post, 0x0b];
        };
        /* branch out to a random enclosing non-loop label, carrying its values */
        const brOut = (d, cond) => {
            const cands = [];
            for (let i = labels.length - 1; i >= 0; i--)
                if (labels[i].kind !== 'loop') cands.push(labels.length - 1 - i);
            const depth = R.pick(cands);
            const L = labels[labels.length - 1 - depth];
            return { code: exprs(L.types, d), depth, types: L.types };
        };

        /* a binary operator on the two values on top; a divisor is mostly made odd (| 1) */
        function bop(t) {
            const op = R.pick(BIN[t]);
            const div = t === I32 ? op >= 0x6d && op <= 0x70 : t === I64 ? op >= 0x7f && op <= 0x82 : false;
            if (div && R.chance(0.85)) return [...constCode(t, t === I32 ? 1 : 1n), t === I32 ? 0x72 : 0x84, op];
            return [op];
        }
        const binop = (t, a, b) => [...a, ...b, ...bop(t)];

        /* unreachable code after a br or return (the stack is polymorphic there) */
        const dead = (d) => {
            if (R.chance(0.6)) return [];
            const r = R.int(5);
            if (r === 0) return stmts(d + 1, 2);
            if (r === 1) return [0x1a];
            if (r === 2) return [0x6a, 0x1a];
            if (r === 3) {
                const l = anyLocal(I32);
                return l >= 0 ? [0x22, ...uleb(l), 0x21, ...uleb(l)] : [0x00];
            }
            return [0x00, ...stmts(d + 1, 1)];
        };
        /* a table index, mostly in bounds */
        const tidx = (d) => [...expr(I32, d + 1), 0x41, ...sleb32(R.chance(0.9) ? tableSize : tableSize + 3), 0x70];
        /* a funcref: null, a function, or a table entry */
        const ref = (d) => {
            const r = R.int(3);
            if (r === 0) return [0xd0, 0x70];
            if (r === 1) return [0xd2, ...uleb(R.int(nfuncs))];
            return [...tidx(d), 0x25, 0x00];
        };

        function leaf(t) {
            const r = R.int(10);
            if (r < 5) {
                const l = anyLocal(t);
                if (l >= 0) return [0x20, ...uleb(l)];
            }
            if (r < 7) {
                const gs = globals.map((g, i) => [g, i]).filter(([g, i]) => g.t === t && i > 0);
                if (gs.length) return [0x23, ...uleb(R.pick(gs)[1])];
            }
            return constCode(t);
        }

        function expr(t, d) {
            budget--;
            if (d > 6 || budget <= 0 || R.chance(0.18)) return leaf(t);
            const isInt = t === I32 || t === I64;
            switch (R.int(34)) {
            case 0:
            case 1:
            case 2: /* binop, often with a pending local read on the left */
                if (isInt && R.chance(0.5)) {
                    const l = anyLocal(t);
                    if (l >= 0)
                        return binop(t, [0x20, ...uleb(l)], expr(t, d + 1));
                }
                if (t === F32 && R.chance(0.2))
                    return [...expr(t, d + 1), ...expr(t, d + 1), ...sanitize(t), 0x98];
                if (t === F64 && R.chance(0.2))
                    return [...expr(t, d + 1), ...expr(t, d + 1), ...sanitize(t), 0xa6];
                return binop(t, expr(t, d + 1), expr(t, d + 1));
            case 3: /* x + k, x & k, x << k: the compiler's virtual forms */
                if (isInt) {
                    const l = anyLocal(t);
                    const src = l >= 0 && R.chance(0.7) ? [0x20, ...uleb(l)] : expr(t, d + 1);
                    return [...src, ...constCode(t), R.pick(BIN_EASY[t])];
                }
                return [...expr(t, d + 1), ...UN[t][R.int(UN[t].length)]];
            case 4:
                return [...expr(t, d + 1), ...R.pick(UN[t])];
            case 5:
            case 6: { /* comparisons */
                if (t !== I32) break;
                const ct = randType();
                if (R.chance(0.15) && EQZ[ct]) return [...expr(ct, d + 1), EQZ[ct]];
                return [...expr(ct, d + 1), ...expr(ct, d + 1), R.pick(CMP[ct])];
            }
            case 7: { /* conversion from another type */
                const from = randType();
                return [...expr(from, d + 1), ...convert(from, t)];
            }
            case 8:
            case 9: { /* local.tee, possibly overwriting a local read still pending */
                const l = anyLocal(t);
                if (l < 0) break;
                if (R.chance(0.5))
                    return [0x20, ...uleb(l), ...expr(t, d + 1), 0x22, ...uleb(l), ...bop(t)];
                return [...expr(t, d + 1), 0x22, ...uleb(l)];
            }
            case 10: { /* pending local read, then a block that writes it */
                const l = anyLocal(t);
                if (l < 0) break;
                labels.push({ kind: 'block', types: [t] });
                const body = [...stmt(d + 1), ...expr(t, d + 1), 0x21, ...uleb(l), ...stmts(d + 1, 1),
                    ...expr(t, d + 1)];
                labels.pop();
                
                return [0x20, ...uleb(l), 0x02, t, ...body, 0x0b, ...bop(t)];
            }
            case 11: { /* load */
                const ls = LOADS.filter((x) => x[1] === t);
                const [op, , align] = R.pick(ls);
                return [...addr(d), op, ...memarg(align)];
            }
            case 12: /* select */
                if (R.chance(0.3))
                    return [...expr(t, d + 1), ...expr(t, d + 1), ...cond(d + 1), 0x1c, 1, t];
                return [...expr(t, d + 1), ...expr(t, d + 1), ...cond(d + 1), 0x1b];
            case 13: { /* if/else with a result */
                const c = cond(d + 1);
                labels.push({ kind: 'block', types: [t] });
                const a = [...stmts(d + 1, 1), ...expr(t, d + 1)];
                const b = [...stmts(d + 1, 1), ...expr(t, d + 1)];
                labels.pop();
                return [...c, 0x04, t, ...a, 0x05, ...b, 0x0b];
            }
            case 14: { /* block with a br_if carrying the value */
                labels.push({ kind: 'block', types: [t] });
                const l0 = anyLocal(t);
                const v0 = l0 >= 0 && R.chance(0.5) ? [0x20, ...uleb(l0)] : expr(t, d + 1);
                const code = [0x02, t, ...v0, ...cond(d + 1), 0x0d, 0x00];
                if (R.chance(0.3)) code.push(...stmts(d + 1, 2));
                else if (R.chance(0.5)) code.push(0x1a, ...stmts(d + 1, 1), ...expr(t, d + 1));
                else if (isInt) code.push(...expr(t, d + 1), R.pick(BIN_EASY[t]));
                labels.pop();
                code.push(0x0b);
                return code;
            }
            case 15: { /* br_table with a value */
                const n = R.range(1, 3);
                const code = [0x02, t];
                labels.push({ kind: 'block', types: [t] });
                for (let i = 0; i < n; i++) {
                    code.push(0x02, t);
                    labels.push({ kind: 'block', types: [t] });
                }
                code.push(...expr(t, d + 1), ...expr(I32, d + 1), 0x0e);
                const targets = [];
                const cnt = R.range(0, 4);
                for (let i = 0; i < cnt; i++) targets.push(R.int(n + 1));
                code.push(...uleb(cnt), ...targets.flatMap((x) => uleb(x)), ...uleb(R.int(n + 1)));
                for (let i = 0; i < n; i++) {
                    labels.pop();
                    code.push(0x0b);
                    if (isInt && R.chance(0.6)) code.push(...expr(t, d + 1), R.pick(BIN_EASY[t]));
                    else if (R.chance(0.5)) code.push(...R.pick(UN[t]));
                }
                labels.pop();
                code.push(0x0b);
                return code;
            }
            case 16:
            case 17: { /* call */
                const j = callable();
                if (j < 0) break;
                const g = funcs[j];
                return [...exprs(g.params, d + 1), 0x10, ...uleb(j), ...reduce(g.results, t, d)];
            }
            case 18: { /* call_indirect: index modulo our own slot (slots 0,1 are null) */
                if (fi > 0 && R.chance(0.9)) { /* mostly a valid target */
                    const j = R.int(fi);
                    const g = funcs[j];
                    const idx = R.chance(0.5) ? [0x41, ...sleb32(j + 2)]
                        : [...expr(I32, d + 1), 0x41, 0x00, 0x71, 0x41, ...sleb32(j + 2), 0x6a];
                    return [...exprs(g.params, d + 1), ...idx, 0x11, ...uleb(g.type), 0x00,
                        ...reduce(g.results, t, d)];
                }
                if (fi === 0 && R.chance(0.9)) break;
                const g = funcs[R.int(nfuncs)];
                return [...exprs(g.params, d + 1), ...expr(I32, d + 1), 0x41, ...sleb32(fi + 2),
                    0x70, 0x11, ...uleb(g.type), 0x00, ...reduce(g.results, t, d)];
            }
            case 19: { /* multi-value block with params */
                const params = randTypes(3);
                const results = randTypes(3);
                let keep = 0;
                while (keep < params.length && keep < results.length && params[keep] === results[keep] && R.chance(0.7)) keep++;
                labels.push({ kind: 'block', types: results });
                const body = [];
                for (let i = params.length - 1; i >= keep; i--) {
                    const l = anyLocal(params[i]);
                    body.push(...(l >= 0 && R.chance(0.6) ? [0x21, ...uleb(l)] : [0x1a]));
                }
                body.push(...stmts(d + 1, 2));
                if (R.chance(0.3)) {
                    /* conditional early exit with the block's results */
                    labels.push({ kind: 'block', types: [] });
                    const vals = exprs(results, d + 1);
                    labels.pop();
                    body.push(...cond(d + 1), 0x04, 0x40, ...vals, 0x0c, 0x01, 0x0b);
                }
                body.push(...exprs(results.slice(keep), d + 1));
                labels.pop();
                return [...exprs(params, d + 1), 0x02, ...blockType(params, results), ...body, 0x0b,
                    ...reduce(results, t, d)];
            }
            case 20: { /* loop carrying a value as its parameter */
                const loop = countedLoop([t], [t], () => ({
                    pre: isInt ? [...expr(t, d + 1), R.pick(BIN_EASY[t]), ...stmts(d + 1, 1)]
                        : [...R.pick(UN[t]), ...stmts(d + 1, 1)],
                    post: [],
                }));
                if (!loop) break;
                return [...expr(t, d + 1), ...loop];
            }
            case 21: { /* loop with a result computed after the back-edge */
                const loop = countedLoop([], [t], () => ({
                    pre: stmts(d + 1, 2),
                    post: expr(t, d + 1),
                }));
                if (!loop) break;
                return loop;
            }
            case 22: /* memory.size / memory.grow */
                if (t !== I32) break;
                if (R.chance(0.5)) return [0x3f, 0x00];
                return [...expr(I32, d + 1), 0x41, 3, 0x71, 0x40, 0x00];
            case 23: { /* block: statements, then the value */
                labels.push({ kind: 'block', types: [t] });
                const code = [0x02, t, ...stmts(d + 1, 3), ...expr(t, d + 1)];
                labels.pop();
                return [...code, 0x0b];
            }
            case 24: { /* conditional branch out of nested code, values pending below */
                const l = anyLocal(t);
                labels.push({ kind: 'block', types: [t] });
                const c = cond(d + 1);
                labels.push({ kind: 'block', types: [] }); /* the if */
                const out = brOut(d + 1);
                labels.pop();
                const v = expr(t, d + 1);
                labels.pop();
                const pre = l >= 0 ? [0x20, ...uleb(l)] : expr(t, d + 1);
                labels.push({ kind: 'block', types: [t] }, { kind: 'block', types: [] });
                const dc = dead(d);
                labels.pop();
                labels.pop();
                return [...pre, 0x02, t, ...c, 0x04, 0x40, ...out.code, 0x0c, ...uleb(out.depth), ...dc, 0x0b,
                    ...v, 0x0b, ...bop(t)];
            }
            case 25: { /* global.get after a global.set in the same expression */
                const gs = globals.map((g, i) => [g, i]).filter(([g, i]) => g.t === t && i > 0);
                const [, gi] = R.pick(gs);
                return [0x23, ...uleb(gi), ...expr(t, d + 1), 0x24, ...uleb(gi), 0x23, ...uleb(gi),
                    ...bop(t)];
            }
            case 26: { /* a load of memory stored just before, in the same expression */
                const [sop, st, salign] = R.pick(STORES.filter((x) => x[1] === t));
                const [lop, , lalign] = R.pick(LOADS.filter((x) => x[1] === t));
                const a = R.int(256);
                return [...leaf(t), 0x41, ...sleb32(a), ...expr(st, d + 1), ...sanitize(st), sop,
                    ...uleb(R.int(salign + 1)), 0x00, 0x41, ...sleb32(a), lop, ...uleb(R.int(lalign + 1)), 0x00,
                    ...bop(t)];
            }
            case 27: { /* many pending values, then something that writes locals */
                const ts = [];
                const code = [];
                const n = R.range(2, 6);
                for (let i = 0; i < n; i++) {
                    const tt = R.chance(0.5) ? t : randType();
                    ts.push(tt);
                    const l = anyLocal(tt);
                    if (l >= 0 && R.chance(0.7)) code.push(0x20, ...uleb(l));
                    else if (l >= 0 && (tt === I32 || tt === I64) && R.chance(0.5))
                        code.push(0x20, ...uleb(l), ...constCode(tt), R.pick(BIN_EASY[tt]));
                    else code.push(...expr(tt, d + 2));
                }
                const r = R.int(4);
                if (r === 0) code.push(...stmt(d + 1));
                else if (r === 1) {
                    labels.push({ kind: 'block', types: [] });
                    code.push(0x02, 0x40, ...stmts(d + 1, 3), 0x0b);
                    labels.pop();
                } else if (r === 2) {
                    const l = anyLocal(ts[R.int(n)]);
                    if (l >= 0) code.push(...expr(locals[l], d + 1), 0x21, ...uleb(l));
                } else {
                    const j = callable();
                    if (j >= 0) {
                        const g = funcs[j];
                        code.push(...exprs(g.params, d + 1), 0x10, ...uleb(j));
                        for (let i = g.results.length - 1; i >= 0; i--) {
                            const l = anyLocal(g.results[i]);
                            code.push(...(l >= 0 ? [0x21, ...uleb(l)] : [0x1a]));
                        }
                    }
                }
                return [...code, ...reduce(ts, t, d)];
            }
            case 28: { /* shapes the compiler fuses: a op (b shift k), (a op b) op (c op d), a op load */
                if (t === I32 && R.chance(0.6)) {
                    const r = R.int(2);
                    const a = R.chance(0.5) ? leaf(t) : expr(t, d + 1);
                    if (r === 0)
                        return [...a, ...leaf(t), 0x41, ...sleb32(R.int(40)), R.pick([0x74, 0x76, 0x77, 0x75, 0x78]),
                            R.pick([0x73, 0x72, 0x6a, 0x71, 0x6b])];
                    const bin = () => R.pick([0x6a, 0x71, 0x72, 0x73, 0x6b]);
                    return [...leaf(t), ...leaf(t), bin(), ...leaf(t), ...leaf(t), bin(), bin()];
                }
                const lds = LOADS.filter((x) => x[1] === t && x[3] === (t === I32 || t === F32 ? 4 : 8));
                const [lop, , lalign] = lds[0];
                const ops = { [I32]: [0x6a, 0x6b, 0x6c], [I64]: [0x7c, 0x7d, 0x7e], [F32]: [0x92, 0x93, 0x94],
                    [F64]: [0xa0, 0xa1, 0xa2] }[t];
                const ld = [...addr(d), lop, ...memarg(lalign)];
                const other = R.chance(0.6) ? leaf(t) : expr(t, d + 1);
                return R.chance(0.5) ? [...other, ...ld, R.pick(ops)] : [...ld, ...other, R.pick(ops)];
            }
            case 29: { /* tables and references */
                if (t !== I32) break;
                const r = R.int(3);
                if (r === 0) return [0xfc, 16, 0x00];
                if (r === 1) return [...tidx(d), 0x25, 0x00, 0xd1];
                return [...ref(d), ...expr(I32, d + 1), 0x41, 3, 0x71, 0xfc, 15, 0x00];
            }
            case 30: { /* if with parameters and several results */
                const params = randTypes(2);
                const noElse = R.chance(0.3); /* then [P] -> [P], the else passes P through */
                const results = noElse ? params : randTypes(3);
                const c = cond(d + 1);
                labels.push({ kind: 'block', types: results });
                const arm = () => {
                    const code = [];
                    for (let i = params.length - 1; i >= 0; i--) {
                        const l = anyLocal(params[i]);
                        code.push(...(l >= 0 && R.chance(0.6) ? [0x21, ...uleb(l)] : [0x1a]));
                    }
                    return [...code, ...stmts(d + 1, 1), ...exprs(results, d + 1)];
                };
                const a = arm(), b = noElse ? null : arm();
                labels.pop();
                return [...exprs(params, d + 1), ...c, 0x04, ...blockType(params, results), ...a,
                    ...(b ? [0x05, ...b] : []), 0x0b, ...reduce(results, t, d)];
            }
            default:
                break;
            }
            return leaf(t);
        }

        /* an i32 condition, mostly a comparison the compiler can fuse into a branch */
        function cond(d) {
            if (R.chance(0.6)) {
                const ct = R.pick([I32, I32, I64, F32, F64]);
                if (R.chance(0.5) && (ct === I32 || ct === I64)) {
                    const l = anyLocal(ct);
                    if (l >= 0) return [0x20, ...uleb(l), ...constCode(ct), R.pick(CMP[ct])];
                }
                return [...expr(ct, d + 1), ...expr(ct, d + 1), R.pick(CMP[ct])];
            }
            return expr(I32, d + 1);
        }

        function stmts(d, max) {
            const n = R.int(max + 1);
            const out = [];
            for (let i = 0; i < n; i++) out.push(...stmt(d));
            return out;
        }

        function stmt(d) {
            budget--;
            if (d > 6 || budget <= 0) return [];
            switch (R.int(19)) {
            case 0:
            case 1:
            case 2: { /* local.set */
                const t = randType();
                const l = anyLocal(t);
                if (l < 0) return [];
                return [...expr(t, d + 1), 0x21, ...uleb(l)];
            }
            case 3: { /* global.set */
                const gi = R.range(1, globals.length - 1);
                return [...expr(globals[gi].t, d + 1), 0x24, ...uleb(gi)];
            }
            case 4:
            case 5: { /* store */
                const [op, t, align] = R.pick(STORES);
                return [...addr(d), ...expr(t, d + 1), ...sanitize(t), op, ...memarg(align)];
            }
            case 6: { /* if / else */
                const c = cond(d + 1);
                labels.push({ kind: 'block', types: [] });
                const a = stmts(d + 1, 3);
                const b = R.chance(0.5) ? stmts(d + 1, 2) : null;
                labels.pop();
                return [...c, 0x04, 0x40, ...a, ...(b ? [0x05, ...b] : []), 0x0b];
            }
            case 7: { /* block with conditional branches out */
                labels.push({ kind: 'block', types: [] });
                const code = [0x02, 0x40, ...stmts(d + 1, 2)];
                const out = brOut(d + 1);
                code.push(...out.code, ...cond(d + 1), 0x0d, ...uleb(out.depth));
                for (let i = out.types.length - 1; i >= 0; i--) {
                    const l = anyLocal(out.types[i]);
                    code.push(...(l >= 0 && R.chance(0.5) ? [0x21, ...uleb(l)] : [0x1a]));
                }
                code.push(...stmts(d + 1, 2));
                labels.pop();
                return [...code, 0x0b];
            }
            case 8: { /* counted loop */
                const loop = countedLoop([], [], () => ({ pre: stmts(d + 1, 3), post: [] }));
                return loop || [];
            }
            case 9: { /* call, results dropped or stored */
                const j = callable();
                if (j < 0) return [];
                const g = funcs[j];
                const code = [...exprs(g.params, d + 1), 0x10, ...uleb(j)];
                for (let i = g.results.length - 1; i >= 0; i--) {
                    const l = anyLocal(g.results[i]);
                    code.push(...(l >= 0 && R.chance(0.7) ? [0x21, ...uleb(l)] : [0x1a]));
                }
                return code;
            }
            case 10: { /* bulk memory */
                const n = () => [...expr(I32, d + 1), 0x41, ...sleb32(R.pick([0xff, 0x3f, 0x1ff])), 0x71];
                const r = R.int(6);
                if (r < 2) return [...addr(d), ...expr(I32, d + 1), ...n(), 0xfc, 11, 0x00];
                if (r < 4) return [...addr(d), ...addr(d), ...n(), 0xfc, 10, 0x00, 0x00];
                if (r < 5) return [...addr(d), 0x41, ...sleb32(R.int(passiveLen)), 0x41,
                    ...sleb32(R.int(8)), 0xfc, 8, 0x00, 0x00];
                return R.chance(0.2) ? [0xfc, 9, 0x00] : [];
            }
            case 11: { /* br_table over empty blocks */
                const n = R.range(1, 3);
                const code = [];
                for (let i = 0; i < n; i++) {
                    code.push(0x02, 0x40);
                    labels.push({ kind: 'block', types: [] });
                }
                const cnt = R.range(0, 4);
                const targets = [];
                for (let i = 0; i < cnt; i++) targets.push(R.int(n));
                code.push(...expr(I32, d + 1), 0x0e, ...uleb(cnt), ...targets.flatMap((x) => uleb(x)),
                    ...uleb(R.int(n)));
                for (let i = 0; i < n; i++) {
                    labels.pop();
                    code.push(0x0b, ...stmts(d + 1, 1));
                }
                return code;
            }
            case 12: { /* expression dropped */
                return [...expr(randType(), d + 1), 0x1a];
            }
            case 13: { /* conditional return */
                const c = cond(d + 1);
                labels.push({ kind: 'block', types: [] });
                const vals = exprs(f.results, d + 1);
                const dc = dead(d);
                labels.pop();
                return [...c, 0x04, 0x40, ...vals, 0x0f, ...dc, 0x0b];
            }
            case 16: { /* [a] = [a] + y */
                const [lop, sop, t, al] = R.pick([[0x28, 0x36, I32, 2], [0x29, 0x37, I64, 3],
                    [0x2a, 0x38, F32, 2], [0x2b, 0x39, F64, 3]]);
                const ad = R.chance(0.5) ? (() => { const l = anyLocal(I32); return l >= 0 ? [0x20, ...uleb(l)] : [0x41, 8]; })()
                    : [0x41, ...sleb32(R.int(4000))];
                const off = R.pick([0, 0, 4, 16]);
                const y = expr(t, d + 1);
                const add = { [I32]: 0x6a, [I64]: 0x7c, [F32]: 0x92, [F64]: 0xa0 }[t];
                const ldc = [...ad, lop, al, ...uleb(off)];
                return [...ad, ...(R.chance(0.5) ? [...ldc, ...y] : [...y, ...ldc]), add, ...sanitize(t), sop, al, ...uleb(off)];
            }
            case 17: { /* counting-up loop: c = c + 1; br_if (c != n) */
                if (loopDepth >= counters.length) return [];
                const c = counters[loopDepth];
                loopDepth++;
                labels.push({ kind: 'loop', types: [] });
                const body = stmts(d + 1, 3);
                labels.pop();
                loopDepth--;
                const n = R.range(1, 5);
                return [0x41, 0x00, 0x21, ...uleb(c), 0x03, 0x40, ...body, 0x20, ...uleb(c), 0x41, 0x01, 0x6a,
                    0x22, ...uleb(c), 0x41, ...sleb32(n), R.pick([0x47, 0x49, 0x48]), 0x0d, 0x00, 0x0b];
            }
            case 18: { /* table.set / fill / copy */
                const r = R.int(3);
                if (r === 0) return [...tidx(d), ...ref(d), 0x26, 0x00];
                const n = [...expr(I32, d + 1), 0x41, 3, 0x71];
                if (r === 1) return [...tidx(d), ...ref(d), ...n, 0xfc, 17, 0x00];
                return [...tidx(d), ...tidx(d), ...n, 0xfc, 14, 0x00, 0x00];
            }
            case 14: { /* swap two locals through the stack */
                const t = randType();
                const a = anyLocal(t), b = anyLocal(t);
                if (a < 0) return [];
                return [0x20, ...uleb(a), 0x20, ...uleb(b), 0x21, ...uleb(a), 0x21, ...uleb(b)];
            }
            default: { /* local.tee chain */
                const t = randType();
                const a = anyLocal(t), b = anyLocal(t);
                if (a < 0) return [];
                return [...expr(t, d + 1), 0x22, ...uleb(a), 0x21, ...uleb(b)];
            }
            }
        }

        /* fuel check: every entry costs one unit, traps at zero */
        const body = [0x23, 0x00, 0x45, 0x04, 0x40, 0x00, 0x0b, 0x23, 0x00, 0x41, 0x01, 0x6b, 0x24,
            0x00];
        body.push(...stmts(0, 4));
        body.push(...exprs(f.results, 0));
        body.push(0x0b);
        /* locals: run-length groups */
        const groups = [];
        for (const t of decl) {
            if (groups.length && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
            else groups.push([1, t]);
        }
        const localBytes = vec(groups.map(([n, t]) => [...uleb(n), t]));
        const full = [...localBytes, ...body];
        return [...uleb(full.length), ...full];
    }

    const bodies = [];
    for (let i = 0; i < nfuncs; i++) bodies.push(genFunc(i));
    /* reset: refill fuel */
    const resetBody = [0x00, 0x41, ...sleb32(opts.fuel || 400), 0x24, 0x00, 0x0b];
    bodies.push([...uleb(resetBody.length), ...resetBody]);

    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    out.push(...section(1, vec(types.map(([p, r]) => [0x60, ...vec(p.map((x) => [x])), ...vec(r.map((x) => [x]))]))));
    out.push(...section(3, vec([...funcs.map((f) => uleb(f.type)), uleb(resetType)])));
    out.push(...section(4, vec([[0x70, 0x01, ...uleb(tableSize), ...uleb(tableSize + 4)]])));
    out.push(...section(5, vec([[0x01, ...uleb(memPages), ...uleb(memMax)]])));
    out.push(...section(6, vec(globals.map((g) => [g.t, 0x01, ...constCode(g.t, g.init), 0x0b]))));
    const exps = [];
    funcs.forEach((f, i) => exps.push([...str('f' + i), 0x00, ...uleb(i)]));
    exps.push([...str('reset'), 0x00, ...uleb(nfuncs)]);
    exps.push([...str('mem'), 0x02, 0x00]);
    globals.forEach((g, i) => exps.push([...str('g' + i), 0x03, ...uleb(i)]));
    out.push(...section(7, vec(exps)));
    /* element segment: active, table 0, offset 2, funcs 0..n-1 */
    const elems = [];
    for (let i = 0; i < nfuncs; i++) elems.push(uleb(i));
    out.push(...section(9, vec([[0x00, 0x41, 0x02, 0x0b, ...vec(elems)]])));
    out.push(...section(12, uleb(2))); /* datacount */
    out.push(...section(10, vec(bodies)));
    const rand = (n) => Array.from({ length: n }, () => R.int(256));
    const active = [0x00, 0x41, ...sleb32(R.int(200)), 0x0b, ...vec(rand(R.range(8, 64)).map((x) => [x]))];
    const passive = [0x01, ...vec(rand(passiveLen).map((x) => [x]))];
    out.push(...section(11, vec([active, passive])));
    return {
        bytes: Uint8Array.from(out),
        funcs: funcs.map((f, i) => ({ name: 'f' + i, params: f.params, results: f.results })),
        globals: globals.map((g) => g.t),
    };
}

module.exports = { generate, I32, I64, F32, F64 };
