/**
 * `/metrics` across `bookml serve --workers N`: the worker that gets the scrape asks the primary,
 * the primary asks every worker for its own text, and the answer is their union with a
 * `worker="<slot>"` label on every sample, so Prometheus sees every worker in one scrape (sum by
 * anything but `worker` for the server's totals). Each family keeps one HELP and TYPE line.
 */

/** One worker's own exposition text. */
export interface WorkerMetricsText {
  /** The worker's slot (0-based, stable across restarts). */
  readonly worker: number;
  readonly text: string;
}

/** Messages between a worker and the primary about a scrape. */
export type MetricsMessage =
  | { type: 'bookml:metrics-request'; id: number }
  | { type: 'bookml:metrics-collect'; id: number }
  | { type: 'bookml:metrics-text'; id: number; text: string }
  | { type: 'bookml:metrics-merged'; id: number; text: string };

interface Family {
  meta: string[];
  samples: string[];
}

/**
 * Merge the workers' texts into one exposition: families in first-seen order, each with its HELP
 * and TYPE once and then every worker's samples, labelled `worker`.
 */
export function mergeWorkerMetrics(parts: readonly WorkerMetricsText[]): string {
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) {
      f = { meta: [], samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const { worker, text } of parts) {
    let current: Family | null = null;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# ')) {
        const [, kind, name] = line.split(' ', 3);
        if ((kind === 'HELP' || kind === 'TYPE') && name !== undefined) {
          current = familyOf(name);
          if (!current.meta.some((m) => m.startsWith(`# ${kind} `))) current.meta.push(line);
        }
        continue;
      }
      // A sample without a family header (none in bookml's text) gets a family of its own.
      current ??= familyOf(sampleName(line));
      current.samples.push(withWorkerLabel(line, worker));
    }
  }
  let out = '';
  for (const f of families.values()) {
    for (const m of f.meta) out += `${m}\n`;
    for (const s of f.samples) out += `${s}\n`;
  }
  return out;
}

function sampleName(line: string): string {
  const end = line.search(/[{ ]/);
  return end < 0 ? line : line.slice(0, end);
}

/** `name{a="1"} 3` → `name{worker="0",a="1"} 3`; `name 3` → `name{worker="0"} 3`. */
function withWorkerLabel(line: string, worker: number): string {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  const label = `worker="${worker}"`;
  if (brace >= 0 && (space < 0 || brace < space)) {
    const empty = line[brace + 1] === '}';
    return `${line.slice(0, brace + 1)}${label}${empty ? '' : ','}${line.slice(brace + 1)}`;
  }
  return `${line.slice(0, space)}{${label}}${line.slice(space)}`;
}

/** The part of a worker process the bridge uses (`process` in a cluster worker). */
export interface WorkerPort {
  send?(message: MetricsMessage): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * In a worker: answer the primary's collect requests with `local()` (this worker's own text), and
 * return the scrape function, which asks the primary for every worker's text merged.
 */
export function workerMetricsBridge(port: WorkerPort, local: () => Promise<string>): () => Promise<string> {
  let seq = 0;
  const waiting = new Map<number, (text: string) => void>();
  port.on('message', (raw) => {
    const m = raw as MetricsMessage;
    if (m?.type === 'bookml:metrics-collect') {
      void local().then(
        (text) => port.send?.({ type: 'bookml:metrics-text', id: m.id, text }),
        () => port.send?.({ type: 'bookml:metrics-text', id: m.id, text: '' }),
      );
    } else if (m?.type === 'bookml:metrics-merged') {
      waiting.get(m.id)?.(m.text);
      waiting.delete(m.id);
    }
  });
  return () =>
    new Promise<string>((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve);
      port.send?.({ type: 'bookml:metrics-request', id });
    });
}
