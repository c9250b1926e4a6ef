//! Compiled tree-sitter queries. Each `.scm` file is compiled once per
//! dialect and shared by every file scanned.
//!
//! Two costs shape this module. Compiling a pattern that looks inside a node
//! (`(call_expression function: (member_expression ...))`) takes 2–8 ms
//! against the TypeScript grammar, whose analysis explores every parse state
//! that can build the node; the nine such patterns this tool once had took
//! 46 ms, a quarter of a whole `check` of a 2 MB backend. So the path
//! query names node kinds only (`(call_expression) @call`, about 2 ms), and
//! each extractor checks the shape of what it was given in Rust, next to the
//! code that reads it.
//!
//! And running a query over a whole tree costs about as much as parsing the
//! file. So the one path query (`path_starts.scm`) runs only over the places
//! where a name that can start a path stands (the prefilter's hits, see
//! `prefilter.rs`): a path must contain one, and the cursor skips every
//! subtree that does not.

use super::prefilter::{Hit, Role, Roles};
use super::syntax::{Dialect, Fields};
use std::cell::RefCell;
use std::sync::OnceLock;
use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

/// A `.scm` query embedded in the binary, compiled on first use.
pub struct CompiledQuery {
    name: &'static str,
    source: &'static str,
    typescript: OnceLock<Result<Query, String>>,
    tsx: OnceLock<Result<Query, String>>,
}

impl CompiledQuery {
    /// A query named after its file, for error messages.
    pub const fn new(name: &'static str, source: &'static str) -> Self {
        CompiledQuery {
            name,
            source,
            typescript: OnceLock::new(),
            tsx: OnceLock::new(),
        }
    }

    /// The query compiled for `dialect`; an error names the `.scm` file.
    pub fn get(&self, dialect: Dialect) -> Result<&Query, String> {
        let cell = match dialect {
            Dialect::TypeScript => &self.typescript,
            Dialect::Tsx => &self.tsx,
        };
        cell.get_or_init(|| Query::new(&dialect.language(), self.source).map_err(|e| format!("{}: {e}", self.name)))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Runs the query over the nodes of `tree` that contain one of `hits`,
    /// one pass per hit; each match keeps the roles of the hit it contains.
    pub fn run_at<'t>(
        &'t self,
        tree: &'t Tree,
        source: &[u8],
        dialect: Dialect,
        hits: &[Hit],
    ) -> Result<FileMatches<'t>, String> {
        let query = self.get(dialect)?;
        let mut found = Vec::new();
        CURSOR.with_borrow_mut(|cursor| {
            for hit in hits {
                cursor.set_byte_range(hit.range.clone());
                // Stops with the file's time budget; the scan then reports the file as too slow.
                let mut out_of_time = |_: &tree_sitter::QueryCursorState| super::syntax::out_of_time();
                let options = tree_sitter::QueryCursorOptions::new().progress_callback(&mut out_of_time);
                let mut matches = cursor.matches_with_options(query, tree.root_node(), source, options);
                while let Some(m) = matches.next() {
                    found.extend(
                        m.captures
                            .iter()
                            .map(|capture| (hit.roles, capture.index, capture.node)),
                    );
                }
            }
            // The next file's hits set their own ranges; leave no stale one behind.
            cursor.set_byte_range(0..usize::MAX);
        });
        Ok(FileMatches { query, found })
    }
}

thread_local! {
    /// One query cursor per thread, reused for every file (it keeps its
    /// allocations between runs).
    static CURSOR: RefCell<QueryCursor> = RefCell::new(QueryCursor::new());
}

/// What [`CompiledQuery::run_at`] found in a file.
pub struct FileMatches<'t> {
    query: &'t Query,
    /// (roles of the hit inside, capture, node) for every capture of every match.
    found: Vec<(Roles, u32, Node<'t>)>,
}

impl<'t> FileMatches<'t> {
    /// Every node captured as `capture` around a name of `role`, in source
    /// order, each once.
    pub fn nodes(&self, role: Role, capture: &str) -> Vec<Node<'t>> {
        let Some(index) = self.query.capture_index_for_name(capture) else {
            return Vec::new();
        };
        let mut nodes: Vec<Node<'t>> = self
            .found
            .iter()
            .filter(|(roles, captured, _)| roles.contains(role) && *captured == index)
            .map(|(_, _, node)| *node)
            .collect();
        nodes.sort_by_key(|n| (n.start_byte(), n.end_byte()));
        nodes.dedup_by_key(|n| n.id());
        nodes
    }
}

/// The member expression a method call calls: `a.b` in `a.b(...)`. `None`
/// for any other call, and for a call whose arguments are not a list (a
/// tagged template).
pub fn called_member(call: Node) -> Option<Node> {
    member_called(call, call.field("function")?)
}

/// [`called_member`], also through `await`: tree-sitter-typescript reads
/// `await cache.get<T>(key)` as a call of `(await cache.get)`.
pub fn called_member_or_awaited(call: Node) -> Option<Node> {
    let function = call.field("function")?;
    match function.kind() {
        "await_expression" => member_called(call, function.named_child(0)?),
        _ => member_called(call, function),
    }
}

fn member_called<'t>(call: Node<'t>, function: Node<'t>) -> Option<Node<'t>> {
    // Kinds first: most calls offered are not method calls, and field lookups cost more.
    if call.kind() != "call_expression" || function.kind() != "member_expression" {
        return None;
    }
    let is_list = call.field("arguments")?.kind() == "arguments";
    let is_method = function.field("property")?.kind() == "property_identifier";
    (is_list && is_method).then_some(function)
}

/// The property name of a member expression (`b` in `a.b`).
pub fn member_property<'s>(member: Node, source: &'s [u8]) -> &'s str {
    member.field("property").map_or("", |p| super::syntax::text(p, source))
}

/// The receiver, method name and arguments of a method call
/// (`reservoir.count({...})`, also `await cache.get<T>(key)`, see
/// [`called_member_or_awaited`]); `None` for any other call.
pub fn method_call(call: Node) -> Option<(Node, Node, Node)> {
    let member = called_member_or_awaited(call)?;
    Some((
        member.field("object")?,
        member.field("property")?,
        call.field("arguments")?,
    ))
}

/// Runs a compiled query.
pub trait QueryExt {
    /// The index of capture `name`; panics when the `.scm` file lacks it, which
    /// the test compiling every query catches.
    fn capture_index(&self, name: &str) -> u32;
    /// Every node captured as `capture` under `root`, in source order.
    fn nodes<'t>(&self, root: Node<'t>, source: &[u8], capture: u32) -> Vec<Node<'t>>;
}

impl QueryExt for Query {
    fn capture_index(&self, name: &str) -> u32 {
        self.capture_index_for_name(name)
            .unwrap_or_else(|| panic!("query has no capture @{name}"))
    }

    fn nodes<'t>(&self, root: Node<'t>, source: &[u8], capture: u32) -> Vec<Node<'t>> {
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(self, root, source);
        let mut nodes = Vec::new();
        while let Some(found) = matches.next() {
            nodes.extend(found.captures.iter().filter(|c| c.index == capture).map(|c| c.node));
        }
        nodes.sort_by_key(|n| (n.start_byte(), n.end_byte()));
        nodes.dedup_by_key(|n| n.id());
        nodes
    }
}
