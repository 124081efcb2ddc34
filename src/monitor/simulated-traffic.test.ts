import { describe, expect, it } from 'vitest';
import { randomInteractions } from '../../test/fixtures/interactions.js';
import { trainItemKnn } from '../model/index.js';
import { driftDecision } from './drift-decision.js';
import { FEATURE_NAMES, type FeatureValues } from './features.js';
import { ksTwoSample } from './ks.js';
import {
  referenceFromTraining,
  shiftedTraffic,
  type TrafficModel,
  trafficFeatures,
} from './simulated-traffic.js';

async function model(): Promise<{ bundle: TrafficModel; data: ReturnType<typeof randomInteractions> }> {
  const data = randomInteractions(11, 400, 300, 12_000);
  const knn = await trainItemKnn(data, { k: 20 });
  return { bundle: { model: knn, itemIds: data.itemIds, itemIdsNumeric: true }, data };
}

/** The drift decision over every feature with values on both sides, as the monitor takes it. */
function decide(reference: FeatureValues[], current: FeatureValues[]) {
  const features = FEATURE_NAMES.flatMap((name) => {
    const x = reference.map((r) => r[name]).filter((v) => !Number.isNaN(v));
    const y = current.map((r) => r[name]).filter((v) => !Number.isNaN(v));
    if (x.length < 100 || y.length < 100) return [];
    const r = ksTwoSample(x, y, { method: 'asymptotic' });
    return [{ name, statistic: r.statistic, pValue: r.pValue }];
  });
  return driftDecision({ features });
}

describe('shiftedTraffic', () => {
  it('draws the same requests for the same seed, in the model id type', async () => {
    const { bundle } = await model();
    const a = shiftedTraffic(bundle, { shift: 0.3, n: 50, seed: 4 });
    expect(a).toEqual(shiftedTraffic(bundle, { shift: 0.3, n: 50, seed: 4 }));
    expect(a).not.toEqual(shiftedTraffic(bundle, { shift: 0.3, n: 50, seed: 5 }));
    expect(typeof a[0]).toBe('number');
  });

  it('moves requests to the long tail as shift grows', async () => {
    const { bundle } = await model();
    const mean = (shift: number) => {
      const rows = trafficFeatures(bundle, shiftedTraffic(bundle, { shift, n: 4000, seed: 9 }));
      return rows.reduce((s, r) => s + r.requested_rank, 0) / rows.length;
    };
    expect(mean(0)).toBeLessThan(mean(0.3));
    expect(mean(0.3)).toBeLessThan(mean(0.8));
  });

  it('fed through the features, shifted traffic makes the drift decision fire and unshifted does not', async () => {
    const { bundle } = await model();
    const reference = trafficFeatures(bundle, shiftedTraffic(bundle, { shift: 0, n: 5000, seed: 1 }));
    const same = trafficFeatures(bundle, shiftedTraffic(bundle, { shift: 0, n: 5000, seed: 2 }));
    const shifted = trafficFeatures(bundle, shiftedTraffic(bundle, { shift: 0.5, n: 5000, seed: 3 }));
    const calm = decide(reference, same);
    expect(calm.isDrift, calm.reason).toBe(false);
    const drift = decide(reference, shifted);
    expect(drift.isDrift, drift.reason).toBe(true);
    expect(drift.features.find((f) => f.name === 'requested_rank')?.drift).toBe(true);
  });

  it('refuses a shift outside 0..1, naming it', async () => {
    const { bundle } = await model();
    expect(() => shiftedTraffic(bundle, { shift: 1.5, n: 1 })).toThrow(
      expect.objectContaining({ code: 'MONITOR_BAD_OPTION', field: 'shift' }),
    );
  });
});

describe('referenceFromTraining', () => {
  it('simulates answers to books drawn from the purchase lines, like unshifted traffic', async () => {
    const { bundle, data } = await model();
    const reference = referenceFromTraining(bundle, data, { size: 5000, seed: 3 });
    expect(reference).toHaveLength(5000);
    expect(reference).toEqual(referenceFromTraining(bundle, data, { size: 5000, seed: 3 }));
    const traffic = trafficFeatures(bundle, shiftedTraffic(bundle, { shift: 0, n: 5000, seed: 8 }));
    expect(decide(reference, traffic).isDrift).toBe(false);
  });
});
