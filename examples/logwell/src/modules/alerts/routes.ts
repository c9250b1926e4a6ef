import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireOrgRole } from '../auth/service';
import { projectsService } from '../projects/service';
import { alertsService } from './service';

type OrgParams = { Params: { orgId: string } };

const createRuleBody = z.object({
  projectId: z.string().uuid(),
  name: z.string().min(1).max(120),
  query: z.string().min(1).max(2_000),
  threshold: z.number().int().nonnegative(),
});

export async function alertRoutes(app: FastifyInstance): Promise<void> {
  app.get<OrgParams>('/organizations/:orgId/alerts/rules', { preHandler: requireOrgRole('viewer') }, async (request) => {
    return alertsService.listRules(request.params.orgId);
  });

  app.post<OrgParams>('/organizations/:orgId/alerts/rules', { preHandler: requireOrgRole('member') }, async (request, reply) => {
    const body = createRuleBody.parse(request.body);
    const project = await projectsService.getProject(request.params.orgId, body.projectId);
    if (!project) return reply.code(404).send({ error: 'project not found' });

    const rule = await alertsService.createRule(request.params.orgId, body, request.auth!.userId);
    return reply.code(201).send(rule);
  });

  app.get<OrgParams>('/organizations/:orgId/alerts/firing', { preHandler: requireOrgRole('viewer') }, async (request) => {
    const firing = await alertsService.listFiringAlerts();
    return firing.filter((a) => a.organization_id === request.params.orgId);
  });

  app.get<OrgParams>('/organizations/:orgId/alerts/activity', { preHandler: requireOrgRole('viewer') }, async (request) => {
    return alertsService.getAlertActivity(request.params.orgId);
  });

  app.get<OrgParams & { Querystring: { projectId?: string } }>(
    '/organizations/:orgId/alerts/export',
    { preHandler: requireOrgRole('admin') },
    async (request) => {
      const rules = await alertsService.exportRules(request.query.projectId);
      return { version: 1, rules };
    },
  );
}
