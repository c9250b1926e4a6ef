//! Specification of how tenant-audit meets hostile input and failure. It runs
//! unattended in CI on code nobody has reviewed yet and edits a file the team
//! curates by hand, so it never crashes, never hangs, never half-writes a
//! file, and never hides a path because it failed to read it: what it cannot
//! analyse is reported with its file and line, and a run that cannot be
//! trusted exits 2 with a message saying what to do.
//!
//! Some cases (already) live in tests/cli.rs and are not repeated here: a
//! syntax error between two paths, a missing source root, a missing, empty,
//! non-UTF-8 or directory inventory, unknown keys, duplicate ids and tables,
//! empty reasons, bad ids and globs, and a missing document folder.

mod project;

use project::Run;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;
use tenant_audit::extract::{extract_source, Dialect, ExtractError, ReadFailure};
use tenant_audit::model::{NotAnalysable, Verdict};
use tenant_audit::scope::{decide, TableClass, Taxonomy};

/// The document's default place, relative to the inventory's folder.
const DOC: &str = "docs/security/tenant-isolation-audit.md";

/// A minimal valid inventory; `sources:` is on line 2.
const INVENTORY: &str = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  tenant: [{ name: projects, scope: [organization_id] }]
  global: [{ name: plans, reason: "Shared price list" }]
paths: []
"#;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A module member `name` with one path, on a global table, on one line.
fn plans_query(name: &str) -> String {
    format!("export const {name} = () => db.selectFrom('plans').selectAll().execute();\n")
}

/// The id [`plans_query`] gives in `src/x.ts`.
fn plans_id(name: &str) -> String {
    format!("src/x.ts::{name}::kysely.select::plans#1")
}

/// The ids and the regions not analysed in `source`, extracted as `src/x.ts`.
fn extract(source: &[u8]) -> (Vec<String>, Vec<NotAnalysable>) {
    let (candidates, problems) = extract_source(source, "src/x.ts", Dialect::TypeScript);
    (candidates.into_iter().map(|c| c.id).collect(), problems)
}

/// Asserts that `ids` has the paths on either side of a hostile region.
fn assert_has_before_and_after(ids: &[String], what: &str) {
    for name in ["before", "after"] {
        assert!(
            ids.contains(&plans_id(name)),
            "{what}: the path `{name}` is missing from {ids:?}"
        );
    }
}

/// A project in a fresh temporary folder; `inventory.yaml` is [`INVENTORY`]
/// unless `files` provides one.
fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().expect("a temporary folder");
    if !files.iter().any(|(path, _)| *path == "inventory.yaml") {
        write(dir.path(), "inventory.yaml", INVENTORY);
    }
    for (path, contents) in files {
        write(dir.path(), path, contents);
    }
    dir
}

fn write(root: &Path, relative: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create fixture folder");
    }
    fs::write(&path, contents).expect("write fixture file");
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("tenant-audit")
}

