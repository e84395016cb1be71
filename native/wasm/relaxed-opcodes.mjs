// Rewrites the relaxed-SIMD fma opcodes of a wasm module to their final
// encoding, in place, for emscripten builds made with -mrelaxed-simd:
//   node relaxed-opcodes.mjs FILE...   (FILE: a .wasm, or a SINGLE_FILE .cjs/.mjs
//                                       with the module inlined as base64)
//
// Why: Debian's emscripten 3.1.6 (clang 14, binaryen 108) emits the
// pre-standard opcodes f32x4.fma 0xfd 0xaf 0x01 and f64x2.fma 0xfd 0xcf 0x01,
// which engines reject ("invalid simd opcode"). The standard relaxed SIMD
// proposal renamed them f32x4.relaxed_madd 0x105 and f64x2.relaxed_madd 0x107
// (same operation, a * b + c, same LEB128 length), so the rewrite keeps every
// size and offset. A newer toolchain emits the final opcodes: nothing to do.
//
// Safety: the code section is decoded instruction by instruction (an opcode
// this decoder does not know fails the build), and the result must agree
// with binaryen's wasm-dis (same number of relaxed fma/madd instructions,
// when wasm-dis is installed) and validate in this Node's V8 with relaxed SIMD.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';

// Pre-standard SIMD sub-opcode → final one. The pre-standard fms (0xb0, 0xd0)
// had other semantics than the final nmadd, so they are refused, not mapped.
const REWRITE = new Map([
  [0xaf, 0x105], // f32x4.fma → f32x4.relaxed_madd
  [0xcf, 0x107], // f64x2.fma → f64x2.relaxed_madd
]);
const FINAL_MADD = new Set([0x105, 0x107]);

function fail(msg) {
  throw new Error(`relaxed-opcodes: ${msg}`);
}

class Reader {
  constructor(bytes, pos = 0) {
    this.b = bytes;
    this.pos = pos;
  }
  byte() {
    if (this.pos >= this.b.length) fail('unexpected end of module');
    return this.b[this.pos++];
  }
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) fail('LEB128 too long');
    }
  }
  sleb() {
    // Signed LEB128 (i32, i64, s33 block types): only its length matters here.
    for (let n = 0; n < 10; n++) if ((this.byte() & 0x80) === 0) return;
    fail('LEB128 too long');
  }
  skip(n) {
    this.pos += n;
    if (this.pos > this.b.length) fail('unexpected end of module');
  }
  memarg() {
    const align = this.u32();
    if (align & 0x40) this.u32(); // multi-memory index
    this.u32(); // offset
  }
}

function encodeU32(v) {
  const out = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

// Immediates of the 0xfd (SIMD) instructions; everything else has none.
function simdImmediates(r, op) {
  if (op <= 0x0b || op === 0x5c || op === 0x5d) r.memarg();
  else if (op === 0x0c || op === 0x0d) r.skip(16); // v128.const, i8x16.shuffle
  else if (op >= 0x15 && op <= 0x22) r.skip(1); // extract/replace lane
  else if (op >= 0x54 && op <= 0x5b) {
    r.memarg(); // load/store lane
    r.skip(1);
  } else if (op > 0x113) fail(`unknown SIMD opcode 0x${op.toString(16)} at byte ${r.pos}`);
}

function miscImmediates(r, op) {
  // 0xfc: saturating truncations (0-7), bulk memory and tables (8-17).
  if (op <= 7) return;
  if (op === 8 || op === 10 || op === 12 || op === 14) {
    r.u32();
    r.u32();
  } else if (op <= 17) r.u32();
  else fail(`unknown 0xfc opcode ${op} at byte ${r.pos}`);
}

/** Decodes one function body [start, end) and returns the offsets of its SIMD sub-opcodes to rewrite. */
function scanBody(bytes, start, end, sites, counts) {
  const r = new Reader(bytes, start);
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    r.byte(); // value type
  }
  while (r.pos < end) {
    const op = r.byte();
    if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x19 || op === 0x1a || op === 0x1b || op === 0xd1) continue;
    if (op >= 0x45 && op <= 0xc4) continue; // numeric, no immediates
    if (op >= 0x28 && op <= 0x3e) {
      r.memarg(); // loads and stores
      continue;
    }
    switch (op) {
      case 0x02: case 0x03: case 0x04: case 0x06: // block, loop, if, try
        r.sleb();
        break;
      case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x18:
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: case 0xd2:
      case 0x3f: case 0x40:
        r.u32();
        break;
      case 0x0e: { // br_table
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case 0x11: case 0x13: // call_indirect, return_call_indirect
        r.u32();
        r.u32();
        break;
      case 0x1c: { // select with types
        const n = r.u32();
        r.skip(n);
        break;
      }
      case 0x41: case 0x42:
        r.sleb();
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xd0:
        r.skip(1);
        break;
      case 0xfc:
        miscImmediates(r, r.u32());
        break;
      case 0xfd: {
        const at = r.pos;
        const sub = r.u32();
        if (REWRITE.has(sub)) {
          if (r.pos - at !== 2) fail(`non-canonical encoding of SIMD opcode 0x${sub.toString(16)} at byte ${at}`);
          sites.push({ at, to: REWRITE.get(sub) });
        } else if (sub === 0xb0 || sub === 0xd0) {
          fail(`pre-standard relaxed fms (0x${sub.toString(16)}) at byte ${at}: no final equivalent with the same semantics`);
        } else if (FINAL_MADD.has(sub)) counts.final++;
        simdImmediates(r, sub);
        break;
      }
      case 0xfe: { // atomics
        const sub = r.u32();
        if (sub === 0x03) r.skip(1);
        else r.memarg();
        break;
      }
      default:
        fail(`unknown opcode 0x${op.toString(16)} at byte ${r.pos - 1}`);
    }
  }
  if (r.pos !== end) fail(`function body ending at byte ${end} decoded past its end`);
}

