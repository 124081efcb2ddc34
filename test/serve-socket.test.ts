import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonlFileSink, VERSION_HEADER, workspaceLatestSource } from '../src/serve/index.js';
import { saveLatest, startServer, testWorkspace } from './serve-fixture.js';

describe('over a real socket', () => {
  it('answers every request while the model is swapped under load, and writes the prediction log', async () => {
    const ws = await testWorkspace();
    await saveLatest(ws, { seed: 1 });
    const predictions = join(ws.root, 'predictions');
    const server = await startServer(workspaceLatestSource(ws.modelsDir, ws.artifacts), {
      predictionSink: jsonlFileSink(predictions),
      config: { predictionLog: { flushIntervalMs: 50 } },
    });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;

    const statuses = new Map<number, number>();
    const versions = new Set<string>();
    let errors = 0;
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${base}/recommend?book_id=${((n * 7 + i) % 45) + 1}&k=5`);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          versions.add(res.headers.get(VERSION_HEADER) ?? '');
          await res.json();
        } catch {
          errors++;
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, n) => client(n));
    for (let swap = 2; swap <= 4; swap++) {
      await saveLatest(ws, { seed: swap });
      await server.deployment.reconcile();
    }
    stop = true;
    await Promise.all(clients);

    expect(errors).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(versions.size).toBeGreaterThanOrEqual(2);
    const ready = (await (await fetch(`${base}/ready`)).json()) as { status: string };
    expect(ready.status).toBe('ready');
    await server.app.close();

    // Closing flushed the log: one JSON line per answer.
    const files = readdirSync(predictions);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^predictions-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = readFileSync(join(predictions, files[0]), 'utf8').trim().split('\n');
    expect(lines.length).toBe(statuses.get(200));
    expect(JSON.parse(lines[0])).toMatchObject({ route: 'recommend', k: 5, role: 'primary' });
  });
});
