//! Reduces a Kysely query to a [`Relation`].

use super::relation::{Constraint, Edge, InsertCheck, Relation, Table};
use super::taxonomy::TableClass;
use super::{class_of, judge_query, Context};
use crate::extract::ir::{split_alias, Callee, Expr, Prop, Query, TableRef, HELPER_STEP};
use crate::model::Verdict;

/// Join methods and whether they keep rows of the left side that match nothing.
const JOINS: &[(&str, bool)] = &[
    ("innerJoin", false),
    ("innerJoinLateral", false),
    ("crossJoin", false),
    ("crossJoinLateral", false),
    ("leftJoin", true),
    ("leftJoinLateral", true),
    ("rightJoin", true),
    ("fullJoin", true),
];

/// Builds the relation for `query`.
pub fn relation(query: &Query, cx: Context) -> Relation {
    let cx = cx.with_helpers(&query.helpers);
    let mut builder = Builder {
        cx,
        unqualified_scope: None,
        relation: Relation::default(),
        filters: 0,
        id_filters: 0,
    };
    for table in &query.tables {
        builder.add_table(table, None);
    }
    for step in &query.steps {
        builder.step(step.method.as_str(), &step.args, &step.text, step.guard.clone(), query);
    }
    let Builder {
        mut relation,
        filters,
        id_filters,
        ..
    } = builder;
    relation.filters_primary_key_only = filters > 0 && filters == id_filters;
    if query.operation.inserts() && relation.insert.is_none() {
        relation.insert = Some(InsertCheck::Unreadable(
            "no `.values(...)` the analysis can read (columns/expression or a value built elsewhere)".to_string(),
        ));
    }
    relation
}

struct Builder<'t> {
    cx: Context<'t>,
    /// While reading a subquery merged into this relation (`eb.exists(...)`),
    /// the indices of its tables: unqualified columns resolve there first.
    unqualified_scope: Option<std::ops::Range<usize>>,
    relation: Relation,
    filters: usize,
    id_filters: usize,
}

