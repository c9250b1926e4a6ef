//! Kysely query-builder paths. A path starts at a builder call (see
//! [`builder_call`]) and takes in every method chained onto it, also across
//! statements when the builder is kept in a variable of the same function:
//!
//! ```ts
//! let q = db.selectFrom('audit_log').selectAll();
//! if (orgId) { q = q.where('organization_id', '=', orgId) } // a guarded step
//! return q.execute();
//! ```

use super::ir::{split_alias, Access, Candidate, Expr, Helper, Operation, Query, Step, TableRef, HELPER_STEP};
use super::lower::{lower, lower_arguments};
use super::prefilter::Role;
use super::queries::FileMatches;
use super::symbols::enclosing_symbol;
use super::syntax::{self, line, snippet, text, unwrap_expression, Ancestry, Fields, KindName};
use crate::model::PathKind;
use aho_corasick::AhoCorasick;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use tree_sitter::{Node, Tree};

/// The methods that start a Kysely query.
pub const BUILDER_METHODS: [&str; 6] = [
    "selectFrom",
    "insertInto",
    "replaceInto",
    "updateTable",
    "deleteFrom",
    "mergeInto",
];

/// Every Kysely path in a parsed file.
pub fn extract(tree: &Tree, matches: &FileMatches, source: &[u8], file: &str) -> Vec<Candidate> {
    let roots: Vec<Builder> = matches
        .nodes(Role::Builder, "call")
        .into_iter()
        .filter_map(|call| builder_call(call, source))
        .collect();
    if roots.is_empty() {
        return Vec::new();
    }
    let ancestry = Ancestry::with_known(tree.root_node(), matches.parents());
    let mut candidates: Vec<Candidate> = roots
        .into_iter()
        .filter_map(|root| candidate(root, source, file, &ancestry))
        .collect();
    // Each query carries the file's helpers it may call, read once there is
    // a query.
    if !candidates.is_empty() {
        let helpers = local_helpers(tree.root_node(), source);
        if !helpers.is_empty() {
            let calls = HelperCalls::new(&helpers);
            for candidate in &mut candidates {
                if let Access::Kysely(query) = &mut candidate.access {
                    query.helpers = calls.of(query);
                }
            }
        }
    }
    candidates
}

/// Which of a file's helpers a query may call. Every query used to carry
/// all of them: a file of many one-expression functions, each with a query
/// (`export const byId = (id) => db.selectFrom(...)...`), made as many
/// copies of every helper as it has queries, memory that grew with the
/// square of the file (1,000 chained queries in 1.4 MB ran out of 24 GB).
///
/// Scoping looks a helper up by a name the query holds whole: a reference
/// (`$call(scopeToOrg)`), the name of a function called
/// (`scopeToOrg(qb, orgId)` in a callback or a helper's body) or the name a
/// `$helper` step records. So a query keeps the helpers named by any whole
/// string in it (its steps, their arguments, subqueries inside them), and
/// those named in turn in their bodies; any other string that equals a name
/// keeps a helper that is never read, which is harmless.
struct HelperCalls<'h> {
    helpers: &'h [Helper],
    /// Each name, with the helpers of that name.
    named: HashMap<&'h str, Vec<usize>>,
    /// For each helper, the names its body holds (`None`: every name).
    holds: Vec<Option<Vec<&'h str>>>,
}

impl<'h> HelperCalls<'h> {
    fn new(helpers: &'h [Helper]) -> Self {
        let mut named: HashMap<&str, Vec<usize>> = HashMap::new();
        for (at, helper) in helpers.iter().enumerate() {
            named.entry(helper.name.as_str()).or_default().push(at);
        }
        let mut calls = HelperCalls {
            helpers,
            named,
            holds: Vec::new(),
        };
        calls.holds = helpers.iter().map(|helper| calls.names_in(&helper.body)).collect();
        calls
    }

    /// The helpers' names that `value` holds as a whole string; `None` when
    /// it cannot be read (then every helper is kept).
    fn names_in(&self, value: &impl serde::Serialize) -> Option<Vec<&'h str>> {
        let value = serde_json::to_value(value).ok()?;
        let mut names = Vec::new();
        let mut pending = vec![&value];
        while let Some(value) = pending.pop() {
            match value {
                serde_json::Value::String(text) => {
                    names.extend(self.named.get_key_value(text.as_str()).map(|(name, _)| *name))
                }
                serde_json::Value::Array(items) => pending.extend(items),
                serde_json::Value::Object(fields) => pending.extend(fields.values()),
                _ => {}
            }
        }
        Some(names)
    }

    /// The helpers `query` may call, in the file's order (every helper of a
    /// name kept when the name is: scoping takes the first of that name).
    fn of(&self, query: &Query) -> Vec<Helper> {
        let Some(mut pending) = self.names_in(&(&query.tables, &query.steps)) else {
            return self.helpers.to_vec();
        };
        let mut kept = vec![false; self.helpers.len()];
        let mut seen: HashSet<&str> = HashSet::new();
        while let Some(name) = pending.pop() {
            if !seen.insert(name) {
                continue;
            }
            for &at in &self.named[name] {
                kept[at] = true;
                match &self.holds[at] {
                    Some(names) => pending.extend(names),
                    None => return self.helpers.to_vec(),
                }
            }
        }
        self.helpers
            .iter()
            .zip(kept)
            .filter(|(_, kept)| *kept)
            .map(|(helper, _)| helper.clone())
            .collect()
    }
}

