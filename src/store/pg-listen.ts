import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Clock, Timer } from '../core/index.js';

const requireDriver = createRequire(import.meta.url);

/** Wait between two attempts to (re)open the listening connection. */
const RECONNECT_MS = 1000;

/** What a {@link MetadataDb.listen} subscriber hears. */
export interface ListenHandlers {
  /** A notification on the channel (its payload, '' when none). */
  onNotify(payload: string): void;
  /**
   * The connection is listening again after it was lost: notifications sent meanwhile are gone,
   * so a subscriber re-reads what it follows. Not called for the first connection.
   */
  onReconnect?(): void;
}

/**
 * LISTEN on a PostgreSQL channel over a connection of its own (a pooled one would go back to the
 * pool and stop hearing). A lost connection is reopened every second until it listens again, and
 * the subscriber is told, because what was notified meanwhile is lost. Returns the stop function.
 * NOTIFY is delivered only once the sending transaction commits, so a listener never sees a change
 * it cannot read yet.
 */
export function listenPostgres(
  url: string,
  channel: string,
  clock: Clock,
  handlers: ListenHandlers,
): () => Promise<void> {
  let client: pg.Client | null = null;
  let retry: Timer | null = null;
  let stopped = false;
  let connectedOnce = false;
  const schedule = () => {
    if (stopped || retry !== null) return;
    retry = clock.setTimeout(
      () => {
        retry = null;
        void connect();
      },
      RECONNECT_MS,
      { unref: true },
    );
  };
  const connect = async () => {
    const pgModule = requireDriver('pg') as typeof pg;
    const c = new pgModule.Client({ connectionString: url, application_name: 'bookml-listen' });
    // An 'error' without a listener would kill the process; 'end' follows and reconnects.
    c.on('error', () => {});
    c.on('notification', (m) => {
      if (m.channel === channel && !stopped) handlers.onNotify(m.payload ?? '');
    });
    c.on('end', () => {
      if (client === c) {
        client = null;
        schedule();
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      await c.end().catch(() => {});
      schedule();
      return;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    if (connectedOnce) handlers.onReconnect?.();
    connectedOnce = true;
  };
  void connect();
  return async () => {
    stopped = true;
    retry?.cancel();
    retry = null;
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}

function quoteIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}
