import type { Kysely, Transaction } from 'kysely';
import { db } from '../../db/client';
import type { Database, Project } from '../../db/schema';

export interface CreateProjectInput {
  name: string;
  slug?: string;
}

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
}

export class ProjectsService {
  constructor(private readonly db: Kysely<Database>) {}

  async listProjects(orgId: string): Promise<Project[]> {
    return this.db
      .selectFrom('projects')
      .selectAll()
      .where('organization_id', '=', orgId)
      .orderBy('created_at', 'asc')
      .execute();
  }

  async projectIdsForOrg(orgId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('projects')
      .select('id')
      .where('organization_id', '=', orgId)
      .execute();
    return rows.map((r) => r.id);
  }

  async getProject(orgId: string, projectId: string): Promise<Project | undefined> {
    return this.db
      .selectFrom('projects')
      .selectAll()
      .where('organization_id', '=', orgId)
      .where('id', '=', projectId)
      .executeTakeFirst();
  }

  /** Lightweight lookup for the trace viewer, which links by project id only. */
  async getProjectById(projectId: string) {
    return this.db
      .selectFrom('projects')
      .select(['id', 'organization_id', 'name'])
      .where('id', '=', projectId)
      .executeTakeFirst();
  }

  async createProject(orgId: string, input: CreateProjectInput, actorId: string): Promise<Project> {
    return this.db.transaction().execute(async (trx) => {
      const project = await trx
        .insertInto('projects')
        .values({
          organization_id: orgId,
          name: input.name,
          slug: input.slug ?? slugify(input.name),
        })
        .returningAll()
        .executeTakeFirstOrThrow();

      await this.seedDefaultSearches(trx, project.id, actorId);

      await trx
        .insertInto('audit_log')
        .values({
          organization_id: orgId,
          actor_id: actorId,
          action: 'project.created',
          target: `project:${project.id}`,
        })
        .execute();

      return project;
    });
  }

  /** Every new project starts with the three searches people create anyway. */
  private async seedDefaultSearches(trx: Transaction<Database>, projectId: string, userId: string) {
    await trx
      .insertInto('saved_searches')
      .values([
        { project_id: projectId, created_by: userId, name: 'Errors', query: 'level:error OR level:fatal' },
        { project_id: projectId, created_by: userId, name: 'Warnings', query: 'level:warn' },
        { project_id: projectId, created_by: userId, name: 'Slow requests', query: 'attributes.duration_ms:>1000' },
      ])
      .execute();
  }
}

export const projectsService = new ProjectsService(db);
