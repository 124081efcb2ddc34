import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { TriggersError } from '../errors.js';
import { SIGNATURE_HEADER, sha256Hex, signatureMatches, TIMESTAMP_HEADER } from './signature.js';

/** How a request proved itself, decided from its headers before the body is read. */
export type Credentials =
  | { readonly method: 'signature'; readonly timestamp: string; readonly signature: string }
  | { readonly method: 'bearer' };

/** Settings of {@link WebhookAuth}, already checked. */
export interface WebhookAuthSettings {
  readonly secret: string | undefined;
  readonly bearerTokens: readonly string[];
  readonly toleranceMs: number;
}

const TIMESTAMP_PATTERN = /^\d{1,12}$/;

/**
 * Checks webhook credentials: an HMAC signature with a timestamp (preferred), or a bearer token.
 * Messages never contain a secret, token, signature or body.
 */
export class WebhookAuth {
  readonly #secret: string | undefined;
  readonly #tokenDigests: readonly Buffer[];
  readonly #toleranceMs: number;

  constructor(settings: WebhookAuthSettings) {
    this.#secret = settings.secret;
    // Compared as sha256 digests: equal lengths for timingSafeEqual, whatever length the caller sends.
    this.#tokenDigests = settings.bearerTokens.map((t) => Buffer.from(sha256Hex(t), 'hex'));
    this.#toleranceMs = settings.toleranceMs;
  }

  /**
   * What can be checked from the headers alone, so an unauthenticated sender's body is never read:
   * signature headers present and the timestamp fresh, or a bearer token that matches.
   * @throws TriggersError 401 `TRIGGERS_WEBHOOK_UNAUTHORIZED` or `TRIGGERS_WEBHOOK_STALE`
   */
  fromHeaders(headers: IncomingHttpHeaders, nowMs: number): Credentials {
    const signature = single(headers[SIGNATURE_HEADER]);
    const timestamp = single(headers[TIMESTAMP_HEADER]);
    if (signature !== undefined || timestamp !== undefined) {
      if (this.#secret === undefined) {
        throw unauthorized('this webhook does not accept signatures; send Authorization: Bearer <token>');
      }
      if (signature === undefined || timestamp === undefined) {
        throw unauthorized(`a signed request needs both ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}`);
      }
      if (!TIMESTAMP_PATTERN.test(timestamp)) {
        throw unauthorized(`${TIMESTAMP_HEADER} must be the signing time in unix seconds`, TIMESTAMP_HEADER);
      }
      if (Math.abs(nowMs - Number(timestamp) * 1000) > this.#toleranceMs) {
        throw new TriggersError(
          'TRIGGERS_WEBHOOK_STALE',
          `${TIMESTAMP_HEADER} is more than ${Math.round(this.#toleranceMs / 1000)} s from the server's clock; sign the request again now (and check the sender's clock)`,
          { field: TIMESTAMP_HEADER },
        );
      }
      return { method: 'signature', timestamp, signature };
    }
    const authorization = single(headers.authorization);
    const bearer = authorization === undefined ? undefined : /^Bearer ([^\s]+)$/i.exec(authorization)?.[1];
    if (bearer === undefined) {
      throw unauthorized(
        this.#secret === undefined
          ? 'send Authorization: Bearer <token>'
          : `sign the request (${TIMESTAMP_HEADER}, ${SIGNATURE_HEADER}) or send Authorization: Bearer <token>`,
      );
    }
    if (!this.#tokenMatches(bearer)) throw unauthorized('the bearer token is not valid', 'authorization');
    return { method: 'bearer' };
  }

  /**
   * Checks the signature over the body's exact bytes, in constant time; returns the digest the replay
   * guard keeps.
   * @throws TriggersError 401 `TRIGGERS_WEBHOOK_BAD_SIGNATURE`
   */
  verifySignature(credentials: Credentials & { method: 'signature' }, rawBody: Uint8Array): string {
    const secret = this.#secret;
    if (
      secret === undefined ||
      !signatureMatches(secret, credentials.timestamp, rawBody, credentials.signature)
    ) {
      throw new TriggersError(
        'TRIGGERS_WEBHOOK_BAD_SIGNATURE',
        `${SIGNATURE_HEADER} does not match: it must be sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> with the webhook secret`,
        { field: SIGNATURE_HEADER },
      );
    }
    return sha256Hex(credentials.signature.toLowerCase());
  }

  /** When a signed request's replay would be stale anyway: how long its signature must be remembered. */
  replayWindowEnd(credentials: Credentials & { method: 'signature' }): number {
    return Number(credentials.timestamp) * 1000 + this.#toleranceMs;
  }

  #tokenMatches(token: string): boolean {
    const presented = Buffer.from(sha256Hex(token), 'hex');
    let ok = false;
    // Every configured token is compared, so timing does not tell which (or whether one) matched early.
    for (const digest of this.#tokenDigests) ok = timingSafeEqual(presented, digest) || ok;
    return ok;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function unauthorized(message: string, field?: string): TriggersError {
  return new TriggersError('TRIGGERS_WEBHOOK_UNAUTHORIZED', message, field === undefined ? {} : { field });
}
