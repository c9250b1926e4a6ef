//! What `init` reads off a repository it has never seen: the TypeScript
//! sources and their roots, the schema declarations, and the queue and cache
//! helpers the code defines.

use crate::extract::Dialect;
use std::collections::BTreeSet;
use std::path::Path;
use tree_sitter::{Node, Parser};

/// Whether `relative` looks like a test, a fixture or vendored code rather
/// than backend source.
pub fn is_test_or_vendored(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let in_folder = |folder: &str| relative.split('/').rev().skip(1).any(|part| part == folder);
    name.contains(".test.")
        || name.contains(".spec.")
        || [
            "node_modules",
            "__tests__",
            "tests",
            "test",
            "fixtures",
            "dist",
            "build",
        ]
        .iter()
        .any(|folder| in_folder(folder))
}

/// The TypeScript source files among `files` (relative paths).
pub fn sources(files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| Dialect::of(Path::new(f)).is_some() && !is_test_or_vendored(f))
        .cloned()
        .collect()
}

/// The folders to scan: each file's nearest `src` folder, else its top
/// folder, else `.`; folders inside another one are dropped.
pub fn roots(sources: &[String]) -> Vec<String> {
    let mut roots = BTreeSet::new();
    for file in sources {
        let parts: Vec<&str> = file.split('/').collect();
        let folders = &parts[..parts.len() - 1];
        let root = match folders.iter().position(|p| *p == "src") {
            Some(at) => folders[..=at].join("/"),
            None => folders
                .first()
                .map(|f| f.to_string())
                .unwrap_or_else(|| ".".to_string()),
        };
        roots.insert(root);
    }
    if roots.contains(".") {
        return vec![".".to_string()];
    }
    let all: Vec<String> = roots.into_iter().collect();
    all.iter()
        .filter(|root| {
            !all.iter()
                .any(|other| other != *root && root.starts_with(&format!("{other}/")))
        })
        .cloned()
        .collect()
}

/// The first file declaring a Kysely database interface, and its name.
pub fn kysely_interface(files: &[(String, String)]) -> Option<(String, String)> {
    let declares = |text: &str, name: &str| {
        [
            format!("interface {name} {{"),
            format!("interface {name}{{"),
            format!("type {name} = {{"),
        ]
        .iter()
        .any(|declaration| text.contains(declaration.as_str()))
    };
    let kysely_like = |text: &str| {
        ["kysely", "Kysely", "Generated<", "ColumnType<"]
            .iter()
            .any(|m| text.contains(m))
    };
    files.iter().find_map(|(file, text)| {
        ["Database", "DB"]
            .iter()
            .find(|name| kysely_like(text) && declares(text, name))
            .map(|name| (file.clone(), name.to_string()))
    })
}

/// Folders named `migrations` holding `.sql` files.
pub fn migration_folders(files: &[String]) -> Vec<String> {
    let mut folders = BTreeSet::new();
    for file in files.iter().filter(|f| f.ends_with(".sql")) {
        let parts: Vec<&str> = file.split('/').collect();
        if let Some(at) = parts.iter().rposition(|p| *p == "migrations") {
            if at + 1 < parts.len() {
                folders.insert(parts[..=at].join("/"));
            }
        }
    }
    folders.into_iter().collect()
}

/// Helpers the code defines around BullMQ and the cache client.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Helpers {
    /// Functions that wrap `new Queue(...)`.
    pub queue_factories: BTreeSet<String>,
    /// Functions that wrap `new Worker(...)`.
    pub worker_factories: BTreeSet<String>,
    /// Names bound to a Redis client (`new Redis(...)`, `createClient(...)`).
    pub cache_clients: BTreeSet<String>,
}

