// Builds the wasm module before the tests when it is missing or older than
// the kernel sources (and em++ is available), so `vitest run` works from a
// clean checkout. Returns why the wasm tests must be skipped, if they must.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const output = join(root, 'packages/wasm/dist-wasm/equigraph-wasm.cjs');

function newestSource(): number {
  let newest = 0;
  for (const dir of ['native/src', 'native/include', 'native/wasm']) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) {
      if (/\.(cpp|h|sh)$/.test(name)) newest = Math.max(newest, statSync(join(abs, name)).mtimeMs);
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
  const built = existsSync(output);
  if (built && statSync(output).mtimeMs >= newestSource()) return undefined;
  if (!hasEmxx()) {
    return built ? undefined : `${output} is not built and em++ is not available (install emscripten, then run native/wasm/build.sh)`;
  }
  execFileSync('bash', [join(root, 'native/wasm/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return undefined;
}
