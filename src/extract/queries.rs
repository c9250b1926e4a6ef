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
//! `prefilter.rs`): a path must contain one. As its patterns are bare node
//! kinds, the nodes it matches around a hit are found by one walk down to
//! the hit, comparing kinds; a query cursor, which steps over every earlier
//! sibling on its way down, is kept for queries that look inside nodes.

use super::prefilter::{Hit, Role, Roles};
use super::syntax::{Dialect, Fields, KindName};
use std::cell::RefCell;
use std::sync::OnceLock;
use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

/// A `.scm` query embedded in the binary, compiled on first use.
pub struct CompiledQuery {
    name: &'static str,
    source: &'static str,
    typescript: OnceLock<Result<Compiled, String>>,
    tsx: OnceLock<Result<Compiled, String>>,
}

/// A query compiled for one dialect.
struct Compiled {
    query: Query,
    /// (kind id, capture index) for each pattern, sorted, when every pattern
    /// is a bare node kind with one capture (`(call_expression) @call`);
    /// `None` for any other query. Which nodes around a hit such a query
    /// matches is then a question of their kinds alone (see
    /// [`Compiled::matches_around`]).
    bare_kinds: Option<Vec<(u16, u32)>>,
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
        self.compiled(dialect).map(|compiled| &compiled.query)
    }

    fn compiled(&self, dialect: Dialect) -> Result<&Compiled, String> {
        let cell = match dialect {
            Dialect::TypeScript => &self.typescript,
            Dialect::Tsx => &self.tsx,
        };
        cell.get_or_init(|| {
            let language = dialect.language();
            let query = Query::new(&language, self.source).map_err(|e| format!("{}: {e}", self.name))?;
            let bare_kinds = bare_kinds(&query, self.source, &language);
            Ok(Compiled { query, bare_kinds })
        })
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
        let compiled = self.compiled(dialect)?;
        let query = &compiled.query;
        let mut found = Vec::new();
        let mut chain = Vec::new();
        // Sized for the walks down to the hits, some eight nodes each (most
        // of a hit's walk is shared with the last one's): growing rehashes.
        // Capped: a bundle with a hundred thousand hits would reserve MBs.
        let mut parents = ParentLinks::with_capacity_and_hasher((hits.len() * 8).min(1 << 16), Default::default());
        CURSOR.with_borrow_mut(|cursor| {
            for hit in hits {
                let around = compiled.matches_around(tree.root_node(), hit, &mut chain, &mut parents, &mut found);
                let Some(inside) = around else {
                    continue;
                };
                cursor.set_byte_range(hit.range.clone());
                // Stops with the file's time budget; the scan then reports the file as too slow.
                let mut out_of_time = |_: &tree_sitter::QueryCursorState| {
                    if super::syntax::out_of_time() {
                        std::ops::ControlFlow::Break(())
                    } else {
                        std::ops::ControlFlow::Continue(())
                    }
                };
                let options = tree_sitter::QueryCursorOptions::new().progress_callback(&mut out_of_time);
                let mut matches = cursor.matches_with_options(query, inside, source, options);
                while let Some(m) = matches.next() {
                    found.extend(
                        m.captures()
                            .iter()
                            .map(|capture| (hit.roles, capture.index, capture.node)),
                    );
                }
            }
            // The next file's hits set their own ranges; leave no stale one behind.
            cursor.set_byte_range(0..usize::MAX);
        });
        Ok(FileMatches { query, found, parents })
    }
}

impl Compiled {
    /// The matches around `hit` that can be found without a query cursor,
    /// added to `found`; returns the node the cursor must still search (over
    /// the hit's range), or `None` when nothing is left to search.
    ///
    /// A cursor restricted to a byte range still walks down from where it
    /// starts, stepping over every earlier sibling on the way and checking
    /// each against every pattern; from the root of a file with a few hundred
    /// statements and class members that cost as much per hit as the whole
    /// extraction of the path. The nodes that meet a range are the ones
    /// holding it, from the root down to the smallest, and the ones inside
    /// that smallest one. A query of bare node kinds matches a node on that
    /// chain by its kind alone, so one walk down finds those; only inside
    /// the smallest node (a leaf, for a hit on a name) is the cursor needed.
    ///
    /// `chain` is the chain of holders found for the previous hit of the
    /// same file (empty for the first): see [`holders`].
    fn matches_around<'t>(
        &self,
        root: Node<'t>,
        hit: &Hit,
        chain: &mut Vec<Node<'t>>,
        parents: &mut ParentLinks<'t>,
        found: &mut Vec<(Roles, u32, Node<'t>)>,
    ) -> Option<Node<'t>> {
        let Some(kinds) = &self.bare_kinds else {
            return Some(root);
        };
        holders(root, &hit.range, chain, parents);
        let captures = |node: Node<'t>| {
            // Asked once: each call crosses into tree-sitter.
            let node_kind = node.kind_id();
            let first = kinds.partition_point(|&(kind, _)| kind < node_kind);
            kinds[first..]
                .iter()
                .take_while(move |&&(kind, _)| kind == node_kind)
                .map(move |&(_, capture)| (hit.roles, capture, node))
        };
        let (&smallest, holding) = chain.split_last()?;
        for &node in holding {
            found.extend(captures(node));
        }
        if smallest.child_count() > 0 {
            return Some(smallest);
        }
        found.extend(captures(smallest));
        None
    }
}

