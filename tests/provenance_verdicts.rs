//! Specification of request-supplied tenant ids (CWE-639): one route handler
//! in, the verdict and evidence of each tenant id × sink out.

mod support;

use tenant_audit::extract::{ExtractRules, Verifier};
use tenant_audit::model::{DataPath, PathKind, Verdict};

fn rules() -> ExtractRules {
    ExtractRules {
        trusted_sources: vec![
            "request.projectId".into(),
            "request.organizationId".into(),
            "request.user.organizationId".into(),
        ],
        verifiers: vec![
            Verifier {
                name: "verifyProjectAccess".into(),
                verifies: vec![],
            },
            Verifier {
                name: "assertOrgMember".into(),
                verifies: vec![],
            },
            Verifier {
                name: "requireOrgRole".into(),
                verifies: vec!["orgId".into()],
            },
        ],
        ..ExtractRules::default()
    }
}

fn flows(files: &[(&str, &str)]) -> Vec<DataPath> {
    support::scan_files(files, &rules(), &support::taxonomy())
        .into_iter()
        .filter(|p| p.kind == PathKind::Provenance)
        .collect()
}

/// The one flow of a single handler.
fn only(source: &str) -> DataPath {
    let found = flows(&[("src/routes.ts", source)]);
    assert_eq!(found.len(), 1, "expected one flow: {found:#?}");
    found.into_iter().next().unwrap()
}

fn assert_flow(path: &DataPath, verdict: Verdict, evidence: &[&str]) {
    assert_eq!(path.verdict, verdict, "{path:#?}");
    for needle in evidence {
        assert!(
            path.evidence.contains(needle),
            "evidence {:?} lacks {needle:?}",
            path.evidence
        );
    }
}

#[test]
fn id_from_the_authenticated_context_is_bound() {
    let path = only(
        "export async function routes(app) {
           app.get('/api/v1/logs', async (request) => logsService.search({ projectId: request.projectId }));
         }",
    );
    assert_flow(&path, Verdict::Bound, &["`request.projectId` (authenticated context)"]);
    assert_eq!(path.symbol, "GET /api/v1/logs");
    assert_eq!(path.operation, "projectId");
    assert_eq!(path.target, "logsService.search");
}

#[test]
fn supplied_id_with_no_verifier_is_unverified() {
    let path = only(
        "fastify.get('/api/v1/logs', async (request, reply) => {
           const { projectId } = request.query as { projectId: string };
           const rows = await logsService.search({ projectId, limit: 50 });
           return reply.send(rows);
         });",
    );
    assert_flow(
        &path,
        Verdict::Unverified,
        &["`request.query.projectId`", "no verifier"],
    );
}

#[test]
fn throwing_verifier_before_the_sink_verifies() {
    let path = only(
        "app.get('/api/v1/logs', async (request) => {
           const { projectId } = request.query;
           await verifyProjectAccess(projectId, request.user.id);
           return logsService.search({ projectId });
         });",
    );
    assert_flow(&path, Verdict::Verified, &["throws when denied"]);
}

#[test]
fn verifier_result_guarding_the_rest_verifies() {
    let path = only(
        "app.delete('/projects/:projectId/searches/:id', async (request, reply) => {
           const ok = await verifyProjectAccess(request.params.projectId, request.user.id);
           if (!ok) return reply.code(403).send({ error: 'forbidden' });
           return searches.remove(request.params.projectId, request.params.id);
         });",
    );
    assert_flow(&path, Verdict::Verified, &["guarding `if (!ok)`"]);
    assert_eq!(path.symbol, "DELETE /projects/:projectId/searches/:id");
}

#[test]
fn verifier_call_in_the_condition_verifies() {
    let path = only(
        "app.get('/x', async (request, reply) => {
           if (!(await assertOrgMember(request.params.orgId, request.user))) { return reply.code(403).send(); }
           return orgs.load(request.params.orgId);
         });",
    );
    assert_flow(&path, Verdict::Verified, &["assertOrgMember"]);
}

#[test]
fn inverted_check_is_not_a_guard() {
    let path = only(
        "app.get('/x', async (request, reply) => {
           const ok = await verifyProjectAccess(request.query.projectId, request.user.id);
           if (ok) return reply.code(403).send();
           return logsService.search({ projectId: request.query.projectId });
         });",
    );
    assert_flow(&path, Verdict::Unverified, &["wrong way round"]);
}

#[test]
fn ignored_verifier_result_is_not_a_guard() {
    let path = only(
        "app.get('/x', async (request) => {
           const { projectId } = request.query;
           const allowed = await verifyProjectAccess(projectId, request.user.id);
           return logsService.search({ projectId });
         });",
    );
    assert_flow(&path, Verdict::Unverified, &["never checked"]);
}

#[test]
fn verifier_on_one_auth_mode_only_is_conditional() {
    let path = only(
        "app.get('/api/v1/logs', async (request) => {
           const { projectId } = request.query;
           if (request.user) {
             await verifyProjectAccess(projectId, request.user.id);
           }
           return logsService.search({ projectId });
         });",
    );
    assert_flow(&path, Verdict::Conditional, &["runs only when `(request.user)` holds"]);
}

#[test]
fn supplied_id_overriding_the_bound_one_is_conditional() {
    let path = only(
        "app.get('/api/v1/logs', async (request) => {
           const projectId = (request.query as Q).projectId || request.projectId;
           return logsService.search({ projectId });
         });",
    );
    assert_flow(
        &path,
        Verdict::Conditional,
        &["overrides the bound one without a check"],
    );
}

