//! Compiled tree-sitter queries. Compiling one takes milliseconds, so each
//! `.scm` file is compiled once per dialect and shared by every file scanned.

use super::syntax::Dialect;
use std::sync::OnceLock;
use tree_sitter::{Node, Query, QueryCursor, StreamingIterator};

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
}

/// The receiver, method name and arguments of a method call
/// (`reservoir.count({...})`, also the `(await cache.get)<T>(key)` shape
/// tree-sitter-typescript produces for awaited generic calls).
pub fn method_call(call: Node) -> Option<(Node, Node, Node)> {
    let function = super::syntax::unwrap_expression(call.child_by_field_name("function")?);
    Some((
        function.child_by_field_name("object")?,
        function.child_by_field_name("property")?,
        call.child_by_field_name("arguments")?,
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
