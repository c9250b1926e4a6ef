//! Specification of the `tenant-audit` command line, end to end: each test
//! builds a small project (an inventory.yaml and TypeScript sources) in a
//! temporary folder, runs the binary in it, and checks the exit code, the
//! report and the files written.

mod project;

use assert_cmd::Command;
use project::Run;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

/// The document's default place, relative to the inventory's folder.
const DOC: &str = "docs/security/tenant-isolation-audit.md";

/// A minimal valid inventory. `paths:` is on line 6, so an entry appended
/// after it starts on line 7.
const INVENTORY: &str = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  tenant: [{ name: projects, scope: [organization_id] }]
  global: [{ name: plans, reason: "Shared price list" }]
paths: []
"#;

/// One path the code proves scoped (line 2) and one on a global table (line 6).
const CLEAN_TS: &str = "export async function listProjects(orgId: string) {
  return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();
}

export async function listPlans() {
  return db.selectFrom('plans').selectAll().execute();
}
";

/// A tenant table read with no tenant constraint, on line 2.
const UNSCOPED_TS: &str = "export async function allProjects() {
  return db.selectFrom('projects').selectAll().execute();
}
";
const UNSCOPED_ID: &str = "src/admin.ts::allProjects::kysely.select::projects#1";

const SCOPED_ID: &str = "src/projects.ts::listProjects::kysely.select::projects#1";

// ---------------------------------------------------------------------------
// Fixture helpers
// ---------------------------------------------------------------------------

/// A project in a fresh temporary folder. `inventory.yaml` is [`INVENTORY`]
/// unless `files` provides one.
fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().expect("a temporary folder");
    if !files.iter().any(|(path, _)| *path == "inventory.yaml") {
        write(dir.path(), "inventory.yaml", INVENTORY);
    }
    for (path, contents) in files {
        write(dir.path(), path, contents);
    }
    dir
}

/// [`INVENTORY`] with `entries` (YAML sequence items, indented two spaces) under `paths:`.
fn inventory_with_paths(entries: &str) -> String {
    INVENTORY.replace("paths: []\n", &format!("paths:\n{entries}"))
}

/// A classification entry, three lines long.
fn entry(id: &str, classification: &str, reason: &str) -> String {
    format!("  - id: '{id}'\n    classification: {classification}\n    reason: \"{reason}\"\n")
}

fn write(root: &Path, relative: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create fixture folder");
    }
    fs::write(&path, contents).expect("write fixture file");
}

fn read(root: &Path, relative: &str) -> String {
    fs::read_to_string(root.join(relative)).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

impl Run {
    /// The stdout line that starts with `prefix`.
    fn line_starting(&self, prefix: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no stdout line starts with {prefix:?}; {self:?}"))
    }
}

/// Runs `tenant-audit args...` in `dir`.
fn run(dir: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("tenant-audit")
        .expect("the tenant-audit binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run tenant-audit");
    Run {
        code: output.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn generate(dir: &Path) {
    run(dir, &["generate"]).assert_code(0);
}

/// Runs a command on an invalid inventory and asserts the common contract of
/// a configuration error: exit 2, the located error first on stderr, nothing
/// on stdout, and no document written.
fn assert_config_error(dir: &Path, args: &[&str], first_line_prefix: &str) -> Run {
    let result = run(dir, args);
    result.assert_code(2);
    let first = result.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(first_line_prefix),
        "first stderr line {first:?} does not start with {first_line_prefix:?}; {result:?}"
    );
    assert!(result.stdout.is_empty(), "nothing goes to stdout; {result:?}");
    assert!(!dir.join(DOC).exists(), "no document may be written on a config error");
    result
}

/// A project with `inventory` and clean sources; `generate` must fail on it.
fn assert_inventory_rejected(inventory: &str, first_line_prefix: &str) -> Run {
    let dir = project(&[("inventory.yaml", inventory), ("src/projects.ts", CLEAN_TS)]);
    assert_config_error(dir.path(), &["generate"], first_line_prefix)
}

// ---------------------------------------------------------------------------
// 1. A clean project passes
// ---------------------------------------------------------------------------

#[test]
fn check_passes_on_a_clean_project_after_generate() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["generate"])
        .assert_code(0)
        .assert_stdout_has("wrote docs/security/tenant-isolation-audit.md: 2 path(s) in 1 file(s)");

    let check = run(dir.path(), &["check"]);
    check.assert_code(0).assert_stdout_lacks("error[");
    let summary = check.line_starting("check passed:");
    assert_eq!(
        summary,
        "check passed: 2 path(s) in 1 file(s): 1 proven by the code, 1 global (taxonomy)"
    );
}

#[test]
fn check_json_reports_passed_and_every_path_status() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    generate(dir.path());
    let check = run(dir.path(), &["check", "--format", "json"]);
    check.assert_code(0);
    let json = check.json();
    assert_eq!(json["passed"], true);
    assert_eq!(json["findings"], serde_json::json!([]));
    let statuses: Vec<(&str, &str)> = json["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "src/projects.ts::listPlans::kysely.select::plans#1",
                "global (taxonomy)"
            ),
            (SCOPED_ID, "proven by the code"),
        ]
    );
}

// ---------------------------------------------------------------------------
// 2. Unclassified paths
// ---------------------------------------------------------------------------

