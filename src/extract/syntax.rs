//! The TypeScript language boundary: which files are TypeScript, how they are
//! parsed, and small helpers over tree-sitter nodes. Nothing outside `extract`
//! sees a tree-sitter type.
//!
//! The sources are code nobody has reviewed yet, so reading them is guarded:
//! bytes that are not UTF-8 are decoded with replacement characters
//! ([`decode`]), each file gets a time budget ([`Budget`]), a file too large
//! for the parser is refused, and expressions nested deeper than the
//! extractors' recursion can take are blanked out of the tree. Every guard
//! that fires is reported as a [`NotAnalysable`] region, never skipped
//! silently. Comments inside expressions are blanked out too, so that no
//! extractor takes one for an argument.

use super::queries::ParentLinks;
use crate::model::NotAnalysable;
use aho_corasick::AhoCorasick;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{LazyLock, OnceLock};
use std::time::{Duration, Instant};
use tree_sitter::{InputEdit, Language, Node, ParseOptions, ParseState, Parser, Point, Tree};

/// How long the analysis of one file may take before it is abandoned and
/// reported "too slow", so that one pathological file cannot hold up CI.
pub const TIME_BUDGET: Duration = Duration::from_secs(1);

/// The deepest syntax tree the extractors are given. Lowering an expression
/// recurses about once per tree level; 200 levels is three times the deepest
/// real code measured (66 levels, in the TypeScript compiler's own 9 MB
/// bundle) and well within a 2 MiB thread stack even in a debug build. Deeper
/// expressions are blanked out of the tree and reported.
pub const MAX_DEPTH: usize = 200;

/// The largest file analysed. Anything bigger is a generated bundle or data
/// rather than backend code, would take far longer than [`TIME_BUDGET`] to
/// parse, and approaches the parser's 32-bit offsets.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The grammar flavour a file needs: `.tsx` files allow JSX, the others do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dialect {
    /// `.ts`, `.mts`, `.cts`
    TypeScript,
    /// `.tsx`
    Tsx,
}

impl Dialect {
    /// The dialect of a file, or `None` when it is not a TypeScript source.
    pub fn of(path: &Path) -> Option<Dialect> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts") {
            return None; // declarations hold no code
        }
        match path.extension()?.to_str()? {
            "ts" | "mts" | "cts" => Some(Dialect::TypeScript),
            "tsx" => Some(Dialect::Tsx),
            _ => None,
        }
    }

    /// The tree-sitter language for this dialect.
    pub fn language(self) -> Language {
        match self {
            Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }
}

/// Whether, and where, the budget of the file being analysed ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overrun {
    No,
    /// While parsing; [`parse`] reports it.
    InParse,
    /// After parsing, in a step that polled [`out_of_time`].
    Later,
}

thread_local! {
    /// When the current file's budget runs out, and how long it was.
    static DEADLINE: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
    static OVERRUN: Cell<Overrun> = const { Cell::new(Overrun::No) };
}

/// The time budget of one file's analysis on this thread, from
/// [`Budget::start`] until it is dropped. Parsing stops when it runs out, and
/// so does any later step that polls [`out_of_time`]; the file is then reported
/// "too slow" rather than holding up the scan.
#[derive(Debug)]
pub struct Budget {
    limit: Duration,
    previous_deadline: Option<(Instant, Duration)>,
    previous_overrun: Overrun,
}

impl Budget {
    /// Starts a budget of `limit` for the file about to be analysed.
    pub fn start(limit: Duration) -> Budget {
        Budget {
            limit,
            // A limit too large to add is none (a parse then applies its own).
            previous_deadline: DEADLINE.replace(Instant::now().checked_add(limit).map(|at| (at, limit))),
            previous_overrun: OVERRUN.replace(Overrun::No),
        }
    }

    /// The region to report when a step after parsing ran out of time, so its
    /// results may be incomplete; `None` when everything finished in time (or
    /// when parsing ran out, which [`parse`] reports itself).
    pub fn overrun(&self, file: &str) -> Option<NotAnalysable> {
        (OVERRUN.get() == Overrun::Later).then(|| NotAnalysable {
            file: file.to_string(),
            line: 1,
            column: 1,
            reason: format!(
                "too slow: the analysis was stopped after {}; data-access paths in this file may be missing",
                seconds(self.limit)
            ),
        })
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        DEADLINE.set(self.previous_deadline);
        OVERRUN.set(self.previous_overrun);
    }
}

/// Whether the budget of the file being analysed on this thread is spent.
/// Long-running steps poll this and stop early when it says so; the first
/// `true` marks the file as cut short, so that [`Budget::overrun`] reports it.
pub fn out_of_time() -> bool {
    let spent = deadline_passed();
    if spent && OVERRUN.get() == Overrun::No {
        OVERRUN.set(Overrun::Later);
    }
    spent
}

fn deadline_passed() -> bool {
    DEADLINE.get().is_some_and(|(deadline, _)| Instant::now() >= deadline)
}

/// `1 s`, `250 ms`: a budget as people write it.
fn seconds(limit: Duration) -> String {
    if limit.as_secs() > 0 && limit.subsec_millis() == 0 {
        format!("{} s", limit.as_secs())
    } else {
        format!("{} ms", limit.as_millis())
    }
}

/// The text a file is analysed as: a leading byte-order mark dropped (so that
/// columns on line 1 are what an editor shows), and bytes that are not UTF-8
/// replaced by U+FFFD, so that every name the extractors read is text. A file
/// with such bytes is reported at the first of them: its content is still
/// analysed, but a name containing one is not the name in the file.
pub fn decode<'s>(source: &'s [u8], file: &str) -> (Cow<'s, [u8]>, Vec<NotAnalysable>) {
    let source = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
    match std::str::from_utf8(source) {
        Ok(_) => (Cow::Borrowed(source), Vec::new()),
        Err(error) => {
            let (line, column) = position_of(source, error.valid_up_to());
            let problem = NotAnalysable {
                file: file.to_string(),
                line,
                column,
                reason: "not UTF-8: bytes from here on that are not valid UTF-8 were read as U+FFFD; \
                         names containing them may be wrong"
                    .to_string(),
            };
            let decoded = String::from_utf8_lossy(source).into_owned().into_bytes();
            (Cow::Owned(decoded), vec![problem])
        }
    }
}

/// 1-based line and (byte) column of `offset` in `text`, as tree-sitter counts them.
fn position_of(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    (line, before.len() - line_start + 1)
}

/// Parses `source` as `dialect`. tree-sitter recovers from syntax errors, so a
/// tree is returned for almost any input; regions it could not parse are
/// listed in the returned problems so that nothing they hide goes unreported.
///
/// Guards, each reported as a problem: a file over [`MAX_FILE_BYTES`] is not
/// parsed; parsing stops when the file's [`Budget`] (or, without one,
/// [`TIME_BUDGET`]) runs out; and an expression nested deeper than
/// [`MAX_DEPTH`] is blanked out — the tree then comes from a copy of `source`
/// with that expression replaced by `0` and spaces, byte for byte and line for
/// line, so node ranges still index `source` and every other node is as parsed.
/// Comments inside expressions are blanked the same way (silently: a comment
/// hides no code). After [`prepare`], the prepared parse is returned instead.
pub fn parse(source: &[u8], dialect: Dialect, file: &str) -> (Option<Tree>, Vec<NotAnalysable>) {
    if let Some(prepared) = take_prepared(source, dialect, file) {
        return (prepared.tree, prepared.problems);
    }
    let guarded = parse_guarded(source, dialect, file);
    (guarded.tree, guarded.problems)
}

