//! Specification of keeping inventory.yaml in step with the code without
//! losing anything: `baseline` appends, `prune` removes, both leave every
//! other byte of the file as it was; and staleness by date (`expires`,
//! `reviewed`) is a finding of `check`.

mod project;

use project::Project;

/// An inventory as people write them: comments everywhere, both quoting
/// styles, flow and block collections, blank lines, a section after `paths:`.
const COMMENTED: &str = r#"# Tenant isolation inventory — reviewed by Security every quarter.
# Do not reorder: the auditors diff this file.

document:
  title: 'Audit: "Demo" API'   # single-quoted on purpose
  owner: "Security <sec@example.com>"

sources: { roots: [src] }     # flow style

tables:
  tenant:
    - { name: projects, scope: [organization_id] }
  global:
    - name: plans
      reason: >-
        Same price list for every customer;
        folded over two lines.

# ---- Decisions ----------------------------------------------------------
paths:
  # Billing asked for this one.
  - id: "src/billing.ts::exportAll::kysely.select::projects#1"
    classification: global   # staff only
    reason: "Finance export across organizations"
    owner: finance
    reviewed: "2026-10-01"

  # Gone since the billing rewrite.
  - id: 'src/old.ts::legacy::kysely.select::projects#1'
    classification: global
    reason: 'Legacy export'

  - id: src/billing.ts::listOwn::kysely.select::projects#1
    classification: scoped
    reason: "Was a raw query before"

# ---- Anything below belongs to the next section ----

staleness:
  max_review_age_days: 365
"#;

/// `exportAll` needs its entry; `listOwn` is proven scoped (its entry is
/// stale); `allProjects` (line 8) has no entry yet.
const BILLING_TS: &str = "export async function exportAll() {
  return db.selectFrom('projects').selectAll().execute();
}
export async function listOwn(orgId: string) {
  return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();
}
export async function allProjects() {
  return db.selectFrom('projects').selectAll().execute();
}
";

const NEW_ID: &str = "src/billing.ts::allProjects::kysely.select::projects#1";

fn commented_project() -> Project {
    Project::with(&[("inventory.yaml", COMMENTED), ("src/billing.ts", BILLING_TS)])
}

#[test]
fn baseline_appends_an_unclear_entry_and_keeps_every_byte_already_there() {
    let project = commented_project();
    project
        .run(&["baseline", "--today", "2026-11-27"])
        .assert_code(0)
        .assert_stdout_has("added 1 entry to inventory.yaml as `unclear` with the reason \"TODO: review\":")
        .assert_stdout_has(&format!("  {NEW_ID}\n"));

    let after = project.read("inventory.yaml");
    let block = format!(
        "\n  # Added by `tenant-audit baseline` on 2026-11-27: 1 path the code cannot prove scoped.\n  \
         # Review each one: fix the code, or replace the reason with what keeps the path safe.\n  \
         - id: {NEW_ID}\n    classification: unclear\n    reason: \"TODO: review\"\n"
    );
    // The new block goes after the last entry, not after the comments that
    // open the next section, and everything around it is the old file.
    let anchor = "reason: \"Was a raw query before\"\n";
    let at = COMMENTED.find(anchor).unwrap() + anchor.len();
    assert_eq!(after, format!("{}{block}{}", &COMMENTED[..at], &COMMENTED[at..]));
}

#[test]
fn after_baseline_the_path_is_an_open_item_and_check_no_longer_fails_on_it() {
    let project = commented_project();
    project.run(&["baseline"]).assert_code(0);
    project.run(&["generate"]).assert_code(0);
    let check = project.run(&["check"]);
    check
        .assert_stdout_lacks("error[unclassified]")
        .assert_stdout_has("error[stale-entry]"); // listOwn and legacy remain for prune
    assert!(
        project.read(project::DOC).contains("TODO: review"),
        "the open item is in the document"
    );
}

