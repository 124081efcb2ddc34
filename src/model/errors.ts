import type { ZodError } from 'zod';
import { BookmlError } from '../core/index.js';

/** Error codes of the model folder: stable, matched on by callers and listed in the reference. */
export const ModelErrorCodes = {
  MODEL_INVALID_PARAMS: 'MODEL_INVALID_PARAMS',
  MODEL_K_OUT_OF_RANGE: 'MODEL_K_OUT_OF_RANGE',
  MODEL_UNKNOWN_ITEM: 'MODEL_UNKNOWN_ITEM',
  MODEL_BUNDLE_NOT_FOUND: 'MODEL_BUNDLE_NOT_FOUND',
  MODEL_BUNDLE_CORRUPT: 'MODEL_BUNDLE_CORRUPT',
  MODEL_FORMAT_TOO_NEW: 'MODEL_FORMAT_TOO_NEW',
  MODEL_NONE_TRAINED: 'MODEL_NONE_TRAINED',
} as const;

export function invalidParams(err: ZodError): BookmlError {
  const issue = err.issues[0];
  const field = issue?.path.join('.') || undefined;
  return new BookmlError(
    ModelErrorCodes.MODEL_INVALID_PARAMS,
    `invalid training parameter${field ? ` ${field}` : ''}: ${issue?.message ?? err.message}`,
    { field },
  );
}

export function kOutOfRange(k: number, max: number): BookmlError {
  return new BookmlError(
    ModelErrorCodes.MODEL_K_OUT_OF_RANGE,
    `k must be an integer from 1 to ${max} (the model keeps ${max} neighbours per book), got ${k}`,
    { field: 'k', status: 422 },
  );
}

export function bundleCorrupt(message: string, field?: string): BookmlError {
  return new BookmlError(ModelErrorCodes.MODEL_BUNDLE_CORRUPT, message, { field, status: 500 });
}