fn finish(mut command: Command) -> Run {
    let output = command.output().expect("run tenant-audit");
    Run {
        code: output.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `tenant-audit args...` in `dir`.
fn run(dir: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(binary());
    command.current_dir(dir).args(args);
    finish(command)
}

/// The `.tenant-audit-*.tmp` files in `folder`.
fn temporary_files(folder: &Path) -> Vec<String> {
    fs::read_dir(folder)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(".tenant-audit-") && name.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// 1. Hostile TypeScript: the scan finishes, the rest of the file is analysed,
//    and every region that is not is reported with its line
// ---------------------------------------------------------------------------

#[test]
fn an_unterminated_template_literal_is_reported_and_the_path_before_it_is_kept() {
    let source = format!(
        "{}const query = `select * from logs where id = ${{id}}\n{}",
        plans_query("before"),
        plans_query("after")
    );
    let (ids, problems) = extract(source.as_bytes());
    assert!(ids.contains(&plans_id("before")), "{ids:?}");
    assert!(!problems.is_empty(), "the open template is reported");
    assert_eq!(problems[0].line, 2, "{problems:?}");
    assert!(problems[0].reason.starts_with("syntax error"), "{problems:?}");
}

/// Expressions of every shape the extractors recurse into, `depth` levels deep.
fn deep_expressions(depth: usize) -> Vec<(&'static str, String)> {
    let nest = |open: &str, inner: &str, close: &str| format!("{}{inner}{}", open.repeat(depth), close.repeat(depth));
    vec![
        ("parentheses", nest("(", "1", ")")),
        ("arrays", nest("[", "1", "]")),
        ("objects", nest("{ a: ", "1", " }")),
        ("calls", nest("f(", "1", ")")),
        ("ternaries", nest("a ? b : ", "1", "")),
        ("arrow functions", nest("(eb) => ", "1", "")),
        ("a member chain", nest("", "x", ".b")),
        ("a method chain", nest("", "x", ".where('a', '=', 1)")),
        ("a fallback chain", nest("a ?? ", "1", "")),
        ("a binary chain", nest("1 + ", "1", "")),
        (
            "expression-builder combinators",
            format!(
                "db.selectFrom('logs').where((eb) => {})",
                nest("eb.and([", "eb('a', '=', 1)", "])")
            ),
        ),
        (
            "subqueries",
            nest(
                "db.selectFrom('logs').where('id', 'in', ",
                "db.selectFrom('logs').select('id')",
                ")",
            ),
        ),
        (
            "inserted values",
            format!("db.insertInto('logs').values({})", nest("{ a: ", "1", " }")),
        ),
    ]
}

#[test]
fn expressions_nested_ten_thousand_levels_deep_are_reported_not_a_stack_overflow() {
    // On a 2 MiB stack, the default for a thread, whatever RUST_MIN_STACK says.
    let checked = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            for (shape, expression) in deep_expressions(10_000) {
                let source = format!(
                    "{}export const deep = () => {expression};\n{}",
                    plans_query("before"),
                    plans_query("after")
                );
                let (ids, problems) = extract(source.as_bytes());
                assert_has_before_and_after(&ids, shape);
                assert!(!problems.is_empty(), "{shape}: the deep expression is reported");
                for problem in &problems {
                    assert_eq!(problem.line, 2, "{shape}: {problem:?}");
                    assert!(
                        problem.reason.starts_with("nested more than 200 levels deep"),
                        "{shape}: {problem:?}"
                    );
                }
            }
        })
        .expect("a thread")
        .join();
    assert!(checked.is_ok(), "extraction failed on a deeply nested expression");
}

#[test]
fn statements_nested_ten_thousand_levels_deep_are_reported_too() {
    let depth = 10_000;
    for (shape, nested) in [
        ("blocks", format!("{}{}", "{".repeat(depth), "}".repeat(depth))),
        ("ifs", format!("{}x();", "if (x) ".repeat(depth))),
        (
            "types",
            format!("let t: {}number{} = 1;", "Array<".repeat(depth), ">".repeat(depth)),
        ),
    ] {
        let source = format!("{}{nested}\n{}", plans_query("before"), plans_query("after"));
        let (ids, problems) = extract(source.as_bytes());
        assert_has_before_and_after(&ids, shape);
        assert!(
            problems.iter().all(|p| p.line == 2) && !problems.is_empty(),
            "{shape}: {problems:?}"
        );
    }
}

#[test]
fn a_ten_megabyte_single_line_file_is_analysed_or_reported_too_slow_and_never_hangs() {
    let mut source = String::with_capacity(10 * 1024 * 1024 + 200);
    let mut functions = 0;
    while source.len() < 10 * 1024 * 1024 {
        source.push_str(&format!(
            "export async function q{functions}(orgId){{return db.selectFrom('projects').selectAll()\
             .where('organization_id','=',orgId).orderBy('name').execute()}}"
        ));
        functions += 1;
    }
    source.push('\n');
    let (ids, problems) = extract(source.as_bytes());
    if problems.is_empty() {
        assert_eq!(ids.len(), functions, "every path of a file analysed in time is found");
    } else {
        // Parsing ten megabytes takes about a second even in a release build.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].reason.starts_with("too slow"), "{problems:?}");
    }
}

#[test]
fn a_nul_byte_is_reported_and_the_rest_of_the_file_analysed() {
    let source = format!("{}const x = 1;\0\n{}", plans_query("before"), plans_query("after"));
    let (ids, problems) = extract(source.as_bytes());
    assert_has_before_and_after(&ids, "a NUL byte");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (2, 13));
    assert!(problems[0].reason.contains("NUL byte"), "{problems:?}");
}

