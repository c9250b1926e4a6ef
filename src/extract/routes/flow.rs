//! Reads a route handler's body for tenant ids: where each comes from (the
//! request, or the authenticated context), which verifier guards it on which
//! paths, and which calls receive it. A small abstract interpretation over the
//! handler's statements: branches are read with a copy of the state and merged,
//! so a verifier that runs on one branch only guards "conditionally".

use crate::extract::ir::{Flow, Guard, Origin};
use crate::extract::rules::{last_segment, ExtractRules};
use crate::extract::syntax::{self, line, snippet, text, unwrap_expression, Fields, KindName};
use std::collections::{BTreeMap, HashMap};
use tree_sitter::Node;

/// A flow found in a handler, with the line of its sink.
pub struct FoundFlow {
    /// The flow.
    pub flow: Flow,
    /// 1-based line of the sink.
    pub line: usize,
}

/// How a value was verified so far.
#[derive(Debug, Clone, PartialEq)]
enum Verification {
    Verified(String),
    Partial(String),
}

/// A tracked tenant-id value.
#[derive(Debug, Clone)]
struct Value {
    /// The tenant id's name at its source (`projectId`).
    id_name: String,
    origin: Origin,
    /// What verification is keyed by: the variable, or the source path.
    key: String,
}

#[derive(Debug, Clone, Default)]
struct State {
    /// Variables holding a tenant id.
    vars: HashMap<String, Value>,
    /// Variables holding a whole request part (`const q = request.query`).
    objects: HashMap<String, String>,
    verified: HashMap<String, Verification>,
    /// `const ok = await verify(x)`: the result variable → verified keys and the call.
    pending: HashMap<String, (Vec<String>, String)>,
    /// Verifier calls that guard nothing (result ignored, check inverted).
    ineffective: HashMap<String, String>,
}

struct Reader<'a> {
    source: &'a [u8],
    rules: &'a ExtractRules,
    /// Names the handler gives the request, and request parts destructured in
    /// its parameter list (`({ params }) =>` → `params` is `request.params`).
    request_names: Vec<String>,
    part_names: HashMap<String, String>,
    hook_verified: &'a [(String, String)],
    flows: BTreeMap<(String, String), FoundFlow>,
}

/// Every tenant-id flow in `handler`. `hook_verified` lists ids the route's
/// hooks verify before the handler runs.
pub fn analyse(
    handler: Node,
    source: &[u8],
    rules: &ExtractRules,
    hook_verified: &[(String, String)],
) -> Vec<FoundFlow> {
    if !syntax::is_function(handler) {
        return Vec::new();
    }
    let mut reader = Reader {
        source,
        rules,
        request_names: Vec::new(),
        part_names: HashMap::new(),
        hook_verified,
        flows: BTreeMap::new(),
    };
    reader.read_parameters(handler);
    if reader.request_names.is_empty() && reader.part_names.is_empty() {
        return Vec::new();
    }
    let Some(body) = handler.field("body") else {
        return Vec::new();
    };
    let mut state = State::default();
    if body.kind_name() == "statement_block" {
        reader.block(body, &mut state);
    } else {
        reader.scan_sinks(body, &state);
    }
    reader.flows.into_values().collect()
}

