//! `tenant-audit init`: a starter inventory.yaml for a repository the tool
//! has never seen. It reads what the repository shows — the TypeScript
//! source roots, the Kysely schema or SQL migrations, the tables the code
//! queries and whether it filters them by a tenant key, the queue and cache
//! helpers it defines — and drafts every section from that, failing closed:
//! a table it cannot place is drafted as a tenant table for a person to
//! decide, never as global.

mod detect;

use crate::extract::{self, ExtractError, ExtractRules, SchemaSources, SourceSelection};
use crate::model::Verdict;
use crate::repo::{RepoError, Workspace};
use crate::scope::{self, Taxonomy};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Column names that commonly identify a tenant, in the order they are preferred.
const TENANCY_KEY_CANDIDATES: [&str; 9] = [
    "organization_id",
    "org_id",
    "tenant_id",
    "project_id",
    "workspace_id",
    "account_id",
    "team_id",
    "customer_id",
    "company_id",
];

/// The areas that need a two-tenant isolation test, with the start of their
/// test files' names.
const COVERAGE_AREAS: [(&str, &str); 8] = [
    ("Search and query", "search"),
    ("Alert evaluation", "alert"),
    ("Pipeline execution", "pipeline"),
    ("Dashboard loading", "dashboard"),
    ("API-key validation", "api-key"),
    ("Webhook delivery", "webhook"),
    ("Audit-log queries", "audit-log"),
    ("Usage and metering", "usage"),
];

const DEFAULT_EXCLUDE: [&str; 4] = ["**/node_modules/**", "**/*.test.*", "**/*.spec.*", "**/__tests__/**"];

/// A drafted inventory.
#[derive(Debug, Clone)]
pub struct Starter {
    /// The YAML to write.
    pub yaml: String,
    /// One paragraph on what was found and what to do next.
    pub summary: String,
}

/// Why no inventory could be drafted.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Nothing to audit.
    #[error(
        "no TypeScript source file under {folder} (tests, fixtures and node_modules aside); run `init` in the \
         backend's repository, or write inventory.yaml by hand (README.md has a starter)"
    )]
    NoSources {
        /// The folder looked at.
        folder: String,
    },
    /// The git repository could not be read.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The folder could not be listed.
    #[error("cannot list files under {folder}: {message}")]
    Walk {
        /// The folder.
        folder: String,
        /// What went wrong.
        message: String,
    },
    /// A source file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The scan failed.
    #[error(transparent)]
    Extract(#[from] ExtractError),
}

