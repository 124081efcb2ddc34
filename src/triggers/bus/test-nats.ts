import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * The NATS server bus tests use: `BOOKML_TEST_NATS_URL`, else the local one CI starts.
 * @internal
 */
export const TEST_NATS_URL: string = process.env.BOOKML_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Checks that NATS answers with JetStream enabled. Returns `undefined` when it does, else a one-line
 * reason for a `describe.skipIf` title.
 * @internal
 * @example const reason = await probeNats(); busContract('nats', create, reason);
 */
export async function probeNats(url: string = TEST_NATS_URL, timeoutMs = 2000): Promise<string | undefined> {
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    nc = await connect({ servers: url, timeout: timeoutMs, maxReconnectAttempts: 0 });
    await (await jetstreamManager(nc, { timeout: timeoutMs })).getAccountInfo();
    return undefined;
  } catch (e) {
    return `NATS JetStream unreachable at ${url} (${(e as Error).message}); start nats-server -js or set BOOKML_TEST_NATS_URL`;
  } finally {
    await nc?.close().catch(() => {});
  }
}
