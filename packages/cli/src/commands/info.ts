import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendReport, getBackend } from '@equigraph/core';
import { loadBackends } from '../backends.js';
import type { CliIO } from '../io.js';

const PACKAGES = ['cli', 'core', 'native', 'wasm', 'geometry', 'data', 'layers', 'models', 'train'];

/** Version of an installed @equigraph package (found through node_modules from here), or null. */
export function packageVersion(name: string): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidates = [join(dir, 'node_modules', '@equigraph', name, 'package.json'), join(dir, 'packages', name, 'package.json')];
    for (const p of candidates) {
      if (existsSync(p)) {
        try {
          return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? null;
        } catch {
          return null;
        }
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export interface InfoReport {
  node: string;
  platform: string;
  cpus: { model: string; cores: number };
  backend: { active: string | null; backends: ReturnType<typeof backendReport>; importFailures: Record<string, string> };
  native: { loaded: boolean; cuda?: boolean; cudaDevices?: number; cudaReason?: string; threads?: number; error?: string };
  wasm: { loaded: boolean; simd?: string; simdReason?: string; threads?: number; error?: string };
  packages: Record<string, string | null>;
  env: Record<string, string | undefined>;
}

export async function infoReport(): Promise<InfoReport> {
  const failures = await loadBackends();
  let active: string | null = null;
  try {
    active = getBackend().name;
  } catch {
    active = null;
  }
  const native: InfoReport['native'] = { loaded: false };
  try {
    const n = (await import('@equigraph/native')) as { loadAddon(): { cuda: boolean; cudaDeviceCount?(): number; cudaLastError?(): string }; getNumThreads(): number };
    const addon = n.loadAddon();
    native.loaded = true;
    native.cuda = addon.cuda;
    if (typeof addon.cudaDeviceCount === 'function') {
      native.cudaDevices = addon.cudaDeviceCount();
      if (native.cudaDevices === 0 && addon.cudaLastError) native.cudaReason = addon.cudaLastError() || undefined;
    }
    native.threads = n.getNumThreads();
  } catch (e) {
    native.error = e instanceof Error ? e.message : String(e);
  }
  const wasm: InfoReport['wasm'] = { loaded: false };
  try {
    const w = await import('@equigraph/wasm');
    w.getWasmModule();
    wasm.loaded = true;
    const build = w.wasmBuild();
    if (build) [wasm.simd, wasm.simdReason] = [build.simd, build.why];
    wasm.threads = w.getWasmThreads();
  } catch (e) {
    wasm.error = e instanceof Error ? e.message : String(e);
  }
  const c = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: { model: c[0]?.model ?? 'unknown', cores: availableParallelism() },
    backend: { active, backends: backendReport(), importFailures: Object.fromEntries(failures) },
    native,
    wasm,
    packages: Object.fromEntries(PACKAGES.map((p) => [`@equigraph/${p}`, packageVersion(p)])),
    env: Object.fromEntries(['EQUIGRAPH_BACKEND', 'EQUIGRAPH_NATIVE_ADDON', 'EQUIGRAPH_CUDA', 'EQUIGRAPH_WASM_SIMD', 'EQUIGRAPH_WASM_THREADS'].map((k) => [k, process.env[k]])),
  };
}

export async function infoCommand(io: CliIO, opts: { json?: boolean }): Promise<void> {
  const r = await infoReport();
  if (opts.json) {
    io.out(JSON.stringify(r, null, 2));
    return;
  }
  io.out(`node ${r.node} (${r.platform}), ${r.cpus.cores} cores: ${r.cpus.model}`);
  io.out(`backend: ${r.backend.active ?? 'none'}`);
  for (const b of r.backend.backends) {
    const why = b.state === 'active' ? 'in use (highest priority that loads' + (process.env.EQUIGRAPH_BACKEND ? ', or forced by EQUIGRAPH_BACKEND' : '') + ')' : b.state === 'available' ? 'loads, lower priority' : b.state === 'skipped' ? `${b.reason}` : 'not tried (a higher-priority backend loaded first)';
    io.out(`  ${b.name.padEnd(10)} priority ${String(b.priority).padEnd(4)} ${b.state.padEnd(9)} ${why}`);
  }
  for (const [pkg, why] of Object.entries(r.backend.importFailures)) io.out(`  ${pkg} not importable: ${why}`);
  if (r.native.loaded) {
    io.out(`native addon: loaded, ${r.native.threads} threads, CUDA ${r.native.cuda ? `compiled in, ${r.native.cudaDevices ?? 0} device(s)${r.native.cudaReason ? ` (${r.native.cudaReason})` : ''}` : 'not compiled in'}`);
  } else io.out(`native addon: not loaded (${r.native.error})`);
  const wasmThreads = r.wasm.threads === undefined ? '' : `, ${r.wasm.threads} thread${r.wasm.threads === 1 ? '' : 's'}`;
  io.out(`wasm module: ${r.wasm.loaded ? `loaded${r.wasm.simd ? `, ${r.wasm.simd} build (${r.wasm.simdReason})` : ''}${wasmThreads}` : `not loaded (${r.wasm.error})`}`);
  io.out(`packages: ${Object.entries(r.packages).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}`);
  const env = Object.entries(r.env).filter(([, v]) => v !== undefined);
  if (env.length) io.out(`environment: ${env.map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