#[test]
fn route_hook_verifier_verifies_its_ids() {
    let path = only(
        "app.get('/organizations/:orgId/projects', { preHandler: requireOrgRole('viewer') }, async (request) => {
           return projectsService.listProjects(request.params.orgId);
         });",
    );
    assert_flow(&path, Verdict::Verified, &["route hook `requireOrgRole('viewer')`"]);
}

#[test]
fn route_hook_does_not_verify_other_ids() {
    let path = only(
        "app.get('/organizations/:orgId/projects/:projectId', { preHandler: requireOrgRole('viewer') }, async (request) => {
           return projectsService.getProjectById(request.params.projectId);
         });",
    );
    assert_flow(&path, Verdict::Unverified, &["request.params.projectId"]);
}

#[test]
fn id_computed_by_unreadable_code_is_unknown() {
    let path = only(
        "app.get('/x', async (request) => {
           const projectId = await resolveProject(request);
           return logsService.search({ projectId });
         });",
    );
    assert_flow(&path, Verdict::Unknown, &["computed by `resolveProject(request)`"]);
}

#[test]
fn express_routes_and_middleware() {
    let path = only(
        "router.get('/orgs/:orgId/usage', requireAuth, async (req, res) => {
           const usage = await usageService.summarize(req.params.orgId);
           res.json(usage);
         });",
    );
    assert_flow(&path, Verdict::Unverified, &["`request.params.orgId`"]);
    assert_eq!(path.symbol, "GET /orgs/:orgId/usage");
}

#[test]
fn route_objects_with_named_handlers() {
    let path = only(
        "async function showProject(request) { return projects.load(request.params.projectId); }
         fastify.route({ method: 'GET', url: '/projects/:projectId', handler: showProject });",
    );
    assert_eq!(path.symbol, "GET /projects/:projectId");
    assert_flow(&path, Verdict::Unverified, &["projects.load"]);
}

#[test]
fn query_in_the_handler_is_the_sink() {
    let path = only(
        "app.get('/x', async (request) => db.selectFrom('logs').selectAll().where('project_id', '=', request.query.projectId).execute());",
    );
    assert_eq!(path.target, "selectFrom('logs')");
    assert_flow(&path, Verdict::Unverified, &[]);
}

#[test]
fn replies_and_logs_are_not_sinks() {
    let found = flows(&[(
        "src/routes.ts",
        "app.get('/x', async (request, reply) => { request.log.info({ projectId: request.query.projectId }); return reply.send({ projectId: request.query.projectId }); });",
    )]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn service_calls_are_followed_to_the_paths_they_reach() {
    let service = "export class LogsService {
      async search(filter) { return this.db.selectFrom('logs').selectAll().where('project_id', '=', filter.projectId).execute(); }
    }
    export const logsService = new LogsService(db);";
    let routes = "import { logsService } from './service';
    export async function logRoutes(app) {
      app.get('/logs', async (request) => logsService.search({ projectId: request.query.projectId }));
    }";
    let found = flows(&[("src/logs/service.ts", service), ("src/logs/routes.ts", routes)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_flow(
        &found[0],
        Verdict::Unverified,
        &["reaches kysely.select logs (LogsService.search)"],
    );
}

#[test]
fn a_function_imported_under_another_name_is_followed_to_the_paths_it_reaches() {
    let service = "export async function search(filter) {
      return db.selectFrom('logs').selectAll().where('project_id', '=', filter.projectId).execute();
    }
    export async function searchArchive(filter) {
      return db.selectFrom('archived_logs').selectAll().execute();
    }";
    let routes = "import { search as searchLogs } from './service';
    export async function logRoutes(app) {
      app.get('/logs', async (request) => searchLogs({ projectId: request.query.projectId }));
    }";
    let found = flows(&[("src/logs/service.ts", service), ("src/logs/routes.ts", routes)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_flow(&found[0], Verdict::Unverified, &["reaches kysely.select logs (search)"]);
    assert!(
        !found[0].evidence.contains("archived_logs"),
        "only the imported function's paths: {:?}",
        found[0].evidence
    );
}

#[test]
fn a_default_import_is_followed_to_the_function_exported_as_default() {
    let declared = "export default async function search(filter) {
      return db.selectFrom('logs').selectAll().where('project_id', '=', filter.projectId).execute();
    }";
    let named_later = "async function search(filter) {
      return db.selectFrom('logs').selectAll().where('project_id', '=', filter.projectId).execute();
    }
    export default search;";
    for service in [declared, named_later] {
        for import in [
            "import searchLogs from './service';",
            "import { default as searchLogs } from './service';",
        ] {
            let routes = format!(
                "{import}
                app.get('/logs', async (request) => searchLogs({{ projectId: request.query.projectId }}));"
            );
            let found = flows(&[("src/logs/service.ts", service), ("src/logs/routes.ts", &routes)]);
            assert_eq!(found.len(), 1, "{found:#?}");
            assert_flow(&found[0], Verdict::Unverified, &["reaches kysely.select logs (search)"]);
        }
    }
}

#[test]
fn a_function_of_a_namespace_import_is_followed_to_the_paths_it_reaches() {
    let service = "export async function search(filter) {
      return db.selectFrom('logs').selectAll().where('project_id', '=', filter.projectId).execute();
    }";
    let routes = "import * as logs from './service';
    export async function logRoutes(app) {
      app.get('/logs', async (request) => logs.search({ projectId: request.query.projectId }));
    }";
    let found = flows(&[("src/logs/service.ts", service), ("src/logs/routes.ts", routes)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_flow(&found[0], Verdict::Unverified, &["reaches kysely.select logs (search)"]);
}