/// A call that starts a query, with the parts [`builder_call`] looked up
/// to know it, which reading the query needs again.
struct Builder<'t> {
    call: Node<'t>,
    /// The member called, `db.selectFrom` in `db.selectFrom('logs')`.
    function: Node<'t>,
    /// The call's argument list.
    arguments: Node<'t>,
    operation: Operation,
}

/// `call` as a [`Builder`] when it starts a query: a builder method called on
/// any receiver (`db.selectFrom(...)`, `this.db.insertInto(...)`,
/// `eb.selectFrom(...)`).
///
/// The same test as a [`called_member`](super::queries::called_member) whose
/// [`member_property`](super::queries::member_property) is a
/// builder method, in the order that rules out most calls soonest: every
/// call around a builder's name is offered, and each field looked up costs
/// a walk over the node's children.
fn builder_call<'t>(call: Node<'t>, source: &[u8]) -> Option<Builder<'t>> {
    let function = call.field("function")?;
    if call.kind_name() != "call_expression" || function.kind_name() != "member_expression" {
        return None;
    }
    let property = function.field("property")?;
    if property.kind_name() != "property_identifier" {
        return None;
    }
    // Named by one of `BUILDER_METHODS`, the names `from_builder` knows.
    let operation = Operation::from_builder(text(property, source))?;
    let arguments = call.field("arguments").filter(|a| a.kind_name() == "arguments")?;
    Some(Builder {
        call,
        function,
        arguments,
        operation,
    })
}

/// Functions declared in the file (`function f(...)`, `const f = (...) =>`)
/// whose result is one expression: the candidates for scoping helpers.
fn local_helpers(root: Node, source: &[u8]) -> Vec<Helper> {
    let mut helpers: Vec<Helper> = helper_declarations(root, source)
        .into_iter()
        .filter_map(|node| helper(node, source))
        .collect();
    // Stable: helpers of the same name stay in walk order.
    helpers.sort_by(|a, b| a.name.cmp(&b.name));
    helpers
}

/// `function` and `=>`: a function is written with one of them.
static FUNCTION_TOKENS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| AhoCorasick::new(["function", "=>"]).ok());

/// The `function_declaration`s, and the `variable_declarator`s whose value
/// is a function, that may declare a helper, in the order of
/// [`syntax::named_nodes`]. Found from the tokens that write them
/// ([`declarations_at_tokens`]), which spares the walk over the whole tree
/// (in a file of queries, most of it holds an `=>` somewhere); in a tree
/// with errors, where the parser may have made a token up, by the walk.
fn helper_declarations<'t>(root: Node<'t>, source: &[u8]) -> Vec<Node<'t>> {
    match FUNCTION_TOKENS.as_ref() {
        Some(tokens) if !root.has_error() => declarations_at_tokens(root, source, tokens),
        _ => declarations_by_walk(root, source),
    }
}

/// [`helper_declarations`] from each `function` or `=>` token in the text:
/// the declaration it is a keyword of, or the declarator whose value is the
/// function it is a keyword of. The rest (the word in a string, a comment,
/// a name) is no keyword of a function and is passed over.
fn declarations_at_tokens<'t>(root: Node<'t>, source: &[u8], tokens: &AhoCorasick) -> Vec<Node<'t>> {
    let mut declarations = Vec::new();
    // The tokens come in text order, so one cursor goes forward through the
    // tree (a lookup from the root for each scans the children of every node
    // above it again: a bundle of 80,000 top-level functions scanned 40%
    // slower than with the walk, deep chains of calls many times slower).
    let mut cursor = root.walk();
    for token in tokens.find_iter(source) {
        let Some(keyword) = forward_to(&mut cursor, token.range()) else {
            continue;
        };
        if keyword.byte_range() != token.range() || keyword.kind_name().as_bytes() != &source[token.range()] {
            continue;
        }
        // Parents by the cursor too: `Node::parent` walks down from the root.
        if !cursor.goto_parent() {
            continue;
        }
        let function = cursor.node();
        let declaration = match function.kind_name() {
            "function_declaration" => Some(function),
            "arrow_function" | "function_expression" | "function" => {
                let declared = cursor.goto_parent() && cursor.node().kind_name() == "variable_declarator";
                declared.then(|| cursor.node())
            }
            _ => None,
        };
        declarations.extend(declaration);
    }
    // The walk's order: each node before those inside it, and later ones first.
    declarations.sort_by_key(|node| (std::cmp::Reverse(node.end_byte()), node.start_byte()));
    declarations
}

