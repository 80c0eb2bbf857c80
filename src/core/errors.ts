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