#[test]
fn check_fails_on_an_unclassified_path_and_prints_the_stanza_to_paste() {
    let dir = project(&[("src/projects.ts", CLEAN_TS), ("src/admin.ts", UNSCOPED_TS)]);
    // generate succeeds (exit 0) even with open items, and says so.
    run(dir.path(), &["generate"])
        .assert_code(0)
        .assert_stdout_has("note: 1 path(s) are unclassified");

    let check = run(dir.path(), &["check"]);
    check.assert_code(1);
    let finding = check.line_starting("error[unclassified]:");
    assert!(
        finding.starts_with(&format!(
            "error[unclassified]: src/admin.ts:2  {UNSCOPED_ID}  (verdict: unscoped, evidence: "
        )),
        "{finding}"
    );
    assert!(finding.contains("no tenant constraint on projects"), "{finding}");
    check
        .assert_stdout_has(&format!("      - id: {UNSCOPED_ID}\n"))
        .assert_stdout_has("        classification: unclear")
        .assert_stdout_has("        reason: \"")
        .assert_stdout_has("check failed: 1 error(s) (1 unclassified)");
}

/// The YAML stanza printed below an unclassified finding, un-indented.
fn pasted_stanza(check: &Run) -> String {
    let mut lines = check
        .stdout
        .lines()
        .skip_while(|line| !line.starts_with("error[unclassified]:"))
        .skip(2); // the finding and its help line
    let mut stanza = String::new();
    for line in lines.by_ref() {
        let Some(yaml) = line.strip_prefix("    ") else { break };
        stanza.push_str(yaml);
        stanza.push('\n');
    }
    stanza
}

#[test]
fn pasting_the_suggested_stanza_with_a_reason_makes_check_pass() {
    let dir = project(&[("src/projects.ts", CLEAN_TS), ("src/admin.ts", UNSCOPED_TS)]);
    let check = run(dir.path(), &["check"]);
    check.assert_code(1);

    let stanza = pasted_stanza(&check);
    assert!(stanza.starts_with("  - id: "), "stanza: {stanza}");
    let reviewed: String = stanza
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("reason:") {
                "    reason: \"Staff-only admin listing; every organization is meant to be visible\"".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(
        dir.path(),
        "inventory.yaml",
        inventory_with_paths(&format!("{reviewed}\n")),
    );

    run(dir.path(), &["generate"]).assert_code(0);
    let check = run(dir.path(), &["check"]);
    check.assert_code(0).assert_stdout_lacks("error[");
    assert_eq!(
        check.line_starting("check passed:"),
        "check passed: 3 path(s) in 2 file(s): 1 proven by the code, 1 global (taxonomy), 1 unclear"
    );
    assert!(read(dir.path(), DOC).contains("Staff-only admin listing"));
}

#[test]

fn unclassified_findings_are_listed_in_line_order() {
    let mut source = String::new();
    for n in 1..=3 {
        source.push_str(&format!(
            "export async function all{n}() {{\n  return db.selectFrom('projects').selectAll().execute();\n}}\n\n"
        ));
    }
    // Lines 2, 6 and 10.
    let dir = project(&[("src/a.ts", &source)]);
    let check = run(dir.path(), &["check"]);
    check.assert_code(1);
    let lines: Vec<&str> = check
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("error[unclassified]: src/a.ts:"))
        .map(|rest| rest.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(lines, ["2", "6", "10"], "{check:?}");
}

// ---------------------------------------------------------------------------
// 3. Stale entries
// ---------------------------------------------------------------------------

#[test]
fn check_reports_an_entry_that_matches_no_path_as_stale_at_its_line() {
    let gone = "src/projects.ts::removedFunction::kysely.select::projects#1";
    let inventory = inventory_with_paths(&entry(gone, "global", "Was an admin export"));
    let dir = project(&[("inventory.yaml", &inventory), ("src/projects.ts", CLEAN_TS)]);
    generate(dir.path());

    let check = run(dir.path(), &["check"]);
    check
        .assert_code(1)
        .assert_stdout_has(&format!(
            "error[stale-entry]: inventory.yaml:7:5  `{gone}` matches no data-access path in the code"
        ))
        .assert_stdout_has("check failed: 1 error(s) (1 stale-entry)");
}

#[test]
fn check_reports_an_entry_for_a_path_the_code_proves_scoped_as_stale() {
    let inventory = format!(
        "{}{}",
        inventory_with_paths(&entry(UNSCOPED_ID, "global", "Staff-only listing")),
        entry(SCOPED_ID, "scoped", "Filtered by organization")
    );
    let dir = project(&[
        ("inventory.yaml", &inventory),
        ("src/projects.ts", CLEAN_TS),
        ("src/admin.ts", UNSCOPED_TS),
    ]);
    generate(dir.path());

    let check = run(dir.path(), &["check"]);
    check
        .assert_code(1)
        .assert_stdout_has(&format!(
            "error[stale-entry]: inventory.yaml:10:5  `{SCOPED_ID}` is proven scoped by the code itself"
        ))
        .assert_stdout_has("check failed: 1 error(s) (1 stale-entry)");
}

// ---------------------------------------------------------------------------
// 4. Unknown tables
// ---------------------------------------------------------------------------

#[test]
fn check_reports_a_table_used_in_code_but_missing_from_the_taxonomy() {
    let source = "export async function listInvoices(orgId: string) {
  return db.selectFrom('invoices').selectAll().where('organization_id', '=', orgId).execute();
}
";
    let dir = project(&[("src/projects.ts", CLEAN_TS), ("src/billing.ts", source)]);
    generate(dir.path());

    let check = run(dir.path(), &["check"]);
    check.assert_code(1);
    let finding = check.line_starting("error[unknown-table]:");
    assert!(
        finding.starts_with("error[unknown-table]: src/billing.ts:2  table `invoices` is used by"),
        "{finding}"
    );
    assert!(finding.contains("missing from the taxonomy"), "{finding}");
    check.assert_stdout_has("1 unknown-table");
}

