//! Specification of pull-request mode: `tenant-audit diff --base REV`
//! compares the audit of a commit (read from the git object database) with
//! the working tree's, matching paths by id; and in a git working tree the
//! sources are the tracked files. Each test builds its repository with git2.

mod project;

use git2::{IndexAddOption, Repository, Signature};
use project::{assert_valid_sarif, Project};
use serde_json::Value;

const INVENTORY: &str = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  tenant: [{ name: projects, scope: [organization_id] }]
  global: [{ name: plans, reason: "Shared price list" }]
paths:
  - id: src/admin.ts::exportAll::kysely.select::projects#1
    classification: global
    reason: "Staff export"
"#;

/// At the base: an export classified global, a scoped listing, a global
/// read that will be removed, and one that will only move.
const BASE_TS: &str = "export async function exportAll() {
  return db.selectFrom('projects').selectAll().execute();
}
export async function listProjects(orgId: string) {
  return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();
}
export async function gone() {
  return db.selectFrom('plans').selectAll().execute();
}
export async function listPlans() {
  return db.selectFrom('plans').selectAll().execute();
}
";

/// In the working tree: every line moved down, `listProjects` lost its
/// tenant filter, `gone` is gone, `fresh` is new.
const HEAD_TS: &str = "// Admin queries.
// Every function below moved three lines down.

export async function exportAll() {
  return db.selectFrom('projects').selectAll().execute();
}
export async function listProjects(orgId: string) {
  return db.selectFrom('projects').selectAll().execute();
}
export async function listPlans() {
  return db.selectFrom('plans').selectAll().execute();
}
export async function fresh() {
  return db.selectFrom('projects').selectAll().execute();
}
";

const EXPORT_ID: &str = "src/admin.ts::exportAll::kysely.select::projects#1";
const LIST_ID: &str = "src/admin.ts::listProjects::kysely.select::projects#1";
const GONE_ID: &str = "src/admin.ts::gone::kysely.select::plans#1";
const FRESH_ID: &str = "src/admin.ts::fresh::kysely.select::projects#1";

/// Stages every file in the working tree (additions and deletions) and commits.
fn commit_all(repo: &Repository, message: &str) -> git2::Oid {
    let mut index = repo.index().expect("the index");
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .expect("stage the files");
    index.update_all(["*"], None).expect("stage deletions");
    index.write().expect("write the index");
    let tree = repo.find_tree(index.write_tree().expect("a tree")).expect("the tree");
    let signature = Signature::now("Test", "test@example.com").expect("a signature");
    let parent = repo.head().ok().and_then(|head| head.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &signature, &signature, message, &tree, &parents)
        .expect("commit")
}

/// A repository whose branch `base` holds the base files, with the working
/// tree changed to the head files (and the inventory reclassifying `exportAll`).
fn repository_with_changes() -> (Project, Repository) {
    let project = Project::with(&[("inventory.yaml", INVENTORY), ("src/admin.ts", BASE_TS)]);
    let repo = Repository::init(project.path()).expect("git init");
    let base = commit_all(&repo, "base");
    repo.branch("base", &repo.find_commit(base).unwrap(), false)
        .expect("a branch");
    project.write("src/admin.ts", HEAD_TS);
    project.write(
        "inventory.yaml",
        INVENTORY.replace(
            "classification: global\n    reason: \"Staff export\"",
            "classification: unclear\n    reason: \"Staff export; the staff check is being moved\"",
        ),
    );
    (project, repo)
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().expect("an id"))
        .collect()
}

#[test]
fn diff_reports_paths_added_removed_and_changed_matched_by_id_not_by_line() {
    let (project, _repo) = repository_with_changes();
    let run = project.run(&["diff", "--base", "base", "--format", "json"]);
    run.assert_code(0);
    let diff = run.json();
    assert_eq!(ids(&diff["added"]), vec![FRESH_ID]);
    assert_eq!(ids(&diff["removed"]), vec![GONE_ID]);
    // `listPlans` moved three lines and is not a change.
    assert_eq!(ids(&diff["changed"]), vec![EXPORT_ID, LIST_ID]);

    let changed = &diff["changed"].as_array().unwrap();
    assert_eq!(changed[0]["before"]["classification"], "global");
    assert_eq!(changed[0]["after"]["classification"], "unclear");
    assert_eq!(changed[1]["before"]["verdict"], "scoped");
    assert_eq!(changed[1]["after"]["verdict"], "unscoped");
    assert_eq!(changed[1]["after"]["status"], "unclassified");
    assert_eq!(diff["summary"]["needs_classification"], 2);
    assert_eq!(diff["base"]["revision"], "base");
    assert_eq!(diff["base"]["inventory"], "at-revision");
}

