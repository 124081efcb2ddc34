import { parentPort, workerData } from 'node:worker_threads';
import type { TrialParams } from './space.js';
import { scoreTrial, type TrialData } from './trial.js';

/** A trial request and its answer; `id` pairs them. */
export interface TrialRequest {
  id: number;
  params: TrialParams;
}
export type TrialReply =
  | { id: number; score: Awaited<ReturnType<typeof scoreTrial>> }
  | { id: number; error: { message: string; code?: string; field?: string } };

// The validation split arrives once (workerData); each message is one trial to fit and score.
if (parentPort) {
  const port = parentPort;
  const data = workerData as TrialData;
  port.on('message', (req: TrialRequest) => {
    scoreTrial(data, req.params).then(
      (score) => port.postMessage({ id: req.id, score } satisfies TrialReply),
      (e: unknown) => {
        const err = e as { message?: string; code?: string; field?: string };
        port.postMessage({
          id: req.id,
          error: { message: err.message ?? String(e), code: err.code, field: err.field },
        } satisfies TrialReply);
      },
    );
  });
}
