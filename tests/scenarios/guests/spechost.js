#!/usr/bin/env node
'use strict';
// spechost.js: the reference host (../shared/tools/refhost) completed from the spec text,
// used to write the *.spec.jsonl expectations of the guest scenarios. See README.md.
//
//   node spechost.js SCENARIO.json --apps DIR [--out FILE] [--refhost DIR]
//
// 1. Host functions refhost does not implement, as spec/host-abi.md describes them for a
//    run WITHOUT a node client and WITHOUT a context host (what a scenario provides):
//    context_* (§2.8), blob_* (§2.9), fetch (§2.6), js_std_d_print (§2.2).
// 2. emit_with_handler in upstream order (§2.2): the event checks of emit first, then the
//    handler descriptor; handler text that is out of bounds or not UTF-8 becomes None.
// 3. OVERRIDES: single fields of single calls where V8 cannot show upstream's behaviour
//    (each entry names the spec section).

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const a = { file: null, apps: null, out: null,
    refhost: path.join(__dirname, '..', '..', '..', '..', 'shared', 'tools', 'refhost') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--apps') a.apps = argv[++i];
    else if (argv[i] === '--out') a.out = argv[++i];
    else if (argv[i] === '--refhost') a.refhost = argv[++i];
    else a.file = argv[i];
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
if (!args.file || !args.apps) {
  process.stderr.write('usage: spechost.js SCENARIO.json --apps DIR [--out FILE] [--refhost DIR]\n');
  process.exit(2);
}
const refhost = require(path.join(args.refhost, 'refhost.js'));
const { runScenario } = require(path.join(args.refhost, 'run-scenario.js'));

// refhost does not export its error class; an oversized module makes compile() throw one.
const CallError = (() => {
  try { refhost.compile(Buffer.alloc(refhost.LIMITS.maxModuleSize + 1)); } catch (e) { return e.constructor; }
  throw new Error('cannot obtain the reference host error class');
})();
const hostErr = (type, display, data) =>
  new CallError({ type: 'HostError', data: data === undefined ? { type } : { type, data } }, display);
const E = {
  mem: () => hostErr('InvalidMemoryAccess', 'invalid memory access'),
  blobs: () => hostErr('BlobsNotSupported', 'blob operations not supported (NodeClient not available)'),
  noClient: () => hostErr('NodeClientNotAvailable', 'node client is not available'),
  kindLen: () => hostErr('EventKindSizeOverflow', 'event kind size overflow'),
  dataLen: () => hostErr('EventDataSizeOverflow', 'event data size overflow'),
  events: () => hostErr('EventsOverflow', 'events overflow'),
  logs: () => hostErr('LogsOverflow', 'logs overflow'),
  logLen: () => hostErr('LogLengthOverflow', 'log size overflow'),
};
const L = refhost.LIMITS;
const u64 = (v) => BigInt.asUintN(64, v);

function specImports(h) {
  const fixed32 = (ptr) => h._fixed(h._desc(ptr), 32);
  return {
    // §2.2: steps 1-5 of emit, then the handler (a bad descriptor fails, bad text is None)
    emit_with_handler(ptr, handlerPtr) {
      const p = Number(u64(ptr));
      h._slice(p, 32);
      const kind = h._desc(BigInt(p)), data = h._desc(BigInt(p + 16));
      if (kind.len > L.maxEventKindSize) throw E.kindLen();
      if (data.len > L.maxEventDataSize) throw E.dataLen();
      if (h.call.events.length >= L.maxEvents) throw E.events();
      const k = h._str(kind), d = h._bytes(data);
      let handler = null;
      if (u64(handlerPtr) !== 0n) {
        const hd = h._desc(handlerPtr);
        try { handler = h._str(hd); } catch { handler = null; }
      }
      h.call.events.push({ kind: k, data: d, handler });
    },
    // §2.8, no node client, no context host: mutations are recorded (not part of the
    // scenario output), aliases are not checked, membership is always 0, members empty.
    context_create(protocolPtr, appPtr, argsPtr, aliasPtr) {
      h._str(h._desc(protocolPtr));
      fixed32(appPtr);
      h._bytes(h._desc(argsPtr));
      if (u64(aliasPtr) !== 0n) {
        const a = h._desc(aliasPtr);
        if (a.len > 0) h._str(a);
      }
    },
    context_delete(ptr) { fixed32(ptr); },
    context_add_member(ptr) { fixed32(ptr); },
    context_remove_member(ptr) { fixed32(ptr); },
    context_is_member(ptr) { fixed32(ptr); return 0; },
    context_members(reg) { h._setReg(u64(reg), Buffer.alloc(4)); },
    context_resolve_alias(aliasPtr) {
      h._str(h._desc(aliasPtr));
      throw E.noClient();
    },
    // §2.9, no node client
    blob_create() { throw E.blobs(); },
    blob_write(fd, ptr) { h._desc(ptr); throw E.blobs(); },
    blob_close(fd, ptr) { if (h._desc(ptr).len !== 32) throw E.mem(); throw E.blobs(); },
    blob_open(ptr) { h._desc(ptr); throw E.blobs(); },
    blob_read(fd, ptr) { h._desc(ptr); throw E.blobs(); },
    blob_announce_to_context() { throw E.blobs(); },
    // §2.2: raw address and length, bounds checked first (the spec's advice), decoded
    // lossily (U+FFFD per maximal invalid subpart, as Rust's from_utf8_lossy and
    // WHATWG's decoder), then the count and the decoded size; returns 0.
    js_std_d_print(ctx, ptr, len) {
      const n = u64(len);
      const bytes = n > 0n ? h._bytes({ ptr: Number(u64(ptr)), len: Number(n) }) : Buffer.alloc(0);
      const text = new TextDecoder('utf-8').decode(bytes);
      if (h.call.logs.length >= L.maxLogs) throw E.logs();
      if (Buffer.byteLength(text) > L.maxLogSize) throw E.logLen();
      h.call.logs.push(text);
      return 0;
    },
    // §2.6: disabled, reads no argument
    fetch(url, method, headers, body, reg) {
      h._setReg(u64(reg), Buffer.from("Host function 'fetch' is temporarily disabled."));
      return 1;
    },
  };
}

const bind = refhost.RefHost.prototype._bindImports;
refhost.RefHost.prototype._bindImports = function () {
  const env = bind.call(this);
  const h = this;
  for (const [name, fn] of Object.entries(specImports(h))) {
    env[name] = (...a) => {
      const c = h.call;
      c.hostCalls[name] = (c.hostCalls[name] || 0) + 1;
      return fn(...a);
    };
  }
  return env;
};

// Single fields V8 cannot reproduce: {scenario: {call: {method, why, set: {field: value}}}}.
const LINK = (why) => ({ why, set: {
  error: { type: 'LinkError', data: {} },
  error_display: 'link error: imported function signature does not match the host function',
} });
const NAME = (pos, shown) => ({
  why: 'runtime-model.md §4, §11.2: the character is shown with Rust char Debug escaping',
  set: { error_display: `method name contains invalid character at position ${pos}: ${shown}` },
});
const GROW_FAILS = { why: 'runtime-model.md §5.3, host-abi.md §5.5: growth past max_memory_pages (1024) returns -1',
  set: { returns: { hex: 'ffffffffffffffff' } } };
const OVERRIDES = {
  deviations: {
    5: { method: 'reg_read_missing_big_id', why: 'host-abi.md §0.5: the id is a u64, printed exactly',
      set: { 'error.data.data.id': 9223372036854775808n } },
    6: { method: 'reg_read_missing_max_id', why: 'host-abi.md §0.5: the id is a u64, printed exactly',
      set: { 'error.data.data.id': 18446744073709551615n } },
    7: { method: "it's", ...NAME(2, "'\\''") },
    8: { method: 'a"b', ...NAME(1, "'\"'") },
    10: { method: 'a\u0000', ...NAME(1, "'\\0'") },
    11: { method: 'a\u0001', ...NAME(1, "'\\u{1}'") },
    12: { method: 'a\u007f', ...NAME(1, "'\\u{7f}'") },
    13: { method: 'a\u0301', ...NAME(1, "'\\u{301}'") },
    14: { method: 'a\u0085', ...NAME(1, "'\\u{85}'") },
    15: { method: 'indirect_sig_mismatch',
      why: 'runtime-model.md §11.4: a call_indirect signature mismatch is BadSignature',
      set: { error: { type: 'WasmTrap', data: 'BadSignature' }, error_display: 'bad signature' } },
    16: { method: 'grow_past_limit', ...GROW_FAILS },
    17: { method: 'grow_beyond_limit', ...GROW_FAILS },
    19: { method: 'run', why: 'runtime-model.md §3 step 2: a host call from a start function fails, ' +
      'as guest memory is not attached yet, and surfaces as WasmTrap::Indeterminate',
      set: { error: { type: 'WasmTrap', data: 'Indeterminate' }, error_display: 'indeterminate trap' } },
    20: { method: 'run', ...LINK('runtime-model.md §3 step 2, host-abi.md §0.1: a wrong import signature is a LinkError') },
    21: { method: 'run', ...LINK('runtime-model.md §3 step 2, host-abi.md §0.1: a wrong import signature is a LinkError') },
  },
};

function setPath(obj, dotted, value) {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k];
  o[keys[keys.length - 1]] = value;
}

// JSON.stringify with u64 BigInts written as exact integers.
function stringify(v) {
  return JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `@@${x}@@` : x)).replace(/"@@(\d+)@@"/g, '$1');
}

const sc = JSON.parse(fs.readFileSync(args.file, 'utf8'));
const resolve = (w) => (path.isAbsolute(w) ? w : path.join(args.apps, w));
const lines = runScenario(sc, resolve, false);
const table = OVERRIDES[path.basename(args.file, '.json')] || {};
const out = lines.map((line, i) => {
  const o = table[i];
  if (!o) return line;
  const v = JSON.parse(line);
  if (v.method !== o.method) throw new Error(`override for call ${i} expects method ${JSON.stringify(o.method)}, got ${JSON.stringify(v.method)}`);
  for (const [k, x] of Object.entries(o.set)) setPath(v, k, x);
  return stringify(v);
});
const text = out.join('\n') + '\n';
if (args.out) fs.writeFileSync(args.out, text);
else process.stdout.write(text);
