import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { StepEvents } from '../../pipeline/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import { PublishEventBody, PublishedEvent } from './schemas.js';

/**
 * `/api/v1/events`: publish on the control plane's event bus (a step announcing `dataset.ready`, a
 * registered model, …). Operator only: an event can start a run. Answers 501 without a bus.
 */
export async function eventRoutes(
  app: FastifyInstance,
  opts: { events: StepEvents | undefined },
): Promise<void> {
  app.post<{ Body: z.infer<typeof PublishEventBody> }>(
    '/events',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Publish an event (at-least-once; consumers are idempotent by event id)',
        tag: 'events',
        body: PublishEventBody,
        ok: { 201: PublishedEvent },
        errors: [501],
      }),
    },
    async (req, reply) => {
      if (opts.events === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'this control plane has no event bus wired');
      }
      const { id } = await opts.events.publish(req.body.topic, req.body.payload);
      return reply.code(201).send({ id });
    },
  );
}
