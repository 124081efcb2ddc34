import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/index.js';
import type { StepRuntime, StepServices } from '../definition/step-services.js';
import { lazyRuntime, noRuntime, type StepRuntimeModule } from './step-runtime.js';

/** A runtime module that counts how often it is opened and closed. */
function countingModule(withVersion: boolean) {
  const counts = { opened: 0, closed: 0 };
  const services: StepServices = {
    ...noRuntime().services,
    events: { publish: async (topic) => ({ id: `event-${topic}` }) },
  };
  const mod: StepRuntimeModule = {
    openStepRuntime: async (): Promise<StepRuntime> => {
      counts.opened++;
      return {
        kind: 'local',
        services,
        close: async () => {
          counts.closed++;
        },
      };
    },
    ...(withVersion
      ? { stepCodeVersion: (env: NodeJS.ProcessEnv) => ({ version: env.V ?? '?', gitSha: null }) }
      : {}),
  };
  return { mod, counts };
}

describe('lazyRuntime', () => {
  const options = { env: { V: '1.2.3' }, clock: systemClock };

  it('opens the runtime on the first call to a port, once, and closes it only if opened', async () => {
    const { mod, counts } = countingModule(true);
    const idle = await lazyRuntime(mod, options);
    expect(idle.services.codeVersion).toEqual({ version: '1.2.3', gitSha: null });
    await idle.close();
    expect(counts).toEqual({ opened: 0, closed: 0 });

    const used = await lazyRuntime(mod, options);
    expect(await used.services.events.publish('a', {})).toEqual({ id: 'event-a' });
    expect(await used.services.events.publish('b', {})).toEqual({ id: 'event-b' });
    await expect(used.services.registry.promote({} as never)).rejects.toMatchObject({
      code: 'RUN_NO_RUNTIME',
    });
    await used.close();
    expect(counts).toEqual({ opened: 1, closed: 1 });
  });

  it('opens at once a module that cannot say its code version without opening', async () => {
    const { mod, counts } = countingModule(false);
    await lazyRuntime(mod, options);
    expect(counts.opened).toBe(1);
  });
});
