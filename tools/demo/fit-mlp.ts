/**
 * The main job until the models land: fit a small MLP to y = sin(3x)·x on
 * [-1, 1] with Adam on the selected backend, printing the backend and the loss.
 * Pick a backend with EQUIGRAPH_BACKEND=cpu|wasm|reference.
 */
import { arange, backendReport, getBackend, tensor } from '@equigraph/core';
import { MLP } from '@equigraph/layers';
import { Adam, mseLoss } from '@equigraph/train';
import { loadBackends } from '../backends.js';

await loadBackends();
const backend = getBackend();
console.log(`backend: ${backend.name}`);
for (const status of backendReport()) {
  if (status.state === 'skipped') console.log(`  skipped ${status.name}: ${status.reason}`);
}

const n = 512;
const x = arange(0, n).mul(2 / (n - 1)).sub(1).reshape([n, 1]);
const target = tensor(Float32Array.from(x.toArray(), (v) => Math.sin(3 * v) * v), [n, 1]);
const mlp = new MLP([1, 64, 64, 1], { seed: 0 });
const adam = new Adam(mlp.parameters(), { lr: 3e-3 });

const start = performance.now();
let loss = NaN;
for (let step = 1; step <= 1500; step++) {
  loss = adam.step(mseLoss(mlp.forward(x), target));
  if (step % 250 === 0 || step === 1) console.log(`step ${String(step).padStart(4)}  loss ${loss.toExponential(3)}`);
}
const seconds = (performance.now() - start) / 1000;
console.log(`final loss ${loss.toExponential(3)} after 1500 Adam steps in ${seconds.toFixed(2)} s on '${backend.name}'`);
if (!(loss < 1e-3)) {
  console.error('the fit did not converge (loss >= 1e-3)');
  process.exit(1);
}
