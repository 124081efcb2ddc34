import type { ErrorEntry } from './error-catalogue.js';

/**
 * The one error class every bookml error extends. It carries what a caller needs to act on a
 * failure without reading its message: a stable `code`, the offending `field`, an HTTP `status`,
 * the CLI's exit code, and whether retrying can help. Folders construct it from their catalogue
 * (see {@link defineErrors}), so a code's status and exit code are decided in one place.
 */
export interface BookmlErrorOptions {
  /** The input field, column or flag at fault, when there is one. */
  field?: string;
  /** HTTP status an API maps this error to. @default 400 */
  status?: number;
  /** Exit status of the CLI. @default {@link exitCodeFor}(status): 2 for 4xx, 1 for 5xx */
  exitCode?: number;
  /** Whether the same call may succeed later. @default false */
  retryable?: boolean;
  /** Suggested wait before a retry, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * What a throw site may add to a catalogue entry: status and exit code are the entry's, never the
 * site's, so one code always answers the same way.
 */
export interface CatalogueErrorOptions {
  /** The input field, column or flag at fault, when there is one. */
  field?: string;
  /** Overrides the entry's `retryable` when this failure knows better (an I/O error may be transient or not). */
  retryable?: boolean;
  /** Suggested wait before a retry, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The CLI exit status for an HTTP status: 2 when the caller can fix the input (4xx), 1 when the
 * failure is on bookml's side (5xx) — the same split shells and CI use between usage and runtime errors.
 * @example exitCodeFor(404) // 2
 */
export function exitCodeFor(status: number): number {
  return status >= 500 ? 1 : 2;
}

/**
 * A bookml failure with a stable code.
 *
 * @example
 * // from a catalogue entry (the usual way; folders wrap this in their own class):
 * throw new BookmlError(DATA_ERRORS.DATA_NO_DATASET, 'no current dataset: run `bookml data generate`', { field: 'dataset' });
 */
export class BookmlError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly status: number;
  readonly exitCode: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  /** From a catalogue entry: status, exit code and retryability come from the entry. */
  constructor(entry: ErrorEntry, message: string, options?: CatalogueErrorOptions);
  /**
   * From a code known only at run time (e.g. one reported by a child process); a literal code
   * belongs in a catalogue instead.
   */
  constructor(code: string, message: string, options?: BookmlErrorOptions);
  constructor(codeOrEntry: string | ErrorEntry, message: string, options: BookmlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BookmlError';
    if (typeof codeOrEntry === 'string') {
      this.code = codeOrEntry;
      this.status = options.status ?? 400;
      this.exitCode = options.exitCode ?? exitCodeFor(this.status);
      this.retryable = options.retryable ?? false;
    } else {
      this.code = codeOrEntry.code;
      this.status = codeOrEntry.status;
      this.exitCode = codeOrEntry.exitCode;
      this.retryable = options.retryable ?? codeOrEntry.retryable;
    }
    this.field = options.field;
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
