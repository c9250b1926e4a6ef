//! The TypeScript language boundary: which files are TypeScript, how they are
//! parsed, and small helpers over tree-sitter nodes. Nothing outside `extract`
//! sees a tree-sitter type.

use crate::model::NotAnalysable;
use std::path::Path;
use tree_sitter::{Language, Node, Parser, Tree};

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

/// Parses `source` as `dialect`. tree-sitter recovers from syntax errors, so a
/// tree is returned for any input; regions it could not parse are listed in
/// the returned problems so that nothing they hide goes unreported.
pub fn parse(source: &[u8], dialect: Dialect, file: &str) -> (Option<Tree>, Vec<NotAnalysable>) {
    let mut parser = Parser::new();
    if parser.set_language(&dialect.language()).is_err() {
        return (
            None,
            vec![NotAnalysable {
                file: file.to_string(),
                line: 1,
                column: 1,
                reason: "the TypeScript grammar could not be loaded".to_string(),
            }],
        );
    }
    match parser.parse(source, None) {
        Some(tree) => {
            let problems = syntax_errors(&tree, file);
            (Some(tree), problems)
        }
        None => (
            None,
            vec![NotAnalysable {
                file: file.to_string(),
                line: 1,
                column: 1,
                reason: "the parser gave up on this file".to_string(),
            }],
        ),
    }
}

/// Every outermost ERROR or MISSING node, as a located problem.
fn syntax_errors(tree: &Tree, file: &str) -> Vec<NotAnalysable> {
    let mut problems = Vec::new();
    if !tree.root_node().has_error() {
        return problems;
    }
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let start = node.start_position();
            let reason = if node.is_missing() {
                format!("syntax error: missing `{}`", node.kind())
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

/// The source text of `node`.
pub fn text<'s>(node: Node, source: &'s [u8]) -> &'s str {
    node.utf8_text(source).unwrap_or("")
}

/// The source text of `node` on one line, whitespace collapsed and cut to a
/// length that reads well in a table cell.
pub fn snippet(node: Node, source: &[u8]) -> String {
    shorten(text(node, source))
}

/// Collapses whitespace runs to one space and cuts long text with an ellipsis.
pub fn shorten(raw: &str) -> String {
    const MAX: usize = 120;
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    // Kysely chains are usually written one call per line; `.where` after a
    // line break reads better without the space collapsing leaves behind.
    let collapsed = collapsed.replace(" .", ".").replace("( ", "(").replace(" )", ")");
    if collapsed.chars().count() <= MAX {
        collapsed
    } else {
        let cut: String = collapsed.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// 1-based line of `node`'s start.
pub fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// Skips wrappers that do not change which value an expression denotes:
/// parentheses, `await`, `as`/`satisfies` casts and non-null assertions.
pub fn unwrap_expression(mut node: Node) -> Node {
    loop {
        let inner = match node.kind() {
            "parenthesized_expression" | "await_expression" | "non_null_expression" => node.named_child(0),
            "as_expression" | "satisfies_expression" | "type_assertion" => {
                // `x as T`: the expression is the first named child;
                // `<T>x`: it is the last.
                if node.kind() == "type_assertion" {
                    node.named_child(node.named_child_count().saturating_sub(1))
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

/// The parent of `node`, skipping the wrappers [`unwrap_expression`] skips.
pub fn wrapped_parent(node: Node) -> Option<Node> {
    let mut parent = node.parent()?;
    while matches!(
        parent.kind(),
        "parenthesized_expression"
            | "await_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion"
    ) {
        parent = parent.parent()?;
    }
    Some(parent)
}

/// The value of a string literal (`'x'`, `"x"`, or a template with no
/// substitutions), or `None` for anything else.
pub fn string_value(node: Node, source: &[u8]) -> Option<String> {
    let node = unwrap_expression(node);
    match node.kind() {
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
                match child.kind() {
                    "string_fragment" | "escape_sequence" => value.push_str(text(child, source)),
                    _ => return None,
                }
            }
            Some(value)
        }
        _ => None,
    }
}

/// Whether `node` starts a new function scope (a function, arrow, method, or
/// class static block).
pub fn is_function(node: Node) -> bool {
    matches!(
        node.kind(),
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

/// The nearest enclosing function of `node`, or the program root.
pub fn enclosing_function(node: Node) -> Node {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if is_function(parent) {
            return parent;
        }
        current = parent;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_collapses_chains_written_one_call_per_line() {
        assert_eq!(
            shorten("db\n  .selectFrom('logs')\n  .where( 'id', '=', id )"),
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

    #[test]
    fn syntax_errors_are_located() {
        let source = b"const a = 1;\nconst b = (;\nconst c = 3;\n";
        let (tree, problems) = parse(source, Dialect::TypeScript, "x.ts");
        assert!(tree.is_some());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
    }
}
