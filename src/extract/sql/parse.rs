//! Reads the SQL of a tagged template far enough for tenant scoping: the
//! tables a statement names, with aliases, and the `column = value`
//! comparisons of its WHERE, ON and HAVING clauses, with whether an OR can
//! bypass them. This is a tokenizer with clause tracking, not a SQL parser:
//! what it does not recognise it leaves out, and leaving out a comparison can
//! only make a verdict stricter.

use crate::extract::ir::{SqlOperand, SqlPredicate, SqlStatement, TableRef};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Param(usize),
    Literal(String),
    Punct(String),
}

#[derive(Debug, Clone)]
struct Lexeme {
    token: Token,
    /// 0-based line within the template.
    line: usize,
}

fn tokenize(sql: &str) -> Vec<Lexeme> {
    let chars: Vec<char> = sql.chars().collect();
    let mut lexemes = Vec::new();
    let mut line = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                while i < chars.len() {
                    if chars[i] == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            value.push('\'');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
                lexemes.push(Lexeme {
                    token: Token::Literal(format!("'{value}'")),
                    line: start_line,
                });
            }
            '"' | '`' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
                lexemes.push(Lexeme {
                    token: Token::Word(value),
                    line: start_line,
                });
            }
            '$' if chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) => {
                let mut digits = String::new();
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    digits.push(chars[i]);
                    i += 1;
                }
                lexemes.push(Lexeme {
                    token: Token::Param(digits.parse().unwrap_or(0)),
                    line: start_line,
                });
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut word = String::new();
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                    word.push(chars[i]);
                    i += 1;
                }
                lexemes.push(Lexeme {
                    token: Token::Word(word),
                    line: start_line,
                });
            }
            c if c.is_ascii_digit() => {
                let mut number = String::new();
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    number.push(chars[i]);
                    i += 1;
                }
                lexemes.push(Lexeme {
                    token: Token::Literal(number),
                    line: start_line,
                });
            }
            _ => {
                let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let punct = if matches!(two.as_str(), "<>" | "!=" | "<=" | ">=" | "::" | "||") {
                    two
                } else {
                    c.to_string()
                };
                i += punct.chars().count();
                lexemes.push(Lexeme {
                    token: Token::Punct(punct),
                    line: start_line,
                });
            }
        }
    }
    lexemes
}

const RESERVED: &[&str] = &[
    "all",
    "and",
    "as",
    "asc",
    "by",
    "conflict",
    "cross",
    "default",
    "delete",
    "desc",
    "do",
    "except",
    "exists",
    "fetch",
    "for",
    "from",
    "full",
    "group",
    "having",
    "in",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "lateral",
    "left",
    "limit",
    "natural",
    "not",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "returning",
    "right",
    "select",
    "set",
    "union",
    "update",
    "using",
    "values",
    "where",
    "window",
    "with",
];

fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word.to_ascii_lowercase().as_str())
}

