//! Lowers tree-sitter expression nodes into the [`Expr`] model.

use super::ir::{Callee, Expr, Prop};
use super::kysely;
use super::syntax::{self, snippet, text, unwrap_expression, Fields, KindName};
use tree_sitter::Node;

/// Lowers `node` into an [`Expr`]. Inline Kysely queries become
/// [`Expr::Query`]; anything not modelled becomes [`Expr::Opaque`] so that
/// scoping can fail closed on it.
pub fn lower(node: Node, source: &[u8]) -> Expr {
    let node = unwrap_expression(node);
    match node.kind_name() {
        "string" => Expr::Str(syntax::string_value(node, source).unwrap_or_default()),
        "template_string" => match syntax::string_value(node, source) {
            Some(value) => Expr::Str(value),
            None => Expr::Opaque(snippet(node, source)),
        },
        "number" => Expr::Number(text(node, source).to_string()),
        "true" => Expr::Bool(true),
        "false" => Expr::Bool(false),
        "null" | "undefined" => Expr::Null,
        "identifier" if text(node, source) == "undefined" => Expr::Null,
        "identifier" | "this" | "shorthand_property_identifier" => Expr::Ref(text(node, source).to_string()),
        "member_expression" => match ref_path(node, source) {
            Some(path) => Expr::Ref(path),
            None => Expr::Opaque(snippet(node, source)),
        },
        "array" => {
            let mut cursor = node.walk();
            let items = node
                .named_children(&mut cursor)
                .filter(|c| c.kind_name() != "comment")
                .map(|c| match c.kind_name() {
                    "spread_element" => Expr::Opaque(snippet(c, source)),
                    _ => lower(c, source),
                })
                .collect();
            Expr::Array(items)
        }
        "object" => Expr::Object(lower_object(node, source)),
        "arrow_function" | "function_expression" | "function" => lower_function(node, source),
        "call_expression" => lower_call(node, source),
        "ternary_expression" => {
            let branch = |field| {
                node.field(field)
                    .map(|n| lower(n, source))
                    .unwrap_or_else(|| Expr::Opaque(snippet(node, source)))
            };
            Expr::OneOf(vec![branch("consequence"), branch("alternative")])
        }
        "binary_expression" => {
            let operator = node.field("operator").map(|o| o.kind_name());
            match operator {
                Some("??") | Some("||") => {
                    let side = |field| {
                        node.field(field)
                            .map(|n| lower(n, source))
                            .unwrap_or_else(|| Expr::Opaque(snippet(node, source)))
                    };
                    Expr::OneOf(vec![side("left"), side("right")])
                }
                _ => Expr::Opaque(snippet(node, source)),
            }
        }
        _ => Expr::Opaque(snippet(node, source)),
    }
}

/// `a.b.c`, `this.orgId`: a dotted path of plain names, or `None`.
fn ref_path(node: Node, source: &[u8]) -> Option<String> {
    let node = unwrap_expression(node);
    match node.kind_name() {
        "identifier" | "this" => Some(text(node, source).to_string()),
        "member_expression" => {
            let object = ref_path(node.field("object")?, source)?;
            let property = node.field("property")?;
            if property.kind_name() != "property_identifier" {
                return None;
            }
            Some(format!("{object}.{}", text(property, source)))
        }
        _ => None,
    }
}

fn lower_object(node: Node, source: &[u8]) -> Vec<Prop> {
    let mut cursor = node.walk();
    let mut props = Vec::new();
    for child in node.named_children(&mut cursor) {
        match child.kind_name() {
            "pair" => {
                let (Some(key), Some(value)) = (child.field("key"), child.field("value")) else {
                    continue;
                };
                match key.kind_name() {
                    "property_identifier" | "number" => {
                        props.push(Prop::KeyValue(text(key, source).to_string(), lower(value, source)))
                    }
                    "string" => props.push(Prop::KeyValue(
                        syntax::string_value(key, source).unwrap_or_default(),
                        lower(value, source),
                    )),
                    _ => props.push(Prop::Computed(snippet(child, source))),
                }
            }
            "shorthand_property_identifier" => {
                let name = text(child, source).to_string();
                props.push(Prop::KeyValue(name.clone(), Expr::Ref(name)));
            }
            "spread_element" => {
                let value = child
                    .named_child(0)
                    .map(|v| lower(v, source))
                    .unwrap_or_else(|| Expr::Opaque(snippet(child, source)));
                props.push(Prop::Spread(value));
            }
            "method_definition" => {
                if let Some(name) = child.field("name") {
                    props.push(Prop::KeyValue(
                        text(name, source).to_string(),
                        Expr::Opaque(snippet(child, source)),
                    ));
                }
            }
            _ => {}
        }
    }
    props
}

/// Lowers a function node into [`Expr::Function`] (or opaque when it has no body).
pub fn lower_function(node: Node, source: &[u8]) -> Expr {
    let params = parameter_names(node, source);
    let Some(body) = node.field("body") else {
        return Expr::Opaque(snippet(node, source));
    };
    let body = if body.kind_name() == "statement_block" {
        match single_return(body) {
            Some(returned) => lower(returned, source),
            None => Expr::Opaque(snippet(node, source)),
        }
    } else {
        lower(body, source)
    };
    Expr::Function {
        params,
        body: Box::new(body),
    }
}