/// A file's text made ready for the extractors: [`decode`]d, and with what
/// [`parse`] blanks out of the tree (expressions nested too deeply, comments
/// inside expressions) blanked out of the text as well, so that no extractor
/// reads a comment as part of a name. [`parse`] on the returned text, on
/// this thread, then takes the tree and the problems from here instead of
/// parsing again; the problems include those of the decoding.
pub fn prepare<'s>(source: &'s [u8], dialect: Dialect, file: &str) -> Cow<'s, [u8]> {
    let (text, mut problems) = decode(source, file);
    let guarded = parse_guarded(&text, dialect, file);
    problems.extend(guarded.problems);
    problems.sort_by_key(|p| (p.line, p.column));
    let text = match guarded.blanked {
        Some(blanked) => Cow::Owned(blanked),
        None => text,
    };
    PREPARED.set(Some(Prepared {
        text: text.to_vec(),
        dialect,
        file: file.to_string(),
        tree: guarded.tree,
        problems,
    }));
    text
}

/// What [`prepare`] parsed, kept for the [`parse`] of the same text.
struct Prepared {
    text: Vec<u8>,
    dialect: Dialect,
    file: String,
    tree: Option<Tree>,
    problems: Vec<NotAnalysable>,
}

thread_local! {
    static PREPARED: Cell<Option<Prepared>> = const { Cell::new(None) };
}

/// The prepared parse of exactly this text, if it is the last one prepared.
fn take_prepared(source: &[u8], dialect: Dialect, file: &str) -> Option<Prepared> {
    let prepared = PREPARED.take()?;
    let same = prepared.dialect == dialect && prepared.file == file && prepared.text == source;
    same.then_some(prepared)
}

/// A guarded parse: the tree, the problems in line order, and the text the
/// tree was parsed from when something had to be blanked out.
struct Guarded {
    tree: Option<Tree>,
    problems: Vec<NotAnalysable>,
    blanked: Option<Vec<u8>>,
}

impl Guarded {
    fn new(tree: Option<Tree>, mut problems: Vec<NotAnalysable>, blanked: Option<Vec<u8>>) -> Guarded {
        problems.sort_by_key(|p| (p.line, p.column));
        Guarded {
            tree,
            problems,
            blanked,
        }
    }

    fn failed(problems: Vec<NotAnalysable>) -> Guarded {
        Guarded::new(None, problems, None)
    }
}

/// [`parse`] itself, with every guard; also returns the blanked text.
fn parse_guarded(source: &[u8], dialect: Dialect, file: &str) -> Guarded {
    if source.len() > MAX_FILE_BYTES {
        return Guarded::failed(vec![too_large(file, source.len() as u64)]);
    }
    // Called outside a scan (schema files, tests), parsing still gets a budget.
    let _own_budget = DEADLINE.get().is_none().then(|| Budget::start(TIME_BUDGET));
    with_parser(dialect, |parser| parse_guarded_with(parser, source, dialect, file)).unwrap_or_else(|| {
        Guarded::failed(vec![NotAnalysable {
            file: file.to_string(),
            line: 1,
            column: 1,
            reason: "the TypeScript grammar could not be loaded".to_string(),
        }])
    })
}

thread_local! {
    /// This thread's parser for each dialect, kept from file to file: making
    /// a parser and loading its grammar costs as much as parsing a small
    /// file. [`parse_in_time`] resets it after every parse, finished or not.
    static TYPESCRIPT_PARSER: Cell<Option<Parser>> = const { Cell::new(None) };
    static TSX_PARSER: Cell<Option<Parser>> = const { Cell::new(None) };
}

/// Runs `work` with this thread's parser for `dialect`; `None` when the
/// grammar cannot be loaded.
fn with_parser<T>(dialect: Dialect, work: impl FnOnce(&mut Parser) -> T) -> Option<T> {
    let slot = match dialect {
        Dialect::TypeScript => &TYPESCRIPT_PARSER,
        Dialect::Tsx => &TSX_PARSER,
    };
    // Taken out while in use: a panic drops it rather than leaving it half-used.
    let mut parser = match slot.take() {
        Some(parser) => parser,
        None => {
            let mut parser = Parser::new();
            parser.set_language(&dialect.language()).ok()?;
            parser
        }
    };
    let result = work(&mut parser);
    slot.set(Some(parser));
    Some(result)
}

/// [`parse_guarded`] with a parser for `dialect`, within the budget already set.
fn parse_guarded_with(parser: &mut Parser, source: &[u8], dialect: Dialect, file: &str) -> Guarded {
    let problem = |line: usize, column: usize, reason: String| NotAnalysable {
        file: file.to_string(),
        line,
        column,
        reason,
    };
    // Where the parser had got to when time ran out, if it was parsing.
    let too_slow = |stopped_at: Option<usize>| {
        OVERRUN.set(Overrun::InParse);
        let limit = seconds(DEADLINE.get().map_or(TIME_BUDGET, |(_, limit)| limit));
        let reason = match stopped_at {
            Some(offset) => format!(
                "too slow: parsing did not finish within {limit} (it had reached line {}); \
                 data-access paths in this file are missing",
                position_of(source, offset).0
            ),
            None => format!(
                "too slow: parsing and checking the tree took longer than {limit}; \
                 data-access paths in this file are missing"
            ),
        };
        problem(1, 1, reason)
    };
    let tree = match parse_in_time(parser, source, None) {
        Parsed::Tree(tree) => tree,
        Parsed::OutOfTime { stopped_at } => return Guarded::failed(vec![too_slow(Some(stopped_at))]),
        Parsed::GaveUp => return Guarded::failed(vec![problem(1, 1, "the parser gave up on this file".to_string())]),
    };
    let mut problems = syntax_errors(&tree, source, file);

    // Blank out what is nested too deeply, and comments inside expressions,
    // and parse again until nothing is left to blank. A blanked expression
    // cannot parse deeper than before, so one round nearly always does, and
    // four rounds bound pathological cases.
    let mut tree = tree;
    let mut blanked: Option<Vec<u8>> = None;
    let mut deep_lines = std::collections::BTreeMap::new();
    for _ in 0..4 {
        let parsed = blanked.as_deref().unwrap_or(source);
        let Some(survey) = survey(&tree, parsed, dialect) else {
            problems.extend(deep_lines.into_values());
            problems.push(too_slow(None));
            return Guarded::new(None, problems, blanked);
        };
        if survey.too_deep.is_empty() && survey.comments.is_empty() {
            problems.extend(deep_lines.into_values());
            return Guarded::new(Some(tree), problems, blanked);
        }
        let text = blanked.get_or_insert_with(|| source.to_vec());
        for cut in survey.too_deep.iter().chain(&survey.comments) {
            // Same length, same lines: the tree is told what changed, so that
            // parsing again reuses everything else.
            tree.edit(&InputEdit {
                start_byte: cut.start,
                old_end_byte: cut.end,
                new_end_byte: cut.end,
                start_position: cut.position,
                old_end_position: cut.end_position,
                new_end_position: cut.end_position,
            });
        }
        for cut in survey.too_deep {
            deep_lines.entry(cut.position.row).or_insert_with(|| {
                problem(
                    cut.position.row + 1,
                    cut.position.column + 1,
                    format!(
                        "nested more than {MAX_DEPTH} levels deep: this expression was not analysed; \
                         data-access paths inside it may be missing"
                    ),
                )
            });
            blank(text, &cut);
        }
        for comment in survey.comments {
            blank(text, &comment);
        }
        tree = match parse_in_time(parser, text, Some(&tree)) {
            Parsed::Tree(tree) => tree,
            Parsed::OutOfTime { stopped_at } => {
                problems.extend(deep_lines.into_values());
                problems.push(too_slow(Some(stopped_at)));
                return Guarded::new(None, problems, blanked);
            }
            Parsed::GaveUp => break,
        };
    }
    problems.extend(deep_lines.into_values());
    problems.push(problem(
        1,
        1,
        format!("nested more than {MAX_DEPTH} levels deep throughout: data-access paths in this file are missing"),
    ));
    Guarded::new(None, problems, blanked)
}