// ---------------------------------------------------------------------------
// 5. Drift
// ---------------------------------------------------------------------------

#[test]
fn check_reports_drift_with_a_diff_when_the_code_changes_after_generate() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    generate(dir.path());

    // A new path, classified, so the stale document is the only problem left.
    write(dir.path(), "src/admin.ts", UNSCOPED_TS);
    write(
        dir.path(),
        "inventory.yaml",
        inventory_with_paths(&entry(UNSCOPED_ID, "global", "Staff-only listing")),
    );

    let check = run(dir.path(), &["check"]);
    check
        .assert_code(1)
        .assert_stdout_has(&format!("error[drift]: {DOC}  the committed document is out of date"))
        .assert_stdout_has(&format!("    --- {DOC} (committed)\n"))
        .assert_stdout_has(&format!("    +++ {DOC} (from the code)\n"))
        .assert_stdout_has("    @@ -")
        .assert_stdout_has("Staff-only listing")
        .assert_stdout_lacks("error[unclassified]")
        .assert_stdout_has("check failed: 1 error(s) (1 drift)");
    let added = check
        .stdout
        .lines()
        .any(|line| line.starts_with("    +") && line.contains("allProjects"));
    assert!(added, "the diff adds the new path; {check:?}");

    generate(dir.path());
    run(dir.path(), &["check"]).assert_code(0);
}

#[test]
fn check_reports_drift_when_the_document_is_edited_by_hand() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    generate(dir.path());
    let mut doc = read(dir.path(), DOC);
    doc.push_str("\nApproved over lunch.\n");
    write(dir.path(), DOC, &doc);

    run(dir.path(), &["check"])
        .assert_code(1)
        .assert_stdout_has(&format!("error[drift]: {DOC}"))
        .assert_stdout_has("    -Approved over lunch.")
        .assert_stdout_has("check failed: 1 error(s) (1 drift)");
}

/// The last render is kept in the cache and reused by a re-run that would
/// render the same: an edit that only the document shows (a reason; the
/// code unchanged, so every file's result comes from the cache) is drift
/// all the same, and so is a template edit.
#[test]
fn check_with_a_warm_cache_still_reports_drift_from_an_inventory_or_template_edit() {
    let dir = project(&[("src/projects.ts", CLEAN_TS), ("src/admin.ts", UNSCOPED_TS)]);
    let reason = |reason: &str| inventory_with_paths(&entry(UNSCOPED_ID, "global", reason));
    write(dir.path(), "inventory.yaml", reason("Staff-only listing"));
    generate(dir.path());
    run(dir.path(), &["check"]).assert_code(0);
    let cache = dir.path().join(".tenant-audit/cache/document.postcard");
    assert!(cache.exists(), "the render is kept");

    write(dir.path(), "inventory.yaml", reason("Support staff only"));
    run(dir.path(), &["check"])
        .assert_code(1)
        .assert_stdout_has("    -| `admin.ts`")
        .assert_stdout_has("Support staff only")
        .assert_stdout_has("check failed: 1 error(s) (1 drift)");
    write(dir.path(), "inventory.yaml", reason("Staff-only listing"));
    run(dir.path(), &["check"]).assert_code(0);

    // The built-in template's hand-written regions have no place in this one.
    fs::remove_file(dir.path().join(DOC)).unwrap();
    let template = "# {{ document.title }}\n\n{{ totals.paths }} path(s)\n";
    write(dir.path(), "audit.md.tera", template);
    run(dir.path(), &["generate", "--template", "audit.md.tera"]).assert_code(0);
    assert_eq!(read(dir.path(), DOC), "# Audit\n\n3 path(s)\n");
    run(dir.path(), &["check", "--template", "audit.md.tera"]).assert_code(0);
    write(dir.path(), "audit.md.tera", template.replace("path(s)", "paths"));
    run(dir.path(), &["check", "--template", "audit.md.tera"])
        .assert_code(1)
        .assert_stdout_has("    +3 paths")
        .assert_stdout_has("check failed: 1 error(s) (1 drift)");
}

#[test]
fn check_reports_drift_when_the_document_is_missing() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["check"])
        .assert_code(1)
        .assert_stdout_has(&format!("error[drift]: {DOC}  the document does not exist"))
        .assert_stdout_has("check failed: 1 error(s) (1 drift)");
    assert!(!dir.path().join(DOC).exists(), "check never writes the document");
}

#[test]
fn check_accepts_a_document_checked_out_with_crlf_line_endings() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    generate(dir.path());
    let crlf = read(dir.path(), DOC).replace('\n', "\r\n");
    write(dir.path(), DOC, crlf);
    run(dir.path(), &["check"]).assert_code(0);
}

// ---------------------------------------------------------------------------
// 6. Idempotence
// ---------------------------------------------------------------------------

#[test]
fn generate_twice_writes_a_byte_identical_document() {
    let dir = project(&[("src/projects.ts", CLEAN_TS), ("src/admin.ts", UNSCOPED_TS)]);
    generate(dir.path());
    let first = fs::read(dir.path().join(DOC)).unwrap();
    generate(dir.path());
    let second = fs::read(dir.path().join(DOC)).unwrap();
    assert_eq!(first, second);
}

