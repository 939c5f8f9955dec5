// node_runner.js: times a kernel under V8. Compiles and instantiates the module, then
// calls run(n) WARMUP times (default 1), none of which is timed: V8 first runs baseline
// (Liftoff) code and swaps in optimized (TurboFan) code only for later calls. Then it
// calls run(n) REPS times, timing each call with process.hrtime.
//
// usage: node node_runner.js KERNEL.wasm N REPS [WARMUP]
// prints: "checksum <u64>" then "times_ms <t1> <t2> ..." (one time per repetition)
'use strict';

const fs = require('fs');

function main(argv) {
  if (argv.length !== 3 && argv.length !== 4) {
    console.error('usage: node node_runner.js KERNEL.wasm N REPS [WARMUP]');
    return 2;
  }
  const [file, nStr, repsStr, warmupStr] = argv;
  const n = Number(nStr) >>> 0;
  const reps = Math.max(1, Number(repsStr) | 0);
  const warmup = warmupStr === undefined ? 1 : Math.max(0, Number(warmupStr) | 0);
  const module = new WebAssembly.Module(fs.readFileSync(file));
  const instance = new WebAssembly.Instance(module, {});
  const run = instance.exports.run;
  if (typeof run !== 'function') {
    console.error(`error: ${file}: no exported function "run"`);
    return 1;
  }
  let checksum = null;
  for (let r = 0; r < warmup; r++) checksum = BigInt.asUintN(64, BigInt(run(n)));
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    const c = BigInt.asUintN(64, BigInt(run(n)));
    const t1 = process.hrtime.bigint();
    times.push(Number(t1 - t0) / 1e6);
    if (checksum !== null && c !== checksum) {
      console.error(`error: ${file}: checksum changed between runs`);
      return 1;
    }
    checksum = c;
  }
  console.log(`checksum ${checksum}`);
  console.log(`times_ms ${times.map((t) => t.toFixed(3)).join(' ')}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
