//! Splits a SQL migration into statements of tokens. Only what DDL needs is
//! told apart: words, quoted identifiers and punctuation. Literals (strings,
//! numbers, dollar-quoted function bodies) are kept opaque so that a `;` or
//! `(` inside them neither ends a statement nor opens a group.

/// One token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An unquoted word: a keyword or an identifier, as written.
    Word(String),
    /// A `"quoted"` or `` `quoted` `` identifier, quotes removed.
    Quoted(String),
    /// A string, number, parameter or dollar-quoted body; its value is never needed.
    Literal,
    /// Any other character: `(`, `)`, `,`, `.`, ...
    Punct(char),
}

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexeme {
    /// The token.
    pub token: Token,
    /// 1-based line in the migration file.
    pub line: usize,
}

/// The statements of `sql`, split at `;`, each a non-empty list of tokens.
/// Reading stops at a "down" marker (`-- +goose Down`, `-- +migrate Down`,
/// `-- migrate:down`): what follows undoes the file and must not be applied.
pub fn statements(sql: &str) -> Vec<Vec<Lexeme>> {
    let mut statements = Vec::new();
    let mut current = Vec::new();
    for lexeme in tokenize(sql) {
        if lexeme.token == Token::Punct(';') {
            if !current.is_empty() {
                statements.push(std::mem::take(&mut current));
            }
        } else {
            current.push(lexeme);
        }
    }
    if !current.is_empty() {
        statements.push(current);
    }
    statements
}

fn tokenize(sql: &str) -> Vec<Lexeme> {
    let chars: Vec<char> = sql.chars().collect();
    let mut lexemes = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Advances past chars[from..to], counting the newlines crossed.
    let skip = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())].iter().filter(|&&c| c == '\n').count();
        to
    };
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        let mut push = |token: Token| {
            lexemes.push(Lexeme {
                token,
                line: start_line,
            })
        };
        match c {
            c if c.is_whitespace() => i = skip(i, i + 1, &mut line),
            '-' if chars.get(i + 1) == Some(&'-') => {
                let end = find(&chars, i, |c| c == '\n').unwrap_or(chars.len());
                let comment: String = chars[i + 2..end].iter().collect();
                if is_down_marker(&comment) {
                    break;
                }
                i = end;
            }
            '/' if chars.get(i + 1) == Some(&'*') => i = skip(i, block_comment_end(&chars, i), &mut line),
            '\'' => {
                push(Token::Literal);
                i = skip(i, string_end(&chars, i, false), &mut line);
            }
            '"' | '`' => {
                let (value, end) = quoted_identifier(&chars, i);
                push(Token::Quoted(value));
                i = skip(i, end, &mut line);
            }
            '$' => match dollar_quote_end(&chars, i) {
                Some(end) => {
                    push(Token::Literal);
                    i = skip(i, end, &mut line);
                }
                None => {
                    // `$1` or a lone `$`: a parameter, opaque like a literal.
                    let end = find(&chars, i + 1, |c| !c.is_ascii_digit()).unwrap_or(chars.len());
                    push(Token::Literal);
                    i = end;
                }
            },
            c if c.is_alphabetic() || c == '_' => {
                let end = find(&chars, i, |c| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(chars.len());
                let word: String = chars[i..end].iter().collect();
                if word.eq_ignore_ascii_case("e") && chars.get(end) == Some(&'\'') {
                    // E'it\'s': a string with backslash escapes.
                    push(Token::Literal);
                    i = skip(end, string_end(&chars, end, true), &mut line);
                } else {
                    push(Token::Word(word));
                    i = end;
                }
            }
            c if c.is_ascii_digit() => {
                push(Token::Literal);
                i = find(&chars, i, |c| !(c.is_ascii_alphanumeric() || c == '.')).unwrap_or(chars.len());
            }
            c => {
                push(Token::Punct(c));
                i += 1;
            }
        }
    }
    lexemes
}

/// The first index at or after `from` whose char satisfies `predicate`.
fn find(chars: &[char], from: usize, predicate: impl Fn(char) -> bool) -> Option<usize> {
    (from..chars.len()).find(|&i| predicate(chars[i]))
}

/// Whether a `--` comment marks the start of a migration's "down" half.
fn is_down_marker(comment: &str) -> bool {
    let comment = comment.trim().to_ascii_lowercase();
    ["+goose down", "+migrate down", "migrate:down"]
        .iter()
        .any(|marker| comment.starts_with(marker))
}

/// The index after the `*/` closing the block comment opened at `start`.
/// PostgreSQL block comments nest.
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    chars.len()
}

/// The index after the quote closing the string opened at `start`; `''` is an
/// escaped quote, and so is `\'` when `backslash` escapes are on.
fn string_end(chars: &[char], start: usize, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if backslash => i += 2,
            '\'' if chars.get(i + 1) == Some(&'\'') => i += 2,
            '\'' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// The identifier quoted at `start` (doubled quotes unescaped) and the index after it.
fn quoted_identifier(chars: &[char], start: usize) -> (String, usize) {
    let quote = chars[start];
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                value.push(quote);
                i += 2;
                continue;
            }
            return (value, i + 1);
        }
        value.push(chars[i]);
        i += 1;
    }
    (value, chars.len())
}

/// For a `$tag$ ... $tag$` body opening at `start`, the index after its
/// closing tag; `None` when `start` does not open one (`$1`).
fn dollar_quote_end(chars: &[char], start: usize) -> Option<usize> {
    let close = find(chars, start + 1, |c| !(c.is_alphanumeric() || c == '_'))?;
    let tag = &chars[start..=close];
    if chars[close] != '$' || chars.get(start + 1).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let body = close + 1;
    let end = (body..chars.len())
        .find(|&i| chars[i..].starts_with(tag))
        .map_or(chars.len(), |i| i + tag.len());
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sql: &str) -> Vec<Vec<String>> {
        statements(sql)
            .into_iter()
            .map(|s| {
                s.into_iter()
                    .map(|l| match l.token {
                        Token::Word(w) => w,
                        Token::Quoted(q) => format!("\"{q}\""),
                        Token::Literal => "<lit>".to_string(),
                        Token::Punct(c) => c.to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn semicolons_inside_literals_and_bodies_do_not_split() {
        let sql = "SELECT ';', E'it\\'s;'; CREATE FUNCTION f() AS $body$ BEGIN; END $body$; DO $$ x; $$";
        assert_eq!(
            words(sql),
            vec![
                vec!["SELECT", "<lit>", ",", "<lit>"],
                vec!["CREATE", "FUNCTION", "f", "(", ")", "AS", "<lit>"],
                vec!["DO", "<lit>"],
            ]
        );
    }

    #[test]
    fn comments_nest_and_lines_are_counted() {
        let sql = "/* a /* b */ c; */\n-- x;\nCREATE \"T\"\"x\"";
        let statements = statements(sql);
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0][1].token, Token::Quoted("T\"x".to_string()));
        assert_eq!(statements[0][1].line, 3);
    }

    #[test]
    fn reading_stops_at_the_down_half() {
        let sql = "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;";
        assert_eq!(words(sql).len(), 1);
    }
}