#[test]
fn document_is_unchanged_when_code_moves_within_a_file() {
    let inventory = inventory_with_paths(&entry(UNSCOPED_ID, "global", "Staff-only listing"));
    let dir = project(&[
        ("inventory.yaml", &inventory),
        ("src/projects.ts", CLEAN_TS),
        ("src/admin.ts", UNSCOPED_TS),
    ]);
    generate(dir.path());
    let before = read(dir.path(), DOC);

    let moved = format!(
        "// Admin queries.\n\n/* Reviewed by security\n   in the last audit. */\n\n\n{}",
        UNSCOPED_TS.replace("{\n", "{\n\n  // every organization\n\n")
    );
    write(dir.path(), "src/admin.ts", &moved);
    write(
        dir.path(),
        "src/projects.ts",
        format!(
            "\n\n// Project queries.\n{}",
            CLEAN_TS.replace("}\n\n", "}\n\n\n\n// Plans.\n")
        ),
    );

    // The id survives the move, so the classification still applies and the
    // committed document is still current.
    run(dir.path(), &["check"]).assert_code(0);
    let scan = run(dir.path(), &["scan"]);
    scan.assert_stdout_has(&format!("src/admin.ts:11  unscoped  {UNSCOPED_ID}"));

    generate(dir.path());
    assert_eq!(before, read(dir.path(), DOC));
}

// ---------------------------------------------------------------------------
// 7. Where files are read from and written to
// ---------------------------------------------------------------------------

#[test]
fn generate_out_writes_elsewhere_creating_missing_folders() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["generate", "--out", "reports/2026/audit.md"])
        .assert_code(0)
        .assert_stdout_has("wrote reports/2026/audit.md:");
    assert!(read(dir.path(), "reports/2026/audit.md").starts_with("# Audit\n"));
    assert!(!dir.path().join(DOC).exists(), "the default place is left alone");

    run(dir.path(), &["check", "--out", "reports/2026/audit.md"]).assert_code(0);
}

#[test]
fn config_in_a_subfolder_resolves_sources_and_output_relative_to_that_folder() {
    let dir = project(&[
        ("service/inventory.yaml", INVENTORY),
        ("service/src/projects.ts", CLEAN_TS),
        // A root beside the runner's working directory must not be picked up.
        ("src/admin.ts", UNSCOPED_TS),
    ]);
    let config = "service/inventory.yaml";

    let scan = run(dir.path(), &["--config", config, "scan"]);
    scan.assert_code(0)
        .assert_stdout_has(&format!("src/projects.ts:2  scoped  {SCOPED_ID}"))
        .assert_stdout_lacks("admin.ts");

    run(dir.path(), &["--config", config, "generate"]).assert_code(0);
    assert!(dir.path().join("service").join(DOC).exists());
    assert!(!dir.path().join(DOC).exists());

    run(dir.path(), &["--config", config, "check"])
        .assert_code(0)
        .assert_stdout_has("check passed:");
}

#[test]
fn output_key_in_the_inventory_is_relative_to_its_folder() {
    let inventory = INVENTORY.replace("paths: []\n", "output: audit/isolation.md\npaths: []\n");
    let dir = project(&[
        ("service/inventory.yaml", &inventory),
        ("service/src/projects.ts", CLEAN_TS),
    ]);
    run(dir.path(), &["--config", "service/inventory.yaml", "generate"]).assert_code(0);
    assert!(dir.path().join("service/audit/isolation.md").exists());
    assert!(!dir.path().join("audit").exists());
}

#[test]
fn generate_renders_a_custom_template() {
    let dir = project(&[
        ("src/projects.ts", CLEAN_TS),
        (
            "audit.tera",
            "{{ document.title }} by {{ document.owner }}: {{ totals.paths }} path(s)\n",
        ),
    ]);
    run(dir.path(), &["generate", "--template", "audit.tera"]).assert_code(0);
    assert_eq!(read(dir.path(), DOC), "Audit by Security: 2 path(s)\n");
    run(dir.path(), &["check", "--template", "audit.tera"]).assert_code(0);
}

#[test]
fn generate_with_a_missing_template_exits_2_and_writes_nothing() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["generate", "--template", "nope.tera"])
        .assert_code(2)
        .assert_stderr_has("nope.tera");
    assert!(!dir.path().join(DOC).exists());
}

// ---------------------------------------------------------------------------
// 8. Configuration errors
// ---------------------------------------------------------------------------

#[test]
fn unknown_key_is_rejected_at_its_position() {
    let inventory = r#"document:
  title: "Audit"
  owner: "Security"
  colour: red
sources: { roots: [src] }
"#;
    assert_inventory_rejected(
        inventory,
        "inventory.yaml:4:3: error[config-invalid]: document: unknown field `colour`",
    );
}

#[test]
fn duplicate_path_id_is_rejected_at_the_second_entry() {
    let id = UNSCOPED_ID;
    let inventory = format!(
        "{}{}",
        inventory_with_paths(&entry(id, "global", "Staff-only listing")),
        entry(id, "unclear", "Under review")
    );
    let result = assert_inventory_rejected(&inventory, "inventory.yaml:10:5: error[duplicate-id]:");
    result.assert_stderr_has("first at line 7");
}

#[test]
fn empty_reason_on_a_path_entry_is_rejected() {
    let inventory = inventory_with_paths(&entry(UNSCOPED_ID, "global", "  "));
    assert_inventory_rejected(&inventory, "inventory.yaml:9:5: error[empty-reason]:");
}

