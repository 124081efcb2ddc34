import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Errors the `bookml` command raises itself; every other code comes from the folder a command calls.
 * Match on `code`, never on message text.
 */
export const CLI_ERRORS = defineErrors('CLI', {
  CLI_USAGE: {
    status: 400,
    description:
      'The command line cannot be parsed: an unknown command or option, a missing or extra argument, a flag value of the wrong type, or flags that contradict each other. The message names it and points at `bookml <command> --help`.',
  },
  CLI_UNREACHABLE: {
    status: 503,
    exitCode: 2,
    retryable: true,
    description:
      'A server the command talks to (the webhook, the control plane) cannot be reached at the URL given.',
  },
  CLI_REFUSED: {
    status: 502,
    exitCode: 2,
    description:
      "A server the command talks to refused the request; the message carries the server's code and reason.",
  },
});

/** One of the codes in {@link CLI_ERRORS}. */
export type CliErrorCode = keyof typeof CLI_ERRORS;

/**
 * An error of the CLI itself; status and exit code come from {@link CLI_ERRORS}.
 * @example throw new CliError('CLI_USAGE', 'give exactly one of --book ID or --basket ID,ID,…', { field: 'book' });
 */
export class CliError extends BookmlError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(CLI_ERRORS[code], message, options);
    this.name = 'CliError';
  }
}

/**
 * A command line that cannot be parsed (exit 2). `field` is the flag or argument at fault.
 * @example throw usageError('--k must be an integer, got "abc"', '--k');
 */
export function usageError(message: string, field?: string): CliError {
  return new CliError('CLI_USAGE', message, { field });
}