/// The report for a file over [`MAX_FILE_BYTES`], which is not analysed.
pub fn too_large(file: &str, bytes: u64) -> NotAnalysable {
    const MIB: u64 = 1024 * 1024;
    NotAnalysable {
        file: file.to_string(),
        line: 1,
        column: 1,
        reason: format!(
            "too large: {} MiB is over the {} MiB this tool analyses, so data-access paths in this file are \
             missing; leave generated bundles out with `sources.exclude`",
            bytes.div_ceil(MIB),
            MAX_FILE_BYTES as u64 / MIB
        ),
    }
}

/// How one parse ended.
enum Parsed {
    Tree(Tree),
    /// The budget ran out when the parser was at byte `stopped_at`.
    OutOfTime {
        stopped_at: usize,
    },
    /// tree-sitter returned no tree for another reason (an external scanner failed).
    GaveUp,
}

/// Parses `text`, stopping when the budget runs out.
/// With `old`, an earlier tree edited to match `text`, only what changed is
/// parsed again.
fn parse_in_time(parser: &mut Parser, text: &[u8], old: Option<&Tree>) -> Parsed {
    let mut stopped_at = None;
    let mut progress = |state: &ParseState| {
        if deadline_passed() {
            stopped_at = Some(state.current_byte_offset());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let mut read = |offset: usize, _: Point| text.get(offset..).unwrap_or_default();
    let tree = parser.parse_with_options(
        &mut read,
        old,
        Some(ParseOptions::new().progress_callback(&mut progress)),
    );
    // A cancelled parse is resumed by the next call unless reset.
    parser.reset();
    match (tree, stopped_at) {
        (Some(tree), _) => Parsed::Tree(tree),
        (None, Some(stopped_at)) => Parsed::OutOfTime { stopped_at },
        (None, None) => Parsed::GaveUp,
    }
}

/// A subtree to blank out: its byte range, where it starts, and whether an
/// expression stands there (then `0` keeps the surrounding code parsing).
struct Cut {
    start: usize,
    end: usize,
    position: Point,
    end_position: Point,
    expression: bool,
}

impl Cut {
    fn of(node: Node, expression: bool) -> Cut {
        Cut {
            start: node.start_byte(),
            end: node.end_byte(),
            position: node.start_position(),
            end_position: node.end_position(),
            expression,
        }
    }
}

/// What [`parse`] blanks out of a tree before the extractors see it.
struct Survey {
    /// Every subtree that reaches deeper than [`MAX_DEPTH`], cut at the
    /// nearest expression above that depth (within the last half of it), or
    /// at the depth itself.
    too_deep: Vec<Cut>,
    /// Comments inside expressions. A comment is a named node, so one in an
    /// argument list (`selectFrom(/* audit */ 'logs')`) would otherwise be
    /// taken for the first argument; blanked, it is the whitespace it
    /// stands for. Comments between statements and members are harmless.
    comments: Vec<Cut>,
}

/// Walks the tree, parsed from `text`, once, iteratively (it may be far
/// deeper than any stack). `None` when the budget ran out first: a tree not
/// known to be shallow enough must not reach the extractors.
///
/// A node is looked into only when something under it could be cut: when it
/// has enough descendants to reach [`MAX_DEPTH`], or a comment could start in
/// its text. That leaves out most of a tree.
fn survey(tree: &Tree, text: &[u8], dialect: Dialect) -> Option<Survey> {
    let kinds = SurveyKinds::of(dialect);
    let mut found = Survey {
        too_deep: Vec::new(),
        comments: Vec::new(),
    };
    let mut cursor = tree.walk();
    // The kind flags of the nodes from the root down to the cursor's parent:
    // its length is the cursor's depth. Flags rather than nodes, which are
    // needed only to cut.
    let mut above: Vec<u8> = Vec::new();
    let mut visited: usize = 0;
    loop {
        visited += 1;
        if visited.is_multiple_of(4096) && out_of_time() {
            return None;
        }
        let node = cursor.node();
        let flags = kinds.flags(node);
        let mut descend = true;
        if flags & COMMENT != 0 {
            if above.last().is_none_or(|parent| parent & COMMENTS_HARMLESS == 0) {
                found.comments.push(Cut::of(node, false));
            }
        } else if above.len() >= MAX_DEPTH && node.child_count() > 0 {
            let depth = above.len();
            let flags_at = |i: usize| if i == depth { flags } else { above[i] };
            let at = (MAX_DEPTH / 2..=depth)
                .rev()
                .find(|&i| flags_at(i) & EXPRESSION != 0)
                .unwrap_or(depth);
            let expression = flags_at(at) & EXPRESSION != 0;
            while above.len() > at {
                cursor.goto_parent();
                above.pop();
            }
            found.too_deep.push(Cut::of(cursor.node(), expression));
            descend = false;
        }
        // Below `MAX_DEPTH` only with that many descendants (one per level);
        // a comment only where its text, within this node's, starts one.
        let worth_it = || {
            above.len() + node.descendant_count() > MAX_DEPTH
                || may_hold_comment(text.get(node.byte_range()).unwrap_or_default())
        };
        if descend && worth_it() && cursor.goto_first_child() {
            above.push(flags);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Some(found);
            }
            above.pop();
        }
    }
}

/// Whether `text` could hold a comment: whether `//` or `/*` is in it.
fn may_hold_comment(text: &[u8]) -> bool {
    static STARTS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| AhoCorasick::new(["//", "/*"]).ok());
    STARTS.as_ref().is_none_or(|starts| starts.is_match(text))
}

/// [`SurveyKinds`] flag: a comment.
const COMMENT: u8 = 1;
/// [`SurveyKinds`] flag: a comment directly inside is harmless.
const COMMENTS_HARMLESS: u8 = 2;
/// [`SurveyKinds`] flag: an expression ([`is_expression`]).
const EXPRESSION: u8 = 4;

/// What [`survey`] asks of a node's kind, looked up by kind id: it asks for
/// every node of every file, and a kind's name costs a conversion and a few
/// string comparisons each time.
struct SurveyKinds {
    /// The flags of each kind id of the dialect's grammar.
    by_id: Vec<u8>,
}

impl SurveyKinds {
    /// The table for `dialect`, built on first use.
    fn of(dialect: Dialect) -> &'static SurveyKinds {
        static TYPESCRIPT: OnceLock<SurveyKinds> = OnceLock::new();
        static TSX: OnceLock<SurveyKinds> = OnceLock::new();
        let cell = match dialect {
            Dialect::TypeScript => &TYPESCRIPT,
            Dialect::Tsx => &TSX,
        };
        cell.get_or_init(|| {
            let language = dialect.language();
            let by_id = (0..language.node_kind_count())
                .map(|id| {
                    u16::try_from(id)
                        .ok()
                        .and_then(|id| language.node_kind_for_id(id))
                        .map_or(0, kind_flags)
                })
                .collect();
            SurveyKinds { by_id }
        })
    }

    fn flags(&self, node: Node) -> u8 {
        // ERROR nodes have an id past the grammar's kinds.
        match self.by_id.get(usize::from(node.kind_id())) {
            Some(flags) => *flags,
            None => kind_flags(node.kind_name()),
        }
    }
}