#[test]
fn bytes_that_are_not_utf8_are_read_as_replacement_characters_and_reported() {
    let mut source = plans_query("before").into_bytes();
    source.extend_from_slice(b"const label = 'caf\xe9';\n");
    source.extend_from_slice(plans_query("after").as_bytes());
    source.extend_from_slice(b"export const odd = () => db.selectFrom('pl\xffans').selectAll().execute();\n");
    let (ids, problems) = extract(&source);
    assert_has_before_and_after(&ids, "Latin-1 bytes");
    // The table is named as closely as the bytes allow: it is then reported
    // as missing from the taxonomy, and its id can be classified.
    let odd = "src/x.ts::odd::kysely.select::pl\u{fffd}ans#1".to_string();
    assert!(ids.contains(&odd), "{ids:?}");
    assert!(tenant_audit::inventory::is_path_id(&odd));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (2, 19));
    assert!(problems[0].reason.starts_with("not UTF-8"), "{problems:?}");
}

#[test]
fn a_byte_order_mark_changes_nothing() {
    let source = format!("{}\n{}", plans_query("before"), plans_query("after"));
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), source.as_bytes()].concat();
    let (plain_candidates, plain_problems) = extract_source(source.as_bytes(), "src/x.ts", Dialect::TypeScript);
    let (bom_candidates, bom_problems) = extract_source(&with_bom, "src/x.ts", Dialect::TypeScript);
    assert!(plain_problems.is_empty() && bom_problems.is_empty(), "{bom_problems:?}");
    assert_eq!(plain_candidates, bom_candidates);
}

/// A taxonomy for the verdict comparisons below.
fn taxonomy() -> Taxonomy {
    let mut taxonomy = Taxonomy::new(vec!["organization_id".into()]);
    taxonomy.insert(
        "projects",
        TableClass::Tenant {
            keys: vec!["organization_id".into()],
        },
    );
    taxonomy.insert("plans", TableClass::Global);
    taxonomy
}

#[test]
fn crlf_line_endings_give_the_same_paths_lines_and_evidence_as_lf() {
    let source = "export class Projects {
  async list(orgId: string) {
    return db
      .selectFrom('projects')
      .selectAll()
      .where('organization_id', '=', orgId)
      .execute();
  }

  async all() {
    return sql`select *
      from projects`.execute(db);
  }
}
";
    let crlf = source.replace('\n', "\r\n");
    let judged = |text: &str| {
        let (candidates, problems) = extract_source(text.as_bytes(), "src/x.ts", Dialect::TypeScript);
        assert!(problems.is_empty(), "{problems:?}");
        candidates
            .iter()
            .map(|c| decide(c, &taxonomy()))
            .map(|p| (p.id, p.line, p.verdict, p.evidence))
            .collect::<Vec<_>>()
    };
    let lf = judged(source);
    assert_eq!(lf.len(), 2, "{lf:?}");
    assert_eq!(judged(&crlf), lf);
}

