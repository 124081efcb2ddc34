import { type Server, type ServerOptions, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorEntry } from './error-catalogue.js';
import type { HttpErrorBody } from './http-error.js';

/**
 * How long one client may take and how many connections one address may hold, for any server bookml
 * runs (inference, control plane, webhook). Each process's config schema holds its defaults.
 */
export interface HttpServerLimits {
  /** Longest time to receive a request's headers, in ms (Node's `headersTimeout`). */
  readonly headersMs: number;
  /** Longest time to receive a whole request, headers and body, in ms (Node's `requestTimeout`). */
  readonly requestMs: number;
  /** Longest a keep-alive connection may sit idle between requests, in ms. */
  readonly keepAliveMs: number;
  /** Most open connections from one client address; 0 turns the cap off. */
  readonly maxConnectionsPerAddress: number;
}

/**
 * The Fastify options that apply {@link HttpServerLimits}' timeouts. Node checks header and request
 * deadlines on a timer (every 30 s by default), so the check runs often enough for the shortest
 * deadline to hold within about a quarter of itself (and at least once a second).
 *
 * @example Fastify({ ...httpTimeoutOptions(config.timeouts), … })
 */
export function httpTimeoutOptions(
  limits: Pick<HttpServerLimits, 'headersMs' | 'requestMs' | 'keepAliveMs'>,
): { requestTimeout: number; keepAliveTimeout: number; http: ServerOptions } {
  const checkEvery = Math.max(
    10,
    Math.min(1000, Math.floor(Math.min(limits.headersMs, limits.requestMs) / 4)),
  );
  return {
    requestTimeout: limits.requestMs,
    keepAliveTimeout: limits.keepAliveMs,
    http: {
      headersTimeout: limits.headersMs,
      requestTimeout: limits.requestMs,
      keepAliveTimeout: limits.keepAliveMs,
      connectionsCheckingInterval: checkEvery,
    },
  };
}

/** What {@link limitConnectionsPerAddress} reports. */
export interface ConnectionLimiter {
  /** Connections closed because their address already held the maximum. */
  readonly refused: number;
}

/**
 * Caps the open connections of one client address: one over the cap is closed at once, before a byte
 * of it is read, so a single client cannot exhaust the process's sockets. Behind a proxy every client
 * shares the proxy's address: size the cap for that.
 *
 * @example const limiter = limitConnectionsPerAddress(app.server, 256);
 */
export function limitConnectionsPerAddress(server: Server, max: number): ConnectionLimiter {
  const open = new Map<string, number>();
  const state = { refused: 0 };
  if (max <= 0) return state;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const n = open.get(address) ?? 0;
    if (n >= max) {
      state.refused++;
      socket.destroy();
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return state;
}

/** The surface's codes for failures Node detects on the socket, before Fastify sees a request. */
export interface HttpClientErrorCodes {
  /** Headers or body not received in time (408). */
  readonly requestTimeout: ErrorEntry;
  /** Headers larger than Node accepts (431). */
  readonly headersTooLarge: ErrorEntry;
  /** Anything else the HTTP parser refuses (400). */
  readonly badRequest: ErrorEntry;
}

/**
 * A Fastify `clientErrorHandler` answering socket-level failures (a request too slow to arrive,
 * oversized headers, bytes that are not HTTP) with the surface's JSON error body and closing the
 * connection — instead of Fastify's body without a code.
 *
 * @example Fastify({ clientErrorHandler: httpClientErrorHandler(codes) })
 */
export function httpClientErrorHandler(codes: HttpClientErrorCodes) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [entry, message] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [codes.requestTimeout, 'the request did not arrive in time; send it whole and promptly']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [codes.headersTooLarge, 'the request headers are larger than this server accepts']
          : [codes.badRequest, 'the request is not valid HTTP'];
    const body: HttpErrorBody = { statusCode: entry.status, code: entry.code, message };
    const text = JSON.stringify(body);
    // An answer already under way cannot be replaced: then the connection is only closed.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(
      `HTTP/1.1 ${entry.status} ${STATUS_CODES[entry.status] ?? 'Error'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Connection: close\r\n\r\n${text}`,
      // Closed once written, whether or not the client ever closes its side.
      () => socket.destroy(),
    );
  };
}
