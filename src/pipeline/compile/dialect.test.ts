import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors.js';
import { toArgoDialect } from './dialect.js';

const cron = {
  kind: 'CronWorkflow',
  spec: { schedules: ['0 2 * * *'], timezone: 'UTC', workflowSpec: { workflowTemplateRef: { name: 'x' } } },
};
const wt = {
  kind: 'WorkflowTemplate',
  spec: {
    synchronization: { mutexes: [{ name: 'a' }] },
    templates: [
      { name: 't', synchronization: { semaphores: [{ configMapKeyRef: { name: 'c', key: 'k' } }] } },
    ],
  },
};

describe('toArgoDialect', () => {
  it('writes 3.5’s singular schedule, mutex and semaphore, and leaves the input alone', () => {
    expect(toArgoDialect(cron, '3.5').spec).toEqual({
      schedule: '0 2 * * *',
      timezone: 'UTC',
      workflowSpec: { workflowTemplateRef: { name: 'x' } },
    });
    const out = toArgoDialect(wt, '3.5');
    expect(out.spec.synchronization).toEqual({ mutex: { name: 'a' } });
    expect(out.spec.templates[0].synchronization).toEqual({
      semaphore: { configMapKeyRef: { name: 'c', key: 'k' } },
    });
    expect(wt.spec.synchronization).toEqual({ mutexes: [{ name: 'a' }] });
  });

  it('keeps the plural forms for 3.6 and 4.1', () => {
    for (const v of ['3.6', '4.1'] as const) {
      expect(toArgoDialect(cron, v)).toEqual(cron);
      expect(toArgoDialect(wt, v)).toEqual(wt);
    }
  });

  it('refuses what 3.5 cannot say, and unknown versions', () => {
    const two = { ...cron, spec: { ...cron.spec, schedules: ['0 2 * * *', '0 3 * * *'] } };
    expect(() => toArgoDialect(two, '3.5')).toThrow(PipelineError);
    const mutexes = {
      kind: 'WorkflowTemplate',
      spec: { synchronization: { mutexes: [{ name: 'a' }, { name: 'b' }] } },
    };
    expect(() => toArgoDialect(mutexes, '3.5')).toThrow(/exactly one mutex/);
    expect(() => toArgoDialect(cron, '3.4' as never)).toThrow(/not one of 3.5, 3.6, 4.1/);
  });
});
