// Builds the wasm module before the tests when it is missing or older than
// the kernel sources (and em++ is available), so `vitest run` works from a
// clean checkout. Returns why the wasm tests must be skipped, if they must.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// The SIMD128 and relaxed-SIMD builds, unthreaded and threaded (the .mjs twins and workers are written alongside).
const outputs = ['equigraph-wasm.cjs', 'equigraph-wasm-relaxed.cjs', 'equigraph-wasm-threads.cjs', 'equigraph-wasm-relaxed-threads.cjs'].map((f) => join(root, 'packages/wasm/dist-wasm', f));

function newestSource(): number {
  let newest = 0;
  for (const dir of ['native/src', 'native/include', 'native/wasm']) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) {
      if (/\.(cpp|h|sh|mjs)$/.test(name)) newest = Math.max(newest, statSync(join(abs, name)).mtimeMs);
    }
  }
  return newest;
}

function hasEmxx(): boolean {
  try {
    execFileSync(process.env.EMXX ?? 'em++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureWasmBuilt(): string | undefined {
  const current = outputs.every((f) => existsSync(f)) && Math.min(...outputs.map((f) => statSync(f).mtimeMs)) >= newestSource();
  if (current) return undefined;
  if (!hasEmxx()) {
    // The SIMD128 build alone is enough to run (the loader falls back to it).
    return existsSync(outputs[0]!) ? undefined : `${outputs[0]} is not built and em++ is not available (install emscripten, then run native/wasm/build.sh)`;
  }
  execFileSync('bash', [join(root, 'native/wasm/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return undefined;
}
