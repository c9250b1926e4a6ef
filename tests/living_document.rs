//! Specification of the document for compliance readers: the isolation-test
//! coverage matrix, hand-written regions that survive regeneration, the
//! self-contained HTML rendering, and the checklist rendered from the
//! inventory. The rendered fixture is a reviewed golden file.

mod project;

use project::{Project, DOC};
use scraper::{Html, Selector};
use std::path::Path;
use tenant_audit::coverage::{self, TestFiles};
use tenant_audit::{extract, inventory, render, scope};

const HTML: &str = "docs/security/tenant-isolation-audit.html";

fn fixture_inventory() -> inventory::Inventory {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/living/inventory.yaml");
    inventory::load(&config).expect("the fixture inventory is valid")
}

fn render_fixture() -> String {
    let inventory = fixture_inventory();
    let extraction =
        extract::scan_with(&inventory.selection, &inventory.rules).expect("the fixture sources are readable");
    let audit = inventory::merge(scope::decide_all(extraction, &inventory.taxonomy), &inventory);
    let matrix = coverage::assess(&inventory, &audit, &TestFiles::Folder(inventory.base.clone()))
        .expect("the fixture tests are readable");
    render::render_with(&audit, &inventory, Some(&matrix), None).expect("the built-in template renders")
}

#[test]
fn golden_living_document() {
    insta::assert_snapshot!("living_document", render_fixture());
}

#[test]
fn golden_pull_request_template() {
    insta::assert_snapshot!(
        "pull_request_template",
        render::checklist::pr_template(&fixture_inventory())
    );
}

#[test]
fn the_coverage_matrix_shows_a_covered_and_a_missing_area() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let document = project.read(DOC);
    assert!(document.contains("**1 of 2 area(s) covered.**"), "{document}");
    assert!(
        document.contains(
            "| Search and query | covered (1 skipped) | `tests/isolation/search.test.ts`: search isolation › returns only the saved searches of the caller organization | `src/search/**` (1 path(s)) |"
        ),
        "{document}"
    );
    assert!(
        document.contains(
            "| Webhook delivery | **missing**: no file matches its test globs | — | `src/webhooks/**` (1 path(s)) |"
        ),
        "{document}"
    );
}

#[test]
fn a_missing_area_warns_and_fails_check_only_when_coverage_is_required() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let warning = "isolation-test area `Webhook delivery` has no test that runs: no file matches its test globs (`tests/isolation/webhook*.test.ts`)";
    project
        .run(&["check"])
        .assert_code(0)
        .assert_stdout_has(&format!("warning[missing-coverage]: inventory.yaml:27:7  {warning}"));
    project
        .run(&["check", "--require-coverage"])
        .assert_code(1)
        .assert_stdout_has(&format!("error[missing-coverage]: inventory.yaml:27:7  {warning}"))
        .assert_stdout_has("= help: add a test that sets up two tenants");
}

#[test]
fn check_json_carries_the_coverage_matrix() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let report = project.run(&["check", "--format", "json"]).json();
    let areas = report["coverage"]["areas"].as_array().expect("the matrix");
    assert_eq!(areas[0]["name"], "Search and query");
    assert_eq!(areas[0]["status"], "covered");
    assert_eq!(
        areas[0]["tests"][0]["name"],
        "search isolation › returns only the saved searches of the caller organization"
    );
    assert_eq!(areas[0]["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(areas[1]["status"], "no-files");
}

#[test]
fn an_area_whose_tests_are_all_skipped_is_missing() {
    let project = Project::fixture("living");
    project.write(
        "tests/isolation/webhook-delivery.test.ts",
        "describe.skip('webhook isolation', () => { it('signs with the right secret', () => {}); });\n",
    );
    project.run(&["generate"]).assert_code(0);
    assert!(project
        .read(DOC)
        .contains("| Webhook delivery | **missing**: every test in its files is skipped (1 skipped) | — |"));
}

#[test]
fn hand_written_regions_survive_regeneration_byte_for_byte() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let narrative = "\nThree gaps were found in the webhook worker; two are fixed.\n\n| Gap | State |\n|---|---|\n| Signing secret | fixed |\n\n```\n<!-- tenant-audit:keep quoted-in-code -->\n```\n";
    let sign_off =
        "\n| Role | Name | Date | Signature |\n|---|---|---|---|\n| Owner | Ana Souza | 2026-11-27 | A.S. |\n";
    let document = replace_region(&project.read(DOC), "findings-narrative", narrative);
    let document = replace_region(&document, "sign-off", sign_off);
    project.write(DOC, &document);

    // The code changes: the webhook query gains its tenant filter.
    project.write(
        "src/webhooks/delivery.ts",
        "export async function loadWebhook(orgId: string, webhookId: string) {\n  return db.selectFrom('webhooks').selectAll().where('organization_id', '=', orgId).where('id', '=', webhookId).executeTakeFirstOrThrow();\n}\n",
    );
    project.run(&["prune"]).assert_code(0);
    project.run(&["generate"]).assert_code(0);
    let regenerated = project.read(DOC);
    assert_ne!(regenerated, document, "the generated parts did change");
    assert_eq!(region(&regenerated, "findings-narrative"), narrative);
    assert_eq!(region(&regenerated, "sign-off"), sign_off);
    project.run(&["check"]).assert_code(0);
}

#[test]
fn an_edit_outside_the_regions_is_still_drift() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let document = project
        .read(DOC)
        .replace("**1 of 2 area(s) covered.**", "**2 of 2 area(s) covered.**");
    project.write(DOC, document);
    project
        .run(&["check"])
        .assert_code(1)
        .assert_stdout_has("error[drift]")
        .assert_stdout_has("    -**2 of 2 area(s) covered.**");
}

