//! Compiled tree-sitter queries. Compiling one takes milliseconds, so each
//! `.scm` file is compiled once per dialect and shared by every file scanned.
//!
//! Running a query costs about as much as parsing the file (the cursor walks
//! the whole tree), so the path extractors' queries are also compiled
//! together into one [`QuerySet`] and run in a single pass; each extractor
//! then picks its own matches by the patterns of its `.scm` file.

use super::syntax::Dialect;
use std::ops::Range;
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
}

/// Several `.scm` files compiled into one query, run in one pass per file.
pub struct QuerySet {
    members: &'static [&'static CompiledQuery],
    typescript: OnceLock<Result<Combined, String>>,
    tsx: OnceLock<Result<Combined, String>>,
}

struct Combined {
    query: Query,
    /// Each member's patterns, by `.scm` name.
    ranges: Vec<(&'static str, Range<usize>)>,
}

impl QuerySet {
    /// A set of the given queries.
    pub const fn new(members: &'static [&'static CompiledQuery]) -> Self {
        QuerySet {
            members,
            typescript: OnceLock::new(),
            tsx: OnceLock::new(),
        }
    }

    fn combined(&self, dialect: Dialect) -> Result<&Combined, String> {
        let cell = match dialect {
            Dialect::TypeScript => &self.typescript,
            Dialect::Tsx => &self.tsx,
        };
        cell.get_or_init(|| {
            // Members are laid end to end; a pattern belongs to the member
            // whose text holds its first byte, so no member is compiled twice.
            let mut source = String::new();
            let mut spans = Vec::new();
            for member in self.members {
                let start = source.len();
                source.push_str(member.source);
                source.push('\n');
                spans.push((member.name, start..source.len()));
            }
            let query = Query::new(&dialect.language(), &source).map_err(|e| format!("combined queries: {e}"))?;
            let ranges = spans
                .into_iter()
                .map(|(name, bytes)| {
                    let patterns: Vec<usize> = (0..query.pattern_count())
                        .filter(|&p| bytes.contains(&query.start_byte_for_pattern(p)))
                        .collect();
                    let range = match (patterns.first(), patterns.last()) {
                        (Some(first), Some(last)) => *first..*last + 1,
                        _ => 0..0,
                    };
                    (name, range)
                })
                .collect();
            Ok(Combined { query, ranges })
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Compiles the set for `dialect`; used by the test that builds every query.
    pub fn compile(&self, dialect: Dialect) -> Result<(), String> {
        self.combined(dialect).map(|_| ())
    }

    /// Runs every member over `tree` in one pass.
    pub fn run<'t>(&'t self, tree: &'t Tree, source: &[u8], dialect: Dialect) -> Result<FileMatches<'t>, String> {
        let combined = self.combined(dialect)?;
        let mut cursor = QueryCursor::new();
        // Stops with the file's time budget; the scan then reports the file as too slow.
        let mut out_of_time = |_: &tree_sitter::QueryCursorState| super::syntax::out_of_time();
        let options = tree_sitter::QueryCursorOptions::new().progress_callback(&mut out_of_time);
        let mut matches = cursor.matches_with_options(&combined.query, tree.root_node(), source, options);
        let mut found = Vec::new();
        while let Some(m) = matches.next() {
            for capture in m.captures {
                found.push((m.pattern_index, capture.index, capture.node));
            }
        }
        Ok(FileMatches { combined, found })
    }
}

/// What one pass of a [`QuerySet`] found in a file.
pub struct FileMatches<'t> {
    combined: &'t Combined,
    /// (pattern, capture, node) for every capture of every match.
    found: Vec<(usize, u32, Node<'t>)>,
}

impl<'t> FileMatches<'t> {
    /// Every node captured as `capture` by the patterns of `query`, in
    /// source order, each once.
    pub fn nodes(&self, query: &CompiledQuery, capture: &str) -> Vec<Node<'t>> {
        let Some((_, range)) = self.combined.ranges.iter().find(|(name, _)| *name == query.name) else {
            return Vec::new();
        };
        let Some(index) = self.combined.query.capture_index_for_name(capture) else {
            return Vec::new();
        };
        let mut nodes: Vec<Node<'t>> = self
            .found
            .iter()
            .filter(|(pattern, captured, _)| range.contains(pattern) && *captured == index)
            .map(|(_, _, node)| *node)
            .collect();
        nodes.sort_by_key(|n| (n.start_byte(), n.end_byte()));
        nodes.dedup_by_key(|n| n.id());
        nodes
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
