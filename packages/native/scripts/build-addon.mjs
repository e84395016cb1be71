// Builds native/ (kernels + Node-API addon) with cmake-js into native/build.
//   EQUIGRAPH_BUILD_JOBS  parallel compile jobs (default 2)
//   EQUIGRAPH_CUDA=OFF    skip the CUDA kernels even when nvcc is present (default ON:
//                         built when nvcc is found)
//   EQUIGRAPH_DEBUG=1     Debug build
// Node headers: when npm_config_nodedir is unset and this node ships its
// headers (e.g. /usr/include/node), they are used so cmake-js does not try
// to download them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
const buildDir = join(nativeDir, 'build');
// `cmake-js compile` only configures a fresh build directory, so a changed
// EQUIGRAPH_CUDA would be ignored; rebuild from scratch when it differs from
// the cached value.
const isOn = (v) => /^(ON|TRUE|YES|Y|1)$/i.test(v.trim());
const wantCuda = env.EQUIGRAPH_CUDA || 'ON';
const cachePath = join(buildDir, 'CMakeCache.txt');
const cachedCuda = existsSync(cachePath)
  ? /^EQUIGRAPH_CUDA:BOOL=(.*)$/m.exec(readFileSync(cachePath, 'utf8'))?.[1]
  : undefined;
const command = cachedCuda !== undefined && isOn(cachedCuda) !== isOn(wantCuda) ? 'rebuild' : 'compile';
const args = [
  cmakeJs,
  command,
  '--directory', nativeDir,
  '--out', buildDir,
  '--parallel', env.EQUIGRAPH_BUILD_JOBS ?? '2',
];
if (env.EQUIGRAPH_DEBUG === '1') args.push('--debug');
args.push(`--CDEQUIGRAPH_CUDA=${wantCuda}`);

const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