/** Rewrites `bytes` (a wasm module) in place; returns { rewritten, final } instruction counts. */
export function rewriteModule(bytes) {
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) fail('not a wasm module (version 1)');
  const r = new Reader(bytes, 8);
  const sites = [];
  const counts = { final: 0 };
  let codeSections = 0;
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 10) {
      codeSections++;
      const n = r.u32();
      for (let f = 0; f < n; f++) {
        const bodySize = r.u32();
        const bodyEnd = r.pos + bodySize;
        scanBody(bytes, r.pos, bodyEnd, sites, counts);
        r.pos = bodyEnd;
      }
      if (r.pos !== end) fail('code section size mismatch');
    }
    r.pos = end;
  }
  if (r.pos !== bytes.length) fail('section sizes overrun the module');
  if (codeSections !== 1) fail(`expected one code section, found ${codeSections}`);
  for (const { at, to } of sites) bytes.set(encodeU32(to), at);
  return { rewritten: sites.length, final: counts.final };
}

/** Number of relaxed fma/madd instructions binaryen's wasm-dis prints, or undefined without wasm-dis. */
function countWithWasmDis(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'eg-relaxed-'));
  try {
    const file = join(dir, 'm.wasm');
    writeFileSync(file, bytes);
    let text;
    try {
      text = execFileSync(process.env.WASM_DIS ?? 'wasm-dis', [file], { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    }
    return (text.match(/\b(f32x4|f64x2)\.relaxed_(fma|madd)\b/g) ?? []).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validates(bytes) {
  if (WebAssembly.validate(bytes)) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 (V8 11.3) keeps relaxed SIMD behind a flag
  return WebAssembly.validate(bytes);
}

const DATA_URI = /data:application\/octet-stream;base64,(AGFzbQ[A-Za-z0-9+/]*={0,2})/g;

function patchFile(path) {
  const isJs = /\.(c|m)?js$/.test(path);
  let text;
  let bytes;
  if (isJs) {
    text = readFileSync(path, 'utf8');
    const found = [...text.matchAll(DATA_URI)];
    if (found.length !== 1) fail(`${path}: expected one inlined wasm module (SINGLE_FILE), found ${found.length}`);
    bytes = Buffer.from(found[0][1], 'base64');
  } else {
    bytes = readFileSync(path);
  }
  const before = countWithWasmDis(bytes);
  const { rewritten, final } = rewriteModule(bytes);
  if (before !== undefined && before !== rewritten + final) {
    fail(`${path}: wasm-dis reports ${before} relaxed fma instructions, the decoder found ${rewritten + final}`);
  }
  if (rewritten + final === 0) fail(`${path}: no relaxed madd instruction (was it compiled with -mrelaxed-simd?)`);
  if (!validates(bytes)) fail(`${path}: the rewritten module does not validate with relaxed SIMD enabled`);
  if (isJs) {
    const b64 = bytes.toString('base64');
    writeFileSync(path, text.replace(DATA_URI, () => `data:application/octet-stream;base64,${b64}`));
  } else {
    writeFileSync(path, bytes);
  }
  console.log(`relaxed-opcodes: ${path}: ${rewritten} rewritten, ${final} already final${before === undefined ? ' (wasm-dis not found: no cross-check)' : ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) fail('usage: node relaxed-opcodes.mjs FILE...');
  try {
    for (const f of files) patchFile(f);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