#[test]
fn an_unbalanced_marker_fails_clearly_and_writes_nothing() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let document = project.read(DOC).replace("<!-- /tenant-audit:keep sign-off -->\n", "");
    project.write(DOC, &document);
    let line = document
        .lines()
        .position(|l| l == "<!-- tenant-audit:keep sign-off -->")
        .unwrap()
        + 1;
    for command in ["generate", "check"] {
        project
            .run(&[command])
            .assert_code(2)
            .assert_stderr_has(&format!(
                "{DOC}:{line}: `<!-- tenant-audit:keep sign-off -->` is never closed; add `<!-- /tenant-audit:keep sign-off -->` after the hand-written text"
            ));
    }
    assert_eq!(project.read(DOC), document, "the document is left as it was");
}

#[test]
fn a_region_the_template_has_no_place_for_is_never_dropped() {
    let project = Project::fixture("living");
    project.run(&["generate"]).assert_code(0);
    let document = project.read(DOC);
    project.write("plain.md.tera", "# {{ document.title }}\n");
    project
        .run(&["generate", "--template", "plain.md.tera"])
        .assert_code(2)
        .assert_stderr_has("the hand-written region `findings-narrative` has no place in the new document");
    assert_eq!(project.read(DOC), document);
}

#[test]
fn generate_html_writes_a_self_contained_page_beside_the_document() {
    let project = Project::fixture("living");
    project
        .run(&["generate", "--html"])
        .assert_code(0)
        .assert_stdout_has(&format!("wrote {HTML}\n"));
    let page = Html::parse_document(&project.read(HTML));
    let select = |css: &str| Selector::parse(css).unwrap();

    let title: String = page.select(&select("title")).next().unwrap().text().collect();
    assert_eq!(title, "Living audit");
    // Readable tables: the status summary, the taxonomy, the coverage matrix, the inventory.
    let tables: Vec<_> = page.select(&select("main table")).collect();
    assert!(tables.len() >= 5, "{} tables", tables.len());
    assert!(tables.iter().all(|t| t.select(&select("thead th")).next().is_some()));
    let cells: Vec<String> = page.select(&select("td")).map(|td| td.text().collect()).collect();
    assert!(cells.iter().any(|c| c == "Webhook delivery"));

    // A table of contents whose every link lands on a heading.
    let links: Vec<&str> = page
        .select(&select("nav a"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    for section in [
        "#summary",
        "#isolation-test-coverage",
        "#contributor-checklist",
        "#sign-off",
    ] {
        assert!(links.contains(&section), "{section} not in {links:?}");
    }
    for link in page.select(&select("a[href^='#']")) {
        let id = &link.value().attr("href").unwrap()[1..];
        assert!(
            page.select(&select(&format!("[id='{id}']"))).next().is_some(),
            "no heading for #{id}"
        );
    }

    // Nothing is fetched from anywhere, and no script runs.
    for css in ["script", "link", "img", "iframe", "object", "embed", "[src]"] {
        assert!(page.select(&select(css)).next().is_none(), "found {css}");
    }
    for link in page.select(&select("a[href]")) {
        let href = link.value().attr("href").unwrap();
        assert!(
            href.starts_with('#') || href.starts_with("mailto:"),
            "external link {href}"
        );
    }
}

#[test]
fn check_html_compares_the_page_too() {
    let project = Project::fixture("living");
    project.run(&["generate", "--html"]).assert_code(0);
    project.run(&["check", "--html"]).assert_code(0);
    project.write(HTML, project.read(HTML).replace("Living audit", "Edited audit"));
    project
        .run(&["check", "--html"])
        .assert_code(1)
        .assert_stdout_has(&format!("error[drift]: {HTML}"));
    project.run(&["check"]).assert_code(0);
}

#[test]
fn checklist_is_rendered_from_the_inventory() {
    let project = Project::fixture("living");
    project
        .run(&["checklist"])
        .assert_code(0)
        .assert_stdout_has("- [ ] Every query on a tenant table constrains the table's scope column in its WHERE clause (`organization_id` or `project_id`)")
        .assert_stdout_has("- [ ] A change to one of the areas that need a two-tenant isolation test (Search and query, Webhook delivery) keeps that test passing")
        .assert_stdout_has("- [ ] Webhook payloads are signed with the organization's own secret.\n");
    let template = project.run(&["checklist", "--pr-template"]);
    template.assert_code(0);
    assert!(template.stdout.starts_with("## Tenant isolation\n"), "{template:?}");
    assert!(project.read("inventory.yaml").contains("checklist:"));
    project.run(&["generate"]).assert_code(0);
    assert!(project
        .read(DOC)
        .contains("- [ ] Webhook payloads are signed with the organization's own secret.\n"));
}

/// The text between the markers of region `name`.
fn region<'a>(document: &'a str, name: &str) -> &'a str {
    let open = format!("<!-- tenant-audit:keep {name} -->");
    let close = format!("<!-- /tenant-audit:keep {name} -->");
    let start = document.find(&open).unwrap_or_else(|| panic!("no region {name}")) + open.len();
    let end = document[start..].find(&close).unwrap() + start;
    &document[start..end]
}

fn replace_region(document: &str, name: &str, text: &str) -> String {
    let current = region(document, name);
    let start = current.as_ptr() as usize - document.as_ptr() as usize;
    format!("{}{text}{}", &document[..start], &document[start + current.len()..])
}