impl Reader<'_> {
    fn text(&self, node: Node) -> String {
        text(node, self.source).to_string()
    }

    fn read_parameters(&mut self, handler: Node) {
        let first = handler.field("parameter").or_else(|| {
            handler
                .field("parameters")
                .and_then(|p| p.named_child(0))
                .and_then(|p| p.field("pattern"))
        });
        let Some(first) = first else { return };
        match first.kind_name() {
            "identifier" => self.request_names.push(self.text(first)),
            "object_pattern" => {
                for (key, local) in pattern_entries(first, self.source) {
                    if self.rules.untrusted_request_parts.contains(&key) {
                        self.part_names.insert(local, format!("request.{key}"));
                    }
                }
            }
            _ => {}
        }
    }

    // --- statements ----------------------------------------------------------

    fn block(&mut self, block: Node, state: &mut State) {
        let mut cursor = block.walk();
        let statements: Vec<Node> = block.named_children(&mut cursor).collect();
        for statement in statements {
            self.statement(statement, state);
        }
    }

    fn statement(&mut self, statement: Node, state: &mut State) {
        match statement.kind_name() {
            "statement_block" => self.block(statement, state),
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = statement.walk();
                let declarators: Vec<Node> = statement.named_children(&mut cursor).collect();
                for declarator in declarators {
                    let (Some(pattern), Some(value)) = (declarator.field("name"), declarator.field("value")) else {
                        continue;
                    };
                    self.scan_sinks(value, state);
                    self.bind(pattern, value, state);
                }
            }
            "expression_statement" => {
                let Some(expression) = statement.named_child(0).map(unwrap_expression) else {
                    return;
                };
                if let Some((keys, shown)) = self.verifier_call(expression, state) {
                    // Called for its effect, a verifier throws when the caller may not use the id.
                    for key in keys {
                        state
                            .verified
                            .insert(key, Verification::Verified(format!("`{shown}` (throws when denied)")));
                    }
                    return;
                }
                self.scan_sinks(expression, state);
                if expression.kind_name() == "assignment_expression" {
                    if let (Some(left), Some(right)) = (expression.field("left"), expression.field("right")) {
                        self.bind(left, right, state);
                    }
                }
            }
            "if_statement" => self.if_statement(statement, state),
            "try_statement" => {
                if let Some(body) = statement.field("body") {
                    self.block(body, state);
                }
                for field in ["handler", "finalizer"] {
                    if let Some(part) = statement.field(field) {
                        let mut copy = state.clone();
                        self.statement(part, &mut copy);
                    }
                }
            }
            "catch_clause" | "finally_clause" => {
                if let Some(body) = statement.field("body") {
                    self.block(body, state);
                }
            }
            "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => {
                // A loop body may not run: what it verifies does not count after it.
                let mut copy = state.clone();
                if let Some(body) = statement.field("body") {
                    self.statement(body, &mut copy);
                }
            }
            _ => self.scan_sinks(statement, state),
        }
    }

    fn if_statement(&mut self, statement: Node, state: &mut State) {
        let (Some(condition), Some(consequence)) = (statement.field("condition"), statement.field("consequence"))
        else {
            return;
        };
        let alternative = statement
            .field("alternative")
            .and_then(|a| a.named_children(&mut a.walk()).next());
        let condition_text = snippet(condition, self.source);
        if let Some((keys, negated, shown)) = self.guard_condition(condition, state) {
            let exits = branch_exits(consequence);
            if negated && exits {
                // `if (!ok) return reply.code(403)`: everything after is verified.
                let mut denied = state.clone();
                self.statement(consequence, &mut denied);
                for key in keys {
                    state.verified.insert(
                        key,
                        Verification::Verified(format!("`{shown}` guarding `if {condition_text}`")),
                    );
                }
                if let Some(alternative) = alternative {
                    self.statement(alternative, state);
                }
                return;
            }
            if !negated && !exits {
                // `if (ok) { ... }`: verified inside the branch only.
                let mut inside = state.clone();
                for key in &keys {
                    inside.verified.insert(
                        key.clone(),
                        Verification::Verified(format!("`{shown}` checked by `if {condition_text}`")),
                    );
                }
                self.statement(consequence, &mut inside);
                if let Some(alternative) = alternative {
                    let mut other = state.clone();
                    self.statement(alternative, &mut other);
                }
                return;
            }
            // `if (ok) return 403`: the check is inverted and guards nothing.
            for key in keys {
                state.ineffective.insert(
                    key,
                    format!("`{shown}` is checked the wrong way round (`if {condition_text}` exits when allowed)"),
                );
            }
        } else {
            self.scan_sinks(condition, state);
        }
        let mut then_state = state.clone();
        self.statement(consequence, &mut then_state);
        let mut else_state = state.clone();
        if let Some(alternative) = alternative {
            self.statement(alternative, &mut else_state);
        }
        let then_flows = !branch_exits(consequence);
        let else_flows = alternative.is_none_or(|a| !branch_exits(a));
        let outs: Vec<&State> = [(then_flows, &then_state), (else_flows, &else_state)]
            .into_iter()
            .filter_map(|(flows, s)| flows.then_some(s))
            .collect();
        let mut merged = state.clone();
        let mut keys: Vec<String> = then_state
            .verified
            .keys()
            .chain(else_state.verified.keys())
            .cloned()
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let verified_in = |s: &State| matches!(s.verified.get(&key), Some(Verification::Verified(_)));
            let how = then_state
                .verified
                .get(&key)
                .or_else(|| else_state.verified.get(&key))
                .map(|v| match v {
                    Verification::Verified(how) | Verification::Partial(how) => how.clone(),
                });
            let Some(how) = how else { continue };
            if !outs.is_empty() && outs.iter().all(|s| verified_in(s)) {
                merged.verified.insert(key, Verification::Verified(how));
            } else if outs.iter().any(|s| s.verified.contains_key(&key)) {
                merged.verified.insert(
                    key,
                    Verification::Partial(format!("{how} runs only when `{condition_text}` holds")),
                );
            }
        }
        // Tenant ids and pending results bound in either branch stay visible.
        for branch in [&then_state, &else_state] {
            for (name, value) in &branch.vars {
                merged.vars.entry(name.clone()).or_insert_with(|| value.clone());
            }
            for (name, part) in &branch.objects {
                merged.objects.entry(name.clone()).or_insert_with(|| part.clone());
            }
            for (name, ineffective) in &branch.ineffective {
                merged
                    .ineffective
                    .entry(name.clone())
                    .or_insert_with(|| ineffective.clone());
            }
        }
        *state = merged;
    }

    /// `!ok`, `ok === false`, `!(await verify(x))`, `ok`: the verified keys,
    /// whether the condition is negated, and the verifier call's text.
    fn guard_condition(&self, condition: Node, state: &State) -> Option<(Vec<String>, bool, String)> {
        let mut node = unwrap_expression(condition);
        let mut negated = false;
        loop {
            match node.kind_name() {
                "unary_expression" if node.field("operator").is_some_and(|o| o.kind_name() == "!") => {
                    negated = !negated;
                    node = unwrap_expression(node.field("argument")?);
                }
                "binary_expression" => {
                    let operator = node.field("operator")?.kind_name();
                    let right = unwrap_expression(node.field("right")?);
                    if matches!(operator, "===" | "==") && right.kind_name() == "false" {
                        negated = !negated;
                        node = unwrap_expression(node.field("left")?);
                    } else {
                        return None;
                    }
                }
                "identifier" => {
                    let (keys, shown) = state.pending.get(&self.text(node))?;
                    return Some((keys.clone(), negated, shown.clone()));
                }
                "call_expression" => {
                    let (keys, shown) = self.verifier_call(node, state)?;
                    return Some((keys, negated, shown));
                }
                _ => return None,
            }
        }
    }

    /// A call to a verifier: the keys of the tenant ids it receives.
    fn verifier_call(&self, node: Node, state: &State) -> Option<(Vec<String>, String)> {
        let node = unwrap_expression(node);
        if node.kind_name() != "call_expression" {
            return None;
        }
        let callee = self.text(node.field("function")?);
        let name = last_segment(&callee).to_string();
        self.rules.verifiers.iter().find(|v| v.name == name)?;
        let arguments = node.field("arguments")?;
        let mut keys = Vec::new();
        self.values_in(arguments, state, &mut |value, _| keys.push(value.key.clone()));
        Some((keys, snippet(node, self.source)))
    }

    // --- values --------------------------------------------------------------

    /// The request part a member path or variable denotes (`request.query`).
    fn request_part(&self, node: Node, state: &State) -> Option<String> {
        let node = unwrap_expression(node);
        match node.kind_name() {
            "identifier" => {
                let name = self.text(node);
                self.part_names.get(&name).or_else(|| state.objects.get(&name)).cloned()
            }
            "member_expression" => {
                let object = unwrap_expression(node.field("object")?);
                let property = self.text(node.field("property")?);
                if object.kind_name() == "identifier"
                    && self.request_names.contains(&self.text(object))
                    && self.rules.untrusted_request_parts.contains(&property)
                {
                    return Some(format!("request.{property}"));
                }
                None
            }
            // `schema.parse(request.query)`: the result is still what the client sent.
            "call_expression" => {
                let arguments = node.field("arguments")?;
                let mut cursor = arguments.walk();
                let parts: Vec<String> = arguments
                    .named_children(&mut cursor)
                    .filter_map(|a| self.request_part(a, state))
                    .collect();
                parts.into_iter().next()
            }
            _ => None,
        }
    }

    /// Whether `path` (with the request named `request`) is a trusted source.
    fn trusted(&self, path: &str) -> bool {
        let suffix = |p: &str| p.split_once('.').map(|(_, rest)| rest.to_string());
        let Some(ours) = suffix(path) else { return false };
        self.rules
            .trusted_sources
            .iter()
            .any(|t| suffix(t).as_deref() == Some(ours.as_str()))
    }

    fn is_tenancy(&self, name: &str) -> bool {
        self.rules.tenancy_names.iter().any(|n| n == name)
    }

    /// The tenant-id value an expression denotes, if any.
    fn value_of(&self, node: Node, state: &State) -> Option<Value> {
        let node = unwrap_expression(node);
        match node.kind_name() {
            "identifier" => state.vars.get(&self.text(node)).cloned(),
            "member_expression" => {
                let property = self.text(node.field("property")?);
                let object = node.field("object")?;
                if let Some(part) = self.request_part(object, state) {
                    return self.is_tenancy(&property).then(|| {
                        let path = format!("{part}.{property}");
                        Value {
                            id_name: property.clone(),
                            origin: Origin::Supplied(path.clone()),
                            key: path,
                        }
                    });
                }
                let full = self.text(node);
                let root = full.split(['.', '?']).next().unwrap_or("");
                if self.request_names.iter().any(|r| r == root) {
                    let normalised = format!("request{}", &full[root.len()..])
                        .replace("?.", ".")
                        .replace("!.", ".");
                    if self.is_tenancy(&property) && self.trusted(&normalised) {
                        return Some(Value {
                            id_name: property,
                            origin: Origin::Trusted(normalised.clone()),
                            key: normalised,
                        });
                    }
                }
                None
            }
            "binary_expression" => {
                let operator = node.field("operator")?.kind_name();
                if !matches!(operator, "||" | "??") {
                    return None;
                }
                let left = self.value_of(node.field("left")?, state);
                let right = self.value_of(node.field("right")?, state);
                match (left, right) {
                    (Some(a), Some(b)) => match (&a.origin, &b.origin) {
                        (Origin::Supplied(s), Origin::Trusted(t)) | (Origin::Trusted(t), Origin::Supplied(s)) => {
                            Some(Value {
                                id_name: a.id_name.clone(),
                                origin: Origin::Fallback {
                                    supplied: s.clone(),
                                    bound: t.clone(),
                                },
                                key: if matches!(a.origin, Origin::Supplied(_)) {
                                    a.key
                                } else {
                                    b.key
                                },
                            })
                        }
                        _ => Some(a),
                    },
                    (Some(a), None) | (None, Some(a)) => Some(a),
                    (None, None) => None,
                }
            }
            _ => None,
        }
    }

    /// Records what `pattern = value` binds.
    fn bind(&self, pattern: Node, value: Node, state: &mut State) {
        let value = unwrap_expression(value);
        match pattern.kind_name() {
            "identifier" => {
                let name = self.text(pattern);
                if let Some((keys, shown)) = self.verifier_call(value, state) {
                    state.pending.insert(name.clone(), (keys.clone(), shown.clone()));
                    for key in keys {
                        state
                            .ineffective
                            .entry(key)
                            .or_insert_with(|| format!("the result of `{shown}` is never checked"));
                    }
                    return;
                }
                if let Some(found) = self.value_of(value, state) {
                    let key = match found.origin {
                        // A variable copies the value; verification stays keyed by the variable.
                        Origin::Fallback { .. } | Origin::Supplied(_) | Origin::Trusted(_) => name.clone(),
                        Origin::Unknown(_) => name.clone(),
                    };
                    let verified = state.verified.get(&found.key).cloned();
                    if let Some(verified) = verified {
                        state.verified.insert(key.clone(), verified);
                    }
                    state.vars.insert(name, Value { key, ..found });
                    return;
                }
                if let Some(part) = self.request_part(value, state) {
                    state.objects.insert(name, part);
                    return;
                }
                // A tenant-id variable computed by code the analysis cannot follow.
                if self.is_tenancy(&name) && self.mentions_request(value, state) {
                    state.vars.insert(
                        name.clone(),
                        Value {
                            id_name: name.clone(),
                            origin: Origin::Unknown(format!("computed by `{}`", snippet(value, self.source))),
                            key: name,
                        },
                    );
                }
            }
            "object_pattern" => {
                let part = self.request_part(value, state);
                let base = match &part {
                    Some(part) => Some(part.clone()),
                    None => {
                        let full = self.text(value);
                        let root = full.split('.').next().unwrap_or("");
                        self.request_names
                            .iter()
                            .any(|r| r == root)
                            .then(|| format!("request{}", &full[root.len()..]))
                    }
                };
                let Some(base) = base else { return };
                for (key, local) in pattern_entries(pattern, self.source) {
                    if !self.is_tenancy(&key) {
                        continue;
                    }
                    let path = format!("{base}.{key}");
                    let origin = if part.is_some() {
                        Origin::Supplied(path)
                    } else if self.trusted(&path) {
                        Origin::Trusted(path)
                    } else {
                        continue;
                    };
                    state.vars.insert(
                        local.clone(),
                        Value {
                            id_name: key,
                            origin,
                            key: local,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn mentions_request(&self, node: Node, state: &State) -> bool {
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            if current.kind_name() == "identifier" {
                let name = self.text(current);
                if self.request_names.contains(&name)
                    || self.part_names.contains_key(&name)
                    || state.objects.contains_key(&name)
                {
                    return true;
                }
            }
            let mut cursor = current.walk();
            stack.extend(current.named_children(&mut cursor));
        }
        false
    }

    /// Calls `found` for every tenant-id value mentioned under `node`.
    fn values_in<'t>(&self, node: Node<'t>, state: &State, found: &mut dyn FnMut(Value, Node<'t>)) {
        // Each node with the node whose children it was taken from, its
        // parent: asking tree-sitter for a parent walks down from the root.
        let mut stack = vec![(node, None)];
        while let Some((current, taken_from)) = stack.pop() {
            if matches!(
                current.kind_name(),
                "identifier" | "member_expression" | "binary_expression"
            ) {
                // A property name in `{ projectId: x }` is not a use of a variable.
                let is_key = parent_of(current, taken_from)
                    .is_some_and(|p| p.kind_name() == "pair" && p.field("key").is_some_and(|k| k.id() == current.id()));
                if !is_key {
                    if let Some(value) = self.value_of(current, state) {
                        found(value, current);
                        continue;
                    }
                }
            }
            if current.kind_name() == "shorthand_property_identifier" {
                if let Some(value) = state.vars.get(&self.text(current)) {
                    found(value.clone(), current);
                }
            }
            let mut cursor = current.walk();
            let children: Vec<Node> = current.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev().map(|child| (child, Some(current))));
        }
    }

    // --- sinks -----------------------------------------------------------------

    /// Records a flow for every tenant id under `node` that reaches a call.
    fn scan_sinks<'t>(&mut self, node: Node<'t>, state: &State) {
        let mut found: Vec<(Value, Node<'t>)> = Vec::new();
        self.values_in(node, state, &mut |value, at| found.push((value, at)));
        for (value, at) in found {
            let Some(call) = receiving_call(at) else { continue };
            if self.verifier_call(call, state).is_some() || self.excluded(call) {
                continue;
            }
            let (sink, callee) = self.describe_sink(call);
            let guard = self.guard_for(&value, state);
            let flow = Flow {
                id_name: value.id_name.clone(),
                origin: value.origin.clone(),
                guard,
                sink: sink.clone(),
                callee,
                reaches: Vec::new(),
            };
            let key = (value.id_name.clone(), sink);
            match self.flows.get(&key) {
                Some(existing) if strength(&existing.flow.guard) <= strength(&flow.guard) => {}
                _ => {
                    self.flows.insert(key, FoundFlow { flow, line: line(call) });
                }
            }
        }
    }

    fn guard_for(&self, value: &Value, state: &State) -> Guard {
        if let Some((_, hook)) = self.hook_verified.iter().find(|(id, _)| *id == value.id_name) {
            if !matches!(value.origin, Origin::Trusted(_)) {
                return Guard::Verified(hook.clone());
            }
        }
        match state.verified.get(&value.key) {
            Some(Verification::Verified(how)) => Guard::Verified(how.clone()),
            Some(Verification::Partial(why)) => Guard::Partial(why.clone()),
            None => match state.ineffective.get(&value.key) {
                Some(why) => Guard::Ineffective(why.clone()),
                None => Guard::None,
            },
        }
    }

    /// Calls that only answer or log, never reach data.
    fn excluded(&self, call: Node) -> bool {
        let Some(function) = call.field("function") else {
            return true;
        };
        let callee = self.text(unwrap_expression(function));
        let root = callee.split(['.', '(', '?']).next().unwrap_or("");
        const OUTPUTS: &[&str] = &[
            "reply", "res", "response", "console", "logger", "log", "JSON", "String", "Number", "Boolean", "Object",
            "Array", "Math",
        ];
        OUTPUTS.contains(&root) || self.request_names.iter().any(|r| r == root)
    }

    /// The sink's description, and the callee to follow into other files.
    fn describe_sink(&self, call: Node) -> (String, Option<String>) {
        // Inside a Kysely chain, the sink is the query: find its builder.
        let mut current = call;
        while let Some(function) = current.field("function").map(unwrap_expression) {
            let method = function.field("property").map(|p| self.text(p)).unwrap_or_default();
            if crate::extract::ir::Operation::from_builder(&method).is_some() {
                let table = current
                    .field("arguments")
                    .and_then(|a| a.named_child(0))
                    .map(|t| snippet(t, self.source))
                    .unwrap_or_default();
                return (format!("{method}({table})"), None);
            }
            match function.field("object").map(unwrap_expression) {
                Some(object) if object.kind_name() == "call_expression" => current = object,
                _ => break,
            }
        }
        let callee = call
            .field("function")
            .map(|f| self.text(unwrap_expression(f)))
            .unwrap_or_default();
        let callee = callee.strip_prefix("this.").unwrap_or(&callee).to_string();
        (callee.clone(), Some(callee))
    }
}

/// `{ a, b: c, d = 1 }` → (a, a), (b, c), (d, d): each key and the local name it binds.
fn pattern_entries(pattern: Node, source: &[u8]) -> Vec<(String, String)> {
    let mut cursor = pattern.walk();
    let children: Vec<Node> = pattern.named_children(&mut cursor).collect();
    children
        .into_iter()
        .filter_map(|child| match child.kind_name() {
            "shorthand_property_identifier_pattern" => {
                Some((text(child, source).to_string(), text(child, source).to_string()))
            }
            "pair_pattern" => match (child.field("key"), child.field("value")) {
                (Some(k), Some(v)) if v.kind_name() == "identifier" => {
                    Some((text(k, source).to_string(), text(v, source).to_string()))
                }
                _ => None,
            },
            "object_assignment_pattern" => child
                .field("left")
                .map(|left| (text(left, source).to_string(), text(left, source).to_string())),
            _ => None,
        })
        .collect()
}

/// The parent of `node`, as [`Node::parent`] finds it, when `node` is one of
/// the named children of `taken_from`. That is its parent unless `node` is
/// empty: then tree-sitter may find it in a sibling ending where it stands.
fn parent_of<'t>(node: Node<'t>, taken_from: Option<Node<'t>>) -> Option<Node<'t>> {
    match taken_from {
        Some(parent) if node.start_byte() < node.end_byte() => Some(parent),
        _ => node.parent(),
    }
}

/// The nearest call that receives `node` as (part of) an argument.
fn receiving_call(node: Node) -> Option<Node> {
    let mut child = node;
    while let Some(parent) = child.parent() {
        if syntax::is_function(parent) {
            return None;
        }
        if parent.kind_name() == "arguments" {
            let call = parent.parent()?;
            if call.kind_name() == "call_expression" {
                return Some(call);
            }
        }
        if parent.kind_name() == "statement_block" {
            return None;
        }
        child = parent;
    }
    None
}

/// How strongly a guard protects, for keeping the weakest per sink.
fn strength(guard: &Guard) -> u8 {
    match guard {
        Guard::None | Guard::Ineffective(_) => 0,
        Guard::Partial(_) => 1,
        Guard::Verified(_) => 2,
    }
}

/// Whether every path through `statement` returns or throws.
fn branch_exits(statement: Node) -> bool {
    match statement.kind_name() {
        "return_statement" | "throw_statement" => true,
        "statement_block" => {
            let mut cursor = statement.walk();
            let last = statement
                .named_children(&mut cursor)
                .filter(|n| n.kind_name() != "comment")
                .last();
            last.is_some_and(branch_exits)
        }
        "if_statement" => {
            let consequence = statement.field("consequence");
            let alternative = statement
                .field("alternative")
                .and_then(|a| a.named_children(&mut a.walk()).next());
            matches!((consequence, alternative), (Some(c), Some(a)) if branch_exits(c) && branch_exits(a))
        }
        _ => false,
    }
}