/// Drafts an inventory for the repository in `folder`, where it will be written.
pub fn draft(folder: &Path) -> Result<Starter, InitError> {
    let files = list_files(folder)?;
    let sources = detect::sources(&files);
    if sources.is_empty() {
        return Err(InitError::NoSources {
            folder: folder.display().to_string(),
        });
    }
    let roots = detect::roots(&sources);
    let mut texts = Vec::with_capacity(sources.len());
    for file in &sources {
        let bytes = std::fs::read(folder.join(file)).map_err(|source| InitError::Read {
            file: file.clone(),
            source,
        })?;
        texts.push((file.clone(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    let mut helpers = detect::Helpers::default();
    for (file, text) in &texts {
        detect::helpers(text, file, &mut helpers);
    }

    let kysely = detect::kysely_interface(&texts);
    let migrations = detect::migration_folders(&files);
    let schema_sources = SchemaSources {
        kysely: kysely
            .as_ref()
            .map(|(file, interface)| (PathBuf::from(file), interface.clone())),
        migrations: migrations.iter().map(PathBuf::from).collect(),
    };
    let has_schema_sources = schema_sources.kysely.is_some() || !schema_sources.migrations.is_empty();
    // A schema that cannot be read is left out of the draft rather than failing it.
    let schema = has_schema_sources
        .then(|| extract::read_schema(folder, &schema_sources).ok())
        .flatten();

    let mut rules = ExtractRules {
        queue_factories: helpers.queue_factories.iter().cloned().collect(),
        worker_factories: helpers.worker_factories.iter().cloned().collect(),
        ..ExtractRules::default()
    };
    for client in &helpers.cache_clients {
        if !rules.cache_clients.contains(client) {
            rules.cache_clients.push(client.clone());
        }
    }
    let selection = SourceSelection {
        base: folder.to_path_buf(),
        roots: roots.iter().map(PathBuf::from).collect(),
        include: globs(&["**"]),
        exclude: globs(&DEFAULT_EXCLUDE),
    };
    let extraction = extract::scan_with(&selection, &rules)?;
    let candidates: Vec<String> = TENANCY_KEY_CANDIDATES.iter().map(|k| k.to_string()).collect();
    let scan = scope::decide_all(extraction, &Taxonomy::new(candidates.clone()));

    // Tenancy keys: the candidates the schema has as columns, else the ones
    // the code filters by.
    let mut keys: Vec<String> = match &schema {
        Some(schema) => candidates
            .iter()
            .filter(|key| schema.tables.values().any(|t| t.columns.contains(*key)))
            .cloned()
            .collect(),
        None => candidates
            .iter()
            .filter(|key| {
                scan.paths
                    .iter()
                    .any(|p| p.verdict == Verdict::Scoped && p.evidence.contains(key.as_str()))
            })
            .cloned()
            .collect(),
    };
    if keys.is_empty() {
        keys = vec!["organization_id".to_string(), "project_id".to_string()];
    }

    // Every table the code touches, with whether each path on it is scoped.
    let mut used: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for path in &scan.paths {
        for name in path.tables.iter().filter_map(|t| t.name.as_ref()) {
            let (paths, scoped) = used.entry(name.clone()).or_default();
            *paths += 1;
            if path.verdict == Verdict::Scoped {
                *scoped += 1;
            }
        }
    }
    let tables = match &schema {
        Some(schema) => tables_from_schema(schema, &keys, &used),
        None => tables_from_code(&used),
    };

    let isolation = files
        .iter()
        .filter_map(|f| {
            f.find("tests/isolation/")
                .map(|at| f[..at + "tests/isolation".len()].to_string())
        })
        .min()
        .unwrap_or_else(|| "tests/isolation".to_string());

    let yaml = render_yaml(&Draft {
        roots: &roots,
        keys: &keys,
        kysely: kysely.as_ref(),
        migrations: &migrations,
        schema_read: schema.is_some(),
        tables: &tables,
        helpers: &helpers,
        cache_clients: &rules.cache_clients,
        isolation: &isolation,
    });

    let mut summary = format!(
        "{} source root(s) ({}), tenancy keys {}, {} table(s): {} tenant, {} child, {} to decide",
        roots.len(),
        roots.join(", "),
        keys.join(", "),
        tables.tenant.len() + tables.entities.len() + tables.undecided.len() + tables.children.len(),
        tables.tenant.len() + tables.entities.len(),
        tables.children.len(),
        tables.undecided.len()
    );
    match (&kysely, schema.is_some()) {
        (Some((file, interface)), true) => {
            let _ = write!(summary, "; schema from `{interface}` in {file}");
        }
        (_, false) if has_schema_sources => summary.push_str("; the schema found could not be read, so it is left out"),
        _ if !migrations.is_empty() => {
            let _ = write!(summary, "; schema from {}", migrations.join(", "));
        }
        _ => summary.push_str("; no schema found, so tables come from the code"),
    }
    for (label, names) in [
        ("queue factories", &helpers.queue_factories),
        ("worker factories", &helpers.worker_factories),
        ("cache clients", &helpers.cache_clients),
    ] {
        if !names.is_empty() {
            let _ = write!(
                summary,
                "; {label}: {}",
                names.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
    summary.push_str(
        "\nnext: fill in `document:`, decide each table marked \"decide\", then run `tenant-audit check` and classify \
         what it reports (`tenant-audit baseline` records every open path as `unclear` to start from)",
    );
    Ok(Starter { yaml, summary })
}

/// The tables of the draft, by group.
#[derive(Debug, Default)]
struct Tables {
    /// Tables with a tenancy-key column, and those columns.
    tenant: Vec<(String, Vec<String>)>,
    /// The tenant tables themselves (`organizations`): their `id` is the key.
    entities: Vec<String>,
    /// Tables that point at a tenant table: name, parent, column.
    children: Vec<(String, String, String)>,
    /// Tables nothing places, with why.
    undecided: Vec<(String, &'static str)>,
}

fn tables_from_schema(
    schema: &crate::extract::schema::Schema,
    keys: &[String],
    used: &BTreeMap<String, (usize, usize)>,
) -> Tables {
    let mut tables = Tables::default();
    let entity_names: BTreeSet<String> = keys
        .iter()
        .flat_map(|key| plural_forms(key.trim_end_matches("_id")))
        .collect();
    let mut tenant_names = BTreeSet::new();
    for (name, table) in &schema.tables {
        let scope: Vec<String> = keys.iter().filter(|k| table.columns.contains(*k)).cloned().collect();
        if !scope.is_empty() {
            tenant_names.insert(name.clone());
            tables.tenant.push((name.clone(), scope));
        } else if entity_names.contains(name) {
            tenant_names.insert(name.clone());
            tables.entities.push(name.clone());
        }
    }
    for (name, table) in &schema.tables {
        if tenant_names.contains(name) {
            continue;
        }
        let parent = table.columns.iter().find_map(|column| {
            let stem = column.strip_suffix("_id")?;
            plural_forms(stem)
                .into_iter()
                .find(|candidate| tenant_names.contains(candidate))
                .map(|parent| (parent, column.clone()))
        });
        match parent {
            Some((parent, via)) => tables.children.push((name.clone(), parent, via)),
            None if table.columns.is_empty() => tables
                .undecided
                .push((name.clone(), "its columns could not be read from the schema")),
            None => tables
                .undecided
                .push((name.clone(), "no tenancy-key column in the schema")),
        }
    }
    for name in used.keys().filter(|n| !schema.tables.contains_key(*n)) {
        tables
            .undecided
            .push((name.clone(), "queried by the code but not in the schema"));
    }
    tables
}

fn tables_from_code(used: &BTreeMap<String, (usize, usize)>) -> Tables {
    let mut tables = Tables::default();
    for (name, (paths, scoped)) in used {
        if paths == scoped {
            tables.tenant.push((name.clone(), Vec::new()));
        } else {
            tables
                .undecided
                .push((name.clone(), "the code does not always filter it by a tenancy key"));
        }
    }
    tables
}

/// `alert_rule` → `alert_rule`, `alert_rules`; `company` → `companys`, `companies`.
fn plural_forms(stem: &str) -> Vec<String> {
    let mut forms = vec![stem.to_string(), format!("{stem}s"), format!("{stem}es")];
    if let Some(base) = stem.strip_suffix('y') {
        forms.push(format!("{base}ies"));
    }
    if stem == "org" {
        forms.push("organizations".to_string());
    }
    forms
}

struct Draft<'a> {
    roots: &'a [String],
    keys: &'a [String],
    kysely: Option<&'a (String, String)>,
    migrations: &'a [String],
    schema_read: bool,
    tables: &'a Tables,
    helpers: &'a detect::Helpers,
    cache_clients: &'a [String],
    isolation: &'a str,
}

fn render_yaml(draft: &Draft) -> String {
    let mut out = String::new();
    out.push_str(
        "# Tenant isolation inventory, drafted by `tenant-audit init` from what the repository shows.\n\
         # Every path in it is relative to this file's folder. Review each section: the tool proposes, people decide.\n\
         # Classifications (`paths:`) live here and only here, so one reviewed file is what an auditor trusts.\n\n",
    );
    out.push_str("document:\n");
    out.push_str("  title: \"Tenant isolation audit\"\n");
    out.push_str("  owner: \"TODO: the team that keeps this document true\"\n\n");

    out.push_str("sources:\n  roots:\n");
    for root in draft.roots {
        let _ = writeln!(out, "    - {}", scalar(root));
    }
    out.push_str("  exclude:\n");
    for glob in DEFAULT_EXCLUDE {
        let _ = writeln!(out, "    - {}", scalar(glob));
    }
    let _ = writeln!(out, "\ntenancy_keys: [{}]\n", draft.keys.join(", "));

    if draft.schema_read {
        out.push_str("# The schema the taxonomy is checked against.\nschema:\n");
        if let Some((file, interface)) = draft.kysely {
            let _ = writeln!(out, "  kysely:\n    file: {}\n    interface: {interface}", scalar(file));
        }
        if !draft.migrations.is_empty() {
            out.push_str("  migrations:\n");
            for folder in draft.migrations {
                let _ = writeln!(out, "    - {}", scalar(folder));
            }
        }
        out.push('\n');
    }

    let tables = draft.tables;
    out.push_str("tables:\n  tenant:\n");
    if !tables.tenant.is_empty() {
        out.push_str(if draft.schema_read {
            "    # A tenancy-key column in the schema.\n"
        } else {
            "    # Filtered by a tenancy key on every path the code shows.\n"
        });
        for (name, scope) in &tables.tenant {
            if scope.is_empty() {
                let _ = writeln!(out, "    - name: {}", scalar(name));
            } else {
                let _ = writeln!(out, "    - name: {}\n      scope: [{}]", scalar(name), scope.join(", "));
            }
        }
    }
    if !tables.entities.is_empty() {
        out.push_str("    # The tenants themselves: their `id` is the tenant key.\n");
        for name in &tables.entities {
            let _ = writeln!(out, "    - name: {}\n      scope: [id]", scalar(name));
        }
    }
    if !tables.undecided.is_empty() {
        for line in [
            "# decide: nothing shows how these tables are scoped. Keep each here with its `scope` column(s), or",
            "#   move it under `child` (with `parent` and `via`) or `global` (with a `reason`). Until then the",
            "#   audit judges them tenant tables scoped by the tenancy keys, so no unscoped access is missed.",
        ] {
            let _ = writeln!(out, "    {line}");
        }
        for (name, why) in &tables.undecided {
            let _ = writeln!(out, "    - name: {}  # {why}", scalar(name));
        }
    }
    if tables.tenant.is_empty() && tables.entities.is_empty() && tables.undecided.is_empty() {
        // `tenant: []` keeps the section visible in a repository whose code names no table yet.
        out.truncate(out.len() - "  tenant:\n".len());
        out.push_str("  tenant: []\n");
    }
    if !tables.children.is_empty() {
        out.push_str("  child:\n    # Scoped through a parent row: a query must join the parent and constrain it.\n");
        for (name, parent, via) in &tables.children {
            let _ = writeln!(
                out,
                "    - name: {}\n      parent: {}\n      via: {}",
                scalar(name),
                scalar(parent),
                scalar(via)
            );
        }
    }
    out.push('\n');

    let helpers = draft.helpers;
    if !helpers.queue_factories.is_empty() || !helpers.worker_factories.is_empty() {
        out.push_str("# Functions that wrap BullMQ's `new Queue` / `new Worker`.\nqueues:\n");
        let list = |names: &BTreeSet<String>| names.iter().map(|n| scalar(n)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "  queue_factories: [{}]", list(&helpers.queue_factories));
        let _ = writeln!(out, "  worker_factories: [{}]\n", list(&helpers.worker_factories));
    }
    if !helpers.cache_clients.is_empty() {
        let clients: Vec<String> = draft.cache_clients.iter().map(|c| scalar(c)).collect();
        let _ = writeln!(
            out,
            "# Names the cache client goes by.\ncache:\n  clients: [{}]\n",
            clients.join(", ")
        );
    }

    out.push_str(
        "# Areas that need an integration test with two tenants, proving one cannot see the other's data.\n\
         # Rename, drop or add areas to match this codebase, and point `tests` at the test files.\n\
         coverage:\n  areas:\n",
    );
    for (name, file) in COVERAGE_AREAS {
        let _ = writeln!(
            out,
            "    - name: {}\n      tests: [{}]",
            scalar(name),
            scalar(&format!("{}/{file}*", draft.isolation))
        );
    }
    out.push_str(
        "\n# Paths the code cannot prove scoped, each with a decision and a reason (`tenant-audit check` prints the\n\
         # entry to paste). scoped: safe for a reason the analysis cannot see; global: a deliberate cross-tenant\n\
         # access; unclear: an open item.\npaths: []\n",
    );
    out
}

/// A YAML scalar: plain when it is a simple name or path, double-quoted otherwise.
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !text.starts_with(['-', '.'])
        || text == ".";
    if plain {
        text.to_string()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn globs(patterns: &[&str]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern).expect("the built-in globs compile"));
    }
    builder.build().expect("the built-in globs compile")
}

/// The files of the repository around `folder`, relative to it: the tracked
/// ones in git, else a walk honouring `.gitignore`.
fn list_files(folder: &Path) -> Result<Vec<String>, InitError> {
    if let Some(workspace) = Workspace::discover(folder)? {
        let tracked = workspace.tracked_files()?;
        if !tracked.is_empty() {
            return Ok(tracked);
        }
    }
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(folder)
        .hidden(true)
        .require_git(false)
        .follow_links(false)
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| InitError::Walk {
            folder: folder.display().to_string(),
            message: e.to_string(),
        })?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let relative = entry.path().strip_prefix(folder).unwrap_or(entry.path());
            files.push(
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        assert_eq!(scalar("examples/app/src"), "examples/app/src");
        assert_eq!(scalar("**/*.test.*"), "\"**/*.test.*\"");
        assert_eq!(scalar("."), ".");
        assert_eq!(scalar("Search and query"), "\"Search and query\"");
    }

    #[test]
    fn plural_forms_cover_the_usual_table_names() {
        assert!(plural_forms("organization").contains(&"organizations".to_string()));
        assert!(plural_forms("company").contains(&"companies".to_string()));
        assert!(plural_forms("org").contains(&"organizations".to_string()));
    }
}