/// Reads `source` (TypeScript) for helpers, adding them to `helpers`.
pub fn helpers(source: &str, file: &str, helpers: &mut Helpers) {
    let language: tree_sitter::Language = match Dialect::of(Path::new(file)) {
        Some(Dialect::Tsx) => tree_sitter_typescript::LANGUAGE_TSX.into(),
        _ => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
    };
    let mut parser = Parser::new();
    if parser.set_language(&language).is_err() {
        return;
    }
    let Some(tree) = parser.parse(source, None) else { return };
    let bytes = source.as_bytes();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        match node.kind() {
            "new_expression" => {
                let constructor = node
                    .child_by_field_name("constructor")
                    .and_then(|c| c.utf8_text(bytes).ok())
                    .unwrap_or_default();
                // A factory passes on the name it was given; `new Queue('emails')`
                // with a literal name is a queue of its own, found without help.
                let named_by_caller = first_argument(node).is_some_and(|a| a.kind() == "identifier");
                match constructor {
                    "Queue" if named_by_caller => {
                        if let Some(name) = enclosing_function(node, bytes) {
                            helpers.queue_factories.insert(name);
                        }
                    }
                    "Worker" if named_by_caller => {
                        if let Some(name) = enclosing_function(node, bytes) {
                            helpers.worker_factories.insert(name);
                        }
                    }
                    "Redis" | "IORedis" | "Cluster" => {
                        if let Some(name) = bound_name(node, bytes) {
                            helpers.cache_clients.insert(name);
                        }
                    }
                    _ => {}
                }
            }
            "call_expression" => {
                let callee = node
                    .child_by_field_name("function")
                    .and_then(|c| c.utf8_text(bytes).ok())
                    .unwrap_or_default();
                if matches!(callee, "createClient" | "createCluster" | "redis.createClient") {
                    if let Some(name) = bound_name(node, bytes) {
                        helpers.cache_clients.insert(name);
                    }
                }
            }
            _ => {}
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
}

/// The first argument of a call or `new` expression.
fn first_argument(node: Node) -> Option<Node> {
    let arguments = node.child_by_field_name("arguments")?;
    let mut walker = arguments.walk();
    let first = arguments
        .named_children(&mut walker)
        .find(|child| child.kind() != "comment");
    first
}

/// The name of the function `node` is in: a declaration, a method, or an
/// arrow function or function expression bound to a variable.
fn enclosing_function(node: Node, source: &[u8]) -> Option<String> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "function_declaration" | "method_definition" => {
                return name_of(ancestor.child_by_field_name("name")?, source);
            }
            "arrow_function" | "function_expression" | "function" => {
                let parent = ancestor.parent()?;
                return match parent.kind() {
                    "variable_declarator" => name_of(parent.child_by_field_name("name")?, source),
                    _ => None,
                };
            }
            "class_body" | "program" => return None,
            _ => {}
        }
        current = ancestor.parent();
    }
    None
}

/// The variable, field or property the value at `node` is assigned to.
fn bound_name(node: Node, source: &[u8]) -> Option<String> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "variable_declarator" | "public_field_definition" => {
                return name_of(ancestor.child_by_field_name("name")?, source);
            }
            "assignment_expression" => {
                let left = ancestor.child_by_field_name("left")?;
                let target = left.child_by_field_name("property").unwrap_or(left);
                return name_of(target, source);
            }
            "as_expression" | "parenthesized_expression" | "await_expression" | "non_null_expression" => {}
            _ => return None,
        }
        current = ancestor.parent();
    }
    None
}

fn name_of(node: Node, source: &[u8]) -> Option<String> {
    let name = node.utf8_text(source).ok()?;
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$')).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_src_folders_or_top_folders() {
        let files = vec![
            "apps/api/src/a.ts".to_string(),
            "apps/api/src/deep/b.ts".to_string(),
            "server/c.ts".to_string(),
            "server/lib/d.ts".to_string(),
        ];
        assert_eq!(roots(&files), vec!["apps/api/src".to_string(), "server".to_string()]);
        assert_eq!(roots(&["index.ts".to_string()]), vec![".".to_string()]);
    }

    #[test]
    fn tests_fixtures_and_vendored_code_are_not_sources() {
        assert!(is_test_or_vendored("src/a.test.ts"));
        assert!(is_test_or_vendored("tests/isolation/a.ts"));
        assert!(is_test_or_vendored("node_modules/x/index.ts"));
        assert!(!is_test_or_vendored("src/testing-utils.ts"));
    }

    #[test]
    fn queue_and_cache_helpers_are_recognised() {
        let source = r#"
export const redis = new Redis(url);
export function createQueue<T>(name: string) { return new Queue<T>(name, { connection }); }
export const createWorker = (name: string, fn: Processor) => new Worker(name, fn);
export const direct = new Queue('emails');
export function startWorkers() { return new Worker('emails', process); }
class Cache { client = createClient(); }
"#;
        let mut found = Helpers::default();
        helpers(source, "src/jobs.ts", &mut found);
        assert_eq!(found.queue_factories, BTreeSet::from(["createQueue".to_string()]));
        assert_eq!(found.worker_factories, BTreeSet::from(["createWorker".to_string()]));
        assert_eq!(
            found.cache_clients,
            BTreeSet::from(["client".to_string(), "redis".to_string()])
        );
    }
}
