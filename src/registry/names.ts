import { RegistryError } from './errors.js';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}$/;
const TAG_KEY = /^[A-Za-z0-9_.\-/ :]{1,250}$/;

/**
 * Checks a model name: letters, digits, `.`, `_`, `-`, at most 128, starting with a letter or digit
 * (it appears in URLs, `models:/name@alias` URIs and file names).
 * @throws RegistryError `REGISTRY_INVALID_INPUT`
 */
export function checkModelName(name: unknown, field = 'model'): string {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `${field} must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit (got ${JSON.stringify(name)})`,
      { field },
    );
  }
  return name;
}

/**
 * Checks an alias as MLflow does: non-empty, at most 256 of letters, digits, `_`, `-`, `.`; `latest`
 * and version-like names (`v1`, `V12`) are reserved because `models:/m@v1` would be ambiguous.
 * @throws RegistryError `REGISTRY_INVALID_INPUT`
 */
export function checkAlias(alias: unknown, field = 'alias'): string {
  if (typeof alias !== 'string' || !ALIAS_NAME.test(alias)) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `${field} must be 1–256 letters, digits, "_", "-" or "." (got ${JSON.stringify(alias)})`,
      { field },
    );
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `alias "${alias}" is reserved ("latest" and version-like names such as v1 are not allowed)`,
      { field },
    );
  }
  return alias;
}

/** Checks a version number (a positive integer, or its decimal string as MLflow sends it). */
export function checkVersion(version: unknown, field = 'version'): number {
  const n = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : version;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `${field} must be a positive whole number (got ${JSON.stringify(version)})`,
      { field },
    );
  }
  return n;
}

/** Checks a tag key (printable, at most 250 characters). */
export function checkTagKey(key: unknown, field = 'key'): string {
  if (typeof key !== 'string' || !TAG_KEY.test(key)) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `${field} must be 1–250 letters, digits, spaces or "_.-/:" (got ${JSON.stringify(key)})`,
      { field },
    );
  }
  return key;
}

/**
 * Splits `recommender@production`, `recommender/7`, `recommender:7` or `models:/recommender@staging`
 * into the model and a version number or alias.
 * @example parseModelRef('recommender@production') // { model: 'recommender', alias: 'production' }
 */
export function parseModelRef(ref: string): { model: string; version?: number; alias?: string } {
  const s = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref;
  const at = s.indexOf('@');
  if (at > 0)
    return { model: checkModelName(s.slice(0, at), 'ref'), alias: checkAlias(s.slice(at + 1), 'ref') };
  const m = /^(.+?)[/:](\d+)$/.exec(s);
  if (m?.[1] && m[2]) return { model: checkModelName(m[1], 'ref'), version: checkVersion(m[2], 'ref') };
  return { model: checkModelName(s, 'ref') };
}
