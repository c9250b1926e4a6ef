//! BullMQ paths. Producers are `add`/`addBulk` calls on a queue and
//! `FlowProducer.add`; consumers are workers (`new Worker(name, processor)` or
//! a configured factory) with the processor they register. Queue names come
//! from the literal where the queue is created; a queue created in another
//! file is resolved when files are linked (see `links.rs`).

use super::ir::{Access, Candidate, Consumer, Expr, JobDataReads, ProcessorRef, Producer, Prop, QueueRef};
use super::links::FileSummary;
use super::lower::{declaration_value, lower};
use super::prefilter::Role;
use super::queries::{called_member_or_awaited, member_property, FileMatches};
use super::rules::{last_segment, ExtractRules};
use super::symbols::enclosing_symbol;
use super::syntax::{self, line, snippet, text, unwrap_expression, Ancestry, Fields, KindName};
use crate::model::{PathKind, TableUse};
use tree_sitter::{Node, Tree};

/// The BullMQ classes whose construction creates a queue, a worker or a flow producer.
pub const QUEUE_CLASSES: [&str; 3] = ["Queue", "Worker", "FlowProducer"];

/// The methods that enqueue jobs.
pub const JOB_METHODS: [&str; 2] = ["add", "addBulk"];

/// What a creation site makes.
enum Created {
    Queue(Option<String>),
    Worker,
    Flow,
}

/// Queue and flow-producer variables of this file (also class fields), and
/// every consumer; records queues in `summary` for other files to resolve.
pub fn extract(
    tree: &Tree,
    matches: &FileMatches,
    source: &[u8],
    file: &str,
    rules: &ExtractRules,
    summary: &mut FileSummary,
) -> Vec<Candidate> {
    let ancestry = Ancestry::with_known(tree.root_node(), matches.parents());
    let mut candidates = Vec::new();
    let mut creations = matches.nodes(Role::QueueClass, "new");
    creations.extend(matches.nodes(Role::QueueFactory, "call"));
    creations.sort_by_key(|n| (n.start_byte(), n.end_byte()));
    for node in creations {
        let Some(created) = created_by(node, source, rules) else {
            continue;
        };
        let Some(arguments) = node.field("arguments") else {
            continue;
        };
        if inside_factory(node, source, rules, &ancestry) {
            continue; // a factory's own body: its call sites name the queue
        }
        match created {
            Created::Queue(name) => {
                if let (Some(variable), Some(name)) = (holder_name(node, source, &ancestry), name) {
                    summary.queues.insert(variable, name);
                }
            }
            Created::Flow => {
                if let Some(variable) = holder_name(node, source, &ancestry) {
                    summary.flows.insert(variable);
                }
            }
            Created::Worker => candidates.push(consumer(node, arguments, source, file, summary, &ancestry)),
        }
    }
    for call in matches.nodes(Role::JobMethod, "call") {
        let method = called_member_or_awaited(call).map(|member| member_property(member, source));
        if !method.is_some_and(|m| JOB_METHODS.contains(&m)) {
            continue;
        }
        if let Some(candidate) = producer(call, source, file, summary, &ancestry) {
            candidates.push(candidate);
        }
    }
    candidates
}

/// What `node` creates, if it is a queue, worker or flow-producer creation:
/// `new Queue(...)` (the class named directly) or a call of a configured
/// factory by its plain name.
fn created_by(node: Node, source: &[u8], rules: &ExtractRules) -> Option<Created> {
    if node.field("arguments")?.kind_name() != "arguments" {
        return None;
    }
    let first_literal = || {
        node.field("arguments")
            .and_then(|a| a.named_child(0))
            .and_then(|a| syntax::string_value(a, source))
    };
    match node.kind_name() {
        "new_expression" => match text(
            node.field("constructor").filter(|c| c.kind_name() == "identifier")?,
            source,
        ) {
            "Queue" => Some(Created::Queue(first_literal())),
            "Worker" => Some(Created::Worker),
            "FlowProducer" => Some(Created::Flow),
            _ => None,
        },
        _ => {
            let function = text(
                node.field("function").filter(|f| f.kind_name() == "identifier")?,
                source,
            );
            if rules.queue_factories.iter().any(|f| f == function) {
                Some(Created::Queue(first_literal()))
            } else if rules.worker_factories.iter().any(|f| f == function) {
                Some(Created::Worker)
            } else {
                None
            }
        }
    }
}

