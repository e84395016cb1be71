/**
 * Per-primitive time of one EGNN_vel N-body training step on the cpu backend
 * (wraps the HostPrimitives of backend cpu with timers, keyed by op and shape).
 *   MALLOC_MMAP_THRESHOLD_=67108864 npx tsx --conditions=source tools/bench/egnn-profile.ts [threads]
 */
import { findBackend, HostBackend, Rng, setBackend, tensor, noGrad } from '@equigraph/core';
import { EGNNVel, GraphIndex } from '@equigraph/models';
import { Adam, mseLoss } from '@equigraph/train';
import { loadBackends } from '../backends.js';
await loadBackends();
setBackend('cpu');
if (process.argv[2]) (await import('@equigraph/native')).setNumThreads(Number(process.argv[2]));
const be = findBackend('cpu') as HostBackend;
const prims = be.primitives as unknown as Record<string, (...a: unknown[]) => void>;
const acc = new Map<string, [number, number]>();
for (const k of Object.keys(prims)) {
  const f = prims[k];
  prims[k] = (...a: unknown[]) => {
    let key = k;
    if (k === 'matmul') key += ` ${a[4]}x${a[5]}x${a[6]}${a[7] ? ' tA' : ''}${a[8] ? ' tB' : ''}`;
    else if (k === 'unary' || k === 'binary' || k === 'scatter') key += ` ${a[0]} ${(a[k === 'binary' ? 5 : k==='unary'?1:1] as ArrayLike<number>).length}`;
    else if (k === 'gather') key += ` ${(a[2] as ArrayLike<number>).length}`;
    else if (k === 'copyBox') key += ` ${(a[3] as ArrayLike<number>).length}`;
    const t0 = performance.now(); const result = f(...a); const dt = performance.now() - t0;
    const e = acc.get(key) ?? [0, 0]; e[0] += dt; e[1]++; acc.set(key, e);
    return result;
  };
}
const B = 100, n = 5, N = B * n;
const graph = GraphIndex.fullyConnected(B, n);
const rng = new Rng(1);
const r = (shape: number[], s = 1) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal() * s), shape);
const x = r([N, 3]), v = r([N, 3], 0.5), h = r([N, 1]), ea = r([graph.numEdges, 2]), y = r([N, 3]);
const model = new EGNNVel({ seed: 0 });
const adam = new Adam(model.parameters(), { lr: 5e-4, fused: true });
const STEPS = 30;
for (let i = 0; i < 5; i++) adam.step(mseLoss(model.forward(h, x, graph, v, ea), y));
acc.clear();
const t0 = performance.now();
for (let i = 0; i < STEPS; i++) adam.step(mseLoss(model.forward(h, x, graph, v, ea), y));
const total = (performance.now() - t0) / STEPS;
let prim = 0;
const rows = [...acc.entries()].sort((a, b) => b[1][0] - a[1][0]);
for (const [, [t]] of rows) prim += t / STEPS;
console.log(`step ${total.toFixed(2)} ms, inside primitives ${prim.toFixed(2)} ms, outside (alloc, JS, GC) ${(total - prim).toFixed(2)} ms`);
for (const [k, [t, c]] of rows.slice(0, 28)) console.log((t / STEPS).toFixed(3).padStart(8), 'ms', String(c / STEPS).padStart(5), 'calls', k);
const byKind = new Map<string, number>();
for (const [k, [t]] of rows) byKind.set(k.split(' ')[0], (byKind.get(k.split(' ')[0]) ?? 0) + t / STEPS);
console.log([...byKind.entries()].map(([k, t]) => `${k} ${t.toFixed(2)}`).join(', '));
