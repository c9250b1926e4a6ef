//! Loads `inventory.yaml`: parse (serde, unknown keys rejected), then one
//! validation pass that collects every problem, each located `file:line:col`.

use super::locate::Locator;
use super::merge::Severity;
use super::raw::RawInventory;
use super::raw::RawSeverity;
use super::review::{parse_date, StalenessPolicy};
use super::{ConfigError, ConfigErrors, CoverageArea, Inventory, PathEntry, TableDeclaration};
use crate::extract::SourceSelection;
use crate::scope::{TableClass, Taxonomy};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The file name the CLI looks for by default.
pub const DEFAULT_CONFIG: &str = "inventory.yaml";
/// Where the document goes unless `output:` or `--out` says otherwise.
pub const DEFAULT_OUTPUT: &str = "docs/security/tenant-isolation-audit.md";

/// Reads, parses and validates the inventory at `path`.
pub fn load(path: &Path) -> Result<Inventory, ConfigErrors> {
    let single = |line, column, code, message: String, help: &str| {
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line,
            column,
            code,
            message,
            help: help.to_string(),
        }])
    };
    if path.is_dir() {
        return Err(single(
            0,
            0,
            "config-not-a-file",
            format!("{} is a directory, not an inventory file", path.display()),
            "pass the YAML file itself with --config",
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        single(
            0,
            0,
            "config-unreadable",
            format!("cannot read {}: {e}", path.display()),
            "create it (see README.md for a starter inventory) or pass another file with --config",
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
        single(
            line,
            column,
            "config-not-utf8",
            "the file is not valid UTF-8".to_string(),
            "save it as UTF-8",
        )
    })?;
    // Editors on Windows may save a byte-order mark, which YAML would read as
    // part of the first key.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(single(
            1,
            1,
            "config-empty",
            "the inventory is empty".to_string(),
            "it needs at least `document:` and `sources:`; see README.md for a starter inventory",
        ));
    }
    let raw: RawInventory = serde_yaml::from_str(&text).map_err(|e| {
        let problem = yaml_problem(&e, &text);
        single(
            problem.line,
            problem.column,
            "config-invalid",
            problem.message,
            problem.help,
        )
    })?;
    validate(raw, path, &text)
}

/// A YAML or type error, located and explained.
struct YamlProblem {
    line: usize,
    column: usize,
    message: String,
    help: &'static str,
}