#[test]
fn empty_reason_on_a_global_table_is_rejected() {
    let inventory = INVENTORY.replace("Shared price list", "");
    assert_inventory_rejected(&inventory, "inventory.yaml:5:").assert_stderr_has("error[empty-reason]");
}

#[test]
fn table_declared_in_two_groups_is_rejected() {
    let inventory = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  tenant:
    - name: projects
      scope: [organization_id]
  global:
    - name: plans
      reason: "Shared price list"
    - name: projects
      reason: "Shared"
"#;
    assert_inventory_rejected(
        inventory,
        "inventory.yaml:10:7: error[duplicate-table]: table `projects`",
    );
}

#[test]

fn duplicate_table_is_reported_at_the_later_declaration() {
    let inventory = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  global:
    - name: plans
      reason: "Shared price list"
  tenant:
    - name: projects
      scope: [organization_id]
  child:
    - name: plans
      parent: projects
      via: project_id
"#;
    assert_inventory_rejected(inventory, "inventory.yaml:11:7: error[duplicate-table]: table `plans`")
        .assert_stderr_has("first at line 5");
}

#[test]
fn bad_glob_in_sources_exclude_is_rejected() {
    let inventory = INVENTORY.replace(
        "sources: { roots: [src] }",
        "sources:\n  roots: [src]\n  exclude: [\"**/*.test.ts\", \"src/[oops\"]",
    );
    assert_inventory_rejected(&inventory, "inventory.yaml:4:29: error[bad-glob]: glob `src/[oops`");
}

#[test]
fn id_outside_the_id_grammar_is_rejected() {
    let inventory = inventory_with_paths(&entry("src/admin.ts allProjects", "global", "Staff-only listing"));
    assert_inventory_rejected(
        &inventory,
        "inventory.yaml:7:5: error[bad-id]: `src/admin.ts allProjects` is not a path id",
    );
}

#[test]
fn every_problem_in_the_inventory_is_reported_in_one_run_in_file_order() {
    let inventory = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src], exclude: ["src/[oops"] }
tables:
  tenant:
    - name: projects
      scope: [organization_id]
  global:
    - name: projects
      reason: "Shared"
paths:
  - id: "src/a.ts::f::kysely.select::projects#1"
    classification: global
    reason: ""
  - id: "not an id"
    classification: global
    reason: "Reviewed"
"#;
    let result = assert_inventory_rejected(inventory, "inventory.yaml:2:");
    let errors: Vec<&str> = result
        .stderr
        .lines()
        .filter(|line| line.starts_with("inventory.yaml:"))
        .map(|line| &line[..=line.find(']').unwrap()])
        .collect();
    assert_eq!(
        errors,
        [
            "inventory.yaml:2:36: error[bad-glob]",
            "inventory.yaml:8:7: error[duplicate-table]",
            "inventory.yaml:13:5: error[empty-reason]",
            "inventory.yaml:14:5: error[bad-id]",
        ],
        "{result:?}"
    );
}

#[test]
fn missing_config_file_exits_2_naming_it() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "src/projects.ts", CLEAN_TS);
    let result = assert_config_error(dir.path(), &["check"], "inventory.yaml: error[config-unreadable]:");
    result.assert_stderr_has("cannot read inventory.yaml");
}

#[test]
fn config_path_that_is_a_directory_exits_2() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    assert_config_error(
        dir.path(),
        &["--config", "src", "generate"],
        "src: error[config-not-a-file]:",
    );
}

#[test]
fn empty_config_file_exits_2() {
    assert_inventory_rejected("", "inventory.yaml:1:1: error[config-empty]:");
    assert_inventory_rejected("\n  \n", "inventory.yaml:1:1: error[config-empty]:");
}

#[test]
fn non_utf8_config_file_exits_2_at_the_bad_byte() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    let mut bytes = b"document: { title: \"Audit\", owner: \"Security\" }\nsources: { roots: [sr".to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"c] }\n");
    write(dir.path(), "inventory.yaml", bytes);
    assert_config_error(
        dir.path(),
        &["generate"],
        "inventory.yaml:2:22: error[config-not-utf8]:",
    );
}

#[test]
fn config_errors_fail_every_command() {
    let inventory = inventory_with_paths(&entry("not an id", "global", "Reviewed"));
    let dir = project(&[("inventory.yaml", &inventory), ("src/projects.ts", CLEAN_TS)]);
    for command in ["scan", "generate", "check", "validate"] {
        assert_config_error(dir.path(), &[command], "inventory.yaml:7:5: error[bad-id]:");
    }
}

// ---------------------------------------------------------------------------
// 9. Unreadable input
// ---------------------------------------------------------------------------

#[test]
fn missing_source_root_exits_2_naming_it() {
    let inventory = INVENTORY.replace("roots: [src]", "roots: [backend/src]");
    let dir = project(&[("inventory.yaml", &inventory), ("src/projects.ts", CLEAN_TS)]);
    for command in ["scan", "generate", "check"] {
        let result = run(dir.path(), &[command]);
        result
            .assert_code(2)
            .assert_stderr_has("source root backend/src does not exist");
        assert!(!result.stdout.contains("check passed"), "{result:?}");
    }
    assert!(!dir.path().join(DOC).exists());
}

#[test]

fn missing_source_root_message_names_the_sources_roots_key() {
    let inventory = INVENTORY.replace("roots: [src]", "roots: [backend/src]");
    let dir = project(&[("inventory.yaml", &inventory)]);
    run(dir.path(), &["scan"])
        .assert_code(2)
        .assert_stderr_has("`sources.roots`");
}