/// Moves `cursor` to the smallest node that holds `range`, when the ranges
/// asked for come in text order (each at or after the last): up from where
/// it is and on to later siblings, then down. `None` when `range` lies
/// across or between nodes (no token, then).
fn forward_to<'t>(cursor: &mut tree_sitter::TreeCursor<'t>, range: std::ops::Range<usize>) -> Option<Node<'t>> {
    let holds = |node: Node| node.start_byte() <= range.start && range.end <= node.end_byte();
    while !holds(cursor.node()) {
        let behind = cursor.node().end_byte() <= range.start;
        if !((behind && cursor.goto_next_sibling()) || cursor.goto_parent()) {
            return None;
        }
    }
    while cursor.goto_first_child_for_byte(range.start).is_some() {
        if !holds(cursor.node()) {
            return None;
        }
    }
    Some(cursor.node())
}

/// [`helper_declarations`] by a walk that looks into a node only when its
/// text holds `function` or `=>`, or it has errors.
fn declarations_by_walk<'t>(root: Node<'t>, source: &[u8]) -> Vec<Node<'t>> {
    let may_hold_function = |node: Node| {
        node.has_error()
            || FUNCTION_TOKENS
                .as_ref()
                .is_none_or(|tokens| tokens.is_match(source.get(node.byte_range()).unwrap_or_default()))
    };
    syntax::named_nodes(root, may_hold_function, |node| {
        matches!(node.kind_name(), "function_declaration" | "variable_declarator")
    })
}

/// `node` as a helper, when it declares a function whose result is one
/// expression that can be read.
fn helper(node: Node, source: &[u8]) -> Option<Helper> {
    let (name, function) = match node.kind_name() {
        "function_declaration" => (node.field("name")?, node),
        "variable_declarator" => (
            node.field("name")?,
            node.field("value")
                .filter(|v| matches!(v.kind_name(), "arrow_function" | "function_expression" | "function"))?,
        ),
        _ => return None,
    };
    // What `lower_function` would make opaque is not a helper: leave it unlowered.
    let returned = super::lower::function_result(function)?;
    let body = lower(returned, source);
    if matches!(body, Expr::Opaque(_)) {
        return None;
    }
    Some(Helper {
        name: text(name, source).to_string(),
        params: super::lower::parameter_names(function, source),
        body,
    })
}

/// The path starting at builder call `root`, without the file's helpers.
fn candidate<'t>(builder: Builder<'t>, source: &[u8], file: &str, ancestry: &Ancestry<'t>) -> Option<Candidate> {
    let Builder {
        call: root,
        function,
        arguments,
        operation,
    } = builder;
    let tables = tables_of(root, Some(function), Some(arguments), source);
    if !tables.is_empty() && tables.iter().all(|t| matches!(t, TableRef::Derived { .. })) {
        // Only CTEs or subqueries: the queries behind them are their own paths.
        return None;
    }
    // First, so that climbing from `root` finds the path to it already walked.
    let symbol = enclosing_symbol(root, source, ancestry);
    let (mut steps, top) = climb(root, source, None, ancestry);
    steps.extend(follow_variable(top, source, ancestry));
    let targets = tables.iter().filter_map(TableRef::target).collect();
    Some(Candidate {
        id: String::new(),
        kind: PathKind::Kysely,
        operation: operation.as_str().to_string(),
        targets,
        file: file.to_string(),
        line: line(root),
        symbol,
        access: Access::Kysely(Query {
            operation,
            tables,
            steps,
            helpers: Vec::new(),
        }),
    })
}

/// The operation of a builder call, or `None` when `call` is not one.
fn builder_operation(call: Node, source: &[u8]) -> Option<Operation> {
    if call.kind_name() != "call_expression" {
        return None;
    }
    let function = unwrap_expression(call.field("function")?);
    if function.kind_name() != "member_expression" {
        return None;
    }
    let property = function.field("property")?;
    Operation::from_builder(text(property, source))
}

/// The query built by the chain ending at `call`, when that chain starts with
/// a builder: used to model subqueries inside another query's arguments.
pub fn inline_query(call: Node, source: &[u8]) -> Option<Query> {
    let mut current = call;
    loop {
        if current.kind_name() != "call_expression" {
            return None;
        }
        if let Some(operation) = builder_operation(current, source) {
            // The climb ends at `call`, so walks start there, not at the root.
            let (steps, _) = climb(current, source, Some(call), &Ancestry::new(call));
            return Some(Query {
                operation,
                tables: builder_tables(current, source),
                steps,
                helpers: Vec::new(),
            });
        }
        let function = unwrap_expression(current.field("function")?);
        if function.kind_name() != "member_expression" {
            return None;
        }
        current = unwrap_expression(function.field("object")?);
    }
}

/// The tables a builder call names, with CTE names marked as derived.
fn builder_tables(root: Node, source: &[u8]) -> Vec<TableRef> {
    tables_of(root, root.field("function"), root.field("arguments"), source)
}