fn kind_flags(kind: &str) -> u8 {
    let mut flags = 0;
    if kind == "comment" {
        flags |= COMMENT;
    }
    if COMMENTS_HARMLESS_IN.contains(&kind) {
        flags |= COMMENTS_HARMLESS;
    }
    if is_expression(kind) {
        flags |= EXPRESSION;
    }
    flags
}

/// Where a comment sits between statements or members, which extractors
/// walk by kind; anywhere else it is blanked out.
const COMMENTS_HARMLESS_IN: [&str; 7] = [
    "program",
    "statement_block",
    "class_body",
    "interface_body",
    "object_type",
    "enum_body",
    "switch_body",
];

/// Replaces the cut's bytes in `text` with spaces, keeping line breaks (so
/// every line and column after it stays put) and an `0` where an expression
/// was (so the code around it still parses).
fn blank(text: &mut [u8], cut: &Cut) {
    let Some(region) = text.get_mut(cut.start..cut.end) else {
        return;
    };
    for byte in region.iter_mut() {
        if *byte != b'\n' {
            *byte = b' ';
        }
    }
    if cut.expression {
        // After a space: `return(...)` must not become the identifier `return0`.
        let at = if region.len() >= 2 { 1 } else { 0 };
        region[at] = b'0';
    }
}

/// Node kinds that are expressions in the TypeScript grammar.
fn is_expression(kind: &str) -> bool {
    kind.ends_with("_expression")
        || matches!(
            kind,
            "array"
                | "object"
                | "arrow_function"
                | "function_expression"
                | "function"
                | "generator_function"
                | "class"
                | "string"
                | "template_string"
                | "number"
                | "identifier"
                | "regex"
                | "type_assertion"
        )
}

/// Every outermost ERROR or MISSING node, as a located problem.
fn syntax_errors(tree: &Tree, source: &[u8], file: &str) -> Vec<NotAnalysable> {
    let mut problems = Vec::new();
    if !tree.root_node().has_error() {
        return problems;
    }
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let start = node.start_position();
            let reason = if node.is_missing() {
                format!("syntax error: missing `{}`", node.kind_name())
            } else if source
                .get(node.start_byte()..node.end_byte())
                .is_some_and(|b| b.contains(&0))
            {
                "syntax error: a NUL byte (is this a binary file?); data-access paths around it may be missing"
                    .to_string()
            } else {
                let end = node.end_position().row + 1;
                if end > start.row + 1 {
                    format!(
                        "syntax error: lines {}-{end} could not be parsed; data-access paths there may be missing",
                        start.row + 1
                    )
                } else {
                    "syntax error: this line could not be parsed; data-access paths there may be missing".to_string()
                }
            };
            problems.push(NotAnalysable {
                file: file.to_string(),
                line: start.row + 1,
                column: start.column + 1,
                reason,
            });
            continue; // the outermost error already covers its children
        }
        if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}

/// `top` (a named node) and the named nodes under it for which `keep` holds, looking into
/// a named node's children only when `enter` holds for it. They come in the
/// order of a walk that takes a node, then its descendants, last child first
/// (the order of a stack of nodes to visit), which callers' results have
/// always followed. One cursor does the walk: collecting each node's
/// children instead costs a cursor and a vector per node.
pub fn named_nodes<'t>(
    top: Node<'t>,
    mut enter: impl FnMut(Node<'t>) -> bool,
    mut keep: impl FnMut(Node<'t>) -> bool,
) -> Vec<Node<'t>> {
    let mut kept = Vec::new();
    let mut cursor = top.walk();
    'walk: loop {
        let node = cursor.node();
        if node.is_named() && enter(node) && cursor.goto_first_child() {
            continue;
        }
        // Every node is finished here, after its descendants: this is a
        // post-order, which reversed is the order wanted.
        loop {
            let node = cursor.node();
            if node.is_named() && keep(node) {
                kept.push(node);
            }
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    kept.reverse();
    kept
}

/// [`Node::child_by_field_name`], with the field's id found in a hash map of
/// the grammar's field names, made once, rather than by comparing the name
/// with each of them in turn on every call, as tree-sitter does: on the
/// extractors' paths that search added up to a tenth of their time.
pub trait Fields<'t> {
    /// The child of this node in field `name`.
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> Fields<'t> for Node<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>> {
        match Grammar::of(self) {
            Some(grammar) => grammar.field_id(name).and_then(|id| self.child_by_field_id(id)),
            None => self.child_by_field_name(name),
        }
    }
}

/// [`Node::kind`], read from a table of the grammar's kind names made once:
/// tree-sitter measures the name and checks that it is UTF-8 on every call,
/// and the extractors, comparing kinds at every step, made 200,000 such
/// calls on a 2 MB backend (2% of a scan).
pub trait KindName<'tree> {
    /// The node's kind, as [`Node::kind`] names it.
    fn kind_name(&self) -> &'tree str;
}

impl<'tree> KindName<'tree> for Node<'tree> {
    fn kind_name(&self) -> &'tree str {
        Grammar::of(self)
            .and_then(|grammar| grammar.kinds.get(usize::from(self.kind_id())))
            .map(|name| &**name)
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| self.kind())
    }
}

/// What [`Fields`] and [`KindName`] read of one dialect's grammar.
struct Grammar {
    language: Language,
    /// Field ids by name; FxHash, as the names are short words and a scan
    /// looks up some 80,000 of them per 2 MB.
    fields: rustc_hash::FxHashMap<Box<str>, u16>,
    /// Kind names, by kind id.
    kinds: Vec<Box<str>>,
}

impl Grammar {
    /// The tables of the grammar `node` belongs to; `None` for a grammar
    /// other than the two dialects'.
    fn of(node: &Node) -> Option<&'static Grammar> {
        static GRAMMARS: LazyLock<[Grammar; 2]> =
            LazyLock::new(|| [Dialect::TypeScript, Dialect::Tsx].map(|dialect| Grammar::new(dialect.language())));
        let language = node.language();
        GRAMMARS.iter().find(|grammar| grammar.language == *language)
    }

    fn new(language: Language) -> Grammar {
        let fields = (1..=language.field_count())
            .filter_map(|id| u16::try_from(id).ok())
            .filter_map(|id| Some((Box::from(language.field_name_for_id(id)?), id)))
            .collect();
        let kinds = (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .map(Box::from)
                    .unwrap_or_default()
            })
            .collect();
        Grammar {
            language,
            fields,
            kinds,
        }
    }

    fn field_id(&self, name: &str) -> Option<u16> {
        self.fields.get(name).copied()
    }
}

/// The source text of `node`.
pub fn text<'s>(node: Node, source: &'s [u8]) -> &'s str {
    node.utf8_text(source).unwrap_or("")
}

/// The source text of `node` on one line, whitespace collapsed and cut to a
/// length that reads well in a table cell. Reads only as much of the node as
/// the cut needs: snippets are taken of nodes as large as a whole bundled file.
pub fn snippet(node: Node, source: &[u8]) -> String {
    let bytes = source.get(node.start_byte()..node.end_byte()).unwrap_or_default();
    let mut shortener = Shortener::for_bytes(bytes.len());
    for chunk in bytes.utf8_chunks() {
        if shortener.take_str(chunk.valid()).is_break() {
            return shortener.finish(true);
        }
        if !chunk.invalid().is_empty() && shortener.take(char::REPLACEMENT_CHARACTER).is_break() {
            return shortener.finish(true);
        }
    }
    shortener.finish(false)
}

