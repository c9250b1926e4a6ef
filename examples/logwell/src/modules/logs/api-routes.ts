import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiKeysService } from '../api-keys/service';
import { canAccessProject, verifyProjectAccess } from '../auth/service';
import { logsService, renameSavedSearch, saveSearch } from './service';

type ApiKeyContext = { projectId: string; organizationId: string };

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyContext;
  }
}

/**
 * The public API accepts an API key (bound to one project) or a browser
 * session. With an API key the project comes from the key; with a session the
 * caller names the project.
 */
async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const principal = await apiKeysService.validateKey(header.slice('Bearer '.length).trim());
    if (!principal) {
      await reply.code(401).send({ error: 'invalid api key' });
      return;
    }
    request.apiKey = { projectId: principal.projectId, organizationId: principal.organizationId };
  }
}

export async function publicApiRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', authenticate);

  app.get('/api/v1/archive', async (request) => {
    const { from, to } = request.query as { from: string; to: string };
    return logsService.queryArchive(request.apiKey!.projectId, new Date(from), new Date(to));
  });

  app.get('/api/v1/logs', async (request) => {
    const { projectId, level } = request.query as { projectId: string; level?: string };
    if (request.auth) {
      await verifyProjectAccess(projectId, request.auth.userId);
    }
    return logsService.searchLogs(projectId, { level });
  });

  app.get('/api/v1/volume', async (request) => {
    const query = request.query as { projectId?: string; from: string; to: string };
    const projectId = query.projectId || request.apiKey?.projectId;
    return logsService.getVolumeSummary(projectId!, new Date(query.from), new Date(query.to));
  });

  app.get('/api/v1/projects/:projectId/traces/:traceId', async (request) => {
    const { projectId, traceId } = request.params as { projectId: string; traceId: string };
    await verifyProjectAccess(projectId, request.auth!.userId);
    return logsService.getTrace(projectId, traceId);
  });

  app.patch('/api/v1/projects/:projectId/searches/:id', async (request, reply) => {
    const { projectId, id } = request.params as { projectId: string; id: string };
    const member = await canAccessProject(projectId, request.auth!.userId);
    if (member) {
      return reply.code(403).send({ error: 'forbidden' });
    }
    const { name } = request.body as { name: string };
    return renameSavedSearch(projectId, id, name);
  });

  app.post('/api/v1/projects/:projectId/searches', async (request, reply) => {
    const { projectId } = request.params as { projectId: string };
    const body = request.body as { name: string; query: string };
    const allowed = await canAccessProject(projectId, request.auth!.userId);
    const saved = await saveSearch(projectId, body.name, body.query);
    return reply.code(201).send(saved);
  });
}
