// Builds native/ (kernels + Node-API addon) with cmake-js into native/build.
//   EQUIGRAPH_BUILD_JOBS  parallel compile jobs (default 2)
//   EQUIGRAPH_CUDA=OFF    skip the CUDA kernels even when nvcc is present
//   EQUIGRAPH_DEBUG=1     Debug build
// Node headers: when npm_config_nodedir is unset and this node ships its
// headers (e.g. /usr/include/node), they are used so cmake-js does not try
// to download them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nativeDir = resolve(here, '../../../native');
const env = { ...process.env };
if (!env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include/node/node_api.h'))) env.npm_config_nodedir = prefix;
}

const require = createRequire(import.meta.url);
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin/cmake-js');
const args = [
  cmakeJs,
  'compile',
  '--directory', nativeDir,
  '--out', join(nativeDir, 'build'),
  '--parallel', env.EQUIGRAPH_BUILD_JOBS ?? '2',
];
if (env.EQUIGRAPH_DEBUG === '1') args.push('--debug');
if (env.EQUIGRAPH_CUDA) args.push(`--CDEQUIGRAPH_CUDA=${env.EQUIGRAPH_CUDA}`);

const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
