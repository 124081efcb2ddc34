import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/** Every error `tune/` raises, by code. */
export const TUNE_ERRORS = defineErrors('TUNE', {
  TUNE_BAD_OPTIONS: {
    status: 400,
    description: 'Tuning options out of range: trials not in [1, 10000], a bad seed or thread count.',
  },
  TUNE_TRIAL_FAILED: {
    status: 500,
    description:
      'A trial could not be trained or scored and its cause had no code of its own (recorded on the trial; the search goes on).',
  },
  TUNE_ALL_TRIALS_FAILED: {
    status: 422,
    description:
      "Every trial of a search failed (e.g. --family ease on a catalogue past EASE's limit); the message names the first cause.",
  },
});

export type TuneErrorCode = keyof typeof TUNE_ERRORS;

/** A tuning error; status, exit code and retryability come from {@link TUNE_ERRORS}. */
export class TuneError extends BookmlError {
  declare readonly code: TuneErrorCode;
  constructor(code: TuneErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(TUNE_ERRORS[code], message, options);
    this.name = 'TuneError';
  }
}