/// Whether `node` sits inside a configured factory's own body, where the
/// queue name is the factory's parameter, not a queue of its own.
fn inside_factory<'t>(node: Node<'t>, source: &[u8], rules: &ExtractRules, ancestry: &Ancestry<'t>) -> bool {
    let symbol = enclosing_symbol(node, source, ancestry);
    let innermost = symbol.rsplit('.').next().unwrap_or(&symbol);
    rules
        .queue_factories
        .iter()
        .chain(&rules.worker_factories)
        .any(|f| f == innermost)
}

/// The variable or class field the created value is stored in.
fn holder_name<'t>(node: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> Option<String> {
    let parent = ancestry.wrapped_parent(node)?;
    let name = match parent.kind_name() {
        "variable_declarator" | "public_field_definition" => parent.field("name")?,
        "assignment_expression" => parent.field("left")?,
        _ => return None,
    };
    Some(last_segment(text(name, source)).to_string())
}

fn consumer<'t>(
    node: Node<'t>,
    arguments: Node<'t>,
    source: &[u8],
    file: &str,
    summary: &FileSummary,
    ancestry: &Ancestry<'t>,
) -> Candidate {
    let queue = match arguments.named_child(0) {
        Some(name) => match syntax::string_value(name, source) {
            Some(literal) => QueueRef::Named(literal),
            None => QueueRef::Unknown(snippet(name, source)),
        },
        None => QueueRef::Unknown(snippet(node, source)),
    };
    let processor = match arguments.named_child(1).map(unwrap_expression) {
        Some(f) if matches!(f.kind_name(), "arrow_function" | "function_expression" | "function") => {
            ProcessorRef::Read(job_data_reads(f, "<inline>", source))
        }
        Some(f) if f.kind_name() == "identifier" || is_namespace_member(f, source, summary) => {
            ProcessorRef::Named(text(f, source).to_string())
        }
        Some(f) => ProcessorRef::Unknown(snippet(f, source)),
        None => ProcessorRef::Unknown(snippet(node, source)),
    };
    Candidate {
        id: String::new(),
        kind: PathKind::QueueConsumer,
        operation: "process".to_string(),
        targets: vec![queue_target(&queue, line(node))],
        file: file.to_string(),
        line: line(node),
        symbol: enclosing_symbol(node, source, ancestry),
        access: Access::QueueConsumer(Consumer { queue, processor }),
    }
}

/// The target of a queue path: its name, or none until linked.
pub fn queue_target(queue: &QueueRef, line: usize) -> TableUse {
    TableUse {
        name: match queue {
            QueueRef::Named(name) => Some(name.clone()),
            _ => None,
        },
        alias: None,
        line,
    }
}

/// Whether `node` is a member of a namespace import: `hooks.processDelivery`
/// after `import * as hooks from '../hooks/delivery'`.
fn is_namespace_member(node: Node, source: &[u8], summary: &FileSummary) -> bool {
    node.kind_name() == "member_expression"
        && node.field("object").is_some_and(|object| {
            object.kind_name() == "identifier" && summary.namespaces.contains_key(text(object, source))
        })
}