/// Locates and explains what serde_yaml rejected. Its message repeats the
/// location in words and names internal types; the location goes in front
/// instead, and the types are described. Errors it reports without a
/// location (a repeated key, a second document, a control character) are
/// located here.
fn yaml_problem(error: &serde_yaml::Error, text: &str) -> YamlProblem {
    let mut message = error.to_string();
    let mut location = error.location().map(|l| (l.line(), l.column()));
    if let Some((line, column)) = location {
        message = message.replacen(&format!(" at line {line} column {column}"), "", 1);
    }
    // `expected struct RawPathEntry` → `expected a mapping`.
    while let Some(at) = message.find("struct Raw") {
        let end = message[at + "struct ".len()..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(message.len(), |n| at + "struct ".len() + n);
        message.replace_range(at..end, "a mapping of keys");
    }
    let repeated = message.contains("duplicate field") || message.contains("duplicate entry");
    if repeated || message.contains("more than one document") {
        if let Some((line, column, key)) = scan_structure(text) {
            match key {
                Some(key) if repeated => {
                    location = Some((line, column));
                    message = format!("`{key}` appears twice in the same mapping");
                }
                None if !repeated => location = Some((line, column)),
                _ => {}
            }
        }
    }
    if let Some(rest) = message.strip_prefix("control characters are not allowed at position ") {
        if let Ok(offset) = rest.trim().parse::<usize>() {
            location = Some(position_of(text, offset));
            message = "a control character is not allowed in YAML".to_string();
        }
    }
    let help = if message.contains("unknown field") {
        "remove the key or correct its spelling; the keys allowed here are listed above"
    } else if message.contains("missing field") {
        "add the missing key here; README.md has a starter inventory with every required key"
    } else if message.contains("unknown variant") {
        "use one of the values listed above"
    } else if message.contains("expected a sequence") {
        "write a list here, e.g. `[src]`, or one `- item` per line"
    } else if message.contains("invalid type") || message.contains("invalid value") {
        "give this key a value of the kind named above"
    } else if repeated {
        "keep one of the two: YAML does not merge repeated keys"
    } else if message.contains("more than one document") {
        "keep one document: remove the `---` line and what follows it, or merge the two"
    } else if message.contains("control character") {
        "remove the character; the inventory is plain text"
    } else if message.contains("recursion limit") {
        "the YAML is nested too deeply; the inventory needs a few levels at most"
    } else {
        "fix the YAML syntax here: check quotes, brackets and indentation (tabs cannot indent YAML)"
    };
    let (line, column) = location.unwrap_or((1, 1));
    YamlProblem {
        line,
        column,
        message,
        help,
    }
}

/// 1-based line and column of byte `offset` in `text`, counting characters.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The first key repeated within one mapping (with its name), or else the
/// start of a second document (without one), by position.
fn scan_structure(text: &str) -> Option<(usize, usize, Option<String>)> {
    use std::collections::HashSet;
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;

    enum Frame {
        Mapping { keys: HashSet<String>, expect_key: bool },
        Sequence,
    }
    #[derive(Default)]
    struct Finder {
        stack: Vec<Frame>,
        documents: usize,
        repeated: Option<(usize, usize, String)>,
        second_document: Option<(usize, usize)>,
    }
    impl Finder {
        /// A node starts; in a mapping it is a key or a value in turn.
        fn node(&mut self, key_text: Option<&str>, mark: Marker) {
            if let Some(Frame::Mapping { keys, expect_key }) = self.stack.last_mut() {
                if *expect_key {
                    if let Some(key) = key_text {
                        if !keys.insert(key.to_string()) && self.repeated.is_none() {
                            self.repeated = Some((mark.line(), mark.col() + 1, key.to_string()));
                        }
                    }
                }
                *expect_key = !*expect_key;
            }
        }
    }
    impl MarkedEventReceiver for Finder {
        fn on_event(&mut self, event: Event, mark: Marker) {
            match event {
                Event::DocumentStart => {
                    self.documents += 1;
                    if self.documents == 2 {
                        self.second_document = Some((mark.line(), mark.col() + 1));
                    }
                }
                Event::Scalar(value, ..) => self.node(Some(&value), mark),
                Event::Alias(_) => self.node(None, mark),
                Event::MappingStart(..) => {
                    self.node(None, mark);
                    self.stack.push(Frame::Mapping {
                        keys: HashSet::new(),
                        expect_key: true,
                    });
                }
                Event::SequenceStart(..) => {
                    self.node(None, mark);
                    self.stack.push(Frame::Sequence);
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
    }

    let mut finder = Finder::default();
    // A syntax error ends the scan early; what was found before it stands.
    let _ = Parser::new_from_str(text).load(&mut finder, true);
    if let Some((line, column, key)) = finder.repeated {
        return Some((line, column, Some(key)));
    }
    finder.second_document.map(|(line, column)| (line, column, None))
}

/// The second phase: every semantic problem at once, then the runtime model.
fn validate(raw: RawInventory, path: &Path, text: &str) -> Result<Inventory, ConfigErrors> {
    let locator = Locator::new(text);
    let mut errors = Vec::new();
    let mut error = |key: String, code: &'static str, message: String, help: &str| {
        let (line, column) = locator.find(&key);
        errors.push(ConfigError {
            file: path.to_path_buf(),
            line,
            column,
            code,
            message,
            help: help.to_string(),
        });
    };

    // An empty base (config in the working directory) keeps reported paths
    // free of a leading `./`.
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();

    for (key, value) in [
        ("document.last_reviewed", &raw.document.last_reviewed),
        ("document.next_review", &raw.document.next_review),
    ] {
        if let Some(date) = value {
            if !is_date(date) {
                error(
                    key.to_string(),
                    "bad-date",
                    format!("`{date}` is not a date"),
                    "write it as YYYY-MM-DD",
                );
            }
        }
    }

    if raw.sources.roots.is_empty() {
        error(
            "sources.roots".into(),
            "no-source-roots",
            "`sources.roots` lists no folder to scan".into(),
            "add the folder(s) holding the backend's TypeScript, relative to this file",
        );
    }
    let include = if raw.sources.include.is_empty() {
        vec!["**".to_string()]
    } else {
        raw.sources.include.clone()
    };
    let include = compile_globs(&include, "sources.include", !raw.sources.include.is_empty(), &mut error);
    let exclude = compile_globs(&raw.sources.exclude, "sources.exclude", true, &mut error);

    if raw.tenancy_keys.is_empty() {
        error(
            "tenancy_keys".into(),
            "no-tenancy-keys",
            "`tenancy_keys` is empty".into(),
            "list the columns that identify a tenant, e.g. [organization_id, project_id]",
        );
    }

    let mut taxonomy = Taxonomy::new(raw.tenancy_keys.clone());
    // A table declared twice is reported at the later declaration in the
    // file, whichever groups the two are in; only the first one counts.
    let mut declarations_in_file: Vec<(usize, usize, &str, String)> = Vec::new();
    for (group, names) in [
        (
            "tenant",
            raw.tables.tenant.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ),
        ("child", raw.tables.child.iter().map(|t| t.name.as_str()).collect()),
        ("global", raw.tables.global.iter().map(|t| t.name.as_str()).collect()),
    ] {
        for (i, name) in names.into_iter().enumerate() {
            let key = format!("tables.{group}[{i}].name");
            let (line, column) = locator.find(&key);
            declarations_in_file.push((line, column, name, key));
        }
    }
    declarations_in_file.sort();
    let mut first_declaration: HashMap<&str, (usize, usize, String)> = HashMap::new();
    for (line, column, name, key) in declarations_in_file {
        match first_declaration.get(name) {
            Some((first_line, first_column, _)) => error(
                key,
                "duplicate-table",
                format!("table `{name}` is declared twice (first at line {first_line}:{first_column})"),
                "keep one declaration: a table is tenant, child or global, not two of them",
            ),
            None => {
                first_declaration.insert(name, (line, column, key));
            }
        }
    }
    let is_first = |name: &str, key: String| first_declaration.get(name).is_some_and(|(_, _, first)| *first == key);
    let mut declarations = Vec::new();
    for (i, table) in raw.tables.tenant.iter().enumerate() {
        let key = format!("tables.tenant[{i}]");
        if !is_first(&table.name, format!("{key}.name")) {
            continue;
        }
        let keys = table.scope.clone().unwrap_or_else(|| raw.tenancy_keys.clone());
        if keys.is_empty() {
            error(
                format!("{key}.scope"),
                "empty-scope",
                format!("tenant table `{}` has an empty scope", table.name),
                "list the column(s) that scope it, or declare it global with a reason",
            );
        }
        taxonomy.insert(table.name.clone(), TableClass::Tenant { keys: keys.clone() });
        let (line, column) = locator.find(&key);
        declarations.push(TableDeclaration {
            name: table.name.clone(),
            class: TableClass::Tenant { keys },
            reason: None,
            allow_tenant_key: None,
            line,
            column,
        });
    }
    for (i, table) in raw.tables.child.iter().enumerate() {
        let key = format!("tables.child[{i}]");
        if !is_first(&table.name, format!("{key}.name")) {
            continue;
        }
        let class = TableClass::Child {
            parent: table.parent.clone(),
            via: table.via.clone(),
        };
        taxonomy.insert(table.name.clone(), class.clone());
        let (line, column) = locator.find(&key);
        declarations.push(TableDeclaration {
            name: table.name.clone(),
            class,
            reason: None,
            allow_tenant_key: table.allow_tenant_key.clone(),
            line,
            column,
        });
    }
    for (i, table) in raw.tables.global.iter().enumerate() {
        let key = format!("tables.global[{i}]");
        if !is_first(&table.name, format!("{key}.name")) {
            continue;
        }
        if table.reason.trim().is_empty() {
            error(
                format!("{key}.reason"),
                "empty-reason",
                format!("global table `{}` has no reason", table.name),
                "say why every tenant may share this table; auditors read it",
            );
        }
        taxonomy.insert(table.name.clone(), TableClass::Global);
        let (line, column) = locator.find(&key);
        declarations.push(TableDeclaration {
            name: table.name.clone(),
            class: TableClass::Global,
            reason: Some(table.reason.trim().to_string()),
            allow_tenant_key: table.allow_tenant_key.clone(),
            line,
            column,
        });
    }
    for (i, table) in raw.tables.child.iter().enumerate() {
        match taxonomy.class(&table.parent) {
            Some(TableClass::Tenant { .. }) | Some(TableClass::Child { .. }) => {}
            _ => error(
                format!("tables.child[{i}].parent"),
                "unknown-parent",
                format!(
                    "child table `{}` names parent `{}`, which is not a tenant or child table",
                    table.name, table.parent
                ),
                "declare the parent under tables.tenant or tables.child",
            ),
        }
    }

    for (i, helper) in raw.scoping_helpers.iter().enumerate() {
        if helper.name.trim().is_empty() || helper.key.trim().is_empty() {
            error(
                format!("scoping_helpers[{i}]"),
                "bad-helper",
                "a scoping helper needs a `name` and the `key` it enforces".to_string(),
                "e.g. `{ name: scopeToProject, key: project_id }`",
            );
            continue;
        }
        taxonomy.insert_helper(helper.name.trim(), helper.key.trim());
    }

    if let Some(properties) = &raw.tenancy_properties {
        taxonomy.beyond_sql.tenancy_properties = properties.clone();
    }
    taxonomy.beyond_sql.global_sentinels = raw.reservoir.global_sentinels.clone();
    taxonomy.beyond_sql.global_cache_keys = raw.cache.global_keys.clone();
    let mut rules = crate::extract::ExtractRules::default();
    if let Some(receivers) = &raw.reservoir.receivers {
        rules.reservoir_receivers = receivers.clone();
    }
    if let Some(ignore) = &raw.reservoir.ignore_methods {
        rules.reservoir_ignore = ignore.clone();
    }
    rules.reservoir_datasets = raw.reservoir.datasets.clone();
    rules.queue_factories = raw.queues.queue_factories.clone();
    rules.worker_factories = raw.queues.worker_factories.clone();
    if let Some(clients) = &raw.cache.clients {
        rules.cache_clients = clients.clone();
    }
    if let Some(methods) = &raw.cache.methods {
        rules.cache_methods = methods.clone();
    }
    if let Some(receivers) = &raw.provenance.route_receivers {
        rules.route_receivers = receivers.clone();
    }
    rules.trusted_sources = raw.provenance.trusted.clone();
    rules.verifiers = raw
        .provenance
        .verifiers
        .iter()
        .map(|v| crate::extract::Verifier {
            name: v.name.clone(),
            verifies: v.verifies.clone(),
        })
        .collect();
    rules.tenancy_names = taxonomy.beyond_sql.tenancy_properties.clone();

    let mut entries = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, entry) in raw.paths.iter().enumerate() {
        let key = format!("paths[{i}]");
        if !is_path_id(&entry.id) {
            error(
                format!("{key}.id"),
                "bad-id",
                format!("`{}` is not a path id", entry.id),
                "ids look like `file::Symbol::kind.operation::target#N`; copy them from `tenant-audit check` or `scan`",
            );
        }
        if let Some(first) = seen.get(&entry.id) {
            let (line, _) = locator.find(&format!("paths[{first}]"));
            error(
                format!("{key}.id"),
                "duplicate-id",
                format!("path `{}` is classified twice (first at line {line})", entry.id),
                "keep one entry per path",
            );
        } else {
            seen.insert(entry.id.clone(), i);
        }
        if entry.reason.trim().is_empty() {
            error(
                format!("{key}.reason"),
                "empty-reason",
                format!("path `{}` has no reason", entry.id),
                "say what keeps this path safe, or what is still open; auditors read it",
            );
        }
        for (field, value) in [("reviewed", &entry.reviewed), ("expires", &entry.expires)] {
            if let Some(date) = value {
                if !is_date(date) {
                    error(
                        format!("{key}.{field}"),
                        "bad-date",
                        format!("`{date}` is not a date"),
                        "write it as YYYY-MM-DD",
                    );
                }
            }
        }
        let (line, column) = locator.find(&key);
        entries.push(PathEntry {
            id: entry.id.clone(),
            classification: entry.classification,
            reason: entry.reason.trim().to_string(),
            owner: entry.owner.clone(),
            reviewed: entry.reviewed.clone(),
            expires: entry.expires.clone(),
            line,
            column,
        });
    }

    if raw.staleness.max_review_age_days == 0 {
        error(
            "staleness.max_review_age_days".into(),
            "bad-review-age",
            "`max_review_age_days` is 0, so every entry would be stale".into(),
            "give the number of days a review stays valid, e.g. 365",
        );
    }
    let staleness = StalenessPolicy {
        max_review_age_days: raw.staleness.max_review_age_days,
        severity: match raw.staleness.severity {
            RawSeverity::Error => Severity::Error,
            RawSeverity::Warning => Severity::Warning,
        },
    };

    let mut coverage = Vec::new();
    let mut area_names: HashMap<&str, usize> = HashMap::new();
    for (i, area) in raw.coverage.areas.iter().enumerate() {
        let key = format!("coverage.areas[{i}]");
        if area.name.trim().is_empty() {
            error(
                format!("{key}.name"),
                "empty-area-name",
                "a coverage area has no name".to_string(),
                "name the area as the document should show it, e.g. \"Search and query\"",
            );
        } else if let Some(first) = area_names.get(area.name.trim()) {
            let (line, _) = locator.find(&format!("coverage.areas[{first}]"));
            error(
                format!("{key}.name"),
                "duplicate-area",
                format!(
                    "coverage area `{}` is declared twice (first at line {line})",
                    area.name.trim()
                ),
                "keep one entry per area and list all its test globs there",
            );
        } else {
            area_names.insert(area.name.trim(), i);
        }
        let test_files = compile_globs(&area.tests, &format!("{key}.tests"), true, &mut error);
        let mut protected_paths = Vec::new();
        for (j, glob) in area.protects.iter().enumerate() {
            match Glob::new(glob) {
                Ok(glob) => protected_paths.push(glob.compile_matcher()),
                Err(e) => error(
                    format!("{key}.protects[{j}]"),
                    "bad-glob",
                    format!("glob `{glob}` does not compile: {}", e.kind()),
                    "globs here match path ids; `src/modules/logs/**` covers every path in that folder",
                ),
            }
        }
        let (line, column) = locator.find(&key);
        coverage.push(CoverageArea {
            name: area.name.trim().to_string(),
            tests: area.tests.clone(),
            test_files,
            protects: area.protects.clone(),
            protected_paths,
            line,
            column,
        });
    }

    for (i, item) in raw.checklist.items.iter().enumerate() {
        if item.trim().is_empty() {
            error(
                format!("checklist.items[{i}]"),
                "empty-checklist-item",
                "a checklist item is empty".to_string(),
                "write the item as a contributor should read it, or remove it",
            );
        }
    }

    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, e.column));
        return Err(ConfigErrors(errors));
    }
    let output = base.join(raw.output.as_deref().unwrap_or(DEFAULT_OUTPUT));
    let schema = raw.schema.map(|schema| crate::extract::SchemaSources {
        kysely: schema.kysely.map(|k| (PathBuf::from(k.file), k.interface)),
        migrations: schema.migrations.iter().map(PathBuf::from).collect(),
    });
    Ok(Inventory {
        path: path.to_path_buf(),
        selection: SourceSelection {
            base: base.clone(),
            roots: raw.sources.roots.iter().map(PathBuf::from).collect(),
            include,
            exclude,
        },
        base,
        document: raw.document,
        source_roots: raw.sources.roots,
        taxonomy,
        tables: declarations,
        entries,
        output,
        schema,
        rules,
        staleness,
        coverage,
        checklist: raw.checklist.items.iter().map(|item| item.trim().to_string()).collect(),
    })
}

