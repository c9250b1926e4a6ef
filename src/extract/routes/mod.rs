//! Route handlers and where their tenant ids come from (CWE-639). A handler
//! is found at its registration (`app.get('/path', opts, handler)`,
//! `router.post(path, ...middleware, handler)`, `app.route({ method, url,
//! handler })`); its body is then read by `flow.rs`, one path per tenant id and
//! sink. The handler's symbol is `METHOD /path`, as a compliance officer reads it.

mod flow;

use super::ir::{Access, Candidate};
use super::prefilter::Role;
use super::queries::{called_member, member_property, FileMatches};
use super::rules::{last_segment, ExtractRules};
use super::syntax::{self, text, unwrap_expression, Fields, KindName};
use crate::model::{PathKind, TableUse};
use std::collections::BTreeSet;
use tree_sitter::{Node, Tree};

/// A handler found at a registration.
struct Route<'t> {
    method: String,
    path: String,
    /// Hooks and middleware that run before the handler.
    hooks: Vec<Node<'t>>,
    handler: Node<'t>,
}

/// One path per route handler, tenant id and sink.
pub fn extract(tree: &Tree, matches: &FileMatches, source: &[u8], file: &str, rules: &ExtractRules) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for call in matches.nodes(Role::Route, "call") {
        if !registration_call(call, source) {
            continue;
        }
        let Some(route) = route(call, source, rules) else {
            continue;
        };
        let handler = resolve_handler(route.handler, tree.root_node(), source);
        let symbol = format!("{} {}", route.method, route.path);
        let hook_verified = hook_verifications(&route.hooks, source, rules);
        for flow in flow::analyse(handler, source, rules, &hook_verified) {
            candidates.push(Candidate {
                id: String::new(),
                kind: PathKind::Provenance,
                operation: flow.flow.id_name.clone(),
                targets: vec![TableUse {
                    name: Some(id_safe(&flow.flow.sink)),
                    alias: None,
                    line: flow.line,
                }],
                file: file.to_string(),
                line: flow.line,
                symbol: symbol.clone(),
                access: Access::Provenance(flow.flow),
            });
        }
    }
    candidates
}

/// The methods that register a route.
const ROUTE_METHODS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "head", "options", "all", "route",
];

/// Whether `call` has the shape of a route registration: a route method called
/// on a receiver (`app.get(...)`, `router.post(...)`, `fastify.route(...)`).
fn registration_call(call: Node, source: &[u8]) -> bool {
    called_member(call).is_some_and(|member| ROUTE_METHODS.contains(&member_property(member, source)))
}

/// Sinks as id targets: no whitespace, no `::`.
fn id_safe(sink: &str) -> String {
    sink.split_whitespace().collect::<String>().replace("::", ":")
}

/// The route a registration call declares, if its receiver is a server or router.
fn route<'t>(call: Node<'t>, source: &[u8], rules: &ExtractRules) -> Option<Route<'t>> {
    let function = call.field("function")?;
    let receiver = text(function.field("object")?, source);
    if !rules.route_receivers.iter().any(|r| r == last_segment(receiver)) {
        return None;
    }
    let method = text(function.field("property")?, source);
    let arguments = call.field("arguments")?;
    let mut cursor = arguments.walk();
    let args: Vec<Node> = arguments
        .named_children(&mut cursor)
        .filter(|n| n.kind_name() != "comment")
        .collect();
    if method == "route" {
        // fastify.route({ method: 'GET', url: '/x', preHandler, handler })
        let options = unwrap_expression(*args.first()?);
        let property = |name: &str| object_property(options, name, source);
        let method = property("method").and_then(|m| syntax::string_value(m, source))?;
        let path = property("url").and_then(|u| syntax::string_value(u, source))?;
        let handler = property("handler")?;
        let hooks = ["onRequest", "preValidation", "preHandler"]
            .iter()
            .filter_map(|h| property(h))
            .collect();
        return Some(Route {
            method: method.to_ascii_uppercase(),
            path,
            hooks,
            handler,
        });
    }
    let path = syntax::string_value(*args.first()?, source)?;
    let handler = *args.last()?;
    if args.len() < 2 {
        return None;
    }
    let mut hooks = Vec::new();
    for middle in &args[1..args.len() - 1] {
        let middle = unwrap_expression(*middle);
        if middle.kind_name() == "object" {
            // Fastify route options: hooks run before the handler.
            for hook in ["onRequest", "preValidation", "preHandler"] {
                if let Some(value) = object_property(middle, hook, source) {
                    hooks.push(value);
                }
            }
        } else {
            hooks.push(middle); // Express middleware
        }
    }
    Some(Route {
        method: if method == "all" {
            "ALL".to_string()
        } else {
            method.to_ascii_uppercase()
        },
        path,
        hooks,
        handler,
    })
}

/// The value of `key` in an object literal.
fn object_property<'t>(object: Node<'t>, key: &str, source: &[u8]) -> Option<Node<'t>> {
    let mut cursor = object.walk();
    let found = object
        .named_children(&mut cursor)
        .find_map(|child| match child.kind_name() {
            "pair" => {
                let name = child.field("key")?;
                let name = syntax::string_value(name, source).unwrap_or_else(|| text(name, source).to_string());
                (name == key).then(|| child.field("value")).flatten()
            }
            "shorthand_property_identifier" if text(child, source) == key => Some(child),
            "method_definition" => {
                let name = child.field("name")?;
                (text(name, source) == key).then_some(child)
            }
            _ => None,
        });
    found
}

/// A handler given by name is read from its declaration in the same file.
fn resolve_handler<'t>(handler: Node<'t>, root: Node<'t>, source: &[u8]) -> Node<'t> {
    let handler = unwrap_expression(handler);
    if handler.kind_name() != "identifier" {
        return handler;
    }
    let name = text(handler, source);
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind_name() {
            "function_declaration" if node.field("name").map(|n| text(n, source)) == Some(name) => {
                return node;
            }
            "variable_declarator" if node.field("name").map(|n| text(n, source)) == Some(name) => {
                if let Some(value) = node.field("value") {
                    return unwrap_expression(value);
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    handler
}

/// Tenant ids the route's hooks verify before the handler runs
/// (`preHandler: requireOrgRole('viewer')` with `verifies: [orgId]`), each
/// with the hook's text.
fn hook_verifications(hooks: &[Node], source: &[u8], rules: &ExtractRules) -> Vec<(String, String)> {
    let mut verified = BTreeSet::new();
    for hook in hooks {
        let mut stack = vec![unwrap_expression(*hook)];
        while let Some(node) = stack.pop() {
            let name = match node.kind_name() {
                "identifier" => Some(text(node, source)),
                "call_expression" => node
                    .field("function")
                    .filter(|f| f.kind_name() == "identifier")
                    .map(|f| text(f, source)),
                "array" => {
                    let mut cursor = node.walk();
                    stack.extend(node.named_children(&mut cursor));
                    None
                }
                _ => None,
            };
            let Some(verifier) = name.and_then(|n| rules.verifiers.iter().find(|v| v.name == n)) else {
                continue;
            };
            let shown = syntax::snippet(node, source);
            let ids = if verifier.verifies.is_empty() {
                rules.tenancy_names.clone()
            } else {
                verifier.verifies.clone()
            };
            for id in ids {
                verified.insert((id, format!("route hook `{shown}`")));
            }
        }
    }
    verified.into_iter().collect()
}