/// Collapses whitespace runs to one space and cuts long text with an ellipsis.
///
/// The text is `parts` written one after the other, read without copying
/// them into one string first: a part may be as long as a whole file.
pub fn shorten(parts: &[&str]) -> String {
    let mut shortener = Shortener::for_bytes(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        if shortener.take_str(part).is_break() {
            return shortener.finish(true);
        }
    }
    shortener.finish(false)
}

/// The state of [`shorten`] between the characters it is given.
struct Shortener {
    /// The text kept so far, collapsed and tidied.
    tidy: String,
    /// Characters of the text collapsed, before the tidy-ups, and of `tidy`.
    collapsed: usize,
    kept: usize,
    /// Whether whitespace came since the last character kept.
    space: bool,
    /// Whether `tidy` ends with `(`.
    after_open: bool,
}

impl Shortener {
    const MAX: usize = 120;
    /// Each tidy-up removes at most one space per pair of characters, so
    /// this many collapsed characters always leave more than MAX: reading on
    /// could not change what is kept.
    const ENOUGH: usize = 2 * Self::MAX + 4;

    /// Ready for a text of `len` bytes: room for what is kept of it, so that
    /// the text kept is not copied as it grows (for ASCII text: `ENOUGH`
    /// counts characters, so multi-byte text may still need more room).
    fn for_bytes(len: usize) -> Shortener {
        Shortener {
            tidy: String::with_capacity(len.min(Self::ENOUGH) + '…'.len_utf8()),
            collapsed: 0,
            kept: 0,
            space: false,
            after_open: false,
        }
    }

    /// Takes the characters of `text`, those of ASCII without decoding
    /// them; `Break` once reading on could not change the result.
    fn take_str(&mut self, text: &str) -> ControlFlow<()> {
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            if is_ascii_space(byte) {
                // A run of spaces is taken as one: an expression blanked out
                // for its depth (see `parse_guarded`) leaves hundreds of
                // kilobytes of them inside every node around it, and each of
                // those nodes' texts is shortened.
                at += space_run(&bytes[at..]);
                self.take(' ')?;
                continue;
            }
            let c = if byte.is_ascii() {
                char::from(byte)
            } else {
                text.get(at..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            };
            at += c.len_utf8();
            self.take(c)?;
        }
        ControlFlow::Continue(())
    }

    /// Takes the next character; `Break` once reading on could not change the result.
    fn take(&mut self, c: char) -> ControlFlow<()> {
        if c.is_whitespace() {
            self.space = self.collapsed > 0;
            return ControlFlow::Continue(());
        }
        if self.collapsed >= Self::ENOUGH {
            return ControlFlow::Break(());
        }
        if self.space {
            self.collapsed += 1;
            self.space = false;
            // Kysely chains are usually written one call per line; `.where`
            // after a line break reads better without the space collapsing
            // leaves behind, and so do parentheses. The space stands between
            // two characters that are not spaces, so which it is decided here.
            if !(matches!(c, '.' | ')') || self.after_open) {
                self.tidy.push(' ');
                self.kept += 1;
            }
        }
        self.tidy.push(c);
        self.after_open = c == '(';
        self.collapsed += 1;
        self.kept += 1;
        ControlFlow::Continue(())
    }

    /// The text kept; `more` when some was left unread.
    fn finish(self, more: bool) -> String {
        let mut tidy = self.tidy;
        if !more && self.kept <= Self::MAX {
            tidy
        } else {
            let cut = tidy.char_indices().nth(Self::MAX - 1).map_or(tidy.len(), |(at, _)| at);
            tidy.truncate(cut);
            tidy.push('…');
            tidy
        }
    }
}

/// How many of the bytes `bytes` starts with are ASCII spaces (see
/// [`is_ascii_space`]). Blanked-out text is plain spaces: those are compared
/// sixteen at a time.
fn space_run(bytes: &[u8]) -> usize {
    let blank = bytes.chunks_exact(16).take_while(|chunk| *chunk == [b' '; 16]).count() * 16;
    blank
        + bytes[blank..]
            .iter()
            .position(|&b| !is_ascii_space(b))
            .unwrap_or(bytes.len() - blank)
}

/// Whether `byte` is an ASCII character `char::is_whitespace` counts (unlike
/// `u8::is_ascii_whitespace`, which leaves out the vertical tab).
fn is_ascii_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// 1-based line of `node`'s start.
pub fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// Skips wrappers that do not change which value an expression denotes:
/// parentheses, `await`, `as`/`satisfies` casts and non-null assertions.
pub fn unwrap_expression(mut node: Node) -> Node {
    loop {
        let inner = match node.kind_name() {
            "parenthesized_expression" | "await_expression" | "non_null_expression" => node.named_child(0),
            "as_expression" | "satisfies_expression" | "type_assertion" => {
                // `x as T`: the expression is the first named child;
                // `<T>x`: it is the last.
                if node.kind_name() == "type_assertion" {
                    node.named_child(u32::try_from(node.named_child_count().saturating_sub(1)).unwrap_or(u32::MAX))
                } else {
                    node.named_child(0)
                }
            }
            _ => None,
        };
        match inner {
            Some(inner) => node = inner,
            None => return node,
        }
    }
}

/// The value of a string literal (`'x'`, `"x"`, or a template with no
/// substitutions), or `None` for anything else.
pub fn string_value(node: Node, source: &[u8]) -> Option<String> {
    let node = unwrap_expression(node);
    let literal = matches!(node.kind_name(), "string" | "template_string");
    // Most literals are one fragment; tree-sitter counts named children
    // without a walk, which costs more than the rest of the reading.
    match node.named_child_count() {
        0 if literal => return Some(String::new()),
        1 if literal => {
            let only = node.named_child(0)?;
            let plain =
                node.kind_name() == "string" || matches!(only.kind_name(), "string_fragment" | "escape_sequence");
            return plain.then(|| text(only, source).to_string());
        }
        _ => {}
    }
    match node.kind_name() {
        "string" => {
            let mut value = String::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                value.push_str(text(child, source));
            }
            Some(value)
        }
        "template_string" => {
            let mut cursor = node.walk();
            let mut value = String::new();
            for child in node.named_children(&mut cursor) {
                match child.kind_name() {
                    "string_fragment" | "escape_sequence" => value.push_str(text(child, source)),
                    _ => return None,
                }
            }
            Some(value)
        }
        _ => None,
    }
}

/// The one statement of `block`, comments aside; `None` when it has none or
/// several. Stops at the second: a block is often a whole method's body.
pub fn only_statement(block: Node) -> Option<Node> {
    let mut cursor = block.walk();
    let mut statements = block.named_children(&mut cursor).filter(|n| n.kind_name() != "comment");
    let only = statements.next()?;
    statements.next().is_none().then_some(only)
}

/// Whether `node` starts a new function scope (a function, arrow, method, or
/// class static block).
pub fn is_function(node: Node) -> bool {
    matches!(
        node.kind_name(),
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function_declaration"
            | "generator_function"
            | "class_static_block"
    )
}

/// The parents of nodes in a tree, for climbing from a node to its ancestors.
///
/// tree-sitter's [`Node::parent`] (0.25 to 0.27 at least) walks down from the
/// root of the tree to the node on every call, so climbing `depth` levels one
/// `parent()` at a time costs `depth` such walks. An `Ancestry` walks down once and keeps the
/// path, so that climbing from the node last asked about costs one walk
/// however far it goes, and a node near the last one asked about costs the
/// part of the walk below the nodes they share. Answers are always those of
/// [`Node::parent`].
pub struct Ancestry<'t> {
    /// Where walks start: the root of the tree, or the outermost node that
    /// will be climbed through (nodes outside it are asked of tree-sitter).
    top: Node<'t>,
    /// The last path walked: `top` first, then each node's child on the way
    /// down. Only nodes with text are kept, so each is its child's parent as
    /// [`Node::parent`] finds it.
    path: RefCell<Vec<Node<'t>>>,
    /// Parents known before any walk (see [`ParentLinks`]), asked first.
    known: Option<&'t ParentLinks<'t>>,
}