// ---------------------------------------------------------------------------
// 10. scan --format json
// ---------------------------------------------------------------------------

const PATH_FIELDS: [&str; 9] = [
    "id",
    "kind",
    "operation",
    "target",
    "file",
    "line",
    "symbol",
    "verdict",
    "evidence",
];

/// The only path of a `scan --format json` run, checked for its exact field set.
fn only_json_path(dir: &Path) -> Value {
    let scan = run(dir, &["scan", "--format", "json"]);
    scan.assert_code(0);
    let json = scan.json();
    let top: BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, BTreeSet::from(["paths", "not_analysable"]));
    assert_eq!(json["not_analysable"], serde_json::json!([]));
    let paths = json["paths"].as_array().expect("paths is an array");
    assert_eq!(paths.len(), 1, "{scan:?}");
    let path = paths[0].clone();
    let fields: BTreeSet<&str> = path.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, BTreeSet::from(PATH_FIELDS));
    path
}

#[test]
fn scan_json_describes_a_kysely_path() {
    let dir = project(&[("src/admin.ts", UNSCOPED_TS)]);
    let path = only_json_path(dir.path());
    assert_eq!(path["id"], UNSCOPED_ID);
    assert_eq!(path["kind"], "kysely");
    assert_eq!(path["operation"], "select");
    assert_eq!(path["target"], "projects");
    assert_eq!(path["file"], "src/admin.ts");
    assert_eq!(path["line"], 2);
    assert_eq!(path["symbol"], "allProjects");
    assert_eq!(path["verdict"], "unscoped");
    assert!(
        path["evidence"]
            .as_str()
            .unwrap()
            .contains("no tenant constraint on projects"),
        "{path}"
    );
}

#[test]
fn scan_json_describes_a_sql_path() {
    let source = "export class ProjectStats {
  async count(orgId: string) {
    return sql`select count(*) from projects where organization_id = ${orgId}`.execute(db);
  }
}
";
    let dir = project(&[("src/stats.ts", source)]);
    let path = only_json_path(dir.path());
    assert_eq!(path["id"], "src/stats.ts::ProjectStats.count::sql.select::projects#1");
    assert_eq!(path["kind"], "sql");
    assert_eq!(path["operation"], "select");
    assert_eq!(path["target"], "projects");
    assert_eq!(path["file"], "src/stats.ts");
    assert_eq!(path["line"], 3);
    assert_eq!(path["symbol"], "ProjectStats.count");
    assert_eq!(path["verdict"], "scoped");
    assert!(path["evidence"].as_str().unwrap().contains("organization_id"), "{path}");
}

// ---------------------------------------------------------------------------
// 11. Files that do not parse
// ---------------------------------------------------------------------------

/// Paths on lines 2 and 8, a syntax error on line 5.
const BROKEN_TS: &str = "export async function listProjects(orgId: string) {
  return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();
}

const broken = (;

export async function listPlans() {
  return db.selectFrom('plans').selectAll().execute();
}
";

#[test]
fn scan_finds_paths_around_a_syntax_error_and_reports_its_line() {
    let dir = project(&[("src/broken.ts", BROKEN_TS)]);
    run(dir.path(), &["scan"])
        .assert_code(0)
        .assert_stdout_has("src/broken.ts:2  scoped  src/broken.ts::listProjects")
        .assert_stdout_has("src/broken.ts:8  not-tenant  src/broken.ts::listPlans")
        .assert_stdout_has("warning[not-analysable]: src/broken.ts:5:");

    let json = run(dir.path(), &["scan", "--format", "json"]).json();
    assert_eq!(json["paths"].as_array().unwrap().len(), 2);
    let regions = json["not_analysable"].as_array().unwrap();
    assert_eq!(regions.len(), 1, "{json}");
    assert_eq!(regions[0]["file"], "src/broken.ts");
    assert_eq!(regions[0]["line"], 5);
    assert!(regions[0]["reason"].as_str().unwrap().contains("syntax error"));
}

#[test]
fn check_warns_about_a_syntax_error_without_failing_the_gate() {
    let dir = project(&[("src/broken.ts", BROKEN_TS)]);
    generate(dir.path());
    let check = run(dir.path(), &["check"]);
    check
        .assert_code(0)
        .assert_stdout_has("warning[not-analysable]: src/broken.ts:5:")
        .assert_stdout_lacks("error[");
    assert_eq!(
        check.line_starting("check passed:"),
        "check passed: 2 path(s) in 1 file(s): 1 proven by the code, 1 global (taxonomy), 1 warning(s)"
    );
    assert!(read(dir.path(), DOC).contains("`src/broken.ts`: 1 region(s)"));
}

// ---------------------------------------------------------------------------
// 12. Which files are scanned
// ---------------------------------------------------------------------------

/// A module with one path on a global table, exported as `name`.
fn plans_module(name: &str) -> String {
    format!("export const {name} = () => db.selectFrom('plans').selectAll().execute();\n")
}

/// The `file` of every path `scan --format json` finds.
fn scanned_files(dir: &Path) -> Vec<String> {
    let json = run(dir, &["scan", "--format", "json"]).json();
    json["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn files_ignored_by_the_projects_gitignore_are_not_scanned() {
    let dir = project(&[
        (".gitignore", "src/generated/\nscratch.ts\n"),
        ("src/kept.ts", &plans_module("kept")),
        ("src/generated/client.ts", &plans_module("client")),
        ("src/nested/scratch.ts", &plans_module("scratch")),
    ]);
    assert_eq!(scanned_files(dir.path()), ["src/kept.ts"]);
}

#[test]
fn sources_exclude_globs_leave_files_out() {
    let inventory = INVENTORY.replace(
        "sources: { roots: [src] }",
        "sources: { roots: [src], exclude: [\"**/*.test.ts\", \"src/legacy/**\"] }",
    );
    let dir = project(&[
        ("inventory.yaml", &inventory),
        ("src/kept.ts", &plans_module("kept")),
        ("src/kept.test.ts", &plans_module("test")),
        ("src/deep/er/kept.test.ts", &plans_module("deepTest")),
        ("src/legacy/old.ts", &plans_module("old")),
    ]);
    assert_eq!(scanned_files(dir.path()), ["src/kept.ts"]);
}

#[test]
fn tsx_mts_and_cts_files_are_scanned_but_declaration_files_are_not() {
    let dir = project(&[
        ("src/a.ts", &plans_module("a")),
        (
            "src/b.tsx",
            "export const B = () => <ul>{db.selectFrom('plans').selectAll().execute()}</ul>;\n",
        ),
        ("src/c.mts", &plans_module("c")),
        ("src/d.cts", &plans_module("d")),
        ("src/e.d.ts", &plans_module("e")),
        ("src/f.js", &plans_module("f")),
    ]);
    assert_eq!(
        scanned_files(dir.path()),
        ["src/a.ts", "src/b.tsx", "src/c.mts", "src/d.cts"]
    );
    run(dir.path(), &["scan"])
        .assert_stdout_lacks("not-analysable")
        .assert_stdout_has("4 path(s) in 4 file(s)");
}

// ---------------------------------------------------------------------------
// 13. Usage errors
// ---------------------------------------------------------------------------

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["audit"])
        .assert_code(2)
        .assert_stderr_has("unrecognized subcommand 'audit'");
}

