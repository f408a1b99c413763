import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { canonicalGuid } from '../../guid.ts';
import { getCustomer } from '../../partner-center/customers.ts';
import {
  createServiceRequest,
  listServiceRequests,
  SEVERITIES,
  type ServiceRequest,
  type Severity,
} from '../../partner-center/service-requests.ts';
import { BOTH } from '../declarations.ts';
import { collection, iso } from '../responses.ts';
import { callerName, partnerOf } from './caller.ts';

function requestShape(r: ServiceRequest) {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    severity: r.severity,
    status: r.status,
    supportTopicName: r.supportTopic,
    customerId: r.customerId,
    createdBy: r.createdBy,
    createdDate: iso(r.createdAt),
    lastModifiedDate: iso(r.updatedAt),
    attributes: { objectType: 'ServiceRequest' },
  };
}

interface NewRequestBody {
  title: string;
  description: string;
  severity: Severity;
  supportTopicName: string;
  customerId?: string;
}

/** Customer service requests the partner handles (SPEC E1 "Support > Customer requests"). */
export function serviceRequestRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: { customerId?: string } }>(
    '/servicerequests',
    {
      config: {
        partnerApi: {
          operation: 'servicerequests.list',
          category: 'customer-requests',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: {
        // Unknown query parameters are ignored, as Partner Center ignores them.
        querystring: {
          type: 'object',
          properties: { customerId: { type: 'string', format: 'uuid' } },
        },
      },
    },
    async (req) => {
      const requests = await listServiceRequests(ctx.db, partnerOf(req).id, {
        customerId: req.query.customerId,
      });
      return collection(requests.map(requestShape), req.url);
    },
  );

  api.post<{ Body: NewRequestBody }>(
    '/servicerequests',
    {
      config: {
        partnerApi: {
          operation: 'servicerequests.create',
          category: 'customer-requests',
          modes: BOTH,
          access: 'write',
        },
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['title', 'description', 'severity', 'supportTopicName'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 256 },
            description: { type: 'string', minLength: 1, maxLength: 8000 },
            severity: { type: 'string', enum: [...SEVERITIES] },
            supportTopicName: { type: 'string', minLength: 1, maxLength: 128 },
            customerId: { type: 'string', format: 'uuid' },
          },
        },
      },
    },
    async (req, reply) => {
      const partner = partnerOf(req);
      // GUIDs compare case-insensitively; Warden stores them lower-case.
      const customerId = canonicalGuid(req.body.customerId) ?? null;
      if (customerId && !(await getCustomer(ctx.db, partner.id, customerId))) {
        throw new PartnerApiError('invalid_request', `No customer ${customerId} for this partner.`, [
          customerId,
        ]);
      }
      const created = await createServiceRequest(
        ctx.db,
        partner.id,
        {
          customerId,
          title: req.body.title,
          description: req.body.description,
          severity: req.body.severity,
          supportTopic: req.body.supportTopicName,
        },
        callerName(req),
        ctx.clock.now(),
      );
      return reply.code(201).send(requestShape(created));
    },
  );
}