impl<'t> Ancestry<'t> {
    /// Parents found by walking down from `top`, normally the root.
    pub fn new(top: Node<'t>) -> Ancestry<'t> {
        Ancestry {
            top,
            path: RefCell::new(vec![top]),
            known: None,
        }
    }

    /// Parents found by walking down from the root `root`, or in `known`
    /// when they are there: the parents the walks down to the prefilter's
    /// hits found, those of every node matched around a hit and of its
    /// ancestors.
    pub fn with_known(root: Node<'t>, known: &'t ParentLinks<'t>) -> Ancestry<'t> {
        Ancestry {
            known: Some(known),
            ..Ancestry::new(root)
        }
    }

    /// The parent of `node`, as [`Node::parent`] finds it.
    pub fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        if let Some(&parent) = self.known.and_then(|known| known.get(&node.id())) {
            // Ids are addresses, unique within one tree only: every test
            // checks that the links given are this tree's.
            debug_assert_eq!(Some(parent.id()), node.parent().map(|p| p.id()));
            return Some(parent);
        }
        let mut path = self.path.borrow_mut();
        if let Some(at) = path.iter().rposition(|n| n.id() == node.id()) {
            if at > 0 {
                return Some(path[at - 1]);
            }
        } else if node.start_byte() < node.end_byte()
            && self.top.start_byte() <= node.start_byte()
            && node.end_byte() <= self.top.end_byte()
        {
            // The walk `Node::parent` makes from the root, from `top`. An
            // empty node is left to tree-sitter: which of the nodes meeting
            // at its position holds it is not a question of byte ranges.
            //
            // For any other node, the child that walk takes at each step is
            // the one child whose bytes hold the node's (siblings do not
            // overlap), so it takes every node of the kept path that holds
            // them: the walk resumes from the deepest, sparing the steps
            // over the many children of the file, classes and blocks above.
            let (start, end) = (node.start_byte(), node.end_byte());
            let holding = 1 + path[1..]
                .iter()
                .take_while(|kept| kept.start_byte() <= start && end <= kept.end_byte())
                .count();
            path.truncate(holding);
            let mut current = path[holding - 1];
            while let Some(child) = current.child_with_descendant(node) {
                path.push(child);
                if child.id() == node.id() {
                    return Some(current);
                }
                current = child;
            }
        }
        // `top` itself, a node outside it, or one the walk did not reach.
        node.parent()
    }

    /// The parent of `node`, skipping the wrappers [`unwrap_expression`] skips.
    pub fn wrapped_parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        let mut parent = self.parent(node)?;
        while matches!(
            parent.kind_name(),
            "parenthesized_expression"
                | "await_expression"
                | "non_null_expression"
                | "as_expression"
                | "satisfies_expression"
                | "type_assertion"
        ) {
            parent = self.parent(parent)?;
        }
        Some(parent)
    }

