import { StoreError } from './errors.js';

/** Checks that a required text argument is a non-empty string of at most `max` characters. */
export function requireText(value: unknown, field: string, max = 256): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StoreError(
      'STORE_CONSTRAINT_VIOLATION',
      `${field} is required and must be a non-empty string`,
      {
        field,
      },
    );
  }
  if (value.length > max) {
    throw new StoreError(
      'STORE_CONSTRAINT_VIOLATION',
      `${field} is longer than ${max} characters; shorten it`,
      {
        field,
      },
    );
  }
  return value;
}

/** Checks that a numeric argument is a whole number ≥ `min`. */
export function requireInt(value: unknown, field: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new StoreError(
      'STORE_CONSTRAINT_VIOLATION',
      `${field} must be a whole number ≥ ${min} (got ${value})`,
      {
        field,
      },
    );
  }
  return value;
}