#[test]
fn bad_format_value_is_a_usage_error() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["scan", "--format", "xml"])
        .assert_code(2)
        .assert_stderr_has("invalid value 'xml'");
    run(dir.path(), &["check", "--format", "yaml"]).assert_code(2);
}

#[test]
fn missing_subcommand_and_unknown_flag_are_usage_errors() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &[]).assert_code(2);
    run(dir.path(), &["check", "--strict"]).assert_code(2);
    assert!(!dir.path().join(DOC).exists());
}

// ---------------------------------------------------------------------------
// 14. validate
// ---------------------------------------------------------------------------

#[test]
fn validate_accepts_a_good_inventory_and_says_so() {
    let inventory = inventory_with_paths(&entry(UNSCOPED_ID, "global", "Staff-only listing"));
    let dir = project(&[("inventory.yaml", &inventory), ("src/admin.ts", UNSCOPED_TS)]);
    let result = run(dir.path(), &["validate"]);
    result.assert_code(0);
    assert_eq!(
        result.stdout,
        "inventory.yaml is valid: 2 table(s) in the taxonomy, 1 classified path(s)\n"
    );
    assert!(!dir.path().join(DOC).exists(), "validate writes nothing");
}

// ---------------------------------------------------------------------------
// 15. The repository's own example
// ---------------------------------------------------------------------------

#[test]
fn the_bundled_example_passes_its_own_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root.join("inventory.yaml");
    // Run from elsewhere, so only --config locates the example.
    let elsewhere = TempDir::new().unwrap();
    let result = run(elsewhere.path(), &["--config", config.to_str().unwrap(), "check"]);
    result.assert_code(0).assert_stdout_lacks("error[");
    assert!(result.line_starting("check passed:").len() > "check passed:".len());
}

// ---------------------------------------------------------------------------
// The taxonomy checked against the schema
// ---------------------------------------------------------------------------

/// A Kysely schema: projects (tenant), plans (global), invoices (has an
/// organization_id), invoice_lines (child of invoices).
const SCHEMA_TS: &str = "export interface Database {
  projects: ProjectsTable;
  plans: PlansTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
}
interface ProjectsTable { id: Generated<string>; organization_id: string; name: string }
interface PlansTable { id: string; name: string }
interface InvoicesTable { id: string; organization_id: string; total: number }
interface InvoiceLinesTable { id: string; invoice_id: string; amount: number }
";

fn inventory_with_schema(tables: &str) -> String {
    format!(
        "document: {{ title: \"Audit\", owner: \"Security\" }}\nsources: {{ roots: [src] }}\nschema:\n  kysely: {{ file: src/db/schema.ts }}\ntables:\n{tables}paths: []\n"
    )
}