/// [`builder_tables`] of `root`, given its `function` and `arguments`.
fn tables_of<'t>(
    root: Node<'t>,
    function: Option<Node<'t>>,
    arguments: Option<Node<'t>>,
    source: &[u8],
) -> Vec<TableRef> {
    let tables = match arguments.and_then(|a| a.named_child(0)) {
        Some(first) => table_refs(first, source),
        None => Vec::new(),
    };
    if tables.is_empty() {
        // `selectFrom()` (code being written) or `selectFrom([])`: no table
        // can be read, so the path is unknown, never global.
        return vec![dynamic(root, source)];
    }
    let ctes = cte_names(function, source);
    tables
        .into_iter()
        .map(|table| match table {
            TableRef::Named { ref name, .. } if ctes.contains(name) => TableRef::Derived { name: name.clone() },
            other => other,
        })
        .collect()
}

/// Table references in a builder's table argument.
fn table_refs(node: Node, source: &[u8]) -> Vec<TableRef> {
    let node = unwrap_expression(node);
    if let Some(raw) = syntax::string_value(node, source) {
        let (name, alias) = split_alias(&raw);
        return vec![TableRef::Named {
            name,
            alias,
            line: line(node),
        }];
    }
    match node.kind_name() {
        "array" => {
            let mut cursor = node.walk();
            let items: Vec<Node> = node.named_children(&mut cursor).collect();
            items.into_iter().flat_map(|item| table_refs(item, source)).collect()
        }
        "arrow_function" => match node.field("body") {
            Some(body) if body.kind_name() != "statement_block" => match aliased_subquery(body, source) {
                Some(name) => vec![TableRef::Derived { name }],
                None => vec![dynamic(node, source)],
            },
            _ => vec![dynamic(node, source)],
        },
        _ => match aliased_subquery(node, source) {
            Some(name) => vec![TableRef::Derived { name }],
            None => vec![dynamic(node, source)],
        },
    }
}

fn dynamic(node: Node, source: &[u8]) -> TableRef {
    TableRef::Dynamic {
        text: snippet(node, source),
        line: line(node),
    }
}

/// `db.selectFrom('x')....as('name')` → `name`.
fn aliased_subquery(node: Node, source: &[u8]) -> Option<String> {
    let node = unwrap_expression(node);
    if node.kind_name() != "call_expression" {
        return None;
    }
    let function = unwrap_expression(node.field("function")?);
    if function.kind_name() != "member_expression" || text(function.field("property")?, source) != "as" {
        return None;
    }
    syntax::string_value(node.field("arguments")?.named_child(0)?, source)
}

/// Names defined by `.with('name', ...)` calls in the receiver chain of the
/// builder calling `function`.
fn cte_names(function: Option<Node>, source: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = function
        .and_then(|f| unwrap_expression(f).field("object"))
        .map(unwrap_expression);
    while let Some(node) = current {
        if node.kind_name() != "call_expression" {
            break;
        }
        let Some(function) = node.field("function").map(unwrap_expression) else {
            break;
        };
        if function.kind_name() != "member_expression" {
            break;
        }
        let method = function.field("property").map(|p| text(p, source)).unwrap_or("");
        if method.starts_with("with") {
            let name = node
                .field("arguments")
                .and_then(|a| a.named_child(0))
                .and_then(|a| syntax::string_value(a, source));
            if let Some(name) = name {
                // `with('recent(id, level)', ...)` declares columns too.
                let name = name.split('(').next().unwrap_or("").trim().to_string();
                names.push(name);
            }
        }
        current = function.field("object").map(unwrap_expression);
    }
    names
}

/// Walks up from `start` through `.method(...)` calls chained onto it and
/// returns them with the outermost node of the chain. Stops after `stop`.
fn climb<'t>(start: Node<'t>, source: &[u8], stop: Option<Node<'t>>, ancestry: &Ancestry<'t>) -> (Vec<Step>, Node<'t>) {
    let mut steps = Vec::new();
    let mut current = start;
    loop {
        if stop.is_some_and(|s| s.id() == current.id()) {
            break;
        }
        let Some(member) = ancestry.wrapped_parent(current) else {
            break;
        };
        if member.kind_name() == "arguments" {
            // `scopeToOrg(db.selectFrom(...), orgId)`: a plain function takes the
            // builder before it runs; what it adds is decided by scoping.
            match helper_call(member, current, &steps, source, ancestry) {
                Some((call, step)) => {
                    steps.push(step);
                    current = call;
                    continue;
                }
                None => break,
            }
        }
        if member.kind_name() != "member_expression" {
            break;
        }
        if !is_receiver(member, current, ancestry) {
            break;
        }
        let Some(call) = ancestry.parent(member) else { break };
        // The one child of a call that may be a member expression is the
        // function called (the others are arguments and type arguments).
        if call.kind_name() != "call_expression" {
            break;
        }
        // Each looked up once: a lookup walks the node's children.
        let property = member.field("property");
        let arguments = call.field("arguments");
        let method = property.map(|p| text(p, source).to_string()).unwrap_or_default();
        let args = match arguments {
            Some(arguments) if arguments.kind_name() == "arguments" => {
                let mut args = lower_arguments(arguments, source);
                if method == "values" {
                    resolve_values_argument(&mut args, arguments, source, ancestry);
                }
                args
            }
            _ => Vec::new(),
        };
        let step_text = syntax::shorten(&[
            text(property.unwrap_or(member), source),
            arguments.map(|a| text(a, source)).unwrap_or(""),
        ]);
        steps.push(Step {
            method,
            args,
            guard: None,
            text: step_text,
        });
        current = call;
    }
    (steps, current)
}