impl Builder<'_> {
    fn add_table(&mut self, table: &TableRef, joined_by: Option<String>) -> Option<usize> {
        let (name, qualifier, dynamic_text) = match table {
            TableRef::Named { name, alias, .. } => (
                Some(name.clone()),
                Some(alias.clone().unwrap_or_else(|| name.clone())),
                None,
            ),
            TableRef::Dynamic { text, .. } => (None, None, Some(text.clone())),
            TableRef::Derived { .. } => return None,
        };
        let class = name
            .as_deref()
            .map(|n| class_of(n, self.cx.taxonomy))
            .unwrap_or(TableClass::Global);
        self.relation.tables.push(Table {
            name,
            qualifier,
            dynamic_text,
            class,
            joined_by,
            filter_only: false,
        });
        Some(self.relation.tables.len() - 1)
    }

    fn step(&mut self, method: &str, args: &[Expr], text: &str, guard: Option<String>, query: &Query) {
        match method {
            "where" => self.filter(args, text, guard, None),
            "orWhere" => self.filter(args, text, Some(format!("`{text}`")), None),
            "whereRef" => self.reference(args, text, guard, None),
            "$if" => {
                let condition = Some(format!("`$if({})`", args.first().map(expr_text).unwrap_or_default()));
                self.callback_chain(args.get(1), condition.or(guard), query, text);
            }
            "$call" => match args.first() {
                // `$call(scopeToOrg)`: the helper gets the builder as its first argument.
                Some(Expr::Ref(name)) => self.apply_helper(name, 0, guard, query, text, 0),
                callback => self.callback_chain(callback, guard, query, text),
            },
            HELPER_STEP => {
                if let [Expr::Str(name), Expr::Number(position)] = args {
                    let position = position.parse().unwrap_or(0);
                    self.apply_helper(name, position, guard, query, text, 0);
                }
            }
            "values" if query.operation.inserts() => self.values(args.first()),
            "expression" if query.operation.inserts() => self.insert_select(query, args.first()),
            "using" | "from" => {
                // `mergeInto(...).using(source, on...)`, `updateTable(...).from(other)`.
                if let Some(table) = args.first().and_then(table_ref) {
                    let index = self.add_table(&table, Some(text.to_string()));
                    self.join_condition(args.get(1..).unwrap_or(&[]), text, guard, index, false);
                }
            }
            join if JOINS.iter().any(|(name, _)| *name == join) => {
                let outer = JOINS.iter().any(|(name, outer)| *name == join && *outer);
                let index = args
                    .first()
                    .and_then(table_ref)
                    .and_then(|t| self.add_table(&t, Some(text.to_string())));
                self.join_condition(args.get(1..).unwrap_or(&[]), text, guard, index, outer);
            }
            _ => {}
        }
    }

    /// The ON part of a join: `('p.id', 'l.project_id')` or a callback.
    fn join_condition(&mut self, args: &[Expr], text: &str, guard: Option<String>, joined: Option<usize>, outer: bool) {
        let restricts_only = if outer { joined } else { None };
        match args {
            [Expr::Str(left), Expr::Str(right)] => {
                self.edge(left, right, text, guard, restricts_only);
            }
            [Expr::Function { params, body }] => {
                let param = params.first().cloned().unwrap_or_default();
                match flatten_chain(body, &param) {
                    Some(calls) => {
                        for (method, call_args, call_text) in calls {
                            match method.as_str() {
                                "on" => self.filter(&call_args, &call_text, guard.clone(), restricts_only),
                                "onRef" => self.reference(&call_args, &call_text, guard.clone(), restricts_only),
                                _ => {}
                            }
                        }
                    }
                    None => self.relation.opaque.push(text.to_string()),
                }
            }
            [] => {}
            _ => self.relation.opaque.push(text.to_string()),
        }
    }

    fn edge(&mut self, left: &str, right: &str, text: &str, condition: Option<String>, restricts_only: Option<usize>) {
        let (Some(l), Some(r)) = (self.resolve(left), self.resolve(right)) else {
            return;
        };
        self.relation.edges.push(Edge {
            left: l,
            right: r,
            condition,
            restricts_only,
            evidence: format!("`{text}`"),
        });
    }

    /// `whereRef('a.x', '=', 'b.y')`, `onRef(...)`: a join equality, not a tenant constraint.
    fn reference(&mut self, args: &[Expr], text: &str, condition: Option<String>, restricts_only: Option<usize>) {
        if let [Expr::Str(left), Expr::Str(op), Expr::Str(right)] = args {
            if op == "=" || op == "==" {
                self.edge(left, right, text, condition, restricts_only);
            }
        }
    }

    /// `where(col, op, value)`, `where(eb => ...)`, `on(...)`.
    fn filter(&mut self, args: &[Expr], text: &str, condition: Option<String>, restricts_only: Option<usize>) {
        match args {
            [Expr::Str(column), Expr::Str(op), value] => {
                self.comparison(column, op, value, text, condition, restricts_only)
            }
            [Expr::Function { params, body }] => {
                let eb = params.first().cloned().unwrap_or_default();
                self.expression(body, &eb, condition, restricts_only);
            }
            _ => self.relation.opaque.push(text.to_string()),
        }
    }

    fn comparison(
        &mut self,
        column: &str,
        op: &str,
        value: &Expr,
        text: &str,
        condition: Option<String>,
        restricts_only: Option<usize>,
    ) {
        let Some((table, name)) = self.resolve(column) else {
            return;
        };
        let op = op.to_ascii_lowercase();
        let is_key = self.relation.is_key(table, &name);
        let is_via = matches!(&self.relation.tables[table].class, TableClass::Child { via, .. } if *via == name);
        if !is_key && !is_via {
            self.filters += 1;
            if name == "id" && matches!(op.as_str(), "=" | "==" | "in") {
                self.id_filters += 1;
            }
            self.relation.other_filters.push(format!("`{text}`"));
            return;
        }
        if !matches!(op.as_str(), "=" | "==" | "in") {
            self.relation.ineffective.push(format!("`{text}` (operator `{op}`)"));
            return;
        }
        let evidence = format!("`{text}`");
        match value_strength(value, self.cx) {
            Strength::Caller if is_key => self.constrain(table, condition, evidence, restricts_only),
            Strength::Caller => {
                // A child's parent id from the caller proves nothing about the tenant.
                self.filters += 1;
                self.relation.other_filters.push(evidence);
            }
            Strength::ScopedSubquery(why) => {
                self.constrain(table, condition, format!("{evidence} ({why})"), restricts_only)
            }
            Strength::ConditionalSubquery(why) => {
                let condition = condition.or(Some(why));
                self.constrain(table, condition, evidence, restricts_only)
            }
            Strength::Literal => self
                .relation
                .ineffective
                .push(format!("{evidence} (compared with a literal)")),
            Strength::Unscoped(why) => self.relation.ineffective.push(format!("{evidence} ({why})")),
            Strength::Opaque => self.relation.opaque.push(text.to_string()),
        }
    }

    fn constrain(&mut self, table: usize, condition: Option<String>, evidence: String, restricts_only: Option<usize>) {
        // In an outer join's ON clause a constraint filters only the joined table.
        if restricts_only.is_some_and(|only| only != table) {
            return;
        }
        self.relation.constraints.push(Constraint {
            table,
            condition,
            evidence,
        });
    }

    /// An expression-builder callback body: `eb('col', '=', x)`, `eb.and([...])`, `eb.or([...])`.
    fn expression(&mut self, expr: &Expr, eb: &str, condition: Option<String>, restricts_only: Option<usize>) {
        let Expr::Call { callee, args, text } = expr else {
            self.relation.opaque.push(expr_text(expr));
            return;
        };
        let combinator = match callee {
            Callee::Function(f) if f == eb || f == "cmpr" => {
                if let [Expr::Str(column), Expr::Str(op), value] = args.as_slice() {
                    self.comparison(column, op, value, text, condition, restricts_only);
                } else {
                    self.relation.opaque.push(text.clone());
                }
                return;
            }
            Callee::Function(f) if eb == "_" => f.as_str(),
            Callee::Method { receiver, name } if matches!(receiver.as_ref(), Expr::Ref(r) if r == eb) => name.as_str(),
            _ => {
                self.relation.opaque.push(text.clone());
                return;
            }
        };
        match (combinator, args.as_slice()) {
            ("and", [Expr::Array(items)]) => {
                for item in items {
                    self.expression(item, eb, condition.clone(), restricts_only);
                }
            }
            ("and", [Expr::Object(props)]) => self.object_equalities(props, text, condition, restricts_only),
            ("or", [Expr::Array(items)]) if items.len() <= 1 => {
                for item in items {
                    self.expression(item, eb, condition.clone(), restricts_only);
                }
            }
            ("or", [Expr::Array(items)]) => {
                let or_condition = condition.or_else(|| Some(format!("`{text}`")));
                for item in items {
                    self.expression(item, eb, or_condition.clone(), restricts_only);
                }
            }
            ("or", [Expr::Object(props)]) => {
                let or_condition = condition.or_else(|| Some(format!("`{text}`")));
                self.object_equalities(props, text, or_condition, restricts_only)
            }
            ("cmpr", [Expr::Str(column), Expr::Str(op), value]) => {
                self.comparison(column, op, value, text, condition, restricts_only)
            }
            ("exists", [Expr::Query(subquery)]) => self.semi_join(subquery, condition, text),
            ("not", _) | ("between", _) | ("betweenSymmetric", _) => {}
            _ => self.relation.opaque.push(text.clone()),
        }
    }

    fn object_equalities(
        &mut self,
        props: &[Prop],
        text: &str,
        condition: Option<String>,
        restricts_only: Option<usize>,
    ) {
        for prop in props {
            match prop {
                Prop::KeyValue(key, value) => self.comparison(key, "=", value, text, condition.clone(), restricts_only),
                _ => self.relation.opaque.push(text.to_string()),
            }
        }
    }

    /// `$if(cond, qb => qb.where(...))`, `$call(qb => helper(qb, orgId))`.
    fn callback_chain(&mut self, callback: Option<&Expr>, condition: Option<String>, query: &Query, text: &str) {
        let Some(Expr::Function { params, body }) = callback else {
            self.relation.opaque.push(text.to_string());
            return;
        };
        let param = params.first().cloned().unwrap_or_default();
        if let Some((name, position)) = helper_applied_to(body, &param) {
            self.apply_helper(&name, position, condition, query, text, 0);
            return;
        }
        match flatten_chain(body, &param) {
            Some(calls) => {
                for (method, args, call_text) in calls {
                    self.step(&method, &args, &call_text, condition.clone(), query);
                }
            }
            None => self.relation.opaque.push(text.to_string()),
        }
    }

    /// The builder passed to function `name` at argument `position`: a
    /// same-file helper is read like the calls it adds; a helper listed in the
    /// inventory enforces its key; anything else fails closed.
    fn apply_helper(
        &mut self,
        name: &str,
        position: usize,
        condition: Option<String>,
        query: &Query,
        text: &str,
        depth: usize,
    ) {
        const MAX_HELPER_DEPTH: usize = 4;
        if let Some(helper) = self
            .cx
            .helpers
            .iter()
            .find(|h| h.name == name)
            .filter(|_| depth < MAX_HELPER_DEPTH)
        {
            let Some(param) = helper.params.get(position) else {
                self.relation.opaque.push(text.to_string());
                return;
            };
            if let Some((inner, inner_position)) = helper_applied_to(&helper.body, param) {
                return self.apply_helper(&inner, inner_position, condition, query, text, depth + 1);
            }
            match flatten_chain(&helper.body, param) {
                Some(calls) => {
                    for (method, args, call_text) in calls {
                        let via = format!("{call_text}` in helper `{name}");
                        self.step(&method, &args, &via, condition.clone(), query);
                    }
                }
                None => self.relation.opaque.push(format!("{name}(…)")),
            }
            return;
        }
        if let Some(key) = self.cx.taxonomy.helper_key(name) {
            let key = key.to_string();
            let table = (0..self.relation.tables.len()).find(|&i| self.relation.is_key(i, &key));
            match table {
                Some(table) => self.constrain(
                    table,
                    condition,
                    format!("scoping helper `{name}` (inventory: enforces {key})"),
                    None,
                ),
                None => self.relation.other_filters.push(format!(
                    "scoping helper `{name}` enforces {key}, which is not a tenant key of the tables here"
                )),
            }
            return;
        }
        self.relation.opaque.push(format!("{name}(…) receives the query"));
    }

    /// Unqualified columns resolve among a merged subquery's own tables first.
    fn resolve(&self, column: &str) -> Option<(usize, String)> {
        match &self.unqualified_scope {
            Some(range) if !column.contains('.') => {
                let owner = range
                    .clone()
                    .find(|&i| self.relation.is_key(i, column))
                    .unwrap_or(range.start);
                Some((owner, column.to_string()))
            }
            _ => self.relation.resolve(column).into_iter().next(),
        }
    }

    /// `eb.exists(subquery)`: a semi-join. The subquery's tables filter this
    /// query's rows without returning any, so they need no binding of their
    /// own, but a bound subquery table correlated with an outer table binds it.
    fn semi_join(&mut self, subquery: &Query, condition: Option<String>, text: &str) {
        let start = self.relation.tables.len();
        for table in &subquery.tables {
            if let Some(index) = self.add_table(table, Some(text.to_string())) {
                self.relation.tables[index].filter_only = true;
            }
        }
        let outer_scope = self.unqualified_scope.replace(start..self.relation.tables.len());
        let filters = (self.filters, self.id_filters);
        for step in &subquery.steps {
            let guard = condition.clone().or(step.guard.clone());
            self.step(step.method.as_str(), &step.args, &step.text, guard, subquery);
        }
        (self.filters, self.id_filters) = filters;
        self.unqualified_scope = outer_scope;
    }

    /// `.values(...)` of an insert: which rows carry a tenant key of the target.
    fn values(&mut self, value: Option<&Expr>) {
        let Some(value) = value else { return };
        let Some(target) = self.relation.tables.first() else {
            return;
        };
        let keys: Vec<String> = match &target.class {
            TableClass::Tenant { keys } => keys.clone(),
            TableClass::Child { parent, via } => {
                self.relation.insert = Some(InsertCheck::Lacks(format!(
                    "child of {parent}: the inserted {via} is not proven to belong to the tenant"
                )));
                return;
            }
            TableClass::Global => return,
        };
        self.relation.insert = Some(insert_check(value, &keys, None));
    }

    /// `insertInto(t).columns([...]).expression(select)`.
    fn insert_select(&mut self, query: &Query, value: Option<&Expr>) {
        let columns: Vec<String> = query
            .steps
            .iter()
            .filter(|s| s.method == "columns")
            .flat_map(|s| match s.args.first() {
                Some(Expr::Array(items)) => items
                    .iter()
                    .filter_map(|i| match i {
                        Expr::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let key = columns.iter().find(|c| self.relation.is_key(0, c)).cloned();
        self.relation.insert = Some(match (key, value) {
            (Some(key), Some(Expr::Query(select))) => match judge_query(select, self.cx).0 {
                Verdict::Scoped => InsertCheck::Carries(format!("{key} copied from a tenant-scoped select")),
                verdict => InsertCheck::Unreadable(format!("{key} copied from a select that is {verdict}")),
            },
            (None, _) => InsertCheck::Lacks("the inserted columns include no tenant key".to_string()),
            _ => InsertCheck::Unreadable(
                "the inserted rows come from an expression the analysis cannot read".to_string(),
            ),
        });
    }
}

/// Whether inserted `value` gives every row a tenant key among `keys`.
fn insert_check(value: &Expr, keys: &[String], variable: Option<&str>) -> InsertCheck {
    let from = |what: String| match variable {
        Some(name) => format!("{what} (in `{name}`, built in the same function)"),
        None => what,
    };
    match value {
        Expr::Object(props) => {
            let mut set_key: Option<(usize, &str)> = None;
            let mut last_spread = None;
            for (index, prop) in props.iter().enumerate() {
                match prop {
                    Prop::KeyValue(key, v)
                        if keys.contains(key) && !matches!(v, Expr::Null | Expr::Str(_) | Expr::Number(_)) =>
                    {
                        set_key = Some((index, key.as_str()))
                    }
                    Prop::Spread(_) | Prop::Computed(_) => last_spread = Some(index),
                    _ => {}
                }
            }
            match (set_key, last_spread) {
                (Some((at, key)), Some(spread)) if spread > at => InsertCheck::Unreadable(from(format!(
                    "{key} is set, but a later spread in `.values(...)` may overwrite it"
                ))),
                (Some((_, key)), _) => InsertCheck::Carries(from(format!("{key} set in `.values(...)`"))),
                (None, Some(_)) => InsertCheck::Unreadable(from(format!(
                    "`.values(...)` spreads an object the analysis cannot read; {} not visible",
                    keys.join(" or ")
                ))),
                (None, None) => {
                    let present: Vec<String> = props
                        .iter()
                        .filter_map(|p| match p {
                            Prop::KeyValue(k, _) => Some(k.clone()),
                            _ => None,
                        })
                        .collect();
                    InsertCheck::Lacks(from(format!(
                        "inserted row has no {} (columns: {})",
                        keys.join(" or "),
                        present.join(", ")
                    )))
                }
            }
        }
        Expr::Array(items) if !items.is_empty() => {
            for item in items {
                match insert_check(item, keys, variable) {
                    InsertCheck::Carries(_) => {}
                    other => return other,
                }
            }
            InsertCheck::Carries(from(format!(
                "every row of the inserted array sets {}",
                keys.join(" or ")
            )))
        }
        Expr::Resolved { name, value } => insert_check(value, keys, Some(name)),
        Expr::Ref(name) => InsertCheck::Unreadable(format!(
            "`.values({name})`: `{name}` is not built from a literal in this function"
        )),
        other => InsertCheck::Unreadable(format!("`.values({})` cannot be read", expr_text(other))),
    }
}

enum Strength {
    /// A value the caller supplies.
    Caller,
    /// A subquery that is itself tenant-scoped.
    ScopedSubquery(String),
    /// A subquery scoped only under a condition.
    ConditionalSubquery(String),
    /// A subquery that is not scoped.
    Unscoped(String),
    /// A literal: `null`, `''`, `-1`.
    Literal,
    /// Cannot tell.
    Opaque,
}

fn value_strength(value: &Expr, cx: Context) -> Strength {
    match value {
        Expr::Ref(_) | Expr::Resolved { .. } => Strength::Caller,
        Expr::Call { callee, .. } => match callee {
            // `eb.val(x)`, `eb.ref(...)`, helper calls: a computed value from the caller's side.
            Callee::Function(_) | Callee::Method { .. } => Strength::Caller,
            Callee::Other(_) => Strength::Opaque,
        },
        Expr::Str(_) | Expr::Number(_) | Expr::Bool(_) | Expr::Null => Strength::Literal,
        Expr::Array(items) if items.is_empty() => Strength::Literal,
        Expr::Array(items) => {
            let strengths: Vec<Strength> = items.iter().map(|i| value_strength(i, cx)).collect();
            if strengths.iter().all(|s| matches!(s, Strength::Caller)) {
                Strength::Caller
            } else if strengths.iter().any(|s| matches!(s, Strength::Opaque)) {
                Strength::Opaque
            } else {
                Strength::Literal
            }
        }
        Expr::Query(query) => subquery_strength(query, cx),
        Expr::Function { body, .. } => match body.as_ref() {
            Expr::Query(query) => subquery_strength(query, cx),
            _ => Strength::Opaque,
        },
        Expr::OneOf(alternatives) => {
            let strengths: Vec<Strength> = alternatives.iter().map(|a| value_strength(a, cx)).collect();
            if strengths.iter().all(|s| matches!(s, Strength::Caller)) {
                Strength::Caller
            } else {
                Strength::Opaque
            }
        }
        Expr::Object(_) | Expr::Opaque(_) => Strength::Opaque,
    }
}

fn subquery_strength(query: &Query, cx: Context) -> Strength {
    let table = query
        .tables
        .iter()
        .find_map(|t| match t {
            TableRef::Named { name, .. } => Some(name.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "?".to_string());
    let (verdict, _) = judge_query(query, cx);
    match verdict {
        Verdict::Scoped => Strength::ScopedSubquery(format!("subquery on {table} is tenant-scoped")),
        Verdict::Conditional => {
            Strength::ConditionalSubquery(format!("the subquery on {table} being scoped only conditionally"))
        }
        Verdict::Unknown => Strength::Opaque,
        verdict => Strength::Unscoped(format!("subquery on {table} is {verdict}")),
    }
}

/// `helper(qb, orgId)` where `qb` is `param` → the helper's name and position.
fn helper_applied_to(body: &Expr, param: &str) -> Option<(String, usize)> {
    let Expr::Call {
        callee: Callee::Function(name),
        args,
        ..
    } = body
    else {
        return None;
    };
    let position = args.iter().position(|a| matches!(a, Expr::Ref(r) if r == param))?;
    Some((name.clone(), position))
}

/// `qb.where(...).on(...)` rooted at `param` → the calls in order.
fn flatten_chain(expr: &Expr, param: &str) -> Option<Vec<(String, Vec<Expr>, String)>> {
    match expr {
        Expr::Ref(name) if name == param => Some(Vec::new()),
        Expr::Call {
            callee: Callee::Method { receiver, name },
            args,
            text,
        } => {
            let mut calls = flatten_chain(receiver, param)?;
            calls.push((name.clone(), args.clone(), step_text(name, text)));
            Some(calls)
        }
        _ => None,
    }
}

/// `qb.where('a', '=', b)` → `where('a', '=', b)`: the call as a step reads.
fn step_text(method: &str, call_text: &str) -> String {
    match call_text.rfind(&format!(".{method}(")) {
        Some(at) => call_text[at + 1..].to_string(),
        None => call_text.to_string(),
    }
}

/// A table argument of a join or `using`: `'projects as p'`, or a subquery.
fn table_ref(expr: &Expr) -> Option<TableRef> {
    match expr {
        Expr::Str(raw) => {
            let (name, alias) = split_alias(raw);
            Some(TableRef::Named { name, alias, line: 0 })
        }
        Expr::Query(_) | Expr::Function { .. } => Some(TableRef::Derived { name: String::new() }),
        other => Some(TableRef::Dynamic {
            text: expr_text(other),
            line: 0,
        }),
    }
}

/// Source-like text of an expression, for evidence.
pub(super) fn expr_text(expr: &Expr) -> String {
    match expr {
        Expr::Str(s) => format!("'{s}'"),
        Expr::Number(n) => n.clone(),
        Expr::Bool(b) => b.to_string(),
        Expr::Null => "null".to_string(),
        Expr::Ref(r) => r.clone(),
        Expr::Call { text, .. } => text.clone(),
        Expr::Opaque(text) => text.clone(),
        Expr::Resolved { name, .. } => name.clone(),
        Expr::Array(_) => "[…]".to_string(),
        Expr::Object(_) => "{…}".to_string(),
        Expr::Function { .. } => "(…) => …".to_string(),
        Expr::Query(_) => "a subquery".to_string(),
        Expr::OneOf(alternatives) => alternatives.iter().map(expr_text).collect::<Vec<_>>().join(" | "),
    }
}
