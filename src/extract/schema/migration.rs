//! Replays the DDL of SQL migrations onto a [`Schema`]: `CREATE TABLE`,
//! `ALTER TABLE` (add, drop and rename columns, rename the table) and
//! `DROP TABLE`. Every other statement (indexes, views, data changes,
//! functions) leaves the columns alone and is skipped. Nothing here fails: a
//! statement that cannot be read is left out, as a migration tool would not
//! have shown it to us either.

use super::lex::{statements, Lexeme, Token};
use super::{Schema, TableSchema};
use std::collections::BTreeSet;

/// Reads `CREATE TABLE` / `ALTER TABLE ... ADD [COLUMN]` statements from a SQL migration file, in order
/// (later migrations extend tables; `DROP TABLE` and `ALTER TABLE ... DROP [COLUMN]` remove; `ALTER TABLE x RENAME TO y` renames).
///
/// Call it once per migration file, in the order the files are applied.
/// Keywords are case-insensitive; names are kept as written with their quotes
/// removed, schema-qualified ones joined with `.` (`"public"."logs"` is
/// `public.logs`). A statement naming a table by a different letter case than
/// it was created with still finds it when the match is unambiguous.
pub fn read_sql_migration(sql: &str, file: &str, schema: &mut Schema) {
    for statement in statements(sql) {
        let mut cursor = Cursor::new(&statement);
        if cursor.keyword("create") {
            create_table(cursor, file, schema);
        } else if cursor.keywords(&["alter", "table"]) {
            alter_table(cursor, file, schema);
        } else if cursor.keywords(&["drop", "table"]) {
            drop_tables(cursor, schema);
        }
    }
}

/// `CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] name (columns and constraints) [INHERITS (parents)]`,
/// also `PARTITION OF parent` and `AS SELECT ...` (whose columns stay unknown).
fn create_table(mut cursor: Cursor, file: &str, schema: &mut Schema) {
    while cursor.any_keyword(&["or", "replace", "global", "local", "temp", "temporary", "unlogged"]) {}
    if !cursor.keyword("table") {
        return; // an index, view, function, ...
    }
    let if_not_exists = cursor.keywords(&["if", "not", "exists"]);
    let Some((name, line)) = cursor.qualified_name() else {
        return;
    };
    if if_not_exists && find_table(schema, &name.joined()).is_some() {
        return;
    }
    let mut columns = BTreeSet::new();
    if let Some(elements) = cursor.group() {
        for element in split_top_level(elements) {
            let mut element = Cursor::new(element);
            if element.keyword("like") {
                // `LIKE other [INCLUDING ...]` copies the other table's columns.
                if let Some((other, _)) = element.qualified_name() {
                    columns.extend(columns_of(schema, &other.joined()));
                }
            } else if let Some(column) = column_definition(&mut element) {
                columns.insert(column);
            }
        }
        if cursor.keyword("inherits") {
            for parent in cursor.group().map(split_top_level).unwrap_or_default() {
                if let Some((parent, _)) = Cursor::new(parent).qualified_name() {
                    columns.extend(columns_of(schema, &parent.joined()));
                }
            }
        }
    } else if cursor.keywords(&["partition", "of"]) {
        if let Some((parent, _)) = cursor.qualified_name() {
            columns.extend(columns_of(schema, &parent.joined()));
        }
    }
    // A plain CREATE of a table already known replaces it: the statement
    // lists every column the table has from now on.
    let key = find_table(schema, &name.joined()).unwrap_or_else(|| name.joined());
    schema.tables.remove(&key);
    schema.tables.insert(
        name.joined(),
        TableSchema {
            columns,
            file: file.to_string(),
            line,
        },
    );
}

/// `ALTER TABLE [IF EXISTS] [ONLY] name action, action, ...`.
fn alter_table(mut cursor: Cursor, file: &str, schema: &mut Schema) {
    cursor.keywords(&["if", "exists"]);
    cursor.keyword("only");
    let Some((name, line)) = cursor.qualified_name() else {
        return;
    };
    cursor.punct('*');
    let mut key = find_table(schema, &name.joined());
    for action in split_top_level(cursor.rest()) {
        let mut action = Cursor::new(action);
        if action.keyword("add") {
            let added = added_columns(&mut action);
            if added.is_empty() {
                continue;
            }
            // A table created outside the migrations read (or by an earlier
            // file not given) is declared here for us.
            let table = key.get_or_insert_with(|| name.joined()).clone();
            schema
                .tables
                .entry(table)
                .or_insert_with(|| TableSchema {
                    columns: BTreeSet::new(),
                    file: file.to_string(),
                    line,
                })
                .columns
                .extend(added);
        } else if action.keyword("drop") {
            if let (Some(table), Some(column)) = (&key, dropped_column(&mut action)) {
                if let Some(table) = schema.tables.get_mut(table) {
                    table.columns.remove(&column);
                }
            }
        } else if action.keyword("rename") {
            key = rename(&mut action, &name, key, schema);
        } else if action.keywords(&["set", "schema"]) {
            if let (Some(old), Some((new_schema, _))) = (key.clone(), action.identifier()) {
                let new = format!(
                    "{new_schema}.{}",
                    name.parts.last().map(String::as_str).unwrap_or_default()
                );
                key = Some(rename_table(schema, &old, new));
            }
        }
    }
}