/// Whether `current`, whose parent past wrappers is `member`, is the
/// member's object: `q` in `q.where`.
///
/// A call or a plain name right under the member is its object, as the
/// grammar has no other place for either (the property is a
/// `property_identifier`): that needs no field lookup, a walk over the
/// member's children. Anything else, and anything through wrappers
/// (`(await q).where`), is compared with the object looked up and unwrapped.
fn is_receiver<'t>(member: Node<'t>, current: Node<'t>, ancestry: &Ancestry<'t>) -> bool {
    let plain = matches!(current.kind_name(), "call_expression" | "identifier");
    if plain
        && ancestry
            .parent(current)
            .is_some_and(|parent| parent.id() == member.id())
    {
        return true;
    }
    member
        .field("object")
        .map(unwrap_expression)
        .is_some_and(|object| object.id() == current.id())
}

/// Methods that run a query: once one is chained, the builder is spent.
const EXECUTORS: &[&str] = &[
    "execute",
    "executeTakeFirst",
    "executeTakeFirstOrThrow",
    "stream",
    "compile",
];

/// When `chain` (not yet executed) is an argument of a call to a plain
/// function, that call and the `$helper` step recording it.
fn helper_call<'t>(
    arguments: Node<'t>,
    chain: Node<'t>,
    steps: &[Step],
    source: &[u8],
    ancestry: &Ancestry<'t>,
) -> Option<(Node<'t>, Step)> {
    if steps.iter().any(|s| EXECUTORS.contains(&s.method.as_str())) {
        return None;
    }
    let call = ancestry
        .parent(arguments)
        .filter(|c| c.kind_name() == "call_expression")?;
    let function = call.field("function").map(unwrap_expression)?;
    if function.kind_name() != "identifier" {
        return None;
    }
    let mut cursor = arguments.walk();
    let position = arguments
        .named_children(&mut cursor)
        .position(|a| unwrap_expression(a).id() == chain.id())?;
    let name = text(function, source).to_string();
    Some((
        call,
        Step {
            method: HELPER_STEP.to_string(),
            args: vec![Expr::Str(name.clone()), Expr::Number(position.to_string())],
            guard: None,
            text: format!("{name}(…)"),
        },
    ))
}

/// `values(row)`: follows `row` to the literal it was declared with in the
/// same function, so that the inserted keys can be read.
fn resolve_values_argument<'t>(args: &mut [Expr], arguments: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) {
    let Some(Expr::Ref(name)) = args.first() else { return };
    if name.contains('.') {
        return;
    }
    let name = name.clone();
    let Some(argument) = arguments.named_child(0) else {
        return;
    };
    let function = ancestry.enclosing_function(argument);
    if let Some(init) = super::lower::declaration_value(function, &name, argument.start_byte(), source) {
        args[0] = Expr::Resolved {
            name,
            value: Box::new(lower(init, source)),
        };
    }
}

/// When the chain ending at `top` is stored in a variable (`let q = ...` or
/// `q = ...`), the calls later made on that variable in the same function.
fn follow_variable<'t>(top: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> Vec<Step> {
    let Some(holder) = ancestry.wrapped_parent(top) else {
        return Vec::new();
    };
    let name_node = match holder.kind_name() {
        "variable_declarator" => holder.field("name"),
        "assignment_expression" => holder.field("left"),
        _ => None,
    };
    let Some(name_node) = name_node.filter(|n| n.kind_name() == "identifier") else {
        return Vec::new();
    };
    let name = text(name_node, source);
    let statement = enclosing_statement(holder, ancestry);
    let scope = ancestry.enclosing_function(holder);
    let mut uses = identifiers_after(scope, name, top.end_byte(), source);
    uses.retain(|node| node.id() != name_node.id());
    let mut steps = Vec::new();
    for usage in uses {
        let (mut chained, _) = climb(usage, source, None, ancestry);
        if chained.is_empty() {
            continue;
        }
        let guard = guard_between(usage, statement, source, ancestry);
        for step in &mut chained {
            step.guard.clone_from(&guard);
        }
        steps.extend(chained);
    }
    steps
}