/// Found by fuzzing (`fuzz/regressions/extract/selectfrom-without-table`):
/// `db.selectFrom()` with no table yet, as in code being written, crashed the
/// verdict with an index out of bounds, and without a filter was judged
/// global, with an empty target no inventory entry can name.
#[test]
fn a_builder_without_a_table_is_unknown_and_does_not_crash() {
    for source in [
        "export const f = (x) => db.selectFrom().selectAll().where('id', '=', x).execute();\n",
        "export const f = () => db.selectFrom([]).selectAll().execute();\n",
    ] {
        let (candidates, problems) = extract_source(source.as_bytes(), "src/x.ts", Dialect::TypeScript);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(candidates.len(), 1, "{candidates:?}");
        let path = decide(&candidates[0], &taxonomy());
        assert_eq!(path.target, "?", "{path:?}");
        assert_eq!(path.verdict, Verdict::Unknown, "{path:?}");
        assert!(tenant_audit::inventory::is_path_id(&path.id), "{path:?}");
    }
}

#[test]
fn every_region_not_analysed_is_in_the_scan_the_check_and_the_document() {
    // Each file holds a path on line 1, then something hostile on line 2.
    let clean = plans_query("listPlans");
    let with = |hostile: &[u8]| [clean.as_bytes(), hostile].concat();
    let dir = project(&[
        ("src/clean.ts", clean.as_bytes()),
        (
            "src/deep.ts",
            &with(format!("const deep = {}1{};\n", "[".repeat(10_000), "]".repeat(10_000)).as_bytes()),
        ),
        ("src/nul.ts", &with(b"\0\n")),
        ("src/latin1.ts", &with(b"const a = 'caf\xe9';\n")),
        ("src/template.ts", &with(b"const b = `open\n")),
    ]);
    // Where each region starts, and what its report says.
    let regions = [
        ("src/deep.ts:2:", "nested more than 200 levels deep"),
        ("src/latin1.ts:2:15", "not UTF-8"),
        ("src/nul.ts:2:1", "syntax error: a NUL byte"),
        ("src/template.ts:2:", "syntax error"),
    ];
    let assert_lists_every_region = |result: &Run| {
        for (location, reason) in regions {
            let line = result
                .stdout
                .lines()
                .find(|line| line.starts_with(&format!("warning[not-analysable]: {location}")))
                .unwrap_or_else(|| panic!("no warning at {location}; {result:?}"));
            assert!(line.contains(reason), "{line:?} does not say {reason:?}");
        }
    };
    let scan = run(dir.path(), &["scan"]);
    scan.assert_code(0);
    assert_lists_every_region(&scan);
    run(dir.path(), &["generate"]).assert_code(0);
    let document = fs::read_to_string(dir.path().join(DOC)).unwrap();
    for file in ["src/deep.ts", "src/latin1.ts", "src/nul.ts", "src/template.ts"] {
        assert!(
            document.contains(&format!("`{file}`: 1 region(s)")),
            "the document lists {file}:\n{document}"
        );
    }
    let check = run(dir.path(), &["check"]);
    check.assert_code(0);
    assert_lists_every_region(&check);
}

// ---------------------------------------------------------------------------
// 2. Input that cannot be read, or should not be followed
// ---------------------------------------------------------------------------

/// Whether this process runs as root, for whom permissions do not apply.
#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `tenant-audit args...` in `dir` as a user that file permissions
/// apply to: `nobody` when the tests run as root (as CI does), else the
/// current user. Opens the project up for that user first, so set any
/// restricted permissions after calling [`share`].
#[cfg(unix)]
fn run_unprivileged(dir: &Path, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(binary());
    command.current_dir(dir).args(args);
    if is_root() {
        command.uid(65534).gid(65534);
    }
    finish(command)
}

/// Makes every folder and file under `dir` readable by everyone, so that an
/// unprivileged run can see the project.
#[cfg(unix)]
fn share(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| if path.is_dir() { 0o755 } else { 0o644 };
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    for entry in walk(dir) {
        fs::set_permissions(&entry, fs::Permissions::from_mode(mode(&entry))).unwrap();
    }
}

