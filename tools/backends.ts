/**
 * Loads every backend package that is installed; each registers itself and
 * the registry skips (and reports) the ones whose binary cannot load.
 */
export async function loadBackends(): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of ['@equigraph/native', '@equigraph/wasm']) {
    try {
      await import(pkg);
    } catch (err) {
      missing.push(`${pkg}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return missing;
}