/// The columns an `ADD ...` action adds: `ADD [COLUMN] [IF NOT EXISTS] name type ...`
/// or `ADD (name type, ...)`; none for `ADD CONSTRAINT`, `ADD PRIMARY KEY`, ...
fn added_columns(action: &mut Cursor) -> Vec<String> {
    if let Some(group) = action.group() {
        return split_top_level(group)
            .into_iter()
            .filter_map(|element| column_definition(&mut Cursor::new(element)))
            .collect();
    }
    if action.keyword("column") {
        action.keywords(&["if", "not", "exists"]);
        return action.identifier().map(|(name, _)| vec![name]).unwrap_or_default();
    }
    action.keywords(&["if", "not", "exists"]);
    column_definition(action).into_iter().collect()
}

/// The column a `DROP ...` action removes: `DROP [COLUMN] [IF EXISTS] name [CASCADE]`;
/// none for `DROP CONSTRAINT x`, `DROP PRIMARY KEY`, MySQL's `DROP INDEX x`, ...
fn dropped_column(action: &mut Cursor) -> Option<String> {
    if !action.keyword("column") {
        if action.keyword("constraint")
            || action.at_keywords(&["primary", "key"])
            || action.at_keywords(&["foreign", "key"])
        {
            return None;
        }
        // `DROP key` drops a column named key; `DROP KEY idx` (MySQL) an index.
        if action.at_any_keyword(&["index", "key", "check", "partition"]) && action.next_is_name() {
            return None;
        }
    }
    action.keywords(&["if", "exists"]);
    action.identifier().map(|(name, _)| name)
}

/// Applies a `RENAME ...` action to the table known as `key` and returns its
/// key afterwards: `RENAME [TO|AS] new`, `RENAME [COLUMN] a TO b`.
fn rename(action: &mut Cursor, name: &Name, key: Option<String>, schema: &mut Schema) -> Option<String> {
    let key = key?;
    if action.any_keyword(&["to", "as"]) {
        let (mut new, _) = action.qualified_name()?;
        // PostgreSQL keeps a renamed table in its schema.
        if new.parts.len() == 1 && name.parts.len() > 1 {
            new.parts
                .splice(0..0, name.parts[..name.parts.len() - 1].iter().cloned());
        }
        return Some(rename_table(schema, &key, new.joined()));
    }
    if action.keyword("constraint") || (action.at_any_keyword(&["index", "key"]) && action.next_is_name()) {
        return Some(key);
    }
    action.keyword("column");
    let renamed = (|| {
        let (old, _) = action.identifier()?;
        action.keyword("to").then_some(())?;
        let (new, _) = action.identifier()?;
        Some((old, new))
    })();
    if let (Some((old, new)), Some(table)) = (renamed, schema.tables.get_mut(&key)) {
        if table.columns.remove(&old) {
            table.columns.insert(new);
        }
    }
    Some(key)
}

/// Moves the table at `old` to `new`, keeping where it was first declared.
fn rename_table(schema: &mut Schema, old: &str, new: String) -> String {
    if let Some(table) = schema.tables.remove(old) {
        schema.tables.insert(new.clone(), table);
    }
    new
}

/// `DROP TABLE [IF EXISTS] a, b [CASCADE]`.
fn drop_tables(mut cursor: Cursor, schema: &mut Schema) {
    cursor.keywords(&["if", "exists"]);
    for target in split_top_level(cursor.rest()) {
        if let Some((name, _)) = Cursor::new(target).qualified_name() {
            if let Some(key) = find_table(schema, &name.joined()) {
                schema.tables.remove(&key);
            }
        }
    }
}

/// The column a table element or `ADD` action defines (`name type ...`), or
/// `None` for a table constraint.
fn column_definition(element: &mut Cursor) -> Option<String> {
    if element.at_any_keyword(&["constraint", "primary", "foreign", "unique", "check"]) {
        return None;
    }
    // `EXCLUDE USING gist (...)` is a constraint; a column may be named exclude.
    if element.at_keyword("exclude")
        && (matches!(element.next(), Some(Token::Punct('('))) || Cursor::is_keyword(element.next(), "using"))
    {
        return None;
    }
    element.identifier().map(|(name, _)| name)
}

/// The key of table `name` in `schema`: the same spelling, or else the only
/// one equal to it ignoring letter case (unquoted names fold in SQL).
fn find_table(schema: &Schema, name: &str) -> Option<String> {
    if schema.tables.contains_key(name) {
        return Some(name.to_string());
    }
    let mut matches = schema.tables.keys().filter(|k| k.eq_ignore_ascii_case(name));
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}

