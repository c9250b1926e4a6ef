//! Specification of the machine formats for CI: SARIF 2.1.0 that validates
//! against the schema and that GitHub code scanning can track across line
//! moves, GitHub workflow annotations, and colour only where people look.

mod project;

use project::{assert_valid_sarif, Project};
use serde_json::Value;
use std::collections::BTreeSet;

const INVENTORY: &str = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  tenant: [{ name: projects, scope: [organization_id] }]
  global: [{ name: plans, reason: "Shared price list" }]
paths:
  - id: src/admin.ts::exportAll::kysely.select::projects#1
    classification: global
    reason: "Staff export"
  - id: src/admin.ts::removedLongAgo::kysely.select::projects#1
    classification: global
    reason: "Gone"
"#;

/// One path of each problem class, one classified path (`exportAll`), and a
/// scoped query on a table missing from the taxonomy (`invoices`).
const ADMIN_TS: &str = "export async function allProjects() {
  return db.selectFrom('projects').selectAll().execute();
}
export async function search(orgId?: string) {
  let q = db.selectFrom('projects').selectAll();
  if (orgId) {
    q = q.where('organization_id', '=', orgId);
  }
  return q.execute();
}
export async function byName(table: string) {
  return db.selectFrom(table as any).selectAll().execute();
}
export async function exportAll() {
  return db.selectFrom('projects').selectAll().execute();
}
export async function invoices(orgId: string) {
  return db.selectFrom('invoices').selectAll().where('organization_id', '=', orgId).execute();
}
";

const UNSCOPED_ID: &str = "src/admin.ts::allProjects::kysely.select::projects#1";
const CONDITIONAL_ID: &str = "src/admin.ts::search::kysely.select::projects#1";
const UNKNOWN_ID: &str = "src/admin.ts::byName::kysely.select::?#1";
const CLASSIFIED_ID: &str = "src/admin.ts::exportAll::kysely.select::projects#1";

