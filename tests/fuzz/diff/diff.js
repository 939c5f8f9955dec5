#!/usr/bin/env node
'use strict';
/*
 * diff.js: differential tester. Generates random valid modules (gen.js), runs every
 * export with several argument sets in V8 (this node) and in the engine (diff_harness,
 * one process per batch), and compares results, traps, memory and globals after every
 * call. Exits 1 on a divergence, saving the module as OUT/seed-N.wasm with the two
 * transcripts.
 *
 *   node diff.js --harness build/tests/fuzz/diff/diff_harness [--seed S] [--count N]
 *                [--batch B] [--out DIR] [--forever] [--keep-going]
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { generate, I32, I64, F32, F64 } = require('./gen.js');

function parseArgs(argv) {
    const o = { seed: 1, count: 100, batch: 50, out: null, harness: null, forever: false,
        keepGoing: false, quiet: false };
    for (let i = 2; i < argv.length; i++) {
        const a = argv[i];
        const v = () => argv[++i];
        if (a === '--seed') o.seed = Number(v());
        else if (a === '--count') o.count = Number(v());
        else if (a === '--batch') o.batch = Number(v());
        else if (a === '--out') o.out = v();
        else if (a === '--harness') o.harness = v();
        else if (a === '--forever') o.forever = true;
        else if (a === '--keep-going') o.keepGoing = true;
        else if (a === '--quiet') o.quiet = true;
        else throw new Error('unknown option ' + a);
    }
    if (!o.harness) throw new Error('--harness PATH is required');
    if (!o.out) o.out = fs.mkdtempSync(path.join(os.tmpdir(), 'crdiff-'));
    fs.mkdirSync(o.out, { recursive: true });
    return o;
}

/* ---- values as raw bits, the harness's format ---- */

const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1), u64buf = new BigUint64Array(f64buf.buffer);
const hex = (v, w) => v.toString(16).padStart(w, '0');
function fmt(t, v) {
    if (t === I32) return hex(v >>> 0, 8);
    if (t === I64) return hex(BigInt.asUintN(64, v), 16);
    if (Number.isNaN(v)) return 'nan';
    if (t === F32) {
        f32buf[0] = v;
        return hex(u32buf[0], 8);
    }
    f64buf[0] = v;
    return hex(u64buf[0], 16);
}

/* Argument sets: raw bits for the harness, JS values for V8. */
function argSets(params, seed) {
    let s = seed >>> 0;
    const rnd = () => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        return s;
    };
    const I32V = [0, 1, -1, 7, 100, 0x7fffffff, -0x80000000, 65536, 31];
    const I64V = [0n, 1n, -1n, 5n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x100000000n, 63n];
    const FV = [0, -0, 1.5, -2.5, 1e10, -1, 0.1, Infinity];
    const sets = [];
    for (let k = 0; k < 3; k++) {
        const js = params.map((t) => {
            if (k === 0) return t === I64 ? 0n : 0;
            const pickRandom = k === 2 && rnd() % 2;
            if (t === I32) return pickRandom ? rnd() | 0 : I32V[rnd() % I32V.length];
            if (t === I64)
                return pickRandom ? BigInt.asIntN(64, (BigInt(rnd()) << 32n) | BigInt(rnd()))
                    : I64V[rnd() % I64V.length];
            const x = FV[rnd() % FV.length];
            return t === F32 ? Math.fround(x) : x;
        });
        const bits = params.map((t, i) => {
            const v = js[i];
            if (t === I32) return hex(v >>> 0, 1);
            if (t === I64) return hex(BigInt.asUintN(64, v), 1);
            if (t === F32) {
                f32buf[0] = v;
                return hex(u32buf[0], 1);
            }
            f64buf[0] = v;
            return hex(u64buf[0], 1);
        });
        sets.push({ js, bits });
    }
    return sets;
}

function memHash(mem) {
    const b = new Uint8Array(mem.buffer);
    let h = 2166136261;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
    return `${b.length / 65536} ${hex(h, 8)}`;
}

/* V8 traps, in the engine's wording (wa_trap_str) */
function trapName(e) {
    const m = e.message;
    if (/unreachable/.test(m)) return 'unreachable';
    if (/memory access out of bounds|out of bounds memory/.test(m)) return 'out of bounds memory access';
    if (/divide by zero|remainder by zero/.test(m)) return 'integer divide by zero';
    /* V8 says "float unrepresentable" for both a NaN and an out-of-range truncation */
    if (/unrepresentable|invalid conversion|integer overflow/.test(m)) return 'overflow or conversion';
    if (/signature mismatch|null function/.test(m)) return 'indirect call';
    if (/table index is out of bounds/.test(m)) return 'table index';
    return 'v8: ' + m;
}
function ourTrap(t) {
    if (/uninitialized element|indirect call type mismatch/.test(t)) return 'indirect call';
    if (/undefined element|out of bounds table access/.test(t)) return 'table index';
    if (/integer overflow|invalid conversion/.test(t)) return 'overflow or conversion';
    return t;
}

