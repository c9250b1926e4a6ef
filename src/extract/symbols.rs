//! Names the symbol that encloses a node, for stable path ids and for the
//! document: `Class.method`, `function`, `outer.inner`, `object.key`, or
//! `<module>`. Anonymous callbacks belong to the symbol around them.

use super::syntax::{text, Ancestry, Fields, KindName};
use tree_sitter::Node;

/// The symbol a top-level statement belongs to.
pub const MODULE: &str = "<module>";

/// The dotted name of the named functions, methods and classes enclosing `node`.
pub fn enclosing_symbol<'t>(node: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut current = node;
    while let Some(parent) = ancestry.parent(current) {
        if let Some(name) = name_of(parent, source, ancestry) {
            names.push(name);
        }
        current = parent;
    }
    if names.is_empty() {
        return MODULE.to_string();
    }
    names.reverse();
    names.join(".")
}

/// The name `node` contributes to a symbol path, if it is a named scope.
fn name_of<'t>(node: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> Option<String> {
    let field_text = |field: &str| node.field(field).map(|n| text(n, source).to_string());
    match node.kind_name() {
        "class_declaration" | "class" | "abstract_class_declaration" => {
            Some(field_text("name").unwrap_or_else(|| "<class>".to_string()))
        }
        "method_definition" | "function_declaration" | "generator_function_declaration" => field_text("name"),
        "arrow_function" | "function_expression" | "function" | "generator_function" => {
            if let Some(own) = field_text("name") {
                return Some(own);
            }
            let parent = ancestry.parent(node)?;
            match parent.kind_name() {
                "variable_declarator" => parent
                    .field("name")
                    .filter(|n| n.kind_name() == "identifier")
                    .map(|n| text(n, source).to_string()),
                "public_field_definition" => parent.field("name").map(|n| text(n, source).to_string()),
                "pair" => {
                    let key = parent.field("key")?;
                    let key = text(key, source).trim_matches(|c| c == '\'' || c == '"');
                    Some(key.to_string())
                }
                _ => None,
            }
        }
        // `const handlers = { list() {...} }` names the object so that its
        // methods read `handlers.list`.
        "variable_declarator" => {
            let value = node.field("value")?;
            if value.kind_name() == "object" {
                field_text("name")
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::syntax::{parse, Dialect};

    fn symbol_at(source: &str, marker: &str) -> String {
        let (tree, _) = parse(source.as_bytes(), Dialect::TypeScript, "t.ts");
        let tree = tree.unwrap();
        let offset = source.find(marker).unwrap();
        let node = tree
            .root_node()
            .descendant_for_byte_range(offset, offset + marker.len())
            .unwrap();
        enclosing_symbol(node, source.as_bytes(), &Ancestry::new(tree.root_node()))
    }

    #[test]
    fn names_methods_functions_arrows_and_module() {
        let source = r#"
            const top = HERE0;
            export class AlertsService {
              async checkRule(id: string) { return list(() => HERE1); }
              handler = async () => HERE2;
            }
            export async function purge() { function inner() { return HERE3; } }
            export const listLogs = async () => HERE4;
            const routes = { list: async () => HERE5, show() { return HERE6; } };
        "#;
        assert_eq!(symbol_at(source, "HERE0"), "<module>");
        assert_eq!(symbol_at(source, "HERE1"), "AlertsService.checkRule");
        assert_eq!(symbol_at(source, "HERE2"), "AlertsService.handler");
        assert_eq!(symbol_at(source, "HERE3"), "purge.inner");
        assert_eq!(symbol_at(source, "HERE4"), "listLogs");
        assert_eq!(symbol_at(source, "HERE5"), "routes.list");
        assert_eq!(symbol_at(source, "HERE6"), "routes.show");
    }
}