/// Makes `chain` the nodes holding `range`, from `root` down to the smallest:
/// each the child of the one before that is the first to end after the
/// range's start, as long as that child holds the range and is not empty.
///
/// Hits come in source order, and the next one is mostly in the same
/// function as the last, so `chain` comes in as the last hit's chain and
/// keeps the part of it that still holds `range`: a child that holds the
/// range is also the first child to end after its start (the siblings
/// before it end where it starts, at the latest), so walking down from
/// `root` would choose those nodes again. Only the rest is walked, sparing
/// the steps over the many children of the file and of its classes.
///
/// Each node walked to is recorded in `parents` with the node it was reached
/// from, its parent: see [`ParentLinks`].
fn holders<'t>(
    root: Node<'t>,
    range: &std::ops::Range<usize>,
    chain: &mut Vec<Node<'t>>,
    parents: &mut ParentLinks<'t>,
) {
    let (start, end) = (range.start, range.end);
    let holds =
        |node: &Node| node.start_byte() <= start && end <= node.end_byte() && node.start_byte() < node.end_byte();
    if chain.first().is_none_or(|first| first.id() != root.id()) {
        chain.clear();
        chain.push(root);
    }
    // The root is where every walk starts, holding the range or not.
    let kept = 1 + chain[1..].iter().take_while(|node| holds(node)).count();
    chain.truncate(kept);
    let mut walk = chain[kept - 1].walk();
    while let Some(holder) = walk
        .goto_first_child_for_byte(start)
        .map(|_| walk.node())
        .filter(|child| holds(child))
    {
        if let Some(&parent) = chain.last() {
            parents.insert(holder.id(), parent);
        }
        chain.push(holder);
    }
}

/// (kind id, capture index) for each pattern of a query whose every pattern
/// is a bare node kind with one capture (`(call_expression) @call`), over
/// every symbol of `language` with that name, sorted; `None` when any pattern
/// is anything more (fields, children, predicates, alternations, anonymous
/// nodes).
fn bare_kinds(query: &Query, source: &str, language: &tree_sitter::Language) -> Option<Vec<(u16, u32)>> {
    let is_name = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let mut kinds = Vec::new();
    for pattern in 0..query.pattern_count() {
        let text = source.get(query.start_byte_for_pattern(pattern)..query.end_byte_for_pattern(pattern))?;
        let (kind, capture) = text.trim().strip_prefix('(')?.split_once(')')?;
        let capture = capture.trim().strip_prefix('@')?;
        if !is_name(kind) || !is_name(capture) {
            return None;
        }
        let capture = query.capture_index_for_name(capture)?;
        // Every symbol with that name: a grammar may alias several to one.
        let before = kinds.len();
        kinds.extend(
            (0..language.node_kind_count())
                .filter_map(|id| u16::try_from(id).ok())
                .filter(|&id| language.node_kind_is_named(id) && language.node_kind_for_id(id) == Some(kind))
                .map(|id| (id, capture)),
        );
        if kinds.len() == before {
            return None;
        }
    }
    kinds.sort_unstable();
    kinds.dedup();
    Some(kinds)
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
    /// The parents of the nodes walked through on the way down to the hits.
    parents: ParentLinks<'t>,
}

/// Parents by node id, of the nodes on the way down from the root to each
/// hit (not of nodes the query cursor matches below those walks). The
/// walk down to the hits found them already; an [`Ancestry`] given them
/// climbs from a matched node without walking down to it again (a walk of
/// one step per level, each over a node's children, that cost 1.5% of a
/// `check`).
///
/// Each is the node's parent as [`Node::parent`] finds it: both walk down
/// from the root through the one visible child holding the node's bytes
/// (non-empty, as [`holders`] keeps only nodes with text).
///
/// [`Ancestry`]: super::syntax::Ancestry
pub type ParentLinks<'t> = rustc_hash::FxHashMap<usize, Node<'t>>;

impl<'t> FileMatches<'t> {
    /// The parents known from the walks down to the hits.
    pub fn parents(&self) -> &ParentLinks<'t> {
        &self.parents
    }

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
    match function.kind_name() {
        "await_expression" => member_called(call, function.named_child(0)?),
        _ => member_called(call, function),
    }
}