/// The identifiers named `name` in `scope` (a named node) that start after
/// byte `after`, in source order.
///
/// Each stands where the name is written, so they are found from where it is
/// written in the text rather than by walking the whole scope: a scope is
/// often most of a file, and a name is written in few places of it.
fn identifiers_after<'t>(scope: Node<'t>, name: &str, after: usize, source: &[u8]) -> Vec<Node<'t>> {
    let is_use =
        |node: &Node| node.start_byte() > after && node.kind_name() == "identifier" && text(*node, source) == name;
    if name.is_empty() {
        // Only a made-up (missing) identifier has no text: walk, as that is not a question of text.
        let mut uses = syntax::named_nodes(scope, |node| node.end_byte() > after, |node| is_use(&node));
        uses.sort_by_key(|n| n.start_byte());
        return uses;
    }
    let end = scope.end_byte().min(source.len());
    let Some(text_after) = source.get(after + 1..end) else {
        return Vec::new();
    };
    let finder = memchr::memmem::Finder::new(name.as_bytes());
    let mut uses = Vec::new();
    let mut from = 0;
    // Every occurrence, overlapping ones too: the name is looked for, not words.
    while let Some(at) = finder.find(&text_after[from..]) {
        let start = after + 1 + from + at;
        from += at + 1;
        // The smallest named node holding those bytes is the identifier, if one stands there.
        let found = scope
            .named_descendant_for_byte_range(start, start + name.len())
            .filter(|node| node.start_byte() == start && node.end_byte() == start + name.len() && is_use(node));
        uses.extend(found);
    }
    uses
}

/// The statement containing `node`.
fn enclosing_statement<'t>(node: Node<'t>, ancestry: &Ancestry<'t>) -> Node<'t> {
    let mut current = node;
    while let Some(parent) = ancestry.parent(current) {
        if parent.kind_name().ends_with("statement") || parent.kind_name() == "lexical_declaration" {
            return parent;
        }
        current = parent;
    }
    current
}

/// The innermost construct between `usage` and the statement that created the
/// query which may keep `usage` from running, described for evidence.
fn guard_between<'t>(usage: Node<'t>, origin: Node<'t>, source: &[u8], ancestry: &Ancestry<'t>) -> Option<String> {
    let origin_scope = ancestry.parent(origin)?;
    let mut child = usage;
    while let Some(parent) = ancestry.parent(child) {
        if parent.id() == origin_scope.id() || is_ancestor(parent, origin, ancestry) {
            return None;
        }
        let condition = |field: &str| parent.field(field).map(|c| snippet(c, source)).unwrap_or_default();
        let guard = match parent.kind_name() {
            "if_statement" if parent.field("condition").map(|c| c.id()) != Some(child.id()) => {
                let condition = condition("condition");
                let in_else = parent.field("alternative").map(|a| a.id()) == Some(child.id());
                Some(if in_else {
                    format!("the else branch of `if {condition}`")
                } else {
                    format!("`if {condition}`")
                })
            }
            "ternary_expression" if parent.field("condition").map(|c| c.id()) != Some(child.id()) => {
                Some(format!("the ternary on `{}`", condition("condition")))
            }
            "binary_expression"
                if parent.field("right").map(|r| r.id()) == Some(child.id())
                    && matches!(
                        parent.field("operator").map(|o| o.kind_name()),
                        Some("&&") | Some("||") | Some("??")
                    ) =>
            {
                Some(format!("the short-circuit `{}`", snippet(parent, source)))
            }
            "for_statement" | "for_in_statement" | "while_statement" => Some("a loop body".to_string()),
            "switch_case" | "switch_default" => Some("a switch case".to_string()),
            "catch_clause" => Some("a catch block".to_string()),
            kind if syntax::is_function(parent) && kind != "program" => {
                Some("a nested function that may not run".to_string())
            }
            _ => None,
        };
        if guard.is_some() {
            return guard;
        }
        child = parent;
    }
    None
}

