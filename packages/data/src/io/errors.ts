/** A parse failure that names the source and where in it (line for text, byte offset for binary). */
export class DataFormatError extends Error {
  constructor(
    readonly source: string,
    readonly where: { line?: number; offset?: number },
    readonly detail: string,
  ) {
    const at = where.line !== undefined ? `:${where.line}` : where.offset !== undefined ? ` at byte ${where.offset}` : '';
    super(`${source}${at}: ${detail}`);
    this.name = 'DataFormatError';
  }
}