fn project() -> Project {
    Project::with(&[("inventory.yaml", INVENTORY), ("src/admin.ts", ADMIN_TS)])
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

/// (rule id, fingerprint) of every result.
fn identities(log: &Value) -> BTreeSet<(String, String)> {
    results(log)
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["tenantAuditSubject/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn check_as_sarif_validates_against_the_2_1_0_schema() {
    let project = project();
    let run = project.run(&["check", "--format", "sarif"]);
    run.assert_code(1);
    let log = run.json();
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "tenant-audit");
}

#[test]
fn there_is_one_rule_per_problem_class_with_a_security_severity() {
    let log = project().run(&["check", "--format", "sarif"]).json();
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for class in [
        "unclassified",
        "conditional",
        "unscoped-tenant",
        "stale",
        "unknown-table",
        "drift",
    ] {
        assert!(ids.contains(&class), "no rule {class} in {ids:?}");
    }
    for rule in rules {
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("GitHub reads the score from a string")
            .parse()
            .expect("a number");
        assert!((0.0..=10.0).contains(&score), "{rule}");
        assert!(rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&"security".into()));
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
}

#[test]
fn each_problem_is_a_located_result_with_a_fingerprint_and_classified_paths_are_not() {
    let log = project().run(&["check", "--format", "sarif"]).json();
    let expected: BTreeSet<(String, String)> = [
        ("unscoped-tenant", UNSCOPED_ID),
        ("conditional", CONDITIONAL_ID),
        ("unclassified", UNKNOWN_ID),
        (
            "stale",
            "stale-entry:src/admin.ts::removedLongAgo::kysely.select::projects#1",
        ),
        ("unknown-table", "unknown-table:invoices"),
        (
            "drift",
            "drift:docs/security/tenant-isolation-audit.md:the document does not exist",
        ),
    ]
    .into_iter()
    .map(|(rule, fingerprint)| (rule.to_string(), fingerprint.to_string()))
    .collect();
    assert_eq!(identities(&log), expected);

    for result in results(&log) {
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            !location["artifactLocation"]["uri"].as_str().unwrap().is_empty(),
            "{result}"
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1, "{result}");
        let score: f64 = result["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(score > 0.0);
    }
    let unscoped = results(&log)
        .iter()
        .find(|r| r["partialFingerprints"]["tenantAuditSubject/v1"] == UNSCOPED_ID)
        .unwrap();
    assert_eq!(
        unscoped["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/admin.ts"
    );
    assert_eq!(unscoped["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    assert_eq!(unscoped["level"], "error");
    let text = unscoped["message"]["text"].as_str().unwrap();
    assert!(text.contains("classification: unclear"), "the stanza to paste: {text}");
    assert!(
        !log.to_string().contains(CLASSIFIED_ID),
        "a classified path is no result"
    );
}

#[test]
fn fingerprints_do_not_change_when_code_moves_but_lines_do() {
    let project = project();
    let before = project.run(&["check", "--format", "sarif"]).json();
    project.write("src/admin.ts", format!("// moved\n// down\n{ADMIN_TS}"));
    let after = project.run(&["check", "--format", "sarif"]).json();
    assert_eq!(identities(&before), identities(&after));
    let line = |log: &Value| {
        results(log)
            .iter()
            .find(|r| r["partialFingerprints"]["tenantAuditSubject/v1"] == UNSCOPED_ID)
            .unwrap()["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(line(&after), line(&before) + 2);
}

#[test]
fn scan_as_sarif_lists_only_paths_that_need_a_classification() {
    let log = project().run(&["scan", "--format", "sarif"]).json();
    assert_valid_sarif(&log);
    let rules: BTreeSet<String> = identities(&log).into_iter().map(|(rule, _)| rule).collect();
    assert_eq!(
        rules,
        BTreeSet::from([
            "conditional".to_string(),
            "unclassified".to_string(),
            "unscoped-tenant".to_string()
        ])
    );
}

#[test]
fn uris_are_relative_to_the_repository_root_and_encoded() {
    let project = Project::with(&[
        ("services/my api/inventory.yaml", INVENTORY),
        ("services/my api/src/admin.ts", ADMIN_TS),
    ]);
    let repo = git2::Repository::init(project.path()).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let log = project
        .run(&[
            "--config",
            "services/my api/inventory.yaml",
            "check",
            "--format",
            "sarif",
        ])
        .json();
    assert_valid_sarif(&log);
    let uris: BTreeSet<&str> = results(&log)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        BTreeSet::from([
            "services/my%20api/src/admin.ts",
            "services/my%20api/inventory.yaml",
            "services/my%20api/docs/security/tenant-isolation-audit.md",
        ])
    );
}

#[test]
fn github_format_prints_one_workflow_annotation_per_problem() {
    let run = project().run(&["check", "--format", "github"]);
    run.assert_code(1);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 6, "{run:?}");
    assert!(
        annotations.iter().any(|a| a.starts_with(
            "::error file=src/admin.ts,line=2,title=tenant-audit%3A unscoped-tenant::`src/admin.ts::allProjects::kysely.select::projects#1` is unscoped"
        )),
        "{run:?}"
    );
    assert!(
        annotations
            .iter()
            .any(|a| a.starts_with("::error file=inventory.yaml,line=10,col=5,title=tenant-audit%3A stale::")),
        "{run:?}"
    );
    // Multi-line messages are encoded onto one line.
    assert!(annotations.iter().all(|a| !a.contains('\r')));
    assert!(annotations[0].contains("%0A"), "{}", annotations[0]);
    run.assert_stdout_has("\ncheck failed: ");
}

#[test]
fn colour_appears_only_where_it_is_wanted() {
    let project = project();
    let forced = project.run_with_env(&["check"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.stdout.contains("\u{1b}["), "{forced:?}");
    let no_color = project.run_with_env(&["check"], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains('\u{1b}'), "{no_color:?}");
    let piped = project.run(&["check"]);
    assert!(!piped.stdout.contains('\u{1b}'), "not a terminal: {piped:?}");
    for format in ["json", "sarif", "github"] {
        let machine = project.run_with_env(&["check", "--format", format], &[("CLICOLOR_FORCE", "1")]);
        assert!(!machine.stdout.contains('\u{1b}'), "{format}: {machine:?}");
        assert!(machine.stderr.is_empty(), "nothing but the report: {machine:?}");
    }
}
