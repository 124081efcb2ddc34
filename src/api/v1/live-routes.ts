import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../core/index.js';
import type { Registry } from '../../registry/index.js';
import { type DbHandle, EventLog, RunStore } from '../../store/index.js';
import { DecisionLog } from '../../triggers/index.js';
import { LIVE_TOPICS, LiveFeed, type LiveTopic } from '../live-feed.js';
import type { DriftStatusSource } from './dashboard-routes.js';
import { routeSchema } from './route-schema.js';

/** Options of {@link liveRoutes}. */
export interface LiveRoutesOptions {
  db: DbHandle;
  registry: Registry;
  drift: DriftStatusSource | undefined;
  clock: Clock;
  /** How often the stores are read for changes. @default 1000 */
  intervalMs?: number | undefined;
}

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/events/stream`: Server-Sent Events telling an open dashboard what changed — `change`
 * events whose data names the topics (runs, models, approvals, events, decisions, drift) so the page
 * refetches just those. A comment line every 15 s keeps proxies from closing an idle stream. The
 * browser reads it with `fetch` (so it can send the token), not `EventSource`.
 */
export async function liveRoutes(app: FastifyInstance, opts: LiveRoutesOptions): Promise<void> {
  const runs = new RunStore(opts.db);
  const events = new EventLog(opts.db);
  const decisions = new DecisionLog(opts.db);
  const feed = new LiveFeed({
    clock: opts.clock,
    intervalMs: opts.intervalMs ?? 1000,
    probes: {
      runs: async () => {
        const recent = await runs.listRuns({ limit: 20 });
        const active = recent.filter((r) => r.phase === 'Pending' || r.phase === 'Running');
        const nodes = await Promise.all(active.map((r) => runs.getRun(r.id)));
        return JSON.stringify([
          recent.map((r) => [r.id, r.phase]),
          nodes.map((r) => r?.nodes.map((n) => [n.nodeId, n.phase])),
        ]);
      },
      models: async () =>
        JSON.stringify((await opts.registry.listModels()).map((m) => [m.name, m.latestVersion, m.aliases])),
      approvals: async () =>
        JSON.stringify((await opts.registry.listApprovals({})).map((a) => [a.id, a.status])),
      events: async () => String(await events.latestId()),
      decisions: async () => String((await decisions.list({ limit: 1 }))[0]?.id ?? 0),
      drift: async () => {
        const s = await opts.drift?.status();
        return s == null ? 'none' : `${s.updated_at}:${s.events.length}:${s.decision?.is_drift ?? ''}`;
      },
    },
  });
  const open = new Set<() => void>();
  // Open streams never end by themselves: close them first, or closing the server would wait on them.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    feed.stop();
  });

  app.get(
    '/events/stream',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: `Live changes as Server-Sent Events: "change" events naming topics (${LIVE_TOPICS.join(', ')})`,
        tag: 'events',
        ok: { 200: z.string().describe('text/event-stream') },
        okMediaType: 'text/event-stream',
      }),
    },
    async (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ topics: LIVE_TOPICS })}\n\n`);
      const send = (topics: LiveTopic[]) =>
        res.write(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`);
      const unsubscribe = feed.subscribe(send);
      const heartbeat = opts.clock.setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS, { unref: true });
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        heartbeat.cancel();
        unsubscribe();
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.on('close', end);
      res.on('error', end);
    },
  );
}
