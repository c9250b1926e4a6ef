//! Builds a file's [`FileSummary`]: its imports, the processors and key
//! builders it declares at the top level (and as static methods), for
//! references from other files.

use super::cache::key_parts;
use super::ir::KeyPart;
use super::links::{FileSummary, Import, KeyBuilder};
use super::lower::parameter_names;
use super::queues::job_data_reads;
use super::syntax::{self, text, Ancestry, Fields, KindName};
use tree_sitter::Node;

/// Imports, processors and key builders of a parsed file.
pub fn summarise(root: Node, source: &[u8], file: &str) -> FileSummary {
    let mut summary = FileSummary {
        file: file.to_string(),
        ..FileSummary::default()
    };
    let ancestry = Ancestry::new(root);
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let declaration = match statement.kind_name() {
            "export_statement" => {
                default_export(statement, source, &mut summary);
                statement.field("declaration")
            }
            "import_statement" => {
                imports(statement, source, &mut summary);
                None
            }
            _ => Some(statement),
        };
        let Some(declaration) = declaration else { continue };
        match declaration.kind_name() {
            "function_declaration" => {
                if let Some(name) = declaration.field("name") {
                    function(declaration, text(name, source), source, &mut summary, &ancestry);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut declarators = declaration.walk();
                for declarator in declaration.named_children(&mut declarators) {
                    let (Some(name), Some(value)) = (declarator.field("name"), declarator.field("value")) else {
                        continue;
                    };
                    if matches!(value.kind_name(), "arrow_function" | "function_expression" | "function") {
                        function(value, text(name, source), source, &mut summary, &ancestry);
                    }
                }
            }
            "class_declaration" => {
                let Some(class) = declaration.field("name").map(|n| text(n, source)) else {
                    continue;
                };
                let Some(body) = declaration.field("body") else {
                    continue;
                };
                let mut members = body.walk();
                for member in body.named_children(&mut members) {
                    if member.kind_name() != "method_definition" {
                        continue;
                    }
                    let Some(name) = member.field("name") else {
                        continue;
                    };
                    let qualified = format!("{class}.{}", text(name, source));
                    if let Some(builder) = key_builder(member, source, &ancestry) {
                        summary.key_builders.insert(qualified, builder);
                    }
                }
            }
            _ => {}
        }
    }
    summary
}

fn function<'t>(node: Node<'t>, name: &str, source: &[u8], summary: &mut FileSummary, ancestry: &Ancestry<'t>) {
    if parameter_names(node, source).is_empty() {
        return;
    }
    summary
        .processors
        .insert(name.to_string(), job_data_reads(node, name, source));
    if let Some(builder) = key_builder(node, source, ancestry) {
        summary.key_builders.insert(name.to_string(), builder);
    }
}

/// A function whose whole result is a key expression (template, concatenation).
fn key_builder<'t>(function: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> Option<KeyBuilder> {
    let body = function.field("body")?;
    let returned = if body.kind_name() == "statement_block" {
        match syntax::only_statement(body) {
            Some(only) if only.kind_name() == "return_statement" => only.named_child(0)?,
            _ => return None,
        }
    } else {
        body
    };
    let returned = syntax::unwrap_expression(returned);
    if !matches!(returned.kind_name(), "template_string" | "binary_expression") {
        return None;
    }
    let parts = key_parts(returned, source, 0, ancestry);
    if parts.iter().any(|p| matches!(p, KeyPart::Opaque(_))) {
        return None;
    }
    Some(KeyBuilder {
        params: parameter_names(function, source),
        parts,
    })
}

/// Records the name of what `statement` exports as `default`, if it does and
/// the thing has a name: `export default function search() {}`,
/// `export default search`.
fn default_export(statement: Node, source: &[u8], summary: &mut FileSummary) {
    let mut cursor = statement.walk();
    if !statement.children(&mut cursor).any(|c| c.kind_name() == "default") {
        return;
    }
    let name = match statement.field("declaration") {
        Some(declaration) => declaration.field("name"),
        None => statement.field("value").filter(|v| v.kind_name() == "identifier"),
    };
    if let Some(name) = name {
        summary.default_export = Some(text(name, source).to_string());
    }
}

/// `import { a, b as c } from './x'`, `import d from './y'`, `import * as ns from './z'`.
fn imports(statement: Node, source: &[u8], summary: &mut FileSummary) {
    let Some(specifier) = statement.field("source").and_then(|s| syntax::string_value(s, source)) else {
        return;
    };
    let mut stack = vec![statement];
    while let Some(node) = stack.pop() {
        match node.kind_name() {
            "import_specifier" => {
                let name = node.field("name").map(|n| text(n, source).to_string());
                let alias = node.field("alias").map(|n| text(n, source).to_string());
                if let Some(name) = name {
                    summary.imports.insert(
                        alias.unwrap_or_else(|| name.clone()),
                        Import {
                            specifier: specifier.clone(),
                            name,
                        },
                    );
                }
                continue;
            }
            "namespace_import" => {
                // `* as keys`: the one identifier is the local name.
                let mut cursor = node.walk();
                if let Some(local) = node.named_children(&mut cursor).find(|c| c.kind_name() == "identifier") {
                    summary
                        .namespaces
                        .insert(text(local, source).to_string(), specifier.clone());
                }
                continue;
            }
            "import_clause" => {
                // A default import is the clause's direct identifier child.
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind_name() == "identifier" {
                        summary.imports.insert(
                            text(child, source).to_string(),
                            Import {
                                specifier: specifier.clone(),
                                name: "default".to_string(),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
}
