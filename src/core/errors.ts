/**
 * The one error class every bookml error extends. It carries what a caller needs to act on a
 * failure without reading its message: a stable `code`, the offending `field`, an HTTP `status`,
 * and whether retrying can help.
 */
export interface BookmlErrorOptions {
  /** The input field, column or flag at fault, when there is one. */
  field?: string;
  /** HTTP status an API maps this error to. @default 400 */
  status?: number;
  /** Whether the same call may succeed later. @default false */
  retryable?: boolean;
  /** Suggested wait before a retry, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class BookmlError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: BookmlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BookmlError';
    this.code = code;
    this.field = options.field;
    this.status = options.status ?? 400;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The shape HTTP clients and `--json` output get: never a stack. */
  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** True when `e` is a bookml error, optionally with the given code. */
export function isBookmlError(e: unknown, code?: string): e is BookmlError {
  return e instanceof BookmlError && (code === undefined || e.code === code);
}