/// The one expression a function node's result is (its expression body, or
/// the value of its only statement, `return`), which [`lower_function`]
/// lowers; `None` where it lowers an opaque body or none.
pub fn function_result(node: Node) -> Option<Node> {
    let body = node.field("body")?;
    if body.kind_name() == "statement_block" {
        single_return(body)
    } else {
        Some(body)
    }
}

/// The parameter names of a function node; destructured parameters are `_`.
pub fn parameter_names(node: Node, source: &[u8]) -> Vec<String> {
    if let Some(single) = node.field("parameter") {
        return vec![text(single, source).to_string()];
    }
    let Some(params) = node.field("parameters") else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter(|p| matches!(p.kind_name(), "required_parameter" | "optional_parameter"))
        .map(|p| match p.field("pattern") {
            Some(pattern) if pattern.kind_name() == "identifier" => text(pattern, source).to_string(),
            _ => "_".to_string(),
        })
        .collect()
}

/// The expression of a block whose only statement is `return <expr>`.
fn single_return(block: Node) -> Option<Node> {
    syntax::only_statement(block)
        .filter(|only| only.kind_name() == "return_statement")?
        .named_child(0)
}

fn lower_call(node: Node, source: &[u8]) -> Expr {
    if let Some(query) = kysely::inline_query(node, source) {
        return Expr::Query(Box::new(query));
    }
    let (Some(function), Some(arguments)) = (node.field("function"), node.field("arguments")) else {
        return Expr::Opaque(snippet(node, source));
    };
    if arguments.kind_name() != "arguments" {
        // A tagged template (`sql\`...\``) inside a builder is raw SQL the
        // builder analysis cannot read.
        return Expr::Opaque(snippet(node, source));
    }
    let function = unwrap_expression(function);
    let callee = match function.kind_name() {
        "identifier" => Callee::Function(text(function, source).to_string()),
        "member_expression" => {
            let receiver = function
                .field("object")
                .map(|o| lower(o, source))
                .unwrap_or_else(|| Expr::Opaque(snippet(function, source)));
            let name = function
                .field("property")
                .map(|p| text(p, source).to_string())
                .unwrap_or_default();
            Callee::Method {
                receiver: Box::new(receiver),
                name,
            }
        }
        _ => Callee::Other(snippet(function, source)),
    };
    Expr::Call {
        callee,
        args: lower_arguments(arguments, source),
        text: snippet(node, source),
    }
}

/// Lowers the children of an `arguments` node.
pub fn lower_arguments(arguments: Node, source: &[u8]) -> Vec<Expr> {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|c| c.kind_name() != "comment")
        .map(|c| match c.kind_name() {
            "spread_element" => Expr::Opaque(snippet(c, source)),
            _ => lower(c, source),
        })
        .collect()
}

/// The initializer of the last `const|let name = ...` in `scope` before
/// `before`, not looking into nested functions.
pub fn declaration_value<'t>(scope: Node<'t>, name: &str, before: usize, source: &[u8]) -> Option<Node<'t>> {
    let mut found: Option<Node> = None;
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        if node.start_byte() >= before {
            continue;
        }
        if node.kind_name() == "variable_declarator" {
            let declared = node.field("name").map(|n| text(n, source));
            if declared == Some(name) {
                if let Some(value) = node.field("value") {
                    if found.is_none_or(|f| f.start_byte() < value.start_byte()) {
                        found = Some(value);
                    }
                }
            }
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if !syntax::is_function(child) {
                stack.push(child);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::syntax::{parse, Dialect};

    fn lower_source(expr: &str) -> Expr {
        let source = format!("const __ = {expr};");
        let (tree, problems) = parse(source.as_bytes(), Dialect::TypeScript, "t.ts");
        assert!(problems.is_empty(), "{problems:?}");
        let tree = tree.unwrap();
        let declarator = tree.root_node().named_child(0).and_then(|d| d.named_child(0)).unwrap();
        let value = declarator.field("value").unwrap();
        lower(value, source.as_bytes())
    }

    #[test]
    fn literals_refs_and_objects() {
        assert_eq!(lower_source("'a'"), Expr::Str("a".into()));
        assert_eq!(lower_source("null"), Expr::Null);
        assert_eq!(lower_source("undefined"), Expr::Null);
        assert_eq!(lower_source("ctx.org.id"), Expr::Ref("ctx.org.id".into()));
        assert_eq!(lower_source("(orgId as string)"), Expr::Ref("orgId".into()));
        assert_eq!(
            lower_source("{ organization_id: orgId, name, ...rest }"),
            Expr::Object(vec![
                Prop::KeyValue("organization_id".into(), Expr::Ref("orgId".into())),
                Prop::KeyValue("name".into(), Expr::Ref("name".into())),
                Prop::Spread(Expr::Ref("rest".into())),
            ])
        );
    }

    #[test]
    fn arrow_with_single_return_is_a_function_of_its_result() {
        let lowered = lower_source("(eb) => { return eb('a', '=', x) }");
        let Expr::Function { params, body } = lowered else {
            panic!("not a function: {lowered:?}");
        };
        assert_eq!(params, vec!["eb".to_string()]);
        assert!(matches!(*body, Expr::Call { callee: Callee::Function(ref f), .. } if f == "eb"));
    }

    #[test]
    fn arrow_with_statements_is_opaque() {
        let lowered = lower_source("(eb) => { const a = 1; return eb('a', '=', a) }");
        assert!(matches!(lowered, Expr::Function { ref body, .. } if matches!(**body, Expr::Opaque(_))));
    }
}
