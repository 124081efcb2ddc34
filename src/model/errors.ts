import type { ZodError } from 'zod';
import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/** Every error the model folder raises, by code: stable, matched on by callers. */
export const MODEL_ERRORS = defineErrors('MODEL', {
  MODEL_INVALID_PARAMS: {
    status: 400,
    description: 'A training parameter is out of range or of the wrong type.',
  },
  MODEL_K_OUT_OF_RANGE: {
    status: 422,
    description:
      'A recommendation asks for more items than the model keeps neighbours per book, or fewer than 1.',
  },
  MODEL_UNKNOWN_ITEM: { status: 404, description: 'A book id the model does not know.' },
  MODEL_BUNDLE_NOT_FOUND: {
    status: 404,
    description: 'No model bundle at that folder (its manifest.json is missing).',
  },
  MODEL_BUNDLE_EXISTS: {
    status: 400,
    description: 'The folder a bundle would be written to already exists.',
  },
  MODEL_BUNDLE_CORRUPT: {
    status: 500,
    description:
      'A bundle file is unreadable, altered (checksum mismatch) or inconsistent with the manifest.',
  },
  MODEL_FORMAT_TOO_NEW: {
    status: 500,
    description: 'The bundle was written by a newer bookml than this one reads; upgrade bookml.',
  },
  MODEL_NONE_TRAINED: { status: 404, description: 'The workspace holds no model yet; run `bookml train`.' },
  MODEL_EASE_TOO_LARGE: {
    status: 422,
    description:
      'The catalogue has more items than EASE handles in memory; the message names the limit and the memory it would need.',
  },
  MODEL_SHARD_MISMATCH: {
    status: 422,
    description:
      'The shard partials given to a merge are not every shard of one training (missing, repeated, or from other parameters, data or code).',
  },
  MODEL_SHARD_UNSUPPORTED: {
    status: 422,
    description:
      'The model family cannot be trained in shards (EASE needs one dense inverse for every item).',
  },
  MODEL_UNSUPPORTED_HOST: {
    status: 400,
    description: 'Bundles are little-endian; this machine is not, so it cannot write one.',
  },
});

/** One of the codes in {@link MODEL_ERRORS}. */
export type ModelErrorCode = keyof typeof MODEL_ERRORS;

/**
 * An error of the model folder; status, exit code and retryability come from {@link MODEL_ERRORS}.
 * @example throw new ModelError('MODEL_BUNDLE_EXISTS', 'models/x already exists; choose another --out', { field: 'out' });
 */
export class ModelError extends BookmlError {
  declare readonly code: ModelErrorCode;
  constructor(code: ModelErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(MODEL_ERRORS[code], message, options);
    this.name = 'ModelError';
  }
}

/** The first issue of a failed training-parameter parse, naming its field. */
export function invalidParams(err: ZodError): ModelError {
  const issue = err.issues[0];
  const field = issue?.path.join('.') || undefined;
  return new ModelError(
    'MODEL_INVALID_PARAMS',
    `invalid training parameter${field ? ` ${field}` : ''}: ${issue?.message ?? err.message}`,
    { field },
  );
}

/** A list length beyond what the model keeps. */
export function kOutOfRange(k: number, max: number): ModelError {
  return new ModelError(
    'MODEL_K_OUT_OF_RANGE',
    `k must be an integer from 1 to ${max} (the model keeps ${max} neighbours per book), got ${k}`,
    { field: 'k' },
  );
}

/** A bundle that cannot be trusted; `field` is the file or manifest key at fault. */
export function bundleCorrupt(message: string, field?: string): ModelError {
  return new ModelError('MODEL_BUNDLE_CORRUPT', message, { field });
}
