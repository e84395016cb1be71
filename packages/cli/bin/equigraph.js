#!/usr/bin/env node
// The built CLI (npm run build). From a source checkout without a build:
//   npx tsx --conditions=source packages/cli/src/bin.ts <command>
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write("equigraph: the CLI is not built (run 'npm run build'), or use 'npx tsx --conditions=source packages/cli/src/bin.ts'\n");
  process.exit(1);
}
await import(built.href);
