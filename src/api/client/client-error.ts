import { BookmlError } from '../../core/index.js';
import { API_ERRORS } from '../errors.js';

/**
 * A failure the API client reports: the control plane's own error (its `code`, `field`, `status` and
 * message, relayed as they came), or the client's (`API_UNREACHABLE`, `API_BAD_RESPONSE`). Retryable
 * when trying again can help: network failures, 5xx other than 501, 408 and 429.
 */
export class ControlPlaneError extends BookmlError {
  /** The control plane's request id, when it sent one (5xx bodies do). */
  readonly requestId: string | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      status: number;
      field?: string | undefined;
      retryable?: boolean;
      retryAfterMs?: number | undefined;
      requestId?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(code, message, {
      field: options.field,
      status: options.status,
      retryable: options.retryable ?? isRetryableStatus(options.status),
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
    });
    this.name = 'ControlPlaneError';
    this.requestId = options.requestId;
  }
}

/** 5xx (except 501: not wired, asking again changes nothing), 408 and 429. */
export function isRetryableStatus(status: number): boolean {
  return (status >= 500 && status !== 501) || status === 408 || status === 429;
}

/** The URL without credentials or query, fit for an error message. */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** The control plane could not be reached: names the URL and the network cause, never the token. */
export function unreachable(method: string, url: string, cause: unknown): ControlPlaneError {
  const c = cause as { code?: unknown; cause?: { code?: unknown; message?: unknown }; message?: unknown };
  // Causes can quote the URL; credentials in one never reach the message.
  const why = String(c?.cause?.code ?? c?.code ?? c?.cause?.message ?? c?.message ?? cause).replace(
    /\/\/[^/@\s]*@/g,
    '//',
  );
  return new ControlPlaneError(
    API_ERRORS.API_UNREACHABLE.code,
    `cannot reach the control plane: ${method} ${displayUrl(url)} failed (${why}); check BOOKML_API_URL and that the API is up`,
    { status: API_ERRORS.API_UNREACHABLE.status, retryable: true, cause },
  );
}

/** The control plane answered something the client cannot use. */
export function badResponse(
  what: string,
  status: number = API_ERRORS.API_BAD_RESPONSE.status,
): ControlPlaneError {
  return new ControlPlaneError(API_ERRORS.API_BAD_RESPONSE.code, what, { status });
}

/** A non-2xx answer as an error: bookml's error JSON relayed, anything else `API_BAD_RESPONSE`. */
export async function errorFromResponse(
  method: string,
  url: string,
  res: Response,
): Promise<ControlPlaneError> {
  const text = await res.text().catch(() => '');
  let body: { code?: unknown; message?: unknown; field?: unknown; requestId?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (typeof body?.code !== 'string' || typeof body.message !== 'string') {
    return badResponse(
      `${method} ${displayUrl(url)} answered ${res.status} ${res.statusText} without a bookml error body; is BOOKML_API_URL the control plane?`,
      res.status,
    );
  }
  return new ControlPlaneError(body.code, body.message, {
    status: res.status,
    field: typeof body.field === 'string' ? body.field : undefined,
    retryAfterMs,
    requestId: typeof body.requestId === 'string' ? body.requestId : undefined,
  });
}
