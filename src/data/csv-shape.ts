import { DataBadFileError } from './errors.js';
import { shown } from './text-check.js';

// The shape rules every CSV import applies, whichever reader it goes through: a header names each
// column once, and every row has the header's number of fields.

/**
 * Throws `DATA_BAD_FILE` (field `header`) when the header names a column twice: with a name twice,
 * which one a mapping means would be a guess (and the first silently won).
 */
export function checkHeader(names: readonly string[], file: string): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new DataBadFileError(
        file,
        `header names column "${shown(name)}" twice (columns ${first + 1} and ${i + 1}); rename one`,
        'header',
      );
    }
    seen.set(name, i);
  });
}

/** The reason for a row whose field count is not the header's: "…: too few fields" / "too many". */
export function fieldCount(got: number, want: number): string {
  return `has ${got} field${got === 1 ? '' : 's'}, the header has ${want}: too ${got < want ? 'few' : 'many'} fields`;
}

/** The error for a file with a header and no usable row (`train` would otherwise fit a 0-book model). */
export function noRowsError(file: string, skipped: number): DataBadFileError {
  return new DataBadFileError(
    file,
    skipped === 0
      ? 'has no rows after its header: nothing to import'
      : `has no usable row (all ${skipped} were bad and skipped): nothing to import`,
    'rows',
  );
}
