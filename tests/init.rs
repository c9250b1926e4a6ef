//! Specification of `tenant-audit init`: a starter inventory for a repository
//! the tool has never seen, drafted from what the code and schema show.

mod project;

use project::Project;

const SCHEMA_TS: &str = "import type { Generated } from 'kysely';
export interface OrganizationsTable { id: Generated<string>; name: string }
export interface ProjectsTable { id: Generated<string>; organization_id: string; name: string }
export interface LogsTable { id: Generated<string>; project_id: string; message: string }
export interface AlertRulesTable { id: Generated<string>; organization_id: string; project_id: string }
export interface AlertHistoryTable { id: Generated<string>; alert_rule_id: string; status: string }
export interface PlansTable { id: string; price: number }
export interface Database {
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  logs: LogsTable;
  alert_rules: AlertRulesTable;
  alert_history: AlertHistoryTable;
  plans: PlansTable;
}
";

const QUEUES_TS: &str = "import { Queue, Worker } from 'bullmq';
export function createQueue<T>(name: string) { return new Queue<T>(name, { connection }); }
export function createWorker<T>(name: string, processor: Processor<T>) { return new Worker<T>(name, processor, { connection }); }
export const emails = new Queue('emails', { connection });
";

const CACHE_TS: &str = "import Redis from 'ioredis';
export const kv = new Redis(process.env.REDIS_URL);
";

const SERVICE_TS: &str = "export async function listProjects(orgId: string) {
  return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();
}
export async function plans() {
  return db.selectFrom('plans').selectAll().execute();
}
";

fn repository() -> Project {
    Project::with(&[
        ("services/api/src/db/schema.ts", SCHEMA_TS),
        ("services/api/src/jobs/queues.ts", QUEUES_TS),
        ("services/api/src/lib/cache.ts", CACHE_TS),
        ("services/api/src/projects/service.ts", SERVICE_TS),
        ("services/api/src/projects/service.test.ts", "it('lists', () => {});\n"),
        (
            "services/api/tests/isolation/search.test.ts",
            "it('isolates', () => {});\n",
        ),
        ("node_modules/kysely/index.ts", "export const x = 1;\n"),
        (".gitignore", "node_modules/\n"),
    ])
}

#[test]
fn init_drafts_an_inventory_from_what_the_repository_shows() {
    let project = repository();
    project
        .run(&["init"])
        .assert_code(0)
        .assert_stdout_has(
            "wrote inventory.yaml: 1 source root(s) (services/api/src), tenancy keys organization_id, project_id, \
             6 table(s): 4 tenant, 1 child, 1 to decide; schema from `Database` in services/api/src/db/schema.ts; \
             queue factories: createQueue; worker factories: createWorker; cache clients: kv\n",
        )
        .assert_stdout_has(
            "next: fill in `document:`, decide each table marked \"decide\", then run `tenant-audit check`",
        );
    insta::assert_snapshot!("drafted_inventory", project.read("inventory.yaml"));
}

#[test]
fn the_draft_loads_and_check_runs_on_it() {
    let project = repository();
    project.run(&["init"]).assert_code(0);
    project.run(&["validate"]).assert_code(0);
    let check = project.run(&["check"]);
    // Findings (the undecided `plans` has no `organization_id`, no document yet), never a failure to run.
    check
        .assert_code(1)
        .assert_stdout_has("error[scope-column-missing]")
        .assert_stdout_has("error[drift]");
}

#[test]
fn init_never_overwrites_an_inventory() {
    let project = repository();
    project.write("inventory.yaml", "# ours\n");
    project.run(&["init"]).assert_code(2).assert_stderr_has(
        "inventory.yaml: error[config-exists]: the inventory already exists; `init` never overwrites one",
    );
    assert_eq!(project.read("inventory.yaml"), "# ours\n");
}

#[test]
fn init_without_any_typescript_says_so_and_writes_nothing() {
    let project = Project::with(&[
        ("README.md", "docs only\n"),
        ("tests/a.test.ts", "it('x', () => {});\n"),
    ]);
    project
        .run(&["init"])
        .assert_code(2)
        .assert_stderr_has("no TypeScript source file under . (tests, fixtures and node_modules aside)");
    assert!(!project.exists("inventory.yaml"));
    assert_eq!(project.top_level_files(), vec!["README.md", "tests"]);
}

#[test]
fn without_a_schema_tables_are_grouped_by_what_the_code_filters() {
    let project = Project::with(&[("src/service.ts", SERVICE_TS)]);
    project
        .run(&["init"])
        .assert_code(0)
        .assert_stdout_has("no schema found, so tables come from the code");
    let draft = project.read("inventory.yaml");
    assert!(
        draft.contains("    # Filtered by a tenancy key on every path the code shows.\n    - name: projects\n"),
        "{draft}"
    );
    assert!(
        draft.contains("    - name: plans  # the code does not always filter it by a tenancy key\n"),
        "{draft}"
    );
}
