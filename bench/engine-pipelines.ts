import { definePipeline, defineStep } from '../src/pipeline/index.js';

/**
 * No-op pipelines for the engine benchmark: what is left of a step's time is the engine's (scheduling,
 * database writes, starting the step's process). Steps have side effects (`pure: false`) so nothing is
 * served from the cache.
 */
const noop = defineStep({
  name: 'noop',
  version: '1',
  pure: false,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async () => ({}),
});

/** 20 no-op steps, each after the previous one. */
export const chain20 = definePipeline({
  name: 'bench-chain',
  build: (_p, b) => {
    let prev: string | undefined;
    for (let i = 0; i < 20; i++) {
      const t = b.task(`step-${i}`, noop, {});
      if (prev !== undefined) t.after(prev);
      prev = t.id;
    }
  },
});

/** One no-op step fanned out over 100 items. */
export const fanOut100 = definePipeline({
  name: 'bench-fan-out',
  build: (_p, b) => {
    b.fanOut(
      'noop',
      noop,
      Array.from({ length: 100 }, (_, i) => i),
      () => ({}),
    );
  },
});

export const pipelines = [chain20, fanOut100];
