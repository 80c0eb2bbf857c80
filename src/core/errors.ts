// Errors a user can cause, as values with a place. The CLI prints them as one line:
//   error: <file>:<line>:<col> <message> (fix: <hint>)
// Never throw a bare Error for something the user can fix; never print a stack for a UserError.

export interface Place {
  file?: string;
  line?: number;
  column?: number;
  /** Key path inside a structured file, e.g. "modules.vocoder.shapes.mel.max". */
  path?: string;
}

export class UserError extends Error {
  readonly place: Place;
  readonly hint?: string;
  /** Process exit code the CLI should use (2 = bad input/usage, 3 = external tool failed, 4 = verification failed, 130 = interrupted). */
  readonly exitCode: number;

  constructor(message: string, opts: { place?: Place; hint?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'UserError';
    this.place = opts.place ?? {};
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 2;
  }

  /** One line, no stack: "<file>:<line>:<col> <path>: <message> (fix: <hint>)". */
  format(): string {
    return formatProblem(this.message, this.place, this.hint);
  }
}

/** Several user errors found at once (e.g. every problem of a profile). */
export class UserErrors extends UserError {
  readonly errors: UserError[];
  constructor(errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '), { exitCode: errors[0]?.exitCode ?? 2 });
    this.name = 'UserErrors';
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\nerror: ');
  }
}

export function formatProblem(message: string, place: Place, hint?: string): string {
  let where = '';
  if (place.file) {
    where = place.file;
    if (place.line !== undefined) {
      where += `:${place.line}`;
      if (place.column !== undefined) where += `:${place.column}`;
    }
    where += ' ';
  }
  const path = place.path ? `${place.path}: ` : '';
  const fix = hint ? ` (fix: ${hint})` : '';
  return `${where}${path}${message}${fix}`;
}

/** What a path problem means for the user and how to fix it, by Node's system error code. */
const FS_PROBLEMS: Record<string, [string, string]> = {
  ENOENT: ['no such file or folder', 'check the path'],
  ENOTDIR: ['a part of this path is a file, not a folder', 'choose a path whose parent folders are folders'],
  EISDIR: ['is a folder, not a file', 'give a file path'],
  EEXIST: ['a file is in the way (a folder is needed there)', 'remove or rename it, or choose another path'],
  EACCES: ['permission denied', 'choose a path you can write to, or fix its permissions'],
  EPERM: ['operation not permitted', 'choose a path you can write to, or fix its permissions'],
  EROFS: ['read-only file system', 'choose a writable location'],
  ENOSPC: ['no space left on the device', 'free some space or choose another disk'],
  EMFILE: ['too many open files', 'raise the open-file limit (ulimit -n)'],
  ELOOP: ['too many levels of symbolic links', 'point the path at a real file'],
  ENAMETOOLONG: ['the file name is too long', 'choose a shorter path'],
  EIO: ['input/output error', 'check the device, or choose another path'],
  EFBIG: ['the file is too large for this file system', 'choose another disk'],
};

/**
 * A Node file-system error (a bad --out path, a folder where a file was expected, a full disk) as the
 * user error it is, naming the path; null for anything else.
 */
export function fromSystemError(e: unknown, place?: Place): UserError | null {
  const err = e as NodeJS.ErrnoException | null;
  if (!(err instanceof Error) || typeof err.code !== 'string') return null;
  const problem = FS_PROBLEMS[err.code];
  if (!problem) return null;
  // `place`: what the user named (an --out path), not the temporary file the error happened on
  return new UserError(`cannot ${place ? 'write' : (err.syscall ?? 'use')} it: ${problem[0]} (${err.code})`, { place: place ?? { file: err.path }, hint: problem[1] });
}