fn columns_of(schema: &Schema, table: &str) -> BTreeSet<String> {
    find_table(schema, table)
        .and_then(|key| schema.tables.get(&key))
        .map(|t| t.columns.clone())
        .unwrap_or_default()
}

/// Splits at commas outside parentheses and brackets: `numeric(10, 2)` and
/// `DEFAULT ARRAY[1, 2]` stay in one element.
fn split_top_level(tokens: &[Lexeme]) -> Vec<&[Lexeme]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, lexeme) in tokens.iter().enumerate() {
        match lexeme.token {
            Token::Punct('(' | '[') => depth += 1,
            Token::Punct(')' | ']') => depth = depth.saturating_sub(1),
            Token::Punct(',') if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

/// A possibly schema-qualified name, each part unquoted.
struct Name {
    parts: Vec<String>,
}

impl Name {
    fn joined(&self) -> String {
        self.parts.join(".")
    }
}

/// Reads a statement's tokens from left to right.
struct Cursor<'a> {
    tokens: &'a [Lexeme],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(tokens: &'a [Lexeme]) -> Self {
        Cursor { tokens, at: 0 }
    }

    fn peek_at(&self, offset: usize) -> Option<&'a Token> {
        self.tokens.get(self.at + offset).map(|l| &l.token)
    }

    /// The token after the current one.
    fn next(&self) -> Option<&'a Token> {
        self.peek_at(1)
    }

    fn rest(&self) -> &'a [Lexeme] {
        &self.tokens[self.at.min(self.tokens.len())..]
    }

    fn is_keyword(token: Option<&Token>, keyword: &str) -> bool {
        matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        Self::is_keyword(self.peek_at(0), keyword)
    }

    fn at_any_keyword(&self, keywords: &[&str]) -> bool {
        keywords.iter().any(|k| self.at_keyword(k))
    }

    /// Whether the next tokens are `keywords`, in order.
    fn at_keywords(&self, keywords: &[&str]) -> bool {
        keywords
            .iter()
            .enumerate()
            .all(|(i, k)| Self::is_keyword(self.peek_at(i), k))
    }

    /// Consumes `keyword` if it is next.
    fn keyword(&mut self, keyword: &str) -> bool {
        self.keywords(&[keyword])
    }

    /// Consumes `keywords` if they are all next, in order; else nothing.
    fn keywords(&mut self, keywords: &[&str]) -> bool {
        let found = self.at_keywords(keywords);
        if found {
            self.at += keywords.len();
        }
        found
    }

    /// Consumes one of `keywords` if it is next.
    fn any_keyword(&mut self, keywords: &[&str]) -> bool {
        let found = self.at_any_keyword(keywords);
        if found {
            self.at += 1;
        }
        found
    }

    fn punct(&mut self, c: char) -> bool {
        let found = self.peek_at(0) == Some(&Token::Punct(c));
        if found {
            self.at += 1;
        }
        found
    }

    /// Whether the token after the current one names something (rather than
    /// ending the action or being `CASCADE`/`RESTRICT`/`TO`).
    fn next_is_name(&self) -> bool {
        match self.next() {
            Some(Token::Quoted(_)) => true,
            Some(Token::Word(w)) => !["cascade", "restrict", "to"].iter().any(|k| w.eq_ignore_ascii_case(k)),
            _ => false,
        }
    }

    /// Consumes an identifier, returning it unquoted with its line.
    fn identifier(&mut self) -> Option<(String, usize)> {
        let lexeme = self.tokens.get(self.at)?;
        let name = match &lexeme.token {
            Token::Word(w) | Token::Quoted(w) => w.clone(),
            _ => return None,
        };
        self.at += 1;
        Some((name, lexeme.line))
    }

    /// Consumes `part(.part)*`, returning it with the line of its first part.
    fn qualified_name(&mut self) -> Option<(Name, usize)> {
        let (first, line) = self.identifier()?;
        let mut parts = vec![first];
        while self.peek_at(0) == Some(&Token::Punct('.')) {
            self.at += 1;
            match self.identifier() {
                Some((part, _)) => parts.push(part),
                None => break,
            }
        }
        Some((Name { parts }, line))
    }

    /// Consumes a parenthesised group if one is next, returning what is inside.
    fn group(&mut self) -> Option<&'a [Lexeme]> {
        if self.peek_at(0) != Some(&Token::Punct('(')) {
            return None;
        }
        let open = self.at;
        let mut depth = 0usize;
        for (i, lexeme) in self.tokens.iter().enumerate().skip(open) {
            match lexeme.token {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        self.at = i + 1;
                        return Some(&self.tokens[open + 1..i]);
                    }
                }
                _ => {}
            }
        }
        // Unclosed: everything to the end is the group.
        self.at = self.tokens.len();
        Some(&self.tokens[open + 1..])
    }
}
