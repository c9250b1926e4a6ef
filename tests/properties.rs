//! Properties that hold for any input, checked on generated projects and on
//! the example backend with generated edits:
//!
//! - `generate` is idempotent: a second run writes the same bytes;
//! - path ids do not change when blank lines or comments are added anywhere
//!   between tokens of a source file;
//! - the order in which files were created on disk (and so the order a folder
//!   lists them in) changes nothing in the scan or the document.

use clap::Parser as _;
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tenant_audit::cli::{self, Cli};
use tenant_audit::extract::{extract_source, Dialect};
use tree_sitter::{Node, Parser};

/// The document's default place, relative to the inventory's folder.
const DOC: &str = "docs/security/tenant-isolation-audit.md";

const INVENTORY: &str = r#"document: { title: "Audit", owner: "Security" }
sources: { roots: [src] }
tables:
  tenant: [{ name: projects, scope: [organization_id] }]
  global: [{ name: plans, reason: "Shared price list" }]
paths: []
"#;

/// Members a generated module is made of, each a different verdict; `NAME`
/// is replaced by a name unique in the project.
const MEMBERS: [&str; 8] = [
    "export async function NAME(orgId: string) {\n  return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();\n}\n",
    "export async function NAME() {\n  return db.selectFrom('projects').selectAll().execute();\n}\n",
    "export const NAME = () => db.selectFrom('plans').selectAll().execute();\n",
    "export async function NAME(orgId: string) {\n  return sql`select * from projects where organization_id = ${orgId}`.execute(db);\n}\n",
    "export async function NAME(orgId?: string) {\n  let q = db.selectFrom('projects').selectAll();\n  if (orgId) {\n    q = q.where('organization_id', '=', orgId);\n  }\n  return q.execute();\n}\n",
    "export async function NAME(orgId: string, name: string) {\n  return db.insertInto('projects').values({ organization_id: orgId, name }).execute();\n}\n",
    "export async function NAME(table: string) {\n  return db.selectFrom(table as any).selectAll().execute();\n}\n",
    "export class NAME {\n  async list(orgId: string) {\n    return db.selectFrom('projects').selectAll().where('organization_id', '=', orgId).execute();\n  }\n}\n",
];

/// Folders generated modules go in.
const FOLDERS: [&str; 3] = ["src", "src/a", "src/b/c"];

/// A generated project: each file's relative path and contents.
fn projects() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((0..FOLDERS.len(), prop::collection::vec(0..MEMBERS.len(), 1..5)), 1..5).prop_map(|files| {
        files
            .into_iter()
            .enumerate()
            .map(|(i, (folder, members))| {
                let source: String = members
                    .into_iter()
                    .enumerate()
                    .map(|(j, member)| MEMBERS[member].replace("NAME", &format!("m{i}x{j}")))
                    .collect();
                (format!("{}/module{i}.ts", FOLDERS[folder]), source)
            })
            .collect()
    })
}

/// Writes the inventory and `files`, in the order given, into a new folder.
fn lay_out(files: &[(String, String)]) -> TempDir {
    let dir = TempDir::new().expect("a temporary folder");
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).unwrap();
    for (relative, contents) in files {
        let path = dir.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    dir
}

/// Runs `tenant-audit generate` for the project in `dir`, in this process.
fn generate(dir: &Path) -> Vec<u8> {
    let config = dir.join("inventory.yaml");
    let cli = Cli::try_parse_from(["tenant-audit", "--config", config.to_str().unwrap(), "generate"])
        .expect("valid arguments");
    assert_eq!(cli::run(&cli).expect("generate runs"), 0);
    fs::read(dir.join(DOC)).expect("the document")
}

/// The scan of the project in `dir`, as `scan --format json` would print it.
fn scan_json(dir: &Path) -> String {
    let inventory = tenant_audit::inventory::load(&dir.join("inventory.yaml")).expect("a valid inventory");
    let extraction = tenant_audit::extract::scan(&inventory.selection).expect("a scan");
    serde_json::to_string_pretty(&tenant_audit::scope::decide_all(extraction, &inventory.taxonomy)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn generate_is_idempotent(files in projects()) {
        let dir = lay_out(&files);
        let first = generate(dir.path());
        let second = generate(dir.path());
        prop_assert_eq!(first, second);
    }

    #[test]
    fn the_order_files_were_created_in_changes_nothing(
        files in projects(),
        order in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let canonical = lay_out(&files);
        // Another order: a rotation from a chosen point, then a shuffle by seed.
        let mut shuffled = files.clone();
        shuffled.rotate_left(order.index(files.len()));
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let reordered = lay_out(&shuffled);
        prop_assert_eq!(scan_json(canonical.path()), scan_json(reordered.path()));
        prop_assert_eq!(generate(canonical.path()), generate(reordered.path()));
    }
}

// ---------------------------------------------------------------------------
// Ids under edits that change no code
// ---------------------------------------------------------------------------

/// The example backend's source files.
fn example_sources() -> &'static [(String, String)] {
    static SOURCES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    SOURCES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/logwell");
        let mut found = Vec::new();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            for entry in fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "ts") {
                    let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                    found.push((relative, fs::read_to_string(&path).unwrap()));
                }
            }
        }
        found.sort();
        assert!(found.len() > 10, "the example backend is there");
        found
    })
}

