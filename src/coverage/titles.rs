//! The names of the tests a test file declares, read with tree-sitter from
//! `describe` / `it` / `test` calls (Vitest, Jest, Mocha and Jasmine spell
//! them alike). A name is the chain of titles, outermost first, joined by
//! ` › `, as test runners print them.

use std::collections::HashMap;
use tree_sitter::{Node, Parser};

/// One test a file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// The file, relative to the inventory's folder.
    pub file: String,
    /// 1-based line of the `it` / `test` call.
    pub line: usize,
    /// Titles of the enclosing `describe` blocks and of the test, joined by ` › `.
    pub name: String,
    /// Whether the test does not run (`it.skip`, `it.todo`, `xit`, or inside `describe.skip`).
    pub skipped: bool,
}

/// Every test declared in `source`, in source order. A file the parser
/// cannot read at all yields none, which makes its area missing rather
/// than covered by tests nobody can see.
pub fn test_cases(source: &str, file: &str) -> Vec<TestCase> {
    let mut parser = Parser::new();
    let language: tree_sitter::Language = if file.ends_with(".ts") || file.ends_with(".mts") || file.ends_with(".cts") {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        // .tsx, and JavaScript, which may hold JSX.
        tree_sitter_typescript::LANGUAGE_TSX.into()
    };
    if parser.set_language(&language).is_err() {
        return Vec::new();
    }
    let Some(tree) = parser.parse(source, None) else {
        return Vec::new();
    };
    let bytes = source.as_bytes();

    // Every titled call, by node id: groups (`describe`) and tests.
    let mut groups: HashMap<usize, (String, bool)> = HashMap::new();
    let mut tests = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        if let Some(call) = titled_call(node, bytes) {
            if call.is_group {
                groups.insert(node.id(), (call.title, call.skipped));
            } else {
                tests.push((node, call.title, call.skipped));
            }
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }

    tests
        .into_iter()
        .map(|(node, title, mut skipped)| {
            let mut titles = vec![title];
            let mut ancestor = node.parent();
            while let Some(current) = ancestor {
                if let Some((group, group_skipped)) = groups.get(&current.id()) {
                    titles.push(group.clone());
                    skipped |= group_skipped;
                }
                ancestor = current.parent();
            }
            titles.reverse();
            TestCase {
                file: file.to_string(),
                line: node.start_position().row + 1,
                name: titles.join(" › "),
                skipped,
            }
        })
        .collect()
}

struct TitledCall {
    title: String,
    is_group: bool,
    skipped: bool,
}

/// `describe('title', ...)`, `it.skip('title', ...)`, `test.each(rows)('title %s', ...)`.
fn titled_call(node: Node, source: &[u8]) -> Option<TitledCall> {
    if node.kind() != "call_expression" {
        return None;
    }
    let mut function = node.child_by_field_name("function")?;
    if function.kind() == "call_expression" {
        // `test.each(rows)('title', fn)`: the callee is `test.each`.
        function = function.child_by_field_name("function")?;
    }
    if !matches!(function.kind(), "identifier" | "member_expression") {
        return None;
    }
    let callee = function.utf8_text(source).ok()?;
    let mut parts = callee.split('.').map(str::trim);
    let base = parts.next()?;
    let modifiers: Vec<&str> = parts.collect();
    let (is_group, base_skipped) = match base {
        "describe" | "context" | "suite" | "fdescribe" => (true, false),
        "xdescribe" | "xcontext" => (true, true),
        "it" | "test" | "specify" | "fit" => (false, false),
        "xit" | "xtest" | "xspecify" => (false, true),
        _ => return None,
    };
    let arguments = node.child_by_field_name("arguments")?;
    let mut walker = arguments.walk();
    let first = arguments
        .named_children(&mut walker)
        .find(|child| child.kind() != "comment")?;
    let title = match first.kind() {
        "string" => unquote(first.utf8_text(source).ok()?),
        "template_string" => first.utf8_text(source).ok()?.trim_matches('`').to_string(),
        _ => return None,
    };
    let skipped = base_skipped || modifiers.iter().any(|m| matches!(*m, "skip" | "todo"));
    Some(TitledCall {
        title,
        is_group,
        skipped,
    })
}

/// A string literal's text without its quotes and escapes.
fn unquote(literal: &str) -> String {
    let inner = literal
        .strip_prefix(['\'', '"'])
        .and_then(|s| s.strip_suffix(['\'', '"']))
        .unwrap_or(literal);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_chain_of_titles() {
        let source = r#"
describe('isolation', () => {
  describe("search", () => {
    it('only returns rows of the caller\'s org', async () => {});
  });
  test(`counts ${'x'}`, () => {});
});
"#;
        let names: Vec<(String, usize)> = test_cases(source, "a.test.ts")
            .into_iter()
            .map(|t| (t.name, t.line))
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "isolation › search › only returns rows of the caller's org".to_string(),
                    4
                ),
                ("isolation › counts ${'x'}".to_string(), 6),
            ]
        );
    }

    #[test]
    fn skipped_and_todo_tests_are_marked() {
        let source = "describe.skip('off', () => { it('a', () => {}); });\nit.todo('later');\nxit('x', () => {});\ntest.each([1])('row %s', () => {});\n";
        let tests = test_cases(source, "a.test.ts");
        let skipped: Vec<(&str, bool)> = tests.iter().map(|t| (t.name.as_str(), t.skipped)).collect();
        assert_eq!(
            skipped,
            vec![("off › a", true), ("later", true), ("x", true), ("row %s", false)]
        );
    }

    #[test]
    fn calls_that_are_not_tests_are_ignored() {
        let source = "expect(it).toBe(1);\nlog('describe me');\nfoo.it('x');\n";
        assert!(test_cases(source, "a.test.ts").is_empty());
    }
}
