import { describe, expect, it } from 'vitest';
import * as door from '../src/eval/index.js';

describe('eval door', () => {
  it('exports exactly this runtime surface', () => {
    const surface = Object.entries(door)
      .map(([name, v]) => `${name}: ${typeof v}`)
      .sort();
    expect(surface).toMatchInlineSnapshot(`
      [
        "BOOTSTRAP_DEFAULTS: object",
        "DEFAULT_K: number",
        "DEFAULT_TEST_FRACTION: number",
        "EvalErrorCodes: object",
        "EvaluationError: function",
        "MAX_K: number",
        "METRICS: object",
        "Marker: function",
        "bootstrapCi: function",
        "bootstrapIntervals: function",
        "checkBootstrapOptions: function",
        "checkK: function",
        "differenceSeries: function",
        "evaluate: function",
        "flatMetrics: function",
        "itemPopularity: function",
        "metricLabel: function",
        "mostPopularBaseline: function",
        "pairedBootstrap: function",
        "popularityOrder: function",
        "randomBaseline: function",
        "rankingMetrics: function",
        "scoreRecommender: function",
        "splitByTime: function",
        "splitInteractions: function",
        "splitLastBasket: function",
        "toDifference: function",
        "validationSplit: function",
      ]
    `);
  });
});