#[test]
fn baseline_adds_nothing_and_leaves_the_file_alone_when_every_path_is_classified() {
    let inventory = COMMENTED.replace(
        "\n# ---- Anything below",
        &format!("\n  - id: {NEW_ID}\n    classification: unclear\n    reason: \"Open\"\n\n# ---- Anything below"),
    );
    let project = Project::with(&[("inventory.yaml", &inventory), ("src/billing.ts", BILLING_TS)]);
    project
        .run(&["baseline"])
        .assert_code(0)
        .assert_stdout_has("nothing to add: every path that needs a classification has one in inventory.yaml");
    assert_eq!(project.read("inventory.yaml"), inventory);
}

#[test]
fn baseline_refuses_an_inventory_that_does_not_parse_and_writes_nothing() {
    let broken = COMMENTED.replace("sources: { roots: [src] }", "sources: { roots: [src }");
    let project = Project::with(&[("inventory.yaml", &broken), ("src/billing.ts", BILLING_TS)]);
    let before = project.top_level_files();
    project
        .run(&["baseline"])
        .assert_code(2)
        .assert_stderr_has("inventory.yaml:8:");
    assert_eq!(project.read("inventory.yaml"), broken, "not a byte changed");
    assert_eq!(project.top_level_files(), before, "no temporary file left behind");
}

#[test]
fn baseline_dry_run_prints_the_change_and_writes_nothing() {
    let project = commented_project();
    project
        .run(&["baseline", "--dry-run", "--today", "2026-11-27"])
        .assert_code(0)
        .assert_stdout_has(&format!("+  - id: {NEW_ID}\n"))
        .assert_stdout_has("dry run: inventory.yaml was not changed; 1 entry would be added");
    assert_eq!(project.read("inventory.yaml"), COMMENTED);
}

#[test]
fn baseline_turns_an_empty_flow_list_into_entries_and_keeps_its_comment() {
    let inventory = "document: { title: A, owner: B }\nsources: { roots: [src] }\ntables:\n  tenant: [{ name: projects, scope: [organization_id] }]\npaths: []   # none yet\n";
    let project = Project::with(&[("inventory.yaml", inventory), ("src/billing.ts", BILLING_TS)]);
    project.run(&["baseline", "--today", "2026-11-27"]).assert_code(0);
    let after = project.read("inventory.yaml");
    assert!(
        after.starts_with(&inventory.replace("paths: []   # none yet\n", "paths:   # none yet\n  # Added by")),
        "{after}"
    );
    project.run(&["validate"]).assert_code(0);
}

#[test]
fn prune_removes_the_entries_the_code_no_longer_needs_and_nothing_else() {
    let project = commented_project();
    project
        .run(&["prune"])
        .assert_code(0)
        .assert_stdout_has("removed 2 stale entries from inventory.yaml:")
        .assert_stdout_has("  src/old.ts::legacy::kysely.select::projects#1: matches no data-access path in the code")
        .assert_stdout_has("  src/billing.ts::listOwn::kysely.select::projects#1: the code now proves it scoped");

    // Exactly the two entries' own lines went; comments stay with what follows them.
    let expected = COMMENTED
        .replace(
            "  - id: 'src/old.ts::legacy::kysely.select::projects#1'\n    classification: global\n    reason: 'Legacy export'\n\n",
            "",
        )
        .replace(
            "\n  - id: src/billing.ts::listOwn::kysely.select::projects#1\n    classification: scoped\n    reason: \"Was a raw query before\"\n",
            "\n",
        );
    assert_eq!(project.read("inventory.yaml"), expected);
    project.run(&["validate"]).assert_code(0);
}

#[test]
fn prune_has_nothing_to_do_on_a_clean_inventory_and_keeps_it_byte_for_byte() {
    let project = commented_project();
    project.run(&["prune"]).assert_code(0);
    let pruned = project.read("inventory.yaml");
    project
        .run(&["prune"])
        .assert_code(0)
        .assert_stdout_has("nothing to prune: every entry in inventory.yaml matches a path that needs it");
    assert_eq!(project.read("inventory.yaml"), pruned);
}