fn compile_globs(
    globs: &[String],
    key: &str,
    located: bool,
    error: &mut dyn FnMut(String, &'static str, String, &str),
) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for (i, glob) in globs.iter().enumerate() {
        match Glob::new(glob) {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(e) => error(
                if located {
                    format!("{key}[{i}]")
                } else {
                    key.to_string()
                },
                "bad-glob",
                format!("glob `{glob}` does not compile: {}", e.kind()),
                "fix the pattern; `**/*.test.ts` and `src/**` are examples of valid globs",
            ),
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// `YYYY-MM-DD`, and a day the calendar has: review dates are compared, so
/// February 30th must not slip through.
fn is_date(text: &str) -> bool {
    parse_date(text).is_some()
}

/// `file::symbol::kind.operation::target#N`.
pub fn is_path_id(id: &str) -> bool {
    let Some((stem, ordinal)) = id.rsplit_once('#') else {
        return false;
    };
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let parts: Vec<&str> = stem.split("::").collect();
    let [file, symbol, kind_operation, target] = parts.as_slice() else {
        return false;
    };
    let Some((kind, operation)) = kind_operation.split_once('.') else {
        return false;
    };
    let kind_ok = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    // Operations are method names for calls beyond SQL (`getOrSet`, `getTraceById`).
    let operation_ok = !operation.is_empty()
        && operation
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    !file.is_empty()
        && !symbol.is_empty()
        && !target.is_empty()
        && kind_ok
        && operation_ok
        && ![kind_operation, ordinal].iter().any(|p| p.chars().any(char::is_whitespace))
        // Route handlers are named `METHOD /path`, and file or table names may
        // hold spaces: single inner spaces only, no other whitespace.
        && [file, symbol, target].iter().all(|p| {
            p.trim() == **p && !p.contains("  ") && !p.chars().any(|c| c.is_whitespace() && c != ' ')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_id_grammar() {
        assert!(is_path_id("src/a.ts::A.b::kysely.select::logs#1"));
        assert!(is_path_id("src/a.ts::<module>::sql.select::logs,projects#12"));
        assert!(is_path_id("src/a.ts::f::kysely.delete::?#1"));
        assert!(is_path_id("src/a.ts::S.f::cache.getOrSet::facets:{hashParams(…)}#1"));
        assert!(!is_path_id("src/a.ts::S.f::Cache.get::k#1"));
        assert!(!is_path_id("src/a.ts::f::kysely.delete::logs"));
        assert!(!is_path_id("src/a.ts::f::kysely::logs#1"));
        assert!(!is_path_id("src/a.ts::kysely.select::logs#1"));
        assert!(is_path_id(
            "src/r.ts::GET /api/v1/logs::provenance.projectId::logsService.search#1"
        ));
        assert!(!is_path_id("src/a.ts:: f::kysely.select::logs#1"));
        assert!(is_path_id("src/my file.ts::f::kysely.select::my logs#1"));
        assert!(!is_path_id("src/a.ts::f::kysely.select::lo  gs#1"));
        assert!(!is_path_id("src/a.ts::f::kysely.sel ect::logs#1"));
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-11-27"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("27.11.2026"));
        assert!(!is_date("2026-02-30"));
    }
}