/// A comparison found, with the clause segments it sits in.
struct Pending {
    column: String,
    operator: String,
    operand: SqlOperand,
    segments: Vec<usize>,
    outer_join: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Clause {
    Other,
    Condition,
}

#[derive(Debug)]
struct Frame {
    clause: Clause,
    /// Id of the current clause segment; an OR marks it.
    segment: usize,
    /// Inside a FROM list, where a comma introduces another table.
    from_list: bool,
    /// After `LEFT|RIGHT|FULL JOIN t`: t's qualifier, for its ON clause.
    outer_join: Option<String>,
}

/// Reads `sql` (substitutions already replaced by `$1`, `$2`, ...).
/// `params` holds each substitution's source text; `first_line` is the
/// template's 1-based line in its file.
pub fn statement(sql: &str, params: &[String], first_line: usize) -> SqlStatement {
    let lexemes = tokenize(sql);
    let word = |i: usize| match lexemes.get(i).map(|l| &l.token) {
        Some(Token::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let keyword = |i: usize, k: &str| word(i).is_some_and(|w| w.eq_ignore_ascii_case(k));
    let punct = |i: usize, p: &str| matches!(lexemes.get(i).map(|l| &l.token), Some(Token::Punct(q)) if q == p);
    let param_text = |n: usize| {
        params
            .get(n.wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| format!("${n}"))
    };

    let mut operation: Option<String> = None;
    let mut tables: Vec<TableRef> = Vec::new();
    let mut ctes: Vec<String> = Vec::new();
    let mut insert_columns = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut or_segments: Vec<usize> = Vec::new();
    let mut frames = vec![Frame {
        clause: Clause::Other,
        segment: 0,
        from_list: false,
        outer_join: None,
    }];
    let mut next_segment = 1;

    // Reads a table reference at `i`; returns the index after it.
    let read_table = |i: usize, tables: &mut Vec<TableRef>| -> usize {
        let line = first_line + lexemes.get(i).map_or(0, |l| l.line);
        match lexemes.get(i).map(|l| &l.token) {
            Some(Token::Word(name)) if !is_reserved(name) => {
                let mut name = name.clone();
                let mut j = i + 1;
                while punct(j, ".") {
                    if let Some(part) = word(j + 1) {
                        name = format!("{name}.{part}");
                    }
                    j += 2;
                }
                let mut alias = None;
                if keyword(j, "as") {
                    alias = word(j + 1).map(str::to_string);
                    j += 2;
                } else if let Some(candidate) = word(j).filter(|w| !is_reserved(w)) {
                    alias = Some(candidate.to_string());
                    j += 1;
                }
                tables.push(TableRef::Named { name, alias, line });
                j
            }
            Some(Token::Param(n)) => {
                tables.push(TableRef::Dynamic {
                    text: param_text(*n),
                    line,
                });
                i + 1
            }
            _ => i,
        }
    };

    let mut i = 0;
    while i < lexemes.len() {
        let depth_segments: Vec<usize> = frames.iter().map(|f| f.segment).collect();
        let top_level = frames.len() == 1;
        let frame = frames.last_mut().expect("the outermost frame is never popped");
        match &lexemes[i].token {
            Token::Punct(p) if p == "(" => {
                let clause = frame.clause;
                let outer_join = frame.outer_join.clone();
                frames.push(Frame {
                    clause,
                    segment: next_segment,
                    from_list: false,
                    outer_join,
                });
                next_segment += 1;
                i += 1;
            }
            Token::Punct(p) if p == "," && frame.from_list => {
                i = read_table(i + 1, &mut tables).max(i + 1);
            }
            Token::Punct(p) if p == ")" => {
                if frames.len() > 1 {
                    frames.pop();
                }
                i += 1;
            }
            Token::Word(w) => {
                let lower = w.to_ascii_lowercase();
                let mut set_clause = |clause: Clause, frame: &mut Frame| {
                    frame.clause = clause;
                    frame.segment = next_segment;
                    next_segment += 1;
                };
                match lower.as_str() {
                    "select" | "insert" | "update" | "delete" if operation.is_none() && top_level => {
                        operation = Some(lower.clone());
                        set_clause(Clause::Other, frame);
                        i = if lower == "update" {
                            read_table(i + 1, &mut tables)
                        } else {
                            i + 1
                        };
                    }
                    "with" if word(i + 1).is_some_and(|w| w.eq_ignore_ascii_case("recursive")) => i += 1,
                    "from" | "join" | "using" => {
                        set_clause(Clause::Other, frame);
                        frame.from_list |= lower == "from";
                        let outer = lower == "join"
                            && (1..=2).any(|back| {
                                i >= back
                                    && word(i - back).is_some_and(|w| {
                                        ["left", "right", "full"].contains(&w.to_ascii_lowercase().as_str())
                                    })
                            });
                        let before = tables.len();
                        i = read_table(i + 1, &mut tables).max(i + 1);
                        frame.outer_join = match tables.get(before) {
                            Some(table) if outer && tables.len() > before => table.qualifier().map(str::to_string),
                            _ => None,
                        };
                    }
                    "update" => i = read_table(i + 1, &mut tables).max(i + 1),
                    "into" => {
                        set_clause(Clause::Other, frame);
                        let mut j = read_table(i + 1, &mut tables).max(i + 1);
                        if punct(j, "(") {
                            j += 1;
                            while j < lexemes.len() && !punct(j, ")") {
                                if let Some(column) = word(j) {
                                    insert_columns.push(column.to_string());
                                }
                                j += 1;
                            }
                            j += 1;
                        }
                        i = j;
                    }
                    "where" | "on" | "having" => {
                        set_clause(Clause::Condition, frame);
                        frame.from_list &= lower == "on";
                        if lower != "on" {
                            frame.outer_join = None;
                        }
                        i += 1;
                    }
                    "select" | "group" | "order" | "limit" | "offset" | "returning" | "set" | "values" | "union"
                    | "except" | "intersect" | "window" => {
                        set_clause(Clause::Other, frame);
                        frame.from_list = false;
                        i += 1;
                    }
                    "or" if frame.clause == Clause::Condition => {
                        or_segments.push(frame.segment);
                        i += 1;
                    }
                    _ => {
                        // `name AS (` after WITH or a comma declares a CTE.
                        if keyword(i + 1, "as") && punct(i + 2, "(") && top_level {
                            ctes.push(w.clone());
                            i += 2;
                            continue;
                        }
                        if frame.clause == Clause::Condition && !is_reserved(w) {
                            if let Some((column, operator, operand, next)) = comparison(&lexemes, i, &param_text) {
                                pending.push(Pending {
                                    column,
                                    operator,
                                    operand,
                                    segments: depth_segments,
                                    outer_join: frame.outer_join.clone(),
                                });
                                i = next;
                                continue;
                            }
                        }
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }

    let tables = tables
        .into_iter()
        .map(|t| match t {
            TableRef::Named { ref name, .. } if ctes.iter().any(|c| c.eq_ignore_ascii_case(name)) => {
                TableRef::Derived { name: name.clone() }
            }
            other => other,
        })
        .collect();
    let predicates = pending
        .into_iter()
        .map(
            |Pending {
                 column,
                 operator,
                 operand,
                 segments,
                 outer_join,
             }| {
                let shown = match &operand {
                    SqlOperand::Param(p) => format!("${{{p}}}"),
                    SqlOperand::Column(c) | SqlOperand::Other(c) => c.clone(),
                };
                let text = if operator == "in" {
                    format!("{column} IN ({shown})")
                } else {
                    format!("{column} {operator} {shown}")
                };
                SqlPredicate {
                    in_or: segments.iter().any(|s| or_segments.contains(s)),
                    outer_join,
                    column,
                    operator,
                    operand,
                    text,
                }
            },
        )
        .collect();
    SqlStatement {
        operation: operation.unwrap_or_else(|| "other".to_string()),
        tables,
        predicates,
        insert_columns,
    }
}

/// `col = $1`, `t.col IN ($1)`, `col = ANY($1)`, `a.x = b.y` starting at `i`.
fn comparison(
    lexemes: &[Lexeme],
    i: usize,
    param_text: &dyn Fn(usize) -> String,
) -> Option<(String, String, SqlOperand, usize)> {
    let word = |i: usize| match lexemes.get(i).map(|l| &l.token) {
        Some(Token::Word(w)) => Some(w.clone()),
        _ => None,
    };
    let punct = |i: usize, p: &str| matches!(lexemes.get(i).map(|l| &l.token), Some(Token::Punct(q)) if q == p);
    let keyword = |i: usize, k: &str| word(i).is_some_and(|w| w.eq_ignore_ascii_case(k));
    let column_at = |mut j: usize| -> Option<(String, usize)> {
        let mut column = word(j).filter(|w| !is_reserved(w))?;
        j += 1;
        while punct(j, ".") {
            column = format!("{column}.{}", word(j + 1)?);
            j += 2;
        }
        Some((column, j))
    };
    let (column, mut j) = column_at(i)?;
    // Casts on the column side (`organization_id::text = $1`) do not change it.
    while punct(j, "::") {
        j += 2;
    }
    let operator = if punct(j, "=") {
        j += 1;
        if keyword(j, "any") {
            j += 1;
            "in"
        } else {
            "="
        }
    } else if keyword(j, "in") {
        j += 1;
        "in"
    } else {
        return None;
    };
    let mut params = Vec::new();
    let open = punct(j, "(");
    let mut k = if open { j + 1 } else { j };
    while let Some(Token::Param(n)) = lexemes.get(k).map(|l| &l.token) {
        params.push(param_text(*n));
        k += 1;
        while punct(k, "::") {
            k += 2;
        }
        if !(open && punct(k, ",")) {
            break;
        }
        k += 1;
    }
    if !params.is_empty() && (!open || punct(k, ")")) {
        let next = if open { k + 1 } else { k };
        return Some((column, operator.to_string(), SqlOperand::Param(params.join(", ")), next));
    }
    if !open {
        if let Some((other, next)) = column_at(j) {
            return Some((column, operator.to_string(), SqlOperand::Column(other), next));
        }
    }
    let shown = match lexemes.get(j).map(|l| &l.token) {
        Some(Token::Literal(l)) => l.clone(),
        Some(Token::Word(w)) => w.clone(),
        Some(Token::Punct(p)) if p == "(" => "(…)".to_string(),
        _ => "…".to_string(),
    };
    Some((column, operator.to_string(), SqlOperand::Other(shown), j + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(statement: &SqlStatement) -> Vec<(String, Option<String>)> {
        statement
            .tables
            .iter()
            .filter_map(|t| match t {
                TableRef::Named { name, alias, .. } => Some((name.clone(), alias.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn tables_and_aliases_from_every_clause() {
        let s = statement(
            "SELECT l.id FROM logs l JOIN projects AS p ON p.id = l.project_id, users WHERE p.organization_id = $1",
            &["orgId".into()],
            1,
        );
        assert_eq!(s.operation, "select");
        assert_eq!(
            names(&s),
            vec![
                ("logs".into(), Some("l".into())),
                ("projects".into(), Some("p".into())),
                ("users".into(), None)
            ]
        );
        assert_eq!(s.predicates.len(), 2);
        assert_eq!(s.predicates[0].operand, SqlOperand::Column("l.project_id".into()));
        assert_eq!(s.predicates[1].operand, SqlOperand::Param("orgId".into()));
        assert!(!s.predicates[1].in_or);
    }

    #[test]
    fn outer_join_conditions_know_their_table() {
        let s = statement(
            "SELECT * FROM logs l LEFT JOIN projects p ON p.id = l.project_id AND p.organization_id = $1 WHERE l.level = $2",
            &["orgId".into(), "level".into()],
            1,
        );
        assert_eq!(s.predicates[0].outer_join.as_deref(), Some("p"));
        assert_eq!(s.predicates[1].outer_join.as_deref(), Some("p"));
        assert_eq!(s.predicates[2].outer_join, None);
    }

    #[test]
    fn select_list_mentions_are_not_predicates() {
        let s = statement(
            "SELECT id, organization_id FROM webhooks WHERE id = $1",
            &["id".into()],
            1,
        );
        assert_eq!(s.predicates.len(), 1);
        assert_eq!(s.predicates[0].column, "id");
    }

    #[test]
    fn or_marks_comparisons_at_its_level_and_below() {
        let s = statement(
            "SELECT * FROM dashboards WHERE (organization_id = $1 OR is_public = true) AND id = $2",
            &["orgId".into(), "id".into()],
            1,
        );
        let org = s.predicates.iter().find(|p| p.column == "organization_id").unwrap();
        let id = s.predicates.iter().find(|p| p.column == "id").unwrap();
        assert!(org.in_or);
        assert!(!id.in_or);
    }

    #[test]
    fn insert_columns_ctes_and_any() {
        let s = statement(
            "WITH recent AS (SELECT * FROM logs WHERE project_id = ANY($1)) INSERT INTO usage_records (organization_id, metric) SELECT $2, 'x' FROM recent",
            &["ids".into(), "orgId".into()],
            1,
        );
        assert_eq!(s.operation, "insert");
        assert_eq!(s.insert_columns, vec!["organization_id", "metric"]);
        assert!(s.tables.contains(&TableRef::Derived { name: "recent".into() }));
        assert_eq!(s.predicates[0].operator, "in");
    }
}
