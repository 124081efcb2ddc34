import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { COMMON_LABELS } from './names.js';
import type { ResolvedRenderOptions } from './options.js';

/** Scrapes the serving and monitor Services (both serve `/metrics` without a token). */
export function serviceMonitor(o: ResolvedRenderOptions): ServiceMonitor {
  return new ServiceMonitor({
    metadata: { name: 'bookml', namespace: o.namespace, labels: { ...COMMON_LABELS } },
    spec: {
      selector: {
        matchExpressions: [
          { key: 'app.kubernetes.io/component', operator: 'In', values: ['serving', 'monitor'] },
        ],
      },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    },
  });
}

/** Alerts: a drift event, the serving error rate, the serving p99 latency. */
export function prometheusRule(o: ResolvedRenderOptions): PrometheusRule {
  return new PrometheusRule({
    metadata: { name: 'bookml', namespace: o.namespace, labels: { ...COMMON_LABELS } },
    spec: {
      groups: [
        {
          name: 'bookml',
          rules: [
            {
              alert: 'BookmlDriftDetected',
              expr: 'increase(bookml_drift_events_total[15m]) > 0',
              labels: { severity: 'warning' },
              annotations: {
                summary:
                  'The drift monitor recorded a drift event; a retrain is triggered (at most one per 6 h).',
              },
            },
            {
              alert: 'BookmlServingErrorRate',
              expr: 'sum(rate(bookml_serve_requests_total{status="5xx"}[5m])) / clamp_min(sum(rate(bookml_serve_requests_total[5m])), 1e-9) > 0.01',
              for: '10m',
              labels: { severity: 'critical' },
              annotations: { summary: 'More than 1% of recommendation requests fail with a 5xx.' },
            },
            {
              alert: 'BookmlServingLatencyP99',
              expr: 'histogram_quantile(0.99, sum by (le) (rate(bookml_serve_request_duration_seconds_bucket[5m]))) > 0.25',
              for: '10m',
              labels: { severity: 'warning' },
              annotations: { summary: 'p99 recommendation latency is above 250 ms.' },
            },
          ],
        },
      ],
    },
  });
}
