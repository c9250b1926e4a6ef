import type { FastifyInstance } from 'fastify';
import { listAuditEntries } from '../audit-log/service';
import { requireOrgRole, requireSession } from '../auth/service';
import { organizationsService } from './service';

type OrgParams = { Params: { orgId: string } };

export async function organizationRoutes(app: FastifyInstance): Promise<void> {
  app.get('/organizations', { preHandler: requireSession }, async (request) => {
    return organizationsService.listForUser(request.auth!.userId);
  });

  app.get<OrgParams>('/organizations/:orgId', { preHandler: requireOrgRole('viewer') }, async (request) => {
    const org = await organizationsService.getOrganization(request.params.orgId);
    const plan = await organizationsService.getPlan(org.id);
    return { ...org, plan };
  });

  app.get<OrgParams & { Querystring: { action?: string; before?: string } }>(
    '/organizations/:orgId/audit-log',
    { preHandler: requireOrgRole('admin') },
    async (request) => {
      const { action, before } = request.query;
      return listAuditEntries({
        orgId: request.params.orgId,
        action,
        before: before ? new Date(before) : undefined,
      });
    },
  );

  app.get<{ Params: { orgId: string; flag: string } }>(
    '/organizations/:orgId/features/:flag',
    { preHandler: requireOrgRole('viewer') },
    async (request) => ({
      enabled: await organizationsService.isFeatureEnabled(request.params.orgId, request.params.flag),
    }),
  );
}