#[test]
fn diff_as_markdown_is_a_pull_request_comment() {
    let (project, repo) = repository_with_changes();
    let short = repo
        .revparse_single("base")
        .unwrap()
        .short_id()
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    project
        .run(&["diff", "--base", "base", "--format", "markdown"])
        .assert_code(0)
        .assert_stdout_has(&format!(
            "### Tenant isolation: data-access paths changed since `base` ({short})\n"
        ))
        .assert_stdout_has(
            "**1 added, 1 removed, 2 changed.** **2 path(s) need a classification** in `inventory.yaml` before `tenant-audit check` passes.",
        )
        .assert_stdout_has("#### Added (1)\n")
        .assert_stdout_has("| `src/admin.ts:14` · `fresh` | kysely select `projects` | unscoped | **UNCLASSIFIED** |")
        .assert_stdout_has("| `src/admin.ts:8` · `listProjects` | kysely select `projects` | scoped → **unscoped** | proven by the code → **UNCLASSIFIED** |")
        .assert_stdout_has("| `src/admin.ts:5` · `exportAll` | kysely select `projects` | unscoped | global (reviewed) → unclear |")
        .assert_stdout_has("| `src/admin.ts` · `gone` | kysely select `plans` | not-tenant | global (taxonomy) |")
        .assert_stdout_has(&format!("- removed: `{GONE_ID}`"))
        .assert_stdout_lacks("listPlans");
}

#[test]
fn diff_of_an_unchanged_tree_says_nothing_changed() {
    let project = Project::with(&[("inventory.yaml", INVENTORY), ("src/admin.ts", BASE_TS)]);
    let repo = Repository::init(project.path()).unwrap();
    let base = commit_all(&repo, "base").to_string();
    project
        .run(&["diff", "--base", &base, "--format", "markdown"])
        .assert_code(0)
        .assert_stdout_has("No data-access path was added, removed or changed.");
    project
        .run(&["diff", "--base", &base])
        .assert_code(0)
        .assert_stdout_has("0 added, 0 removed, 0 changed\n");
}

#[test]
fn a_base_that_cannot_be_resolved_is_an_error_that_says_to_fetch_the_history() {
    let (project, _repo) = repository_with_changes();
    let run = project.run(&["diff", "--base", "origin/main", "--format", "markdown"]);
    run.assert_code(2)
        .assert_stderr_has("error: cannot resolve the base revision `origin/main`")
        .assert_stderr_has("`fetch-depth: 0`");
    assert!(run.stdout.is_empty(), "no report, never an empty diff; {run:?}");
}

#[test]
fn in_a_shallow_clone_the_error_says_the_clone_is_shallow() {
    let (project, repo) = repository_with_changes();
    let head = repo.head().unwrap().peel_to_commit().unwrap().id();
    // What `git clone --depth 1` leaves: the cut-off commits listed in .git/shallow.
    project.write(".git/shallow", format!("{head}\n"));
    project
        .run(&["diff", "--base", "origin/main"])
        .assert_code(2)
        .assert_stderr_has("this clone is shallow")
        .assert_stderr_has("set `fetch-depth: 0`")
        .assert_stderr_has("git fetch --unshallow");
}

#[test]
fn diff_outside_a_git_working_tree_is_an_error() {
    let project = Project::with(&[("inventory.yaml", INVENTORY), ("src/admin.ts", BASE_TS)]);
    project
        .run(&["diff", "--base", "main"])
        .assert_code(2)
        .assert_stderr_has("`diff` compares with a git revision, but the current folder is not in a git working tree");
}

#[test]
fn a_base_without_an_inventory_is_judged_with_this_taxonomy_and_no_classifications() {
    let project = Project::with(&[("src/admin.ts", BASE_TS)]);
    let repo = Repository::init(project.path()).unwrap();
    let base = commit_all(&repo, "before tenant-audit").to_string();
    project.write("inventory.yaml", INVENTORY);
    let markdown = project.run(&["diff", "--base", &base, "--format", "markdown"]);
    markdown
        .assert_code(0)
        .assert_stdout_has(&format!(
            "> **Note:** inventory.yaml does not exist at `{base}`, so the base was judged with this tree's taxonomy and no classifications."
        ))
        // The classification this branch adds is the only change.
        .assert_stdout_has("| unscoped | UNCLASSIFIED → global (reviewed) |");
    let json = project.run(&["diff", "--base", &base, "--format", "json"]).json();
    assert_eq!(json["base"]["inventory"], "missing");
}

