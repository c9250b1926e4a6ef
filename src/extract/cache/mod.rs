//! Cache paths: operations on the configured cache clients, judged by their
//! key. The key argument is followed to what builds it — a template literal,
//! a concatenation, a variable of the same function, or a key-builder
//! function (resolved across files when they are linked).

use super::ir::{Access, CacheOp, Candidate, KeyPart};
use super::links::key_shape;
use super::lower::{declaration_value, lower_arguments};
use super::prefilter::Role;
use super::queries::{method_call, FileMatches};
use super::rules::{last_segment, ExtractRules};
use super::symbols::enclosing_symbol;
use super::syntax::{self, line, snippet, text, unwrap_expression, Ancestry, Fields, KindName};
use crate::model::{PathKind, TableUse};
use tree_sitter::{Node, Tree};

/// Every cache operation in a parsed file.
pub fn extract(tree: &Tree, matches: &FileMatches, source: &[u8], file: &str, rules: &ExtractRules) -> Vec<Candidate> {
    let ancestry = Ancestry::with_known(tree.root_node(), matches.parents());
    let mut candidates = Vec::new();
    for call in matches.nodes(Role::Cache, "call") {
        let Some((object, property, args)) = method_call(call) else {
            continue;
        };
        let method = text(property, source);
        if !rules
            .cache_clients
            .iter()
            .any(|c| c == last_segment(text(object, source)))
            || !rules.is_cache_method(method)
        {
            continue;
        }
        let key = match args.named_child(0) {
            Some(key) => key_parts(key, source, 0, &ancestry),
            None => vec![KeyPart::Opaque(snippet(call, source))],
        };
        candidates.push(Candidate {
            id: String::new(),
            kind: PathKind::Cache,
            operation: method.to_string(),
            targets: vec![TableUse {
                name: Some(key_shape(&key)),
                alias: None,
                line: line(call),
            }],
            file: file.to_string(),
            line: line(call),
            symbol: enclosing_symbol(call, source, &ancestry),
            access: Access::Cache(CacheOp {
                method: method.to_string(),
                key,
            }),
        });
    }
    candidates
}

/// The parts of a key expression.
pub fn key_parts<'t>(node: Node<'t>, source: &[u8], depth: usize, ancestry: &Ancestry<'t>) -> Vec<KeyPart> {
    const MAX_DEPTH: usize = 8;
    let node = unwrap_expression(node);
    if depth > MAX_DEPTH {
        return vec![KeyPart::Opaque(snippet(node, source))];
    }
    if let Some(literal) = syntax::string_value(node, source) {
        return vec![KeyPart::Text(literal)];
    }
    match node.kind_name() {
        "template_string" => {
            let mut parts = Vec::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                match child.kind_name() {
                    "string_fragment" | "escape_sequence" => parts.push(KeyPart::Text(text(child, source).to_string())),
                    "template_substitution" => match child.named_child(0) {
                        Some(inner) => parts.push(hole(inner, source)),
                        None => parts.push(KeyPart::Opaque(snippet(child, source))),
                    },
                    _ => {}
                }
            }
            parts
        }
        "binary_expression" if node.field("operator").is_some_and(|o| o.kind_name() == "+") => {
            let mut parts = Vec::new();
            for side in ["left", "right"] {
                match node.field(side) {
                    Some(operand) => match syntax::string_value(operand, source) {
                        Some(literal) => parts.push(KeyPart::Text(literal)),
                        None if matches!(
                            unwrap_expression(operand).kind_name(),
                            "template_string" | "binary_expression"
                        ) =>
                        {
                            parts.extend(key_parts(operand, source, depth + 1, ancestry))
                        }
                        None => parts.push(hole(operand, source)),
                    },
                    None => parts.push(KeyPart::Opaque(snippet(node, source))),
                }
            }
            parts
        }
        "call_expression" => {
            let callee = node.field("function").map(unwrap_expression);
            let arguments = node.field("arguments").filter(|a| a.kind_name() == "arguments");
            match (callee, arguments) {
                (Some(callee), Some(arguments)) if matches!(callee.kind_name(), "identifier" | "member_expression") => {
                    vec![KeyPart::Builder {
                        callee: text(callee, source).to_string(),
                        args: lower_arguments(arguments, source),
                        text: snippet(node, source),
                    }]
                }
                _ => vec![KeyPart::Opaque(snippet(node, source))],
            }
        }
        "identifier" => {
            let name = text(node, source);
            match declaration_value(ancestry.enclosing_function(node), name, node.start_byte(), source) {
                Some(value) => key_parts(value, source, depth + 1, ancestry),
                None => vec![KeyPart::Opaque(format!("{name} (not built in this function)"))],
            }
        }
        _ => vec![KeyPart::Opaque(snippet(node, source))],
    }
}

/// A value interpolated into a key: shown by its last name (`{orgId}`) or
/// callee (`{hashParams(…)}`), with every name it mentions.
fn hole(node: Node, source: &[u8]) -> KeyPart {
    let node = unwrap_expression(node);
    let shown = match node.kind_name() {
        "identifier" | "member_expression" => last_segment(text(node, source)).to_string(),
        "call_expression" => node
            .field("function")
            .map(|f| format!("{}(…)", last_segment(text(f, source))))
            .unwrap_or_else(|| snippet(node, source)),
        _ => snippet(node, source),
    };
    let mut names = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if matches!(
            current.kind_name(),
            "identifier" | "property_identifier" | "shorthand_property_identifier"
        ) {
            names.push(text(current, source).to_string());
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    let fallback = node.kind_name() == "ternary_expression"
        || (node.kind_name() == "binary_expression"
            && node
                .field("operator")
                .is_some_and(|o| matches!(o.kind_name(), "??" | "||")));
    KeyPart::Hole {
        text: shown,
        names,
        fallback,
    }
}
