import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type KsAlternative, ksTwoSample } from '../src/monitor/index.js';

/**
 * ksTwoSample against SciPy's ks_2samp itself, beyond the stored vectors: seeded random samples whose
 * asymptotic two-sided p-values fall in every region of SciPy's kstwo (Ruben–Gambino either side of
 * N = 140, Durbin either side, Pomeranz, 2·smirnov either side, Pelz–Good, 2(1−x)^N), with ties, equal
 * and unequal sizes, and the one-sided exact fallback. Needs Debian's python3-scipy (1.10.1 on
 * bookworm, the version the contract pins); skipped, saying so, without it.
 */
const PY = '/usr/bin/python3';

const SCRIPT = `
import json, warnings, numpy as np, scipy
from scipy import stats
rng = np.random.default_rng(11)
cases = []
def add(x, y):
    res = {}
    for alt in ['two-sided', 'less', 'greater']:
        for m in ['exact', 'asymp', 'auto']:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                r = stats.ks_2samp(x, y, alternative=alt, method=m)
            fell = any('Switching' in str(q.message) or 'not possible' in str(q.message) for q in w)
            p = float(r.pvalue)
            res[alt + '|' + m] = {'statistic': float(r.statistic), 'pvalue': None if p != p else p,
                                  'location': float(r.statistic_location), 'sign': int(r.statistic_sign),
                                  'fallback': fell}
    cases.append({'x': [float(v) for v in x], 'y': [float(v) for v in y], 'results': res})
for (n, m) in [(3, 4), (9, 9), (17, 23), (40, 41), (141, 150), (160, 160), (333, 333), (700, 300),
               (1000, 37), (2000, 2000), (3000, 1500), (10001, 400)]:
    for shift in [0.0, 0.3, 1.5]:
        add(np.round(rng.normal(size=n), 4), np.round(rng.normal(shift, 1, size=m), 4))
    add(rng.integers(0, 4, n).astype(float), rng.integers(0, 4, m).astype(float))
for n in [300, 4000]:
    x = np.arange(n, dtype=float)
    add(x, x + 0.5)
    add(x, np.concatenate([x[: n // 2] + 0.5, x[n // 2:] + 3.5]))
print(json.dumps({'scipy': scipy.__version__, 'cases': cases}))
`;

interface Expected {
  statistic: number;
  pvalue: number | null;
  location: number;
  sign: number;
  fallback: boolean;
}

const scipyVersion = existsSync(PY)
  ? spawnSync(PY, ['-c', 'import scipy; print(scipy.__version__)'], { encoding: 'utf8' }).stdout.trim()
  : '';

describe.skipIf(scipyVersion !== '1.10.1')(
  `ksTwoSample vs SciPy ks_2samp on seeded random samples${scipyVersion === '1.10.1' ? '' : ` — skipped: needs ${PY} with python3-scipy 1.10.1 (apt-get install python3-scipy)`}`,
  () => {
    it('agrees on statistic, location, sign, method fallback, and p-value to 1e-9 relative', () => {
      const run = spawnSync(PY, ['-c', SCRIPT], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(run.status, run.stderr).toBe(0);
      const { cases } = JSON.parse(run.stdout) as {
        cases: { x: number[]; y: number[]; results: Record<string, Expected> }[];
      };
      expect(cases.length).toBe(52);
      const bad: string[] = [];
      for (const [i, c] of cases.entries()) {
        for (const [key, want] of Object.entries(c.results)) {
          const [alternative, method] = key.split('|') as [KsAlternative, string];
          const got = ksTwoSample(c.x, c.y, {
            alternative,
            method: method === 'asymp' ? 'asymptotic' : (method as 'exact' | 'auto'),
          });
          const at = `case ${i} (${c.x.length} × ${c.y.length}) ${key}`;
          const pOk =
            want.pvalue === null
              ? Number.isNaN(got.pValue)
              : Math.abs(got.pValue - want.pvalue) <= 1e-9 * want.pvalue;
          if (!pOk) bad.push(`${at}: p ${got.pValue}, SciPy ${want.pvalue}`);
          if (got.statistic !== want.statistic)
            bad.push(`${at}: D ${got.statistic}, SciPy ${want.statistic}`);
          if (got.location !== want.location || got.sign !== want.sign)
            bad.push(`${at}: location/sign differ`);
          if ((got.fallback !== undefined) !== want.fallback) bad.push(`${at}: fallback ${got.fallback}`);
        }
      }
      expect(bad).toEqual([]);
    }, 120_000);
  },
);