fn is_ancestor<'t>(ancestor: Node<'t>, node: Node<'t>, ancestry: &Ancestry<'t>) -> bool {
    ancestor.start_byte() <= node.start_byte() && node.end_byte() <= ancestor.end_byte() && {
        let mut current = Some(node);
        while let Some(n) = current {
            if n.id() == ancestor.id() {
                return true;
            }
            current = ancestry.parent(n);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::syntax::{parse, Dialect};

    /// Every node of `tree`, in the order a walk meets them.
    fn every_node(tree: &Tree) -> Vec<Node<'_>> {
        let mut nodes = Vec::new();
        let mut cursor = tree.walk();
        loop {
            nodes.push(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return nodes;
                }
            }
        }
    }

    #[test]
    fn members_and_calls_are_told_apart_by_their_children_as_by_their_fields() {
        let sources = [
            "const r = db.selectFrom('t').where('a', '=', x)?.select(['a']).execute();\n",
            "a /* c */ .b(); a. /* c */ b(); a?.b?.(); a.#p(); a.b<T>(x); a.b`t`; (a).b(); (await q).where(1);\n",
            "this.db.insertInto('x').values({ a }).returning(a.b.c).executeTakeFirst()!;\n",
            "class A { #db; m() { return this.#db.selectFrom('t').where(eb => eb.and([eb('a', '=', 1)])); } }\n",
            "a.b(; c.d.(e); f.(g); h.i j.k(); new l.m(n).o(); p.q.r\n// s.t()\n",
            "x = y\n  // note\n  .z()\n  .w /* between */ (1);\n",
            "a.b c.d e(f.g h); x.\ndb.selectFrom('t').;\nq.where(.a).b)(c.d;\n",
        ];
        for source in sources {
            let (tree, _) = parse(source.as_bytes(), Dialect::TypeScript, "t.ts");
            let tree = tree.unwrap();
            let ancestry = Ancestry::new(tree.root_node());
            let mut members = 0;
            for node in every_node(&tree) {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                if node.kind_name() == "member_expression" {
                    members += 1;
                    for child in children {
                        let by_field = node.field("object").map(unwrap_expression).map(|o| o.id()) == Some(child.id());
                        assert_eq!(
                            is_receiver(node, child, &ancestry),
                            by_field,
                            "{child:?} of {node:?} in {source:?}"
                        );
                    }
                } else if node.kind_name() == "call_expression" {
                    for child in children.iter().filter(|c| c.kind_name() == "member_expression") {
                        assert_eq!(
                            node.field("function").map(|f| f.id()),
                            Some(child.id()),
                            "{node:?} in {source:?}"
                        );
                    }
                }
            }
            assert!(members > 0, "{source:?}");
        }
    }

    /// The declarations [`declarations_at_tokens`] finds are those the walk
    /// over the whole tree finds that can be helpers, in the walk's order.
    #[test]
    fn helper_declarations_found_from_tokens_are_those_the_walk_finds() {
        let tricky = r#"
function a(x) { return x; }
export function b(q, org) { return q.where('organization_id', '=', org); }
const c = (q) => q, d = function named(q) { return q; }, e = 1;
let f = async x => x, g = <T,>(t: T): T => t;
const h: (q: Q) => Q = (q) => q.where('project_id', '=', p);
// function i() { return 1 } and => in a comment
const s = "function j() {}", t = `=> ${(k) => k}`;
function* gen() { yield 1; }
declare function ambient(x: number): number;
function over(x: string): string;
function over(x: any) { return x; }
class K { m = () => 1; n() { const inner = (y) => y; function deep(z) { return z; } return inner; } }
const o = { p: () => 1, q: function () { return 2; } };
export default function (x) { return x; }
const outer = (a) => { const mid = (b) => { const last = (c) => c; return last; }; return mid; };
const paren = ((x) => x);
const myfunction = 1, functional = (x) => x >= 1 && x <= 2;
"#;
        let mut files: Vec<(String, Dialect, Vec<u8>)> = crate::extract::example_and_fixture_files();
        files.push(("tricky.ts".to_string(), Dialect::TypeScript, tricky.as_bytes().to_vec()));
        let mut compared = 0;
        for (name, dialect, source) in files {
            let (Some(tree), _) = parse(&source, dialect, &name) else {
                continue;
            };
            let root = tree.root_node();
            assert!(name != "tricky.ts" || !root.has_error(), "the tricky text must parse");
            if root.has_error() {
                continue;
            }
            let can_be_helper = |node: &Node| {
                node.kind_name() == "function_declaration"
                    || node
                        .field("value")
                        .is_some_and(|v| matches!(v.kind_name(), "arrow_function" | "function_expression" | "function"))
            };
            let walked: Vec<usize> = declarations_by_walk(root, &source)
                .into_iter()
                .filter(can_be_helper)
                .map(|n| n.id())
                .collect();
            let tokens = FUNCTION_TOKENS.as_ref().unwrap();
            let found: Vec<usize> = declarations_at_tokens(root, &source, tokens)
                .iter()
                .map(|n| n.id())
                .collect();
            assert_eq!(found, walked, "{name}");
            if name == "tricky.ts" {
                let names = declarations_at_tokens(root, &source, tokens)
                    .iter()
                    .map(|n| n.field("name").map_or("", |name| text(name, &source)).to_string())
                    .collect::<Vec<_>>();
                // Later ones first, each before those inside it; not `e`
                // (no function), `K.m`, `o.p`, `o.q`, `paren`, the default
                // export, overload signatures or what strings and comments hold.
                assert_eq!(
                    names,
                    [
                        "functional",
                        "outer",
                        "mid",
                        "last",
                        "deep",
                        "inner",
                        "over",
                        "h",
                        "g",
                        "f",
                        "d",
                        "c",
                        "b",
                        "a"
                    ]
                );
            }
            compared += walked.len();
        }
        assert!(compared > 60, "only {compared} declarations compared");
    }

    /// A query carries the helpers it may call (those it names, and those
    /// they name in turn), and is judged as it was when it carried them all.
    #[test]
    fn a_query_carries_the_helpers_it_may_call_and_is_judged_the_same() {
        let helpers_text = r#"
function scopeToOrg(qb, orgId) { return qb.where('organization_id', '=', orgId); }
const withOrg = (qb, orgId) => scopeToOrg(qb, orgId);
const unrelated = (qb) => qb.where('name', '=', 'x');
function scopeToOrg(qb) { return qb; }
export const a = (orgId) => withOrg(db.selectFrom('alert_rules').selectAll(), orgId).execute();
export const b = (orgId) => db.selectFrom('alert_rules').selectAll().$call((qb) => scopeToOrg(qb, orgId)).execute();
export const c = (id) => db.selectFrom('alert_rules').selectAll().where('id', '=', id).execute();
export const d = (orgId) => db.selectFrom('alert_rules').selectAll()
  .where((eb) => eb.exists(unrelated(eb.selectFrom('logs').selectAll()))).execute();
"#;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let inventory = crate::inventory::load(&root.join("inventory.yaml")).expect("the example inventory is valid");
        let mut files = crate::extract::example_and_fixture_files();
        files.push((
            "helpers.ts".to_string(),
            Dialect::TypeScript,
            helpers_text.as_bytes().to_vec(),
        ));
        let mut with_helpers = 0;
        for (name, dialect, source) in files {
            let extraction = crate::extract::extract_file(&source, &name, dialect, &inventory.rules);
            let (Some(tree), _) = parse(&source, dialect, &name) else {
                continue;
            };
            let all = local_helpers(tree.root_node(), &source);
            for candidate in extraction.candidates {
                let Access::Kysely(query) = &candidate.access else {
                    continue;
                };
                let carried: Vec<&str> = query.helpers.iter().map(|h| h.name.as_str()).collect();
                if name == "helpers.ts" {
                    let expected: &[&str] = match candidate.symbol.as_str() {
                        "a" => &["scopeToOrg", "scopeToOrg", "withOrg"],
                        "b" => &["scopeToOrg", "scopeToOrg"],
                        "c" => &[],
                        _ => &["unrelated"],
                    };
                    assert_eq!(carried, expected, "{}", candidate.symbol);
                }
                let mut carrying_all = candidate.clone();
                if let Access::Kysely(query) = &mut carrying_all.access {
                    query.helpers.clone_from(&all);
                }
                with_helpers += usize::from(!all.is_empty());
                assert_eq!(
                    crate::scope::decide(&candidate, &inventory.taxonomy),
                    crate::scope::decide(&carrying_all, &inventory.taxonomy),
                    "{name}: {}",
                    candidate.symbol
                );
            }
        }
        assert!(with_helpers >= 4, "only {with_helpers} queries in files with helpers");
    }

    #[test]
    fn the_builder_methods_are_the_names_of_operations() {
        for method in BUILDER_METHODS {
            assert!(Operation::from_builder(method).is_some(), "{method}");
        }
        // And every operation has its method among them: the match below
        // stops compiling when an operation is added, until it is listed.
        let after = |operation| match operation {
            Operation::Select => Some(Operation::Insert),
            Operation::Insert => Some(Operation::Replace),
            Operation::Replace => Some(Operation::Update),
            Operation::Update => Some(Operation::Delete),
            Operation::Delete => Some(Operation::Merge),
            Operation::Merge => None,
        };
        let every = std::iter::successors(Some(Operation::Select), |operation| after(*operation));
        for operation in every {
            assert!(
                BUILDER_METHODS
                    .iter()
                    .any(|method| Operation::from_builder(method) == Some(operation)),
                "{operation:?} has no builder method in BUILDER_METHODS"
            );
        }
        for other in ["select", "with", "selectfrom", "SelectFrom", "execute", ""] {
            assert!(Operation::from_builder(other).is_none(), "{other}");
        }
    }

    #[test]
    fn identifiers_found_from_the_text_are_those_a_walk_finds() {
        let sources = [
            "function f(q) {\n  let q = db.selectFrom('t');\n  if (qq) { q = q.where('a', '=', q1); }\n  const o = { q, q: q };\n  return [q.execute(), `${q}`, 'q', x.q, 0x1fq, 1q];\n}\n",
            "const q = db.selectFrom('t');\nfunction g(a { q = q.where(; }\nclass A { m() { return q?.execute() } }\n// q\nq\n",
        ];
        for source in sources {
            let (tree, _) = parse(source.as_bytes(), Dialect::TypeScript, "t.ts");
            let tree = tree.unwrap();
            let root = tree.root_node();
            for name in ["q", "qq", "a", "execute", "t", "x", ""] {
                for after in [0, 1, 10, 30, 60, source.len() - 1, source.len()] {
                    let walked: Vec<usize> = {
                        let mut uses = syntax::named_nodes(
                            root,
                            |node| node.end_byte() > after,
                            |node| {
                                node.start_byte() > after
                                    && node.kind_name() == "identifier"
                                    && text(node, source.as_bytes()) == name
                            },
                        );
                        uses.sort_by_key(|n| n.start_byte());
                        uses.iter().map(|n| n.id()).collect()
                    };
                    let found: Vec<usize> = identifiers_after(root, name, after, source.as_bytes())
                        .iter()
                        .map(|n| n.id())
                        .collect();
                    assert_eq!(found, walked, "{name:?} after {after} in {source:?}");
                }
            }
        }
    }
}