    /// The nearest enclosing function of `node`, or the program root.
    pub fn enclosing_function(&self, node: Node<'t>) -> Node<'t> {
        let mut current = node;
        while let Some(parent) = self.parent(current) {
            if is_function(parent) {
                return parent;
            }
            current = parent;
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_only_statement_is_the_one_left_when_comments_are_set_aside() {
        let source = "function a() {}\nfunction b() { return 1; }\nfunction c() { // x\n return 1; /* y */ }\nfunction d() { f(); return 1; }\nfunction e() { // only\n }\nfunction g() { if (x) { y } }\n";
        let (tree, _) = parse(source.as_bytes(), Dialect::TypeScript, "t.ts");
        let tree = tree.unwrap();
        let mut cursor = tree.root_node().walk();
        for function in tree.root_node().named_children(&mut cursor) {
            let block = function.field("body").unwrap();
            let mut inner = block.walk();
            let statements: Vec<Node> = block
                .named_children(&mut inner)
                .filter(|n| n.kind_name() != "comment")
                .collect();
            let expected = match statements.as_slice() {
                [only] => Some(only.id()),
                _ => None,
            };
            assert_eq!(
                only_statement(block).map(|n| n.id()),
                expected,
                "{}",
                text(function, source.as_bytes())
            );
        }
    }

    #[test]
    fn shorten_collapses_chains_written_one_call_per_line() {
        assert_eq!(
            shorten(&["db\n  .selectFrom('logs')\n  .where( 'id', '=', id )"]),
            "db.selectFrom('logs').where('id', '=', id)"
        );
    }

    #[test]
    fn dialect_follows_extension_and_skips_declarations() {
        assert_eq!(Dialect::of(Path::new("a/b.ts")), Some(Dialect::TypeScript));
        assert_eq!(Dialect::of(Path::new("a/b.mts")), Some(Dialect::TypeScript));
        assert_eq!(Dialect::of(Path::new("a/b.tsx")), Some(Dialect::Tsx));
        assert_eq!(Dialect::of(Path::new("a/b.d.ts")), None);
        assert_eq!(Dialect::of(Path::new("a/b.js")), None);
    }

    /// `shorten` as it was before it learned to stop reading early.
    fn shorten_reference(raw: &str) -> String {
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let collapsed = collapsed.replace(" .", ".").replace("( ", "(").replace(" )", ")");
        if collapsed.chars().count() <= 120 {
            collapsed
        } else {
            let cut: String = collapsed.chars().take(119).collect();
            format!("{cut}…")
        }
    }

    #[test]
    fn shorten_reads_only_what_it_keeps_yet_keeps_the_same() {
        let chain = "db\n  .selectFrom('logs')\n  .where( 'id', '=', id )\n".repeat(20);
        for raw in [
            String::new(),
            "  a  ".to_string(),
            "x".repeat(119),
            "x".repeat(120),
            "x".repeat(121),
            "( ".repeat(200),
            " .".repeat(300),
            format!("{}{}", "a ".repeat(59), " . ( ) ".repeat(40)),
            chain,
            "é\u{3000}ü ".repeat(100),
            "( . ) (\n) x (  ) .y ( ( a ) ) . . ) ( ".repeat(30),
            format!("{} ( . )", "b".repeat(117)),
            "a\u{b}\u{c}\t\r\n  b \u{b}. ( \u{c})".to_string(),
            format!("{}x{} . y{}", " ".repeat(3000), "\n ".repeat(2000), " ".repeat(10)),
        ] {
            assert_eq!(shorten(&[&raw]), shorten_reference(&raw), "for {raw:?}");
            for (at, _) in raw.char_indices().step_by(7).chain([(raw.len(), ' ')]) {
                let (head, tail) = raw.split_at(at);
                assert_eq!(
                    shorten(&[head, tail]),
                    shorten_reference(&raw),
                    "for {raw:?} split at {at}"
                );
            }
        }
    }

    #[test]
    fn string_values_of_one_fragment_are_those_of_reading_every_fragment() {
        // `string_value` as it was before it counted fragments first.
        fn reference(node: Node, source: &[u8]) -> Option<String> {
            let node = unwrap_expression(node);
            let mut cursor = node.walk();
            let mut value = String::new();
            match node.kind_name() {
                "string" => node
                    .named_children(&mut cursor)
                    .for_each(|c| value.push_str(text(c, source))),
                "template_string" => {
                    for child in node.named_children(&mut cursor) {
                        match child.kind_name() {
                            "string_fragment" | "escape_sequence" => value.push_str(text(child, source)),
                            _ => return None,
                        }
                    }
                }
                _ => return None,
            }
            Some(value)
        }
        let source = r#"f('', 'a', '\n', 'a\nb', "x", `y`, ``, `\t`, `${z}`, `a${z}b`, (('p')), 'q' as string, 1, g, `a
b`);"#;
        let tree = parse_sample(source, Dialect::TypeScript);
        let nodes = all_nodes(&tree);
        let arguments = nodes.iter().find(|n| n.kind() == "arguments").unwrap();
        let mut cursor = arguments.walk();
        let mut read = 0;
        for argument in arguments.named_children(&mut cursor) {
            let value = string_value(argument, source.as_bytes());
            read += usize::from(value.is_some());
            assert_eq!(value, reference(argument, source.as_bytes()), "{argument:?}");
        }
        assert_eq!(read, 11);
    }

    #[test]
    fn a_snippet_of_bytes_that_are_not_utf8_shows_replacement_characters() {
        let source = b"const a = f('\xff');";
        let (tree, _) = parse(source, Dialect::TypeScript, "x.ts");
        let tree = tree.unwrap();
        let declaration = tree.root_node().named_child(0).unwrap();
        assert_eq!(snippet(declaration, source), "const a = f('\u{fffd}');");
    }

    #[test]
    fn a_bom_is_dropped_and_bytes_that_are_not_utf8_are_replaced_and_reported() {
        let (text, problems) = decode(b"\xEF\xBB\xBFconst a = 1;\n", "x.ts");
        assert_eq!(&*text, b"const a = 1;\n");
        assert!(problems.is_empty());

        let (text, problems) = decode(b"const a = 1;\nconst b = '\xff\xfe';\n", "x.ts");
        assert_eq!(
            String::from_utf8(text.into_owned()).unwrap(),
            "const a = 1;\nconst b = '\u{fffd}\u{fffd}';\n"
        );
        assert_eq!((problems[0].line, problems[0].column), (2, 12), "{problems:?}");
        assert!(problems[0].reason.starts_with("not UTF-8"));
    }

    #[test]
    fn parsing_stops_when_the_budget_is_spent_and_says_so() {
        let source = "const a = db.selectFrom('logs').where('id', '=', id);\n".repeat(200);
        let _budget = Budget::start(Duration::ZERO);
        let (tree, problems) = parse(source.as_bytes(), Dialect::TypeScript, "x.ts");
        assert!(tree.is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .reason
                .starts_with("too slow: parsing did not finish within 0 ms"),
            "{problems:?}"
        );
        // Reported by the parse, so not a second time by the budget.
        assert_eq!(_budget.overrun("x.ts"), None);
    }

    #[test]
    fn a_later_step_that_runs_out_of_time_is_reported_by_the_budget() {
        let budget = Budget::start(Duration::ZERO);
        assert!(out_of_time());
        let overrun = budget.overrun("x.ts").expect("an overrun");
        assert!(overrun
            .reason
            .starts_with("too slow: the analysis was stopped after 0 ms"));
        drop(budget);
        assert!(!out_of_time(), "no budget outside a file's analysis");
    }

    #[test]
    fn a_file_over_the_size_limit_is_not_parsed() {
        let source = vec![b' '; MAX_FILE_BYTES + 1];
        let (tree, problems) = parse(&source, Dialect::TypeScript, "x.ts");
        assert!(tree.is_none());
        assert!(
            problems[0].reason.starts_with("too large: 17 MiB is over the 16 MiB"),
            "{problems:?}"
        );
    }

    #[test]
    fn deeply_nested_expressions_are_blanked_out_and_reported_where_they_start() {
        let depth = 5_000;
        let source = format!(
            "const a = 1;\nconst deep = {}1{};\nconst b = db.selectFrom('plans');\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let (tree, problems) = parse(source.as_bytes(), Dialect::TypeScript, "x.ts");
        let tree = tree.expect("a tree for the rest of the file");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].reason.starts_with("nested more than 200 levels deep"));
        let mut cursor = tree.walk();
        let mut deepest = 0;
        'walk: loop {
            deepest = deepest.max(cursor.depth() as usize);
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        assert!(deepest <= MAX_DEPTH, "the tree is {deepest} deep");
        // Every byte outside the blanked region is still where it was.
        let last = tree.root_node().named_child(2).unwrap();
        assert_eq!(text(last, source.as_bytes()), "const b = db.selectFrom('plans');");
        assert_eq!(line(last), 3);
    }

    #[test]
    fn a_comment_inside_an_expression_is_not_a_node_of_the_tree() {
        let source =
            b"/** Lists logs. */\nconst q = db.selectFrom(/* audit */ 'logs') // all\n  .where('a', '=', 1);\n";
        let (tree, problems) = parse(source, Dialect::TypeScript, "x.ts");
        assert!(problems.is_empty(), "{problems:?}");
        let tree = tree.unwrap();
        let mut kinds = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            kinds.push(node.kind_name());
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        // The doc comment between statements stays; the two inside the chain go.
        assert_eq!(kinds.iter().filter(|k| **k == "comment").count(), 1);
        let open = source.windows(3).position(|w| w == b"(/*").unwrap();
        let arguments = tree
            .root_node()
            .descendant_for_byte_range(open, open + 1)
            .unwrap()
            .parent()
            .unwrap();
        assert_eq!(arguments.kind_name(), "arguments");
        assert_eq!(text(arguments.named_child(0).unwrap(), source), "'logs'");
    }

    #[test]
    fn a_nul_byte_is_reported_as_such() {
        let (_, problems) = parse(b"const a = 1;\n\0\nconst b = 2;\n", Dialect::TypeScript, "x.ts");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].reason.contains("NUL byte"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let source = b"const a = 1;\nconst b = (;\nconst c = 3;\n";
        let (tree, problems) = parse(source, Dialect::TypeScript, "x.ts");
        assert!(tree.is_some());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
    }

    /// Sources for the tests that compare a faster walk with a plain one:
    /// ordinary code, syntax errors with missing tokens, and JSX.
    const SAMPLES: [(&str, Dialect); 4] = [
        (
            "/** Doc. */\nexport class A {\n  // member\n  async m(id: string) {\n    const q = db.selectFrom('t' /* c */).where('id', '=', (id as string)!);\n    if (id) { q = q.where(x => x); }\n    return q.execute();\n  }\n}\nconst f = async () => ({ a: [1, 2, `x${y}`] });\nfunction g(a, b) { return a ?? b; }\n",
            Dialect::TypeScript,
        ),
        (
            "const a = f(1, ;\nclass { m( }\nlet = => ;\nif (x { y(\n",
            Dialect::TypeScript,
        ),
        (
            "const b = (;\nf(a;\nfunction h(a, b { return g(c; }\nclass A { m() { if (a) { return 1 }\n",
            Dialect::TypeScript,
        ),
        (
            "export const C = () => <div a={x} /* c */>{list.map(i => <b key={i}>{i}</b>)}</div>;\n",
            Dialect::Tsx,
        ),
    ];

    fn parse_sample(source: &str, dialect: Dialect) -> Tree {
        let mut parser = Parser::new();
        parser.set_language(&dialect.language()).unwrap();
        parser.parse(source, None).unwrap()
    }

    /// Every node of `tree`, anonymous ones too, in document order.
    fn all_nodes(tree: &Tree) -> Vec<Node<'_>> {
        let mut nodes = Vec::new();
        let mut cursor = tree.walk();
        'walk: loop {
            nodes.push(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        nodes
    }

    #[test]
    fn ancestry_finds_the_parents_tree_sitter_finds() {
        let id = |node: Option<Node>| node.map(|n| n.id());
        let mut empty = 0;
        for (source, dialect) in SAMPLES {
            let tree = parse_sample(source, dialect);
            let nodes = all_nodes(&tree);
            empty += nodes.iter().filter(|n| n.start_byte() == n.end_byte()).count();
            // In document order, backwards, and climbing: the kept path is
            // reused, missed and replaced.
            let ancestry = Ancestry::new(tree.root_node());
            for node in nodes.iter().chain(nodes.iter().rev()) {
                assert_eq!(id(ancestry.parent(*node)), id(node.parent()), "{node:?} in {source:?}");
            }
            for node in &nodes {
                let mut current = *node;
                while let Some(parent) = ancestry.parent(current) {
                    assert_eq!(Some(parent.id()), id(current.parent()), "{current:?} in {source:?}");
                    current = parent;
                }
                assert_eq!(current.id(), tree.root_node().id());
            }
            // Walks from a node inside the tree, asked about nodes anywhere.
            for top in nodes.iter().filter(|n| n.child_count() > 0) {
                let ancestry = Ancestry::new(*top);
                for node in &nodes {
                    assert_eq!(id(ancestry.parent(*node)), id(node.parent()), "{node:?} under {top:?}");
                }
            }
        }
        assert!(empty > 0, "the samples have missing (empty) nodes");
    }

    #[test]
    fn fields_are_the_children_tree_sitter_finds_by_field_name() {
        for (source, dialect) in SAMPLES {
            let tree = parse_sample(source, dialect);
            let language = dialect.language();
            let mut names: Vec<&str> = (1..=language.field_count() as u16)
                .filter_map(|id| language.field_name_for_id(id))
                .collect();
            names.extend(["", "no_such_field", "namex", "nam"]);
            for node in all_nodes(&tree) {
                for name in &names {
                    let expected = node.child_by_field_name(name).map(|n| n.id());
                    assert_eq!(node.field(name).map(|n| n.id()), expected, "{name} of {node:?}");
                }
            }
        }
    }

    #[test]
    fn named_nodes_come_in_the_order_of_a_stack_of_nodes_to_visit() {
        fn reference<'t>(
            top: Node<'t>,
            enter: impl Fn(Node<'t>) -> bool,
            keep: impl Fn(Node<'t>) -> bool,
        ) -> Vec<usize> {
            let mut kept = Vec::new();
            let mut stack = vec![top];
            while let Some(node) = stack.pop() {
                if keep(node) {
                    kept.push(node.id());
                }
                if enter(node) {
                    let mut cursor = node.walk();
                    stack.extend(node.named_children(&mut cursor));
                }
            }
            kept
        }
        for (source, dialect) in SAMPLES {
            let tree = parse_sample(source, dialect);
            let middle = source.len() / 2;
            for top in all_nodes(&tree).into_iter().filter(|n| n.is_named()) {
                let ids = |nodes: Vec<Node>| nodes.iter().map(|n| n.id()).collect::<Vec<_>>();
                assert_eq!(
                    ids(named_nodes(top, |_| true, |_| true)),
                    reference(top, |_| true, |_| true)
                );
                let enter = |n: Node| n.end_byte() > middle;
                let keep = |n: Node| n.kind_name() == "identifier" || n.child_count() == 0;
                assert_eq!(ids(named_nodes(top, enter, keep)), reference(top, enter, keep));
            }
        }
    }

    /// `survey` as it was before it looked kinds up by id.
    fn survey_reference(tree: &Tree) -> Survey {
        let mut found = Survey {
            too_deep: Vec::new(),
            comments: Vec::new(),
        };
        let mut cursor = tree.walk();
        let mut path = vec![cursor.node()];
        loop {
            let node = cursor.node();
            let mut descend = true;
            if node.kind_name() == "comment" {
                let parent = path.len().checked_sub(2).map(|at| path[at].kind_name());
                if !parent.is_some_and(|kind| COMMENTS_HARMLESS_IN.contains(&kind)) {
                    found.comments.push(Cut::of(node, false));
                }
            } else if path.len() > MAX_DEPTH && node.child_count() > 0 {
                let at = (MAX_DEPTH / 2..path.len())
                    .rev()
                    .find(|&i| is_expression(path[i].kind_name()))
                    .unwrap_or(path.len() - 1);
                let cut = path[at];
                found.too_deep.push(Cut::of(cut, is_expression(cut.kind_name())));
                while path.len() > at + 1 {
                    cursor.goto_parent();
                    path.pop();
                }
                descend = false;
            }
            if descend && cursor.goto_first_child() {
                path.push(cursor.node());
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    if let Some(last) = path.last_mut() {
                        *last = cursor.node();
                    }
                    break;
                }
                if !cursor.goto_parent() {
                    return found;
                }
                path.pop();
            }
        }
    }

    #[test]
    fn survey_finds_what_it_found_when_it_compared_kind_names() {
        let cuts = |cuts: &[Cut]| cuts.iter().map(|c| (c.start, c.end, c.expression)).collect::<Vec<_>>();
        let deep_blocks = format!(
            "function f() {}{}{}\n",
            "{ if (a) ".repeat(150),
            "g(); ",
            "}".repeat(150)
        );
        let deep_mixed = format!(
            "const a = {}1{};\n// end\nconst b = {}x{};\n",
            "[(".repeat(300),
            ")]".repeat(300),
            "f(".repeat(250),
            ")".repeat(250)
        );
        let deep_objects = format!("const o = {}1{};\n", "{ a: /* c */ ".repeat(400), " }".repeat(400));
        let mut sources: Vec<(String, Dialect)> = SAMPLES.iter().map(|(s, d)| (s.to_string(), *d)).collect();
        sources.extend([
            (deep_blocks, Dialect::TypeScript),
            (deep_mixed, Dialect::TypeScript),
            (deep_objects, Dialect::Tsx),
        ]);
        let (mut deep, mut comments) = (0, 0);
        for (source, dialect) in &sources {
            let tree = parse_sample(source, *dialect);
            let fast = survey(&tree, source.as_bytes(), *dialect).expect("no budget set");
            let reference = survey_reference(&tree);
            assert_eq!(cuts(&fast.too_deep), cuts(&reference.too_deep), "{source:?}");
            assert_eq!(cuts(&fast.comments), cuts(&reference.comments), "{source:?}");
            deep += fast.too_deep.len();
            comments += fast.comments.len();
        }
        assert!(deep >= 3 && comments >= 3, "{deep} deep cuts, {comments} comments");
    }

    #[test]
    fn a_parser_kept_after_running_out_of_time_parses_the_next_file_from_its_start() {
        let slow = "const a = db.selectFrom('logs').where('id', '=', id);\n".repeat(200);
        let next = "const b = db.selectFrom('plans');\n";
        for dialect in [Dialect::TypeScript, Dialect::Tsx] {
            let budget = Budget::start(Duration::ZERO);
            let (tree, _) = parse(slow.as_bytes(), dialect, "slow.ts");
            assert!(tree.is_none());
            drop(budget);
            // The same thread's parser again: nothing of the abandoned parse is resumed.
            for source in [next, slow.as_str()] {
                let (tree, problems) = parse(source.as_bytes(), dialect, "next.ts");
                assert!(problems.is_empty(), "{problems:?}");
                let expected = parse_sample(source, dialect).root_node().to_sexp();
                assert_eq!(tree.expect("a tree").root_node().to_sexp(), expected);
            }
        }
    }
}
