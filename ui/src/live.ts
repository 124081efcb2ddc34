import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { LiveTopic } from '../../src/api/ui-types.js';
import { authHeaders } from './api.js';
import { SseParser } from './sse.js';

/** Which cached queries each live topic makes stale (queries are keyed by their first element). */
const STALE: Record<LiveTopic, string[]> = {
  runs: ['runs', 'run', 'graph', 'logs'],
  models: ['models', 'model', 'versions', 'version', 'audit', 'compare'],
  approvals: ['approvals', 'versions', 'version'],
  events: ['events'],
  decisions: ['decisions'],
  drift: ['drift'],
};

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Follows `/api/v1/events/stream` while mounted and refetches the queries of the topics it says
 * changed; reconnects 3 s after the stream ends. Uses `fetch` rather than `EventSource` so the token
 * travels in the Authorization header, never in a URL.
 */
export function useLiveUpdates(client: QueryClient, enabled: boolean): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      setState('connecting');
      try {
        const res = await fetch('/api/v1/events/stream', { headers: authHeaders(), signal: abort.signal });
        if (!res.ok || res.body === null) throw new Error(`stream answered ${res.status}`);
        setState('live');
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of parser.push(value)) {
            if (e.event !== 'change') continue;
            const { topics } = JSON.parse(e.data) as { topics: LiveTopic[] };
            const keys = new Set(topics.flatMap((t) => STALE[t] ?? []));
            void client.invalidateQueries({ predicate: (q) => keys.has(String(q.queryKey[0])) });
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      setState('offline');
      retry = setTimeout(() => void connect(), 3000);
    };
    void connect();
    return () => {
      abort.abort();
      clearTimeout(retry);
    };
  }, [client, enabled]);
  return state;
}