fn producer<'t>(
    call: Node<'t>,
    source: &[u8],
    file: &str,
    summary: &FileSummary,
    ancestry: &Ancestry<'t>,
) -> Option<Candidate> {
    let function = unwrap_expression(call.field("function")?);
    let receiver = unwrap_expression(function.field("object")?);
    let method = text(function.field("property")?, source);
    let arguments = call.field("arguments")?;
    let receiver_text = text(receiver, source);
    let local = last_segment(receiver_text).to_string();

    let is_flow = summary.flows.contains(&local);
    let queue = if is_flow {
        flow_queue(arguments, source, ancestry)
    } else if is_namespace_member(receiver, source, summary) {
        // `queues.webhookQueue` after `import * as queues`: resolved like
        // an imported name when files are linked.
        QueueRef::Variable(receiver_text.to_string())
    } else if let Some(name) = summary.queues.get(&local) {
        QueueRef::Named(name.clone())
    } else if summary.imports.contains_key(&local) || local.to_ascii_lowercase().contains("queue") {
        // Resolved through the import when files are linked; a receiver that
        // merely looks like a queue stays a producer with an unknown queue.
        QueueRef::Variable(local.clone())
    } else if receiver.kind_name() == "new_expression" && text(receiver.field("constructor")?, source) == "Queue" {
        let name = receiver
            .field("arguments")
            .and_then(|a| a.named_child(0))
            .and_then(|a| syntax::string_value(a, source));
        name.map(QueueRef::Named)
            .unwrap_or_else(|| QueueRef::Unknown(snippet(receiver, source)))
    } else {
        return None; // `set.add(...)` and the like
    };

    let payloads = match (is_flow, method) {
        (true, _) => vec![object_property(arguments.named_child(0), "data", source, ancestry)],
        (false, "addBulk") => match arguments.named_child(0).map(|a| resolved(a, source, ancestry)) {
            Some(Expr::Array(jobs)) => jobs.iter().map(|job| property_of(job, "data")).collect(),
            Some(other) => vec![other],
            None => vec![Expr::Opaque(snippet(call, source))],
        },
        (false, _) => vec![arguments
            .named_child(1)
            .map(|payload| resolved(payload, source, ancestry))
            .unwrap_or(Expr::Opaque("no payload".to_string()))],
    };
    Some(Candidate {
        id: String::new(),
        kind: PathKind::QueueProducer,
        operation: if is_flow {
            "flow-add".to_string()
        } else {
            method.to_string()
        },
        targets: vec![queue_target(&queue, line(call))],
        file: file.to_string(),
        line: line(call),
        symbol: enclosing_symbol(call, source, ancestry),
        access: Access::QueueProducer(Producer { queue, payloads }),
    })
}

/// `flow.add({ name, queueName: 'emails', data })` → the queue.
fn flow_queue<'t>(arguments: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> QueueRef {
    match object_property(arguments.named_child(0), "queueName", source, ancestry) {
        Expr::Str(name) => QueueRef::Named(name),
        other => QueueRef::Unknown(format!("queueName: {other:?}")),
    }
}

fn object_property<'t>(node: Option<Node<'t>>, key: &str, source: &[u8], ancestry: &Ancestry<'t>) -> Expr {
    match node {
        Some(node) => property_of(&resolved(node, source, ancestry), key),
        None => Expr::Opaque("no argument".to_string()),
    }
}