/// Where text can go without touching a token, a string or a template:
/// byte offsets right after a token (`after_tokens`) and right after a line
/// break between tokens (`line_starts`).
struct Gaps {
    after_tokens: Vec<usize>,
    line_starts: Vec<usize>,
}

fn gaps(source: &str) -> Gaps {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into())
        .unwrap();
    let tree = parser.parse(source, None).unwrap();
    let mut leaves: Vec<Node> = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        if cursor.node().child_count() == 0 {
            leaves.push(cursor.node());
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    let mut found = Gaps {
        after_tokens: vec![0],
        line_starts: vec![0],
    };
    for pair in leaves.windows(2) {
        let (left, right) = (pair[0], pair[1]);
        // The smallest node holding both tokens: text between tokens of a
        // string or template is part of the string.
        let mut common = left;
        while common.end_byte() < right.end_byte() {
            common = common.parent().unwrap();
        }
        if matches!(common.kind(), "string" | "template_string" | "regex" | "comment") {
            continue;
        }
        // tree-sitter-typescript 0.23 cannot parse a comment between the `?`
        // and the `:` of an optional parameter (`id? /* c */ : string`; valid
        // TypeScript, reported as not analysable): a limit of the grammar, not
        // of the extractors this property is about. Optional properties and
        // fields parse, and stay covered.
        let in_optional_parameter = left.parent().is_some_and(|p| p.kind() == "optional_parameter");
        if left.kind() == "?" && right.kind() == ":" && in_optional_parameter {
            continue;
        }
        found.after_tokens.push(left.end_byte());
        for (offset, byte) in source.as_bytes()[left.end_byte()..right.start_byte()]
            .iter()
            .enumerate()
        {
            if *byte == b'\n' {
                found.line_starts.push(left.end_byte() + offset + 1);
            }
        }
    }
    if let Some(last) = leaves.last() {
        found.after_tokens.push(last.end_byte());
    }
    found
}

/// Text that changes no code: what it is, and whether it must start a line.
const NOTHING: [(&str, bool); 5] = [
    (" /* note */ ", false),
    ("/**/", false),
    ("\n", true),
    ("// a comment, with `backticks` and 'quotes'\n", true),
    ("\n/* a block\n   over lines */\n\n", true),
];

fn sorted_ids(source: &str, file: &str) -> Vec<String> {
    let (candidates, problems) = extract_source(source.as_bytes(), file, Dialect::TypeScript);
    assert!(
        problems.is_empty(),
        "{file} does not parse after the edit: {problems:?}\n{source}"
    );
    let mut ids: Vec<String> = candidates.into_iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

/// Found by the property below: a comment was once read as the table argument.
#[test]
fn a_comment_inside_a_query_changes_no_id() {
    let plain = "export const f = () => db.selectFrom('logs').selectAll().execute();\n";
    let commented =
        "export const f = () => db\n  // every log\n  .selectFrom(/* audit */ 'logs')\n  .selectAll().execute();\n";
    assert_eq!(sorted_ids(commented, "src/x.ts"), sorted_ids(plain, "src/x.ts"));
    assert_eq!(sorted_ids(plain, "src/x.ts"), ["src/x.ts::f::kysely.select::logs#1"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn ids_do_not_change_when_blank_lines_or_comments_are_added_between_tokens(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..NOTHING.len()), 1..12),
    ) {
        let (name, source) = &example_sources()[file.index(example_sources().len())];
        let places = gaps(source);
        let mut insertions: Vec<(usize, &str)> = edits
            .iter()
            .map(|(place, what)| {
                let (text, at_line_start) = NOTHING[*what];
                let offsets = if at_line_start { &places.line_starts } else { &places.after_tokens };
                (offsets[place.index(offsets.len())], text)
            })
            .collect();
        // From the end, so that each offset still points where it did.
        insertions.sort_by_key(|&(offset, _)| std::cmp::Reverse(offset));
        let mut edited = source.clone();
        for (offset, text) in insertions {
            // A comment glued to a `/` (`a //**/ b`) would be another token.
            let spaced = if text.starts_with('/') && edited[..offset].ends_with('/') { " " } else { "" };
            edited.insert_str(offset, &format!("{spaced}{text}"));
        }
        prop_assert_eq!(sorted_ids(&edited, name), sorted_ids(source, name));
    }
}
