//! Raw SQL paths: `sql` tagged templates (and `sql.raw` calls) that
//! name at least one table. Templates that name none are fragments used inside
//! a builder (`sql\`now()\``) and are not paths of their own.

mod parse;

use super::ir::{Access, Candidate, TableRef};
use super::prefilter::Role;
use super::queries::{called_member_or_awaited, member_property, FileMatches};
use super::symbols::enclosing_symbol;
use super::syntax::{line, snippet, text, Ancestry, Fields, KindName};
use crate::model::{PathKind, TableUse};
use tree_sitter::{Node, Tree};

pub use parse::statement;

/// Every raw SQL path in a parsed file.
pub fn extract(tree: &Tree, matches: &FileMatches, source: &[u8], file: &str) -> Vec<Candidate> {
    let ancestry = Ancestry::with_known(tree.root_node(), matches.parents());
    let mut templates: Vec<Node> = matches
        .nodes(Role::Sql, "call")
        .into_iter()
        .filter_map(|call| tagged_template(call, source))
        .chain(
            matches
                .nodes(Role::Sql, "binary")
                .into_iter()
                .filter_map(|binary| generic_rest(binary, source))
                .filter_map(template_at_bottom),
        )
        .collect();
    templates.sort_by_key(|n| n.start_byte());
    templates.dedup_by_key(|n| n.id());
    let mut candidates: Vec<Candidate> = templates
        .into_iter()
        .filter_map(|template| candidate(template, source, file, &ancestry))
        .collect();
    candidates.extend(
        matches
            .nodes(Role::Sql, "call")
            .into_iter()
            .filter(|call| raw_call(*call, source))
            .filter_map(|call| raw_candidate(call, source, file, &ancestry)),
    );
    candidates.sort_by_key(|c| c.line);
    candidates
}

/// The template of `` sql`...` ``: a call of the identifier `sql` with a template.
fn tagged_template<'t>(call: Node<'t>, source: &[u8]) -> Option<Node<'t>> {
    let tag = call.field("function")?;
    let template = call.field("arguments")?;
    let is_sql = tag.kind_name() == "identifier" && text(tag, source) == "sql";
    (call.kind_name() == "call_expression" && is_sql && template.kind_name() == "template_string").then_some(template)
}

/// What follows `` sql<Row> `` in `` sql<Row>`...` ``, which tree-sitter-typescript
/// reads as `(sql < Row) > ...`: the right operand of the outer comparison.
fn generic_rest<'t>(binary: Node<'t>, source: &[u8]) -> Option<Node<'t>> {
    let operator = |node: Node<'t>| node.field("operator").map(|o| o.kind_name());
    let left = binary.field("left")?;
    let tag = left.field("left")?;
    let tag = match tag.kind_name() {
        "await_expression" => tag.named_child(0)?,
        _ => tag,
    };
    let is_sql = tag.kind_name() == "identifier" && text(tag, source) == "sql";
    let is_generic = binary.kind_name() == "binary_expression"
        && operator(binary) == Some(">")
        && left.kind_name() == "binary_expression"
        && operator(left) == Some("<");
    binary
        .field("right")
        .filter(|right| is_sql && is_generic && right.is_named())
}

/// Whether `call` is `sql.raw(text, ...)`, also awaited (`await sql.raw<T>(text)`).
fn raw_call(call: Node, source: &[u8]) -> bool {
    let Some(member) = called_member_or_awaited(call) else {
        return false;
    };
    let has_text = call.field("arguments").is_some_and(|a| a.named_child_count() > 0);
    let object = member.field("object");
    object.is_some_and(|o| o.kind_name() == "identifier" && text(o, source) == "sql")
        && member_property(member, source) == "raw"
        && has_text
}

/// The template string at the bottom of `` `...`.execute(db) ``, or `node` itself.
fn template_at_bottom(node: Node) -> Option<Node> {
    let mut current = node;
    loop {
        current = match current.kind_name() {
            "template_string" => return Some(current),
            "call_expression" => current.field("function")?,
            "member_expression" => current.field("object")?,
            "parenthesized_expression" | "await_expression" => current.named_child(0)?,
            _ => return None,
        };
    }
}

/// `sql.raw(...)`: a literal (or template) argument is read as SQL; any other
/// argument is a path only when the call is executed, with unknown tables.
fn raw_candidate<'t>(call: Node<'t>, source: &[u8], file: &str, ancestry: &Ancestry<'t>) -> Option<Candidate> {
    let argument = call.field("arguments")?.named_child(0)?;
    let argument = super::syntax::unwrap_expression(argument);
    if argument.kind_name() == "template_string" {
        return candidate(argument, source, file, ancestry);
    }
    if let Some(text) = super::syntax::string_value(argument, source) {
        return statement_candidate(
            parse::statement(&text, &[], line(argument)),
            call,
            source,
            file,
            ancestry,
        );
    }
    let executed = ancestry
        .parent(call)
        .filter(|p| p.kind_name() == "member_expression")
        .and_then(|m| m.field("property"))
        .is_some_and(|p| super::syntax::text(p, source) == "execute");
    if !executed {
        return None; // a fragment inside a builder; the builder's path fails closed on it
    }
    let statement = crate::extract::ir::SqlStatement {
        operation: "other".to_string(),
        tables: vec![TableRef::Dynamic {
            text: format!("sql.raw({})", snippet(argument, source)),
            line: line(call),
        }],
        predicates: Vec::new(),
        insert_columns: Vec::new(),
    };
    statement_candidate(statement, call, source, file, ancestry)
}

fn candidate<'t>(template: Node<'t>, source: &[u8], file: &str, ancestry: &Ancestry<'t>) -> Option<Candidate> {
    let (sql, params) = template_sql(template, source);
    let statement = parse::statement(&sql, &params, line(template));
    statement_candidate(statement, template, source, file, ancestry)
}

/// A candidate for a statement found at `node`, when it names any table.
fn statement_candidate<'t>(
    statement: crate::extract::ir::SqlStatement,
    node: Node<'t>,
    source: &[u8],
    file: &str,
    ancestry: &Ancestry<'t>,
) -> Option<Candidate> {
    let targets: Vec<TableUse> = statement.tables.iter().filter_map(TableRef::target).collect();
    if targets.is_empty() {
        return None;
    }
    Some(Candidate {
        id: String::new(),
        kind: PathKind::Sql,
        operation: statement.operation.clone(),
        targets,
        file: file.to_string(),
        line: line(node),
        symbol: enclosing_symbol(node, source, ancestry),
        access: Access::Sql(statement),
    })
}

/// The template's SQL with each `${...}` replaced by `$1`, `$2`, ..., and the
/// source text of each substitution.
fn template_sql(template: Node, source: &[u8]) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    let mut cursor = template.walk();
    let mut last_end = template.start_byte() + 1; // after the opening backtick
    for child in template.named_children(&mut cursor) {
        // Text between children (not always a named node) is SQL.
        sql.push_str(&String::from_utf8_lossy(
            &source[last_end.min(child.start_byte())..child.start_byte()],
        ));
        match child.kind_name() {
            "template_substitution" => {
                let inner = child.named_child(0).map(|n| snippet(n, source)).unwrap_or_default();
                params.push(inner);
                sql.push_str(&format!("${}", params.len()));
            }
            _ => sql.push_str(text(child, source)),
        }
        last_end = child.end_byte();
    }
    let close = template.end_byte().saturating_sub(1).max(last_end);
    sql.push_str(&String::from_utf8_lossy(&source[last_end..close]));
    (sql, params)
}