#[test]
fn an_inventory_in_a_subfolder_compares_its_own_sources() {
    let project = Project::with(&[
        ("api/inventory.yaml", INVENTORY),
        ("api/src/admin.ts", BASE_TS),
        ("README.md", "monorepo\n"),
    ]);
    let repo = Repository::init(project.path()).unwrap();
    let base = commit_all(&repo, "base").to_string();
    project.write("api/src/admin.ts", HEAD_TS);
    let diff = project
        .run(&[
            "--config",
            "api/inventory.yaml",
            "diff",
            "--base",
            &base,
            "--format",
            "json",
        ])
        .json();
    assert_eq!(ids(&diff["added"]), vec![FRESH_ID]);
    assert_eq!(ids(&diff["removed"]), vec![GONE_ID]);
    assert_eq!(ids(&diff["changed"]), vec![LIST_ID]);
}

#[test]
fn in_a_git_working_tree_only_tracked_files_are_scanned_and_the_rest_are_named() {
    let project = Project::with(&[("inventory.yaml", INVENTORY), ("src/admin.ts", BASE_TS)]);
    let repo = Repository::init(project.path()).unwrap();
    commit_all(&repo, "base");
    project.write(
        "src/scratch.ts",
        "export const f = () => db.selectFrom('projects').selectAll().execute();\n",
    );

    let untracked = project.run(&["scan", "--format", "json"]);
    let json = untracked.json();
    let paths: Vec<&str> = ids(&json["paths"]);
    assert!(
        !paths.iter().any(|id| id.starts_with("src/scratch.ts")),
        "{untracked:?}"
    );
    untracked.assert_stderr_has(
        "note: 1 source file(s) under the roots are not tracked by git and were not scanned: src/scratch.ts; `git add` them to audit them",
    );

    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("src/scratch.ts")).unwrap();
    index.write().unwrap();
    let tracked = project.run(&["scan", "--format", "json"]);
    assert!(ids(&tracked.json()["paths"]).contains(&"src/scratch.ts::f::kysely.select::projects#1"));
    assert!(tracked.stderr.is_empty(), "{tracked:?}");
}

#[test]
fn a_tracked_file_deleted_from_the_working_tree_is_not_scanned() {
    let project = Project::with(&[
        ("inventory.yaml", INVENTORY),
        ("src/admin.ts", BASE_TS),
        (
            "src/extra.ts",
            "export const g = () => db.selectFrom('plans').selectAll().execute();\n",
        ),
    ]);
    let repo = Repository::init(project.path()).unwrap();
    commit_all(&repo, "base");
    std::fs::remove_file(project.join("src/extra.ts")).unwrap();
    let scan = project.run(&["scan", "--format", "json"]);
    scan.assert_code(0);
    assert!(!ids(&scan.json()["paths"])
        .iter()
        .any(|id| id.starts_with("src/extra.ts")));
}

#[test]
fn diff_as_sarif_and_annotations_lists_the_added_and_changed_paths_that_need_a_classification() {
    let (project, _repo) = repository_with_changes();
    let log = project.run(&["diff", "--base", "base", "--format", "sarif"]).json();
    assert_valid_sarif(&log);
    let fingerprints: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["tenantAuditSubject/v1"].as_str().unwrap())
        .collect();
    // `exportAll` changed too, but it is classified (unclear): not a result.
    assert_eq!(fingerprints, vec![FRESH_ID, LIST_ID]);

    let annotations = project.run(&["diff", "--base", "base", "--format", "github"]);
    annotations
        .assert_code(0)
        .assert_stdout_has("::error file=src/admin.ts,line=14,title=tenant-audit%3A unscoped-tenant::")
        .assert_stdout_has("::error file=src/admin.ts,line=8,title=tenant-audit%3A unscoped-tenant::");
}

#[test]
fn a_base_whose_inventory_does_not_load_is_judged_without_classifications_and_says_why() {
    let project = Project::with(&[
        ("inventory.yaml", &format!("{INVENTORY}colour: blue\n")),
        ("src/admin.ts", BASE_TS),
    ]);
    let repo = Repository::init(project.path()).unwrap();
    let base = commit_all(&repo, "a typo in the inventory").to_string();
    project.write("inventory.yaml", INVENTORY);
    let run = project.run(&["diff", "--base", &base, "--format", "json"]);
    run.assert_code(0)
        .assert_stderr_has(&format!(
            "note: inventory.yaml at `{base}` does not load, so the base is judged without its classifications:"
        ))
        .assert_stderr_has(&format!("{base}:inventory.yaml:10:1: error[config-invalid]"))
        .assert_stderr_has("colour");
    let diff = run.json();
    assert_eq!(diff["base"]["inventory"], "invalid");
    assert_eq!(ids(&diff["changed"]), vec![EXPORT_ID]);
}
