import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RunRecord } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import { RunParams } from './schemas.js';

/**
 * What an operator may do to a run, as the local executor does it (`bookml run retry|resubmit|stop`);
 * the composition root wires it with the workspace's pipeline catalogue. Runs start when an executor
 * serves the workspace (`bookml up` hosts one).
 */
export interface RunControl {
  /** A new run of a Failed or Error run, reusing what succeeded (`RUN_NOT_FINISHED`, `RUN_NOT_RETRYABLE`). */
  retry(runId: string): Promise<RunRecord>;
  /** A new run of a finished run's pipeline with its parameters. */
  resubmit(runId: string, options: { noCache?: boolean | undefined }): Promise<RunRecord>;
  /** Start no new step; running ones finish and the exit handler runs. */
  stop(runId: string): Promise<RunRecord>;
}

const Run = z.looseObject({ id: z.string(), pipeline: z.string(), phase: z.string() });
const ResubmitBody = z.object({
  noCache: z.boolean().optional().describe('run every step even when a cached result exists; default false'),
});

/** `POST /api/v1/runs/:runId/{retry,resubmit,stop}` (operator); 501 without a {@link RunControl}. */
export async function runControlRoutes(
  app: FastifyInstance,
  opts: { control: RunControl | undefined },
): Promise<void> {
  const control = (): RunControl => {
    if (opts.control === undefined) {
      throw new ApiError(
        'API_NOT_AVAILABLE',
        'this control plane does not submit runs (no pipeline catalogue wired); use `bookml run` where the runs execute',
      );
    }
    return opts.control;
  };
  const tag = 'runs';

  app.post<{ Params: z.infer<typeof RunParams> }>(
    '/runs/:runId/retry',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Retry a Failed or Error run from where it failed (a new run reusing what succeeded)',
        tag,
        params: RunParams,
        ok: { 201: Run },
        errors: [409, 501],
      }),
    },
    async (req, reply) => reply.code(201).send(await control().retry(req.params.runId)),
  );

  app.post<{ Params: z.infer<typeof RunParams>; Body: z.infer<typeof ResubmitBody> | undefined }>(
    '/runs/:runId/resubmit',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary:
          "Run a run's pipeline again with its parameters (a new run; unchanged steps come from the cache)",
        tag,
        params: RunParams,
        body: ResubmitBody,
        ok: { 201: Run },
        errors: [501],
      }),
    },
    async (req, reply) =>
      reply.code(201).send(await control().resubmit(req.params.runId, { noCache: req.body?.noCache })),
  );

  app.post<{ Params: z.infer<typeof RunParams> }>(
    '/runs/:runId/stop',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Stop a run: start no new step, let running ones finish, run the exit handler',
        tag,
        params: RunParams,
        ok: { 202: Run },
        errors: [409, 501],
      }),
    },
    async (req, reply) => reply.code(202).send(await control().stop(req.params.runId)),
  );
}
