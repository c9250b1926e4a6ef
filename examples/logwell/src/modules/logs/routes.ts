import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiKeysService } from '../api-keys/service';
import { authService, requireOrgRole, requireSession } from '../auth/service';
import { projectsService } from '../projects/service';
import { checkEventQuota, recordUsage } from '../usage/service';
import { deleteSavedSearch, logsService } from './service';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const ingestBody = z.object({
  logs: z
    .array(
      z.object({
        timestamp: z.string().datetime().optional(),
        level: z.enum(LEVELS).optional(),
        message: z.string(),
        attributes: z.record(z.unknown()).optional(),
      }),
    )
    .min(1)
    .max(1_000),
});

const searchQuery = z.object({
  level: z.enum(LEVELS).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  q: z.string().max(500).optional(),
  limit: z.coerce.number().int().positive().max(1_000).optional(),
});

type ProjectParams = { Params: { orgId: string; projectId: string } };

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
}

export async function logRoutes(app: FastifyInstance): Promise<void> {
  app.post('/v1/ingest', async (request, reply) => {
    const principal = await apiKeysService.validateKey(bearerToken(request) ?? '');
    if (!principal) return reply.code(401).send({ error: 'invalid api key' });

    const quota = await checkEventQuota(principal.organizationId);
    if (quota.exceeded) {
      return reply.code(429).send({ error: 'monthly event quota exceeded', limit: quota.limit });
    }

    const { logs } = ingestBody.parse(request.body);
    for (const entry of logs) {
      await logsService.appendLog(principal.projectId, entry);
    }
    await recordUsage(principal.organizationId, 'events_ingested', logs.length);
    return reply.code(202).send({ accepted: logs.length });
  });

  app.get<ProjectParams>(
    '/organizations/:orgId/projects/:projectId/logs',
    { preHandler: requireOrgRole('viewer') },
    async (request, reply) => {
      const project = await projectsService.getProject(request.params.orgId, request.params.projectId);
      if (!project) return reply.code(404).send({ error: 'project not found' });
      const { q, ...filters } = searchQuery.parse(request.query);
      return logsService.searchLogs(project.id, { ...filters, search: q });
    },
  );

  app.get<{ Params: { orgId: string } }>(
    '/organizations/:orgId/logs/overview',
    { preHandler: requireOrgRole('viewer') },
    async (request) => {
      const since = new Date(Date.now() - 24 * 60 * 60 * 1000);
      const projectIds = await projectsService.projectIdsForOrg(request.params.orgId);
      const [levels, recentErrors] = await Promise.all([
        logsService.levelBreakdown(projectIds, since),
        logsService.recentErrorsForOrg(request.params.orgId, since),
      ]);
      return { levels, recentErrors };
    },
  );

  app.get<{ Params: { projectId: string; traceId: string } }>(
    '/projects/:projectId/traces/:traceId',
    { preHandler: requireSession },
    async (request, reply) => {
      const project = await projectsService.getProjectById(request.params.projectId);
      if (!project) return reply.code(404).send({ error: 'project not found' });

      const role = await authService.getMembership(request.auth!.userId, project.organization_id);
      if (!role) return reply.code(404).send({ error: 'project not found' });

      const spans = await logsService.getTrace(project.id, request.params.traceId);
      return spans ?? reply.code(404).send({ error: 'trace not found' });
    },
  );

  app.delete<{ Params: { orgId: string; projectId: string; searchId: string } }>(
    '/organizations/:orgId/projects/:projectId/saved-searches/:searchId',
    { preHandler: requireOrgRole('member') },
    async (request, reply) => {
      const removed = await deleteSavedSearch(request.params.searchId);
      return reply.code(removed ? 204 : 404).send();
    },
  );
}