fn member_called<'t>(call: Node<'t>, function: Node<'t>) -> Option<Node<'t>> {
    // Kinds first: most calls offered are not method calls, and field lookups cost more.
    if call.kind_name() != "call_expression" || function.kind_name() != "member_expression" {
        return None;
    }
    let is_list = call.field("arguments")?.kind_name() == "arguments";
    let is_method = function.field("property")?.kind_name() == "property_identifier";
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
            nodes.extend(found.captures().iter().filter(|c| c.index == capture).map(|c| c.node));
        }
        nodes.sort_by_key(|n| (n.start_byte(), n.end_byte()));
        nodes.dedup_by_key(|n| n.id());
        nodes
    }
}

#[cfg(test)]
mod bare_kind_tests {
    use super::*;

    #[test]
    fn a_query_of_bare_node_kinds_knows_its_kinds() {
        let paths = CompiledQuery::new("path_starts.scm", include_str!("path_starts.scm"));
        for dialect in [Dialect::TypeScript, Dialect::Tsx] {
            let compiled = paths.compiled(dialect).expect("compiles");
            let language = dialect.language();
            let mut names: Vec<&str> = compiled
                .bare_kinds
                .as_ref()
                .expect("path_starts.scm names node kinds only")
                .iter()
                .filter_map(|&(id, _)| language.node_kind_for_id(id))
                .collect();
            // Several symbols may share a name (`call_expression` has two).
            names.sort_unstable();
            names.dedup();
            assert_eq!(names, ["binary_expression", "call_expression", "new_expression"]);
        }
    }

    #[test]
    fn holders_kept_from_the_last_range_are_those_a_walk_from_the_root_finds() {
        let samples = [
            (
                "export class A {\n  async m(id: string) {\n    const q = db.selectFrom('t').where('id', '=', id!);\n    if (id) { q = q.where(x => x); }\n    return q.execute();\n  }\n  n() { return cache.get(`k${a}`); }\n}\nconst f = async () => ({ a: [1, 2] });\n",
                Dialect::TypeScript,
            ),
            ("const a = f(1, ;\nclass { m( }\nlet = => ;\nif (x { y(\n", Dialect::TypeScript),
            ("export const C = () => <div a={x}>{list.map(i => <b key={i}>{i}</b>)}</div>;\n", Dialect::Tsx),
        ];
        for (source, dialect) in samples {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&dialect.language()).unwrap();
            let tree = parser.parse(source, None).unwrap();
            // Every non-empty range of one or more bytes of a word, forwards and backwards.
            let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
            for start in 0..source.len() {
                for end in start + 1..=(start + 3).min(source.len()) {
                    ranges.push(start..end);
                }
            }
            let ids = |chain: &[Node]| chain.iter().map(|n| n.id()).collect::<Vec<_>>();
            let mut kept = Vec::new();
            let mut parents = ParentLinks::default();
            for range in ranges.iter().chain(ranges.iter().rev()) {
                holders(tree.root_node(), range, &mut kept, &mut parents);
                let mut fresh = Vec::new();
                holders(tree.root_node(), range, &mut fresh, &mut ParentLinks::default());
                assert_eq!(ids(&kept), ids(&fresh), "{range:?} in {source:?}");
            }
            // Every link recorded is the parent tree-sitter finds.
            assert!(!parents.is_empty());
            let mut cursor = tree.walk();
            let mut checked = 0;
            loop {
                let node = cursor.node();
                if let Some(parent) = parents.get(&node.id()) {
                    assert_eq!(
                        Some(parent.id()),
                        node.parent().map(|p| p.id()),
                        "{node:?} in {source:?}"
                    );
                    checked += 1;
                }
                if cursor.goto_first_child() {
                    continue;
                }
                while !cursor.goto_next_sibling() {
                    if !cursor.goto_parent() {
                        break;
                    }
                }
                if cursor.node().id() == tree.root_node().id() {
                    break;
                }
            }
            assert_eq!(
                checked,
                parents.len(),
                "every link is of a node of the tree, in {source:?}"
            );
        }
    }

    #[test]
    fn a_query_that_looks_inside_nodes_is_run_by_the_cursor_alone() {
        for source in [
            "(call_expression function: (identifier) @f)",
            "((call_expression) @call (#eq? @call \"x\"))",
            "[(call_expression) (new_expression)] @either",
            "(call_expression) @call\n(identifier)",
            "(call_expression)",
        ] {
            let query = CompiledQuery::new("probe.scm", source);
            let compiled = query.compiled(Dialect::TypeScript).expect("compiles");
            assert_eq!(compiled.bare_kinds, None, "{source}");
        }
    }
}
