/** Where the commands write: stdout for results, stderr for progress and diagnostics. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Collects lines (tests, embedding). */
export function bufferIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** Fixed-width text table: right-aligned numbers, left-aligned text. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtNumber(c) : c)));
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((r) => (r[k] ?? '').length)));
  const numeric = header.map((_, k) => rows.every((r) => typeof r[k] === 'number'));
  const line = (r: string[]) => r.map((c, k) => (numeric[k] ? c.padStart(widths[k]) : c.padEnd(widths[k]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function fmtNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(6);
  return x.toFixed(6);
}