#[test]
fn prune_keeps_the_entries_of_a_file_the_parser_could_not_fully_read() {
    // Cut off mid-call: the parser cannot see the path the entry classifies.
    let broken_ts = "export async function legacy() {\n  return db.selectFrom(\n";
    let project = Project::with(&[
        ("inventory.yaml", COMMENTED),
        ("src/billing.ts", BILLING_TS),
        ("src/old.ts", broken_ts),
    ]);
    let run = project.run(&["prune"]);
    run.assert_code(0)
        .assert_stdout_has("kept 1 entry whose file could not be fully analysed")
        .assert_stdout_has("  src/old.ts::legacy::kysely.select::projects#1\n")
        .assert_stdout_has("removed 1 stale entry from inventory.yaml:");
    assert!(project.read("inventory.yaml").contains("src/old.ts::legacy"), "{run:?}");
}

/// An inventory with one entry whose dates are `dates` (YAML lines, indented four spaces).
fn dated(dates: &str, staleness: &str) -> Project {
    let inventory = format!(
        "document: {{ title: A, owner: B }}\nsources: {{ roots: [src] }}\ntables:\n  tenant: [{{ name: projects, scope: [organization_id] }}]\n{staleness}paths:\n  - id: src/billing.ts::exportAll::kysely.select::projects#1\n    classification: global\n    reason: Staff export\n{dates}  - id: {NEW_ID}\n    classification: unclear\n    reason: Open\n"
    );
    let project = Project::with(&[("inventory.yaml", &inventory), ("src/billing.ts", BILLING_TS)]);
    project.run(&["generate"]).assert_code(0);
    project
}

#[test]
fn an_entry_past_its_expiry_date_fails_check() {
    let project = dated("    expires: \"2026-06-30\"\n", "");
    project.run(&["check", "--today", "2026-06-30"]).assert_code(0);
    project
        .run(&["check", "--today", "2026-07-01"])
        .assert_code(1)
        .assert_stdout_has("error[expired-entry]: inventory.yaml:6:5  `src/billing.ts::exportAll::kysely.select::projects#1` expired on 2026-06-30")
        .assert_stdout_has("= help: review the path again");
}

#[test]
fn an_entry_not_reviewed_within_the_maximum_age_fails_check() {
    let project = dated("    reviewed: \"2025-11-27\"\n", "");
    project.run(&["check", "--today", "2026-11-27"]).assert_code(0);
    project
        .run(&["check", "--today", "2026-11-28"])
        .assert_code(1)
        .assert_stdout_has("error[review-overdue]: inventory.yaml:6:5  `src/billing.ts::exportAll::kysely.select::projects#1` was last reviewed on 2025-11-27, more than 365 days ago");
}

#[test]
fn review_age_and_severity_are_configurable() {
    let project = dated(
        "    reviewed: \"2026-10-01\"\n",
        "staleness: { max_review_age_days: 30, severity: warning }\n",
    );
    project
        .run(&["check", "--today", "2026-11-27"])
        .assert_code(0)
        .assert_stdout_has("warning[review-overdue]: inventory.yaml:7:5")
        .assert_stdout_has("more than 30 days ago");
}

#[test]
fn a_review_date_in_the_future_is_a_finding() {
    let project = dated("    reviewed: \"2027-01-01\"\n", "");
    project
        .run(&["check", "--today", "2026-11-27"])
        .assert_code(1)
        .assert_stdout_has("error[review-date-in-future]: inventory.yaml:6:5");
}

#[test]
fn a_date_the_calendar_does_not_have_is_rejected_at_its_position() {
    let project = Project::with(&[
        (
            "inventory.yaml",
            &format!("document: {{ title: A, owner: B }}\nsources: {{ roots: [src] }}\npaths:\n  - id: {NEW_ID}\n    classification: unclear\n    reason: Open\n    expires: \"2026-02-30\"\n"),
        ),
        ("src/billing.ts", BILLING_TS),
    ]);
    project
        .run(&["validate"])
        .assert_code(2)
        .assert_stderr_has("inventory.yaml:7:5: error[bad-date]: `2026-02-30` is not a date");
}