/* The calls made on one module, the same sequence on both sides. */
function plan(mod, seed) {
    const calls = [];
    mod.funcs.forEach((f, i) => {
        for (const a of argSets(f.params, seed * 31 + i)) calls.push({ f, a });
    });
    return calls;
}

function runV8(mod, calls) {
    let inst;
    try {
        inst = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes), {});
    } catch (e) {
        return { error: e.message };
    }
    const ex = inst.exports;
    const lines = [];
    const state = () => {
        const gs = mod.globals.map((t, i) => ' ' + fmt(t, ex['g' + i].value)).join('');
        return ` | ${memHash(ex.mem)}${gs}`;
    };
    for (const { f, a } of calls) {
        let line;
        ex.reset();
        try {
            let r = ex[f.name](...a.js);
            if (f.results.length === 1) r = [r];
            else if (f.results.length === 0) r = [];
            line = 'r' + f.results.map((t, i) => ' ' + fmt(t, r[i])).join('');
        } catch (e) {
            if (!(e instanceof WebAssembly.RuntimeError)) throw e;
            line = 't ' + trapName(e);
        }
        lines.push(line + state());
    }
    return { lines };
}

function main() {
    const o = parseArgs(process.argv);
    let seed = o.seed, done = 0, modules = 0, callsTotal = 0, failures = 0;
    const t0 = Date.now();
    while (o.forever || done < o.count) {
        const n = o.forever ? o.batch : Math.min(o.batch, o.count - done);
        const batch = [];
        let script = '';
        for (let k = 0; k < n; k++, seed++) {
            const mod = generate(seed);
            const calls = plan(mod, seed);
            const v8 = runV8(mod, calls);
            if (v8.error) {
                console.log(`seed ${seed}: generator bug, V8 rejects the module: ${v8.error}`);
                fs.writeFileSync(path.join(o.out, `gen-${seed}.wasm`), mod.bytes);
                failures++;
                continue;
            }
            const file = path.join(o.out, `m-${k}.wasm`);
            fs.writeFileSync(file, mod.bytes);
            script += `m ${file}\n`;
            for (const { f, a } of calls) script += `c reset\nc ${f.name} ${a.bits.join(' ')}\n`;
            batch.push({ seed, mod, calls, v8 });
        }
        /* batches alternate: plain code; metered code (the runtime's path); metered code
           loaded back from a precompiled image */
        const mode = Math.floor(done / o.batch) % 3;
        const metered = mode > 0;
        const res = spawnSync(o.harness, [[], ['-m'], ['-m', '-i']][mode], { input: script, maxBuffer: 1 << 28, timeout: 600000 });
        const out = res.stdout.toString().split('\n');
        let pos = 0;
        for (const b of batch) {
            const ours = [];
            const head = out[pos++];
            let bad = null;
            if (head !== 'm ok') {
                bad = `engine: ${head === undefined ? 'harness died (' + res.signal + ')' : head}`;
                pos += 2 * b.calls.length; /* the harness answers each call line anyway */
            }
            else {
                for (let i = 0; i < b.calls.length; i++) {
                    pos++; /* reset */
                    let line = out[pos++];
                    if (line === undefined) {
                        bad = `harness died (${res.signal || res.status}) in call ${i}`;
                        break;
                    }
                    line = line.replace(/^t ([^|]*?) \|/, (m0, t) => `t ${ourTrap(t)} |`);
                    ours.push(line);
                    if (line !== b.v8.lines[i] && !bad) {
                        const c = b.calls[i];
                        bad = `call ${i}: ${c.f.name}(${c.a.bits.join(', ')})\n  v8:   ${b.v8.lines[i]}\n  ours: ${line}`;
                    }
                }
            }
            modules++;
            callsTotal += b.calls.length;
            if (bad) {
                failures++;
                const base = path.join(o.out, `seed-${b.seed}`);
                fs.writeFileSync(base + '.wasm', b.mod.bytes);
                fs.writeFileSync(base + '.txt', `v8:\n${b.v8.lines.join('\n')}\nours:\n${ours.join('\n')}\n`);
                console.log(`seed ${b.seed}${['', ' (metered)', ' (metered, image)'][mode]}: DIVERGENCE ${bad}\n  saved ${base}.wasm`);
                if (!o.keepGoing) break;
            }
            if (head !== 'm ok' && head === undefined) break;
        }
        done += n;
        if (!o.quiet)
            process.stderr.write(`\r${modules} modules, ${callsTotal} calls, ${failures} failures, ` +
                `${((Date.now() - t0) / 1000).toFixed(0)} s `);
        if (failures && !o.keepGoing) break;
    }
    if (!o.quiet) process.stderr.write('\n');
    console.log(`${modules} modules, ${callsTotal} calls compared, ${failures} failures`);
    process.exit(failures ? 1 : 0);
}

main();