const FULL_TAXONOMY: &str =
    "  tenant: [{ name: projects, scope: [organization_id] }, { name: invoices, scope: [organization_id] }]
  child: [{ name: invoice_lines, parent: invoices, via: invoice_id }]
  global: [{ name: plans, reason: \"Shared price list\" }]
";

#[test]
fn check_passes_when_the_taxonomy_matches_the_schema() {
    let dir = project(&[
        ("inventory.yaml", &inventory_with_schema(FULL_TAXONOMY)),
        ("src/db/schema.ts", SCHEMA_TS),
        ("src/projects.ts", CLEAN_TS),
    ]);
    run(dir.path(), &["generate"]).assert_code(0);
    run(dir.path(), &["check"]).assert_code(0);
}

#[test]
fn check_fails_on_a_schema_table_missing_from_the_taxonomy() {
    let tables =
        "  tenant: [{ name: projects, scope: [organization_id] }, { name: invoices, scope: [organization_id] }]
  global: [{ name: plans, reason: \"Shared price list\" }]
";
    let dir = project(&[
        ("inventory.yaml", &inventory_with_schema(tables)),
        ("src/db/schema.ts", SCHEMA_TS),
        ("src/projects.ts", CLEAN_TS),
    ]);
    run(dir.path(), &["generate"]).assert_code(0);
    run(dir.path(), &["check"])
        .assert_code(1)
        .assert_stdout_has(
            "error[unlisted-table]: src/db/schema.ts:5  table `invoice_lines` is in the schema but missing from the taxonomy",
        )
        .assert_stdout_has("suggested: child of invoices via invoice_id");
}

#[test]
fn check_fails_on_a_global_table_with_a_tenancy_key_unless_the_entry_says_why() {
    let tables = "  tenant: [{ name: projects, scope: [organization_id] }]
  global:
    - { name: plans, reason: \"Shared price list\" }
    - { name: invoice_lines, reason: \"Amounts only, no customer data\" }
    - { name: invoices, reason: \"Finance owns them\" }
";
    let dir = project(&[
        ("inventory.yaml", &inventory_with_schema(tables)),
        ("src/db/schema.ts", SCHEMA_TS),
        ("src/projects.ts", CLEAN_TS),
    ]);
    run(dir.path(), &["generate"]).assert_code(0);
    let failed = run(dir.path(), &["check"]);
    failed.assert_code(1).assert_stdout_has(
        "error[tenant-key-outside-tenant-table]: inventory.yaml:10:9  `invoices` is declared global but has the tenancy-key column(s) `organization_id`",
    );

    let allowed = tables.replace(
        "reason: \"Finance owns them\" }",
        "reason: \"Finance owns them\", allow_tenant_key: \"organization_id is the billed customer, not an owner\" }",
    );
    write(dir.path(), "inventory.yaml", inventory_with_schema(&allowed));
    run(dir.path(), &["check"]).assert_code(0);
}

#[test]
fn check_fails_on_a_scope_column_the_schema_does_not_have() {
    let tables = FULL_TAXONOMY.replace(
        "{ name: invoices, scope: [organization_id] }",
        "{ name: invoices, scope: [org_id] }",
    );
    let dir = project(&[
        ("inventory.yaml", &inventory_with_schema(&tables)),
        ("src/db/schema.ts", SCHEMA_TS),
        ("src/projects.ts", CLEAN_TS),
    ]);
    run(dir.path(), &["generate"]).assert_code(0);
    run(dir.path(), &["check"])
        .assert_code(1)
        .assert_stdout_has("error[scope-column-missing]: inventory.yaml:6:")
        .assert_stdout_has("tenant table `invoices` is scoped by `org_id`, which the schema does not declare");
}

#[test]
fn taxonomy_prints_a_suggestion_marking_disagreements() {
    let tables = "  tenant: [{ name: projects, scope: [organization_id] }, { name: plans, scope: [organization_id] }]
  global: [{ name: invoices, reason: \"x\" }]
";
    let dir = project(&[
        ("inventory.yaml", &inventory_with_schema(tables)),
        ("src/db/schema.ts", SCHEMA_TS),
    ]);
    let suggestion = run(dir.path(), &["taxonomy"]);
    suggestion
        .assert_code(0)
        .assert_stdout_has("    - { name: invoices, scope: [organization_id] }  # inventory.yaml: global\n")
        .assert_stdout_has("    - { name: projects, scope: [organization_id] }\n")
        .assert_stdout_has("    - { name: invoice_lines, parent: invoices, via: invoice_id }  # inventory.yaml: missing\n")
        .assert_stdout_has("    - { name: plans, reason: \"TODO: why every tenant may share this table\" }  # inventory.yaml: tenant, scope [organization_id]\n");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&suggestion.stdout).expect("the suggestion is YAML");
    assert!(yaml["tables"]["child"].is_sequence());
}

#[test]
fn taxonomy_without_a_schema_section_exits_2() {
    let dir = project(&[("src/projects.ts", CLEAN_TS)]);
    run(dir.path(), &["taxonomy"])
        .assert_code(2)
        .assert_stderr_has("error[no-schema]");
}

#[test]
fn a_schema_file_that_does_not_exist_exits_2() {
    let dir = project(&[
        ("inventory.yaml", &inventory_with_schema(FULL_TAXONOMY)),
        ("src/projects.ts", CLEAN_TS),
    ]);
    run(dir.path(), &["check"])
        .assert_code(2)
        .assert_stderr_has("src/db/schema.ts");
}

/// What the `listed` hook saw, call by call: the number of files.
static HOOK_CALLS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn record_listed(files: usize) {
    HOOK_CALLS.lock().unwrap().push(format!("listed {files} file(s)"));
}

#[test]
fn the_listed_hook_runs_once_with_the_number_of_sources() {
    use clap::Parser as _;
    let dir = project(&[("src/projects.ts", CLEAN_TS), ("src/admin.ts", UNSCOPED_TS)]);
    let config = dir.path().join("inventory.yaml");
    let cli =
        tenant_audit::cli::Cli::try_parse_from(["tenant-audit", "--config", config.to_str().unwrap(), "generate"])
            .expect("valid arguments");
    let hooks = tenant_audit::cli::Hooks {
        listed: Some(record_listed),
    };
    assert_eq!(tenant_audit::cli::run_with(&cli, hooks).expect("generate runs"), 0);
    assert_eq!(*HOOK_CALLS.lock().unwrap(), ["listed 2 file(s)"]);
    assert!(dir.path().join(DOC).exists());
}
