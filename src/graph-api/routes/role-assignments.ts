import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';

/** Placeholder: the routes of this resource are being written (issue 4 item 1). */
export function roleAssignmentsRoutes(_api: FastifyInstance, _ctx: WardenContext): void {}