/// Every path under `dir`, folders before what they hold.
#[cfg(unix)]
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push(path.clone());
        if path.is_dir() && !path.is_symlink() {
            found.extend(walk(&path));
        }
    }
    found
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn an_unreadable_source_file_fails_every_run_naming_it_and_writes_nothing() {
    let dir = project(&[
        ("src/a.ts", plans_query("a").as_bytes()),
        ("src/secret.ts", plans_query("secret").as_bytes()),
        ("src/z.ts", plans_query("z").as_bytes()),
    ]);
    run(dir.path(), &["generate"]).assert_code(0);
    let document = fs::read(dir.path().join(DOC)).unwrap();
    share(dir.path());
    set_mode(&dir.path().join("src/secret.ts"), 0o000);
    for command in ["scan", "generate", "check"] {
        let result = run_unprivileged(dir.path(), &[command]);
        result
            .assert_code(2)
            .assert_stderr_has("cannot read 1 source file(s), so the scan cannot be trusted")
            .assert_stderr_has("src/secret.ts: permission denied")
            .assert_stderr_has("= help:");
        assert!(!result.stdout.contains("passed"), "{result:?}");
    }
    assert_eq!(
        fs::read(dir.path().join(DOC)).unwrap(),
        document,
        "the document is untouched"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_fails_the_run_naming_it() {
    let dir = project(&[
        ("src/a.ts", plans_query("a").as_bytes()),
        ("src/private/b.ts", plans_query("b").as_bytes()),
    ]);
    share(dir.path());
    set_mode(&dir.path().join("src/private"), 0o000);
    run_unprivileged(dir.path(), &["scan"])
        .assert_code(2)
        .assert_stderr_has("cannot list files under src")
        .assert_stderr_has("src/private");
}

#[test]
fn a_file_that_vanishes_during_the_scan_fails_it_rather_than_dropping_its_paths() {
    // Between listing the files and reading them, `src/b.ts` was deleted.
    let error = ExtractError::Unreadable {
        failures: vec![ReadFailure {
            file: "src/b.ts".into(),
            error: std::io::ErrorKind::NotFound.into(),
        }],
    };
    let message = error.to_string();
    assert!(message.starts_with("cannot read 1 source file(s), so the scan cannot be trusted:"));
    assert!(
        message.contains("\n  src/b.ts: deleted or moved during the scan\n"),
        "{message}"
    );
    assert!(message.contains("= help: make them readable"), "{message}");
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_reported_and_never_followed() {
    use std::os::unix::fs::symlink;
    let dir = project(&[("src/a.ts", plans_query("a").as_bytes())]);
    let src = dir.path().join("src");
    symlink("self.ts", src.join("self.ts")).unwrap();
    symlink("ping", src.join("pong")).unwrap();
    symlink("pong", src.join("ping")).unwrap();
    symlink("..", src.join("up")).unwrap();
    let scan = run(dir.path(), &["scan", "--format", "json"]);
    scan.assert_code(0);
    let json = scan.json();
    assert_eq!(json["paths"].as_array().unwrap().len(), 1, "{scan:?}");
    let reported: Vec<(String, String)> = json["not_analysable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let files: Vec<&str> = reported.iter().map(|(file, _)| file.as_str()).collect();
    assert_eq!(files, ["src/ping", "src/pong", "src/self.ts", "src/up"], "{reported:?}");
    for (file, reason) in &reported {
        let expected = if file == "src/up" {
            "outside the source roots is not followed"
        } else {
            "symbolic link that cannot be resolved"
        };
        assert!(reason.contains(expected), "{file}: {reason}");
    }
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_roots_is_reported_and_not_followed() {
    use std::os::unix::fs::symlink;
    let unscoped = b"export const all = () => db.selectFrom('projects').selectAll().execute();\n";
    let dir = project(&[
        ("src/a.ts", plans_query("a").as_bytes()),
        ("outside/secret.ts", unscoped),
    ]);
    symlink("../outside", dir.path().join("src/shared")).unwrap();
    symlink("../outside/secret.ts", dir.path().join("src/secret.ts")).unwrap();
    let scan = run(dir.path(), &["scan"]);
    scan.assert_code(0)
        .assert_stdout_has("warning[not-analysable]: src/secret.ts:1:1: symbolic link to ")
        .assert_stdout_has("warning[not-analysable]: src/shared:1:1: symbolic link to ")
        .assert_stdout_has("outside the source roots is not followed")
        .assert_stdout_has("1 path(s) in 1 file(s)");
    assert!(
        !scan.stdout.contains("allProjects") && !scan.stdout.contains("::all::"),
        "{scan:?}"
    );

    // Leaving the links out on purpose silences the report.
    let inventory = INVENTORY.replace(
        "sources: { roots: [src] }",
        "sources: { roots: [src], exclude: [\"src/shared/**\", \"src/secret.ts\"] }",
    );
    write(dir.path(), "inventory.yaml", inventory);
    let quiet = run(dir.path(), &["scan"]);
    quiet.assert_code(0);
    assert!(!quiet.stdout.contains("not-analysable"), "{quiet:?}");

    // Adding the target as a root audits it.
    let inventory = INVENTORY.replace("roots: [src]", "roots: [src, outside]");
    write(dir.path(), "inventory.yaml", inventory);
    let audited = run(dir.path(), &["scan"]);
    audited
        .assert_code(0)
        .assert_stdout_has("outside/secret.ts::all::kysely.select::projects#1");
    assert!(!audited.stdout.contains("not-analysable"), "{audited:?}");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_within_the_roots_is_scanned_once_under_its_target_name() {
    let dir = project(&[("src/real.ts", plans_query("real").as_bytes())]);
    std::os::unix::fs::symlink("real.ts", dir.path().join("src/alias.ts")).unwrap();
    let scan = run(dir.path(), &["scan"]);
    scan.assert_code(0)
        .assert_stdout_has("src/real.ts::real::kysely.select::plans#1")
        .assert_stdout_has("1 path(s) in 1 file(s)");
    assert!(!scan.stdout.contains("not-analysable"), "{scan:?}");
}

#[test]
fn a_repository_without_typescript_exits_2_as_there_is_nothing_to_audit() {
    let dir = project(&[("src/README.md", b"# nothing here yet\n")]);
    for command in ["scan", "generate", "check"] {
        run(dir.path(), &[command])
            .assert_code(2)
            .assert_stderr_has("no TypeScript file to audit under `sources.roots` (src)");
    }
    assert!(!dir.path().join(DOC).exists());
}

// ---------------------------------------------------------------------------
// 3. inventory.yaml: one located first line saying what to do, exit 2,
//    nothing written
// ---------------------------------------------------------------------------

/// Runs `generate` on `inventory` and asserts the contract of a configuration
/// error: exit 2, stderr starting with `first_line_prefix` and a help line
/// containing `help`, nothing on stdout, no document.
fn assert_rejected(inventory: &[u8], first_line_prefix: &str, help: &str) -> Run {
    let dir = project(&[("inventory.yaml", inventory), ("src/a.ts", plans_query("a").as_bytes())]);
    let result = run(dir.path(), &["generate"]);
    result.assert_code(2);
    let mut lines = result.stderr.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with(first_line_prefix),
        "first stderr line {first:?} does not start with {first_line_prefix:?}; {result:?}"
    );
    let second = lines.next().unwrap_or_default();
    assert!(
        second.starts_with("  = help: ") && second.contains(help),
        "second line {second:?} does not say {help:?}; {result:?}"
    );
    assert!(!result.stderr.contains("struct Raw"), "no internal names; {result:?}");
    assert!(result.stdout.is_empty(), "nothing goes to stdout; {result:?}");
    assert!(
        !dir.path().join(DOC).exists(),
        "no document may be written on a config error"
    );
    result
}

#[test]
fn a_value_of_the_wrong_type_is_rejected_at_the_value() {
    assert_rejected(
        INVENTORY.replace("roots: [src]", "roots: src").as_bytes(),
        "inventory.yaml:2:19: error[config-invalid]: sources.roots: invalid type: string \"src\", expected a sequence",
        "write a list here",
    );
    assert_rejected(
        INVENTORY
            .replace("scope: [organization_id]", "scope: organization_id")
            .as_bytes(),
        "inventory.yaml:4:37: error[config-invalid]: tables.tenant[0].scope: invalid type: string",
        "write a list here",
    );
    assert_rejected(
        INVENTORY.replace("paths: []", "paths: {}").as_bytes(),
        "inventory.yaml:6:8: error[config-invalid]: paths: invalid type: map, expected a sequence",
        "write a list here",
    );
    assert_rejected(
        INVENTORY
            .replace(
                "paths: []",
                "paths:\n  - { id: \"src/a.ts::a::kysely.select::plans#1\", classification: maybe, reason: x }",
            )
            .as_bytes(),
        "inventory.yaml:7:66: error[config-invalid]: paths[0].classification: unknown variant `maybe`",
        "use one of the values listed",
    );
    assert_rejected(
        b"- document\n- sources\n",
        "inventory.yaml:1:1: error[config-invalid]: invalid type: sequence, expected a mapping of keys",
        "give this key a value",
    );
}

#[test]
fn a_yaml_syntax_error_is_rejected_where_the_parser_stopped() {
    let cases: [(String, &str); 3] = [
        (
            INVENTORY.replace("owner: \"Security\" }", "owner: \"Security\""),
            "inventory.yaml:2:1: error[config-invalid]: did not find expected ',' or '}', while parsing a flow mapping \
             at line 1 column 11",
        ),
        (
            INVENTORY.replace("\"Shared price list\"", "\"Shared price list"),
            "inventory.yaml:7:1: error[config-invalid]: found unexpected end of stream",
        ),
        (
            INVENTORY.replace("tables:\n  tenant", "tables:\n\ttenant"),
            "inventory.yaml:4:1: error[config-invalid]: found character that cannot start any token",
        ),
    ];
    for (inventory, first_line) in cases {
        let result = assert_rejected(inventory.as_bytes(), first_line, "fix the YAML syntax here");
        assert!(
            !result.stderr.lines().next().unwrap().contains(" at line 2 column 1,"),
            "{result:?}"
        );
    }
}

#[test]
fn a_key_given_twice_is_rejected_at_its_second_occurrence() {
    assert_rejected(
        format!("{INVENTORY}sources: {{ roots: [lib] }}\n").as_bytes(),
        "inventory.yaml:7:1: error[config-invalid]: `sources` appears twice in the same mapping",
        "keep one of the two",
    );
    let entry = "paths:\n  - id: \"src/a.ts::a::kysely.select::plans#1\"\n    classification: global\n    \
                 reason: \"Shared\"\n    reason: \"Also shared\"\n";
    assert_rejected(
        INVENTORY.replace("paths: []\n", entry).as_bytes(),
        "inventory.yaml:10:5: error[config-invalid]: `reason` appears twice in the same mapping",
        "keep one of the two",
    );
}

#[test]
fn a_second_yaml_document_is_rejected_at_its_start() {
    assert_rejected(
        format!("{INVENTORY}---\ndocument: {{ title: \"Other\", owner: \"Else\" }}\n").as_bytes(),
        "inventory.yaml:7:1: error[config-invalid]: deserializing from YAML containing more than one document",
        "keep one document",
    );
}

#[test]
fn a_control_character_is_rejected_at_its_position() {
    assert_rejected(
        INVENTORY
            .replace("Shared price list", "Shared\u{1}price list")
            .as_bytes(),
        "inventory.yaml:5:42: error[config-invalid]: a control character is not allowed in YAML",
        "remove the character",
    );
}

#[test]
fn yaml_nested_ten_thousand_levels_deep_is_rejected_not_a_stack_overflow() {
    let deep = format!("{INVENTORY}x: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let dir = project(&[
        ("inventory.yaml", deep.as_bytes()),
        ("src/a.ts", plans_query("a").as_bytes()),
    ]);
    run(dir.path(), &["validate"])
        .assert_code(2)
        .assert_stderr_has("inventory.yaml:7:");
}

#[test]
fn an_inventory_saved_with_a_byte_order_mark_and_crlf_line_endings_is_read_as_written() {
    let inventory = format!("\u{feff}{}", INVENTORY.replace('\n', "\r\n"));
    let dir = project(&[
        ("inventory.yaml", inventory.as_bytes()),
        ("src/a.ts", plans_query("a").as_bytes()),
    ]);
    run(dir.path(), &["validate"])
        .assert_code(0)
        .assert_stdout_has("2 table(s) in the taxonomy");
}

// ---------------------------------------------------------------------------
// 4. Writing the document: atomically, or not at all
// ---------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_document_folder_that_cannot_be_written_exits_2_and_keeps_the_old_document() {
    let dir = project(&[("src/a.ts", plans_query("a").as_bytes())]);
    run(dir.path(), &["generate"]).assert_code(0);
    let document = fs::read(dir.path().join(DOC)).unwrap();
    write(dir.path(), "src/b.ts", plans_query("b"));
    share(dir.path());
    // Read-only, like a full disk or a read-only mount: nothing can be created there.
    let folder = dir.path().join("docs/security");
    set_mode(&folder, 0o555);
    let result = run_unprivileged(dir.path(), &["generate"]);
    set_mode(&folder, 0o755);
    result
        .assert_code(2)
        .assert_stderr_has("error: cannot write in docs/security");
    assert_eq!(
        fs::read(dir.path().join(DOC)).unwrap(),
        document,
        "the old document is intact"
    );
    assert_eq!(temporary_files(&folder), Vec::<String>::new());
}

#[test]
fn a_folder_where_the_document_should_be_is_not_replaced() {
    let dir = project(&[
        ("src/a.ts", plans_query("a").as_bytes()),
        (&format!("{DOC}/keep.txt"), b"kept"),
    ]);
    run(dir.path(), &["generate"]).assert_code(2).assert_stderr_has(DOC);
    assert_eq!(fs::read(dir.path().join(DOC).join("keep.txt")).unwrap(), b"kept");
}

// ---------------------------------------------------------------------------
// 5. Interruption: Ctrl-C leaves the old document or the new one
// ---------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn ctrl_c_during_generate_leaves_the_old_document_or_the_new_one_and_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};

    // Enough code for generate to take a moment and write a long document.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for file in 0..60 {
        let mut source = String::new();
        for query in 0..12 {
            source.push_str(&plans_query(&format!("plans{file}x{query}")));
        }
        files.push((format!("src/module{file}.ts"), source.into_bytes()));
    }
    let fixture: Vec<(&str, &[u8])> = files.iter().map(|(p, s)| (p.as_str(), s.as_slice())).collect();
    let dir = project(&fixture);
    let doc = dir.path().join(DOC);
    run(dir.path(), &["generate"]).assert_code(0);
    let old = fs::read(&doc).unwrap();
    write(dir.path(), "src/new.ts", plans_query("added"));
    let started = Instant::now();
    run(dir.path(), &["generate"]).assert_code(0);
    // Only spreads the signals over a run; nothing is asserted about time.
    let one_run = started.elapsed();
    let new = fs::read(&doc).unwrap();
    assert_ne!(old, new);

    let trials = 16;
    for trial in 0..trials {
        fs::write(&doc, &old).unwrap();
        let mut child = Command::new(binary())
            .current_dir(dir.path())
            .arg("generate")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start generate");
        std::thread::sleep(
            one_run
                .mul_f64(trial as f64 / (trials - 4) as f64)
                .min(Duration::from_secs(5)),
        );
        // SAFETY: signals a child not yet waited for, so its pid is still ours.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let status = child.wait().unwrap();
        assert!(
            status.success() || status.signal() == Some(libc::SIGINT),
            "trial {trial}: generate ended with {status:?}"
        );
        let written = fs::read(&doc).unwrap();
        assert!(
            written == old || written == new,
            "trial {trial}: the document is neither the old nor the new one ({} bytes)",
            written.len()
        );
        assert_eq!(
            temporary_files(doc.parent().unwrap()),
            Vec::<String>::new(),
            "trial {trial}"
        );
    }
}
