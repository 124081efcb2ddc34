import { setTimeout as pause } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { isBookmlError } from '../../core/index.js';
import { type BusHarness, busContract } from './bus.contract.js';
import { NatsBus, type NatsBusOptions } from './nats-bus.js';
import { probeNats, TEST_NATS_URL } from './test-nats.js';

// Probe first: with no server the suite is skipped with the reason in its title, never mocked.
const unreachable = await probeNats();

let counter = 0;
const run = `${process.pid}_${Date.now().toString(36)}`;

/** A stream and subject prefix of its own, so parallel and repeated runs never share events. */
function isolated(): Required<Pick<NatsBusOptions, 'stream' | 'subjectPrefix'>> {
  counter += 1;
  return { stream: `BOOKML_T_${run}_${counter}`, subjectPrefix: `bookmltest_${run}_${counter}` };
}

async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
  } finally {
    await nc.close();
  }
}

async function natsHarness(): Promise<BusHarness> {
  const names = isolated();
  // The server keeps redelivery time, so the backoff is real and short.
  const open = () =>
    NatsBus.connect({
      servers: TEST_NATS_URL,
      ...names,
      retryDelayMs: 20,
      maxRetryDelayMs: 50,
      ackWaitMs: 1000,
    });
  return {
    bus: await open(),
    openAnother: open,
    tick: () => pause(10),
    dispose: () => deleteStream(names.stream),
  };
}

busContract('event bus: nats jetstream', natsHarness, unreachable);

describe.skipIf(unreachable !== undefined)('nats bus: connection', () => {
  it('names an unreachable server as TRIGGERS_BUS_UNAVAILABLE', async () => {
    const e = await NatsBus.connect({ servers: 'nats://127.0.0.1:1', timeoutMs: 500 }).catch(
      (x: unknown) => x,
    );
    expect(isBookmlError(e, 'TRIGGERS_BUS_UNAVAILABLE')).toBe(true);
    expect((e as Error).message).toContain('127.0.0.1:1');
  });

  it('refuses a bad stream name or a duplicate window longer than the retention', async () => {
    const bad = await NatsBus.connect({ stream: 'has.dot' }).catch((x: unknown) => x);
    expect(bad).toMatchObject({ code: 'TRIGGERS_CONFIG_INVALID', field: 'stream' });
    const long = await NatsBus.connect({ duplicateWindowMs: 10_000, maxAgeMs: 5_000 }).catch(
      (x: unknown) => x,
    );
    expect(long).toMatchObject({ code: 'TRIGGERS_CONFIG_INVALID', field: 'maxAgeMs' });
  });

  it('keeps a long handler’s event from being redelivered while it works', async () => {
    const names = isolated();
    const bus = await NatsBus.connect({ servers: TEST_NATS_URL, ...names, ackWaitMs: 1000 });
    try {
      const deliveries: number[] = [];
      await bus.subscribe('slow', ['run.finished'], async (e) => {
        deliveries.push(e.deliveryCount);
        if (deliveries.length === 1) await pause(2500);
      });
      await bus.publish('run.finished', { n: 1 });
      await bus.publish('run.finished', { n: 2 });
      for (let i = 0; i < 500 && deliveries.length < 2; i++) await pause(10);
      expect(deliveries).toEqual([1, 1]);
    } finally {
      await bus.close();
      await deleteStream(names.stream);
    }
  });
});