fn property_of(object: &Expr, key: &str) -> Expr {
    let object = match object {
        Expr::Resolved { value, .. } => value.as_ref(),
        other => other,
    };
    match object {
        Expr::Object(props) => props
            .iter()
            .find_map(|p| match p {
                Prop::KeyValue(k, v) if k == key => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_else(|| Expr::Opaque(format!("no `{key}`"))),
        other => Expr::Opaque(format!("{other:?}")),
    }
}

/// Lowers `node`, following a variable to the literal it was built from in
/// the same function.
fn resolved<'t>(node: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> Expr {
    let node = unwrap_expression(node);
    if node.kind_name() == "identifier" {
        let name = text(node, source);
        if let Some(value) = declaration_value(ancestry.enclosing_function(node), name, node.start_byte(), source) {
            return Expr::Resolved {
                name: name.to_string(),
                value: Box::new(lower(value, source)),
            };
        }
    }
    lower(node, source)
}

/// What a processor function reads of its job's `data`.
pub fn job_data_reads(function: Node, name: &str, source: &[u8]) -> JobDataReads {
    let mut reads = JobDataReads {
        processor: name.to_string(),
        keys: Vec::new(),
        escapes: false,
    };
    let Some(body) = function.field("body") else {
        return reads;
    };
    let params = function.field("parameters").or_else(|| function.field("parameter"));
    // `(job) => ...` reads `job.data`; `({ data }) => ...` reads `data`;
    // `({ data: { organizationId } })` names the keys outright.
    let mut data_names: Vec<String> = Vec::new();
    let mut job_names: Vec<String> = Vec::new();
    if let Some(params) = params {
        let first = if params.kind_name() == "identifier" {
            Some(params)
        } else {
            params.named_child(0).and_then(|p| p.field("pattern"))
        };
        match first {
            Some(p) if p.kind_name() == "identifier" => job_names.push(text(p, source).to_string()),
            Some(p) if p.kind_name() == "object_pattern" => {
                destructured_data(p, source, &mut data_names, &mut reads);
            }
            _ => {}
        }
    }
    // Until some name holds the data, a read starts with `job.data`: a body
    // that never says `data` reads nothing, and is not walked.
    let says_data = || {
        source
            .get(body.byte_range())
            .is_some_and(|b| b.windows(4).any(|w| w == b"data"))
    };
    if data_names.is_empty() && !says_data() {
        return reads;
    }
    // In the order of the stack walk this always was: a name found to hold
    // the data counts for the nodes visited after it.
    let relevant = syntax::named_nodes(
        body,
        |_| true,
        |node| {
            matches!(
                node.kind_name(),
                "member_expression" | "variable_declarator" | "arguments" | "spread_element"
            )
        },
    );
    for node in relevant {
        let is_data = |n: Node| -> bool {
            let n = unwrap_expression(n);
            match n.kind_name() {
                "identifier" => data_names.iter().any(|d| d == text(n, source)),
                "member_expression" => {
                    n.field("property").is_some_and(|p| text(p, source) == "data")
                        && n.field("object").map(unwrap_expression).is_some_and(|o| {
                            o.kind_name() == "identifier" && job_names.iter().any(|j| j == text(o, source))
                        })
                }
                _ => false,
            }
        };
        match node.kind_name() {
            "member_expression" => {
                if let (Some(object), Some(property)) = (node.field("object"), node.field("property")) {
                    if is_data(object) {
                        push_key(&mut reads, text(property, source));
                    }
                }
            }
            "variable_declarator" => {
                let (Some(name), Some(value)) = (node.field("name"), node.field("value")) else {
                    continue;
                };
                if !is_data(value) {
                    continue;
                }
                match name.kind_name() {
                    "object_pattern" => object_pattern_keys(name, source, &mut reads),
                    "identifier" => data_names.push(text(name, source).to_string()),
                    _ => reads.escapes = true,
                }
            }
            "arguments" | "spread_element" => {
                let mut cursor = node.walk();
                if node.named_children(&mut cursor).any(|child| {
                    let child = if child.kind_name() == "spread_element" {
                        child.named_child(0).unwrap_or(child)
                    } else {
                        child
                    };
                    is_data(child)
                }) {
                    reads.escapes = true;
                }
            }
            _ => {}
        }
    }
    reads
}

/// `({ data })` or `({ data: { organizationId } })` in a processor's parameter.
fn destructured_data(pattern: Node, source: &[u8], data_names: &mut Vec<String>, reads: &mut JobDataReads) {
    let mut cursor = pattern.walk();
    for child in pattern.named_children(&mut cursor) {
        match child.kind_name() {
            "shorthand_property_identifier_pattern" if text(child, source) == "data" => {
                data_names.push("data".to_string());
            }
            "pair_pattern" => {
                let key = child.field("key").map(|k| text(k, source));
                let value = child.field("value");
                if key == Some("data") {
                    match value {
                        Some(v) if v.kind_name() == "object_pattern" => object_pattern_keys(v, source, reads),
                        Some(v) if v.kind_name() == "identifier" => data_names.push(text(v, source).to_string()),
                        _ => reads.escapes = true,
                    }
                }
            }
            _ => {}
        }
    }
}

fn object_pattern_keys(pattern: Node, source: &[u8], reads: &mut JobDataReads) {
    let mut cursor = pattern.walk();
    for child in pattern.named_children(&mut cursor) {
        match child.kind_name() {
            "shorthand_property_identifier_pattern" => push_key(reads, text(child, source)),
            "pair_pattern" | "object_assignment_pattern" => {
                let key = child
                    .field("key")
                    .or_else(|| child.field("left"))
                    .map(|k| text(k, source).trim_matches(['\'', '"']).to_string());
                if let Some(key) = key {
                    push_key(reads, &key);
                }
            }
            "rest_pattern" => reads.escapes = true,
            _ => {}
        }
    }
}

fn push_key(reads: &mut JobDataReads, key: &str) {
    if !reads.keys.iter().any(|k| k == key) {
        reads.keys.push(key.to_string());
    }
}
