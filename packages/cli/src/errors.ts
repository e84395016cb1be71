/**
 * Errors the user can fix (a missing file, a bad config, a bad flag). The CLI
 * prints their message alone and exits with {@link UserError.exitCode}; any
 * other error is a bug and is printed with a hint to set EQUIGRAPH_DEBUG=1.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Errors of the readers and the libraries that describe bad input rather than a bug. */
export function isUserFacing(err: unknown): boolean {
  if (err instanceof UserError) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === 'DataFormatError') return true;
  // node:fs errors and the readers' "<path>: no such file" / "cannot read" messages
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') return true;
  if (/: (no such file|cannot read)/.test(err.message)) return true;
  // backend selection ("backend 'x' is not registered", "failed to load")
  if (/^backend '.*' (is not registered|failed to load)/.test(err.message)) return true;
  // weights/checkpoint mismatch (loadStateDict, readCheckpoint, Trainer.resume)
  if (/(parameter '.*' (is missing|has shape)|unexpected parameters|not a usable equigraph checkpoint|safetensors)/.test(err.message)) return true;
  return false;
}
