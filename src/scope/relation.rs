//! The language-neutral core of scoping. Kysely chains and raw SQL are both
//! reduced to a [`Relation`]: the tables a path touches, the tenant
//! constraints on them, and the join equalities between them. A table is
//! bound to the tenant when one of its tenant keys is constrained by a value
//! from the caller, or when it is joined to a bound table on that key; the
//! verdict follows from which tables end up bound, and under what condition.

use super::taxonomy::TableClass;
use crate::model::Verdict;

/// A table in a relation, classified by the taxonomy.
#[derive(Debug, Clone)]
pub struct Table {
    /// Name as written, or `None` when computed at run time.
    pub name: Option<String>,
    /// Alias, or the name when there is none.
    pub qualifier: Option<String>,
    /// Source text of a computed name.
    pub dynamic_text: Option<String>,
    /// How the table is scoped; unlisted tables use the tenancy keys.
    pub class: TableClass,
    /// How it entered the query (`innerJoin('projects', ...)`), for joined tables.
    pub joined_by: Option<String>,
    /// Only filters the path's rows (a table of an `exists` subquery): it
    /// returns nothing, so it needs no tenant binding of its own.
    pub filter_only: bool,
}

/// A comparison of a tenant key with a value that scopes it.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// Index into [`Relation::tables`].
    pub table: usize,
    /// Why it may not apply (`if (orgId)`, `eb.or(...)`), or `None` when unconditional.
    pub condition: Option<String>,
    /// The expression, as evidence.
    pub evidence: String,
}

/// `a.x = b.y` between two tables of the relation.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Left side: table index and column.
    pub left: (usize, String),
    /// Right side: table index and column.
    pub right: (usize, String),
    /// Why it may not apply.
    pub condition: Option<String>,
    /// When set, the edge is in an outer join's ON clause and only restricts
    /// this table (the joined one).
    pub restricts_only: Option<usize>,
    /// The expression, as evidence.
    pub evidence: String,
}

/// What a path touches and how it is filtered.
#[derive(Debug, Clone, Default)]
pub struct Relation {
    /// Tables, the builder's first.
    pub tables: Vec<Table>,
    /// Tenant-key constraints.
    pub constraints: Vec<Constraint>,
    /// Join equalities.
    pub edges: Vec<Edge>,
    /// Filters the analysis cannot read; they might scope the path.
    pub opaque: Vec<String>,
    /// Tenant-key comparisons that do not constrain (a literal, `is not null`).
    pub ineffective: Vec<String>,
    /// Other filters, for evidence (`where('id', '=', id)`).
    pub other_filters: Vec<String>,
    /// Whether every filter compares only the primary key `id`.
    pub filters_primary_key_only: bool,
    /// For inserts: decided by the inserted values, not by filters.
    pub insert: Option<InsertCheck>,
}

/// What an insert's values prove.
#[derive(Debug, Clone)]
pub enum InsertCheck {
    /// Every row carries a tenant key of the target.
    Carries(String),
    /// Rows lack a tenant key (which, and why).
    Lacks(String),
    /// The values cannot be read.
    Unreadable(String),
}

impl Relation {
    /// The tenant keys of table `index` (empty for global tables).
    pub fn keys(&self, index: usize) -> &[String] {
        match self.tables.get(index).map(|t| &t.class) {
            Some(TableClass::Tenant { keys }) => keys,
            _ => &[],
        }
    }

    /// Resolves a possibly qualified column to the tables it may belong to.
    pub fn resolve(&self, column: &str) -> Vec<(usize, String)> {
        if let Some((qualifier, name)) = column.rsplit_once('.') {
            // `public.logs.project_id`: the qualifier is the last part before the column.
            let qualifier = qualifier.rsplit('.').next().unwrap_or(qualifier);
            return self
                .tables
                .iter()
                .enumerate()
                .filter(|(_, t)| t.qualifier.as_deref() == Some(qualifier) || t.name.as_deref() == Some(qualifier))
                .map(|(i, _)| (i, name.to_string()))
                .take(1)
                .collect();
        }
        if self.tables.len() == 1 {
            return vec![(0, column.to_string())];
        }
        let owner = self.tables.iter().position(|t| match &t.class {
            TableClass::Tenant { keys } => keys.iter().any(|k| k == column),
            TableClass::Child { via, .. } => via == column,
            TableClass::Global => false,
        });
        vec![(owner.unwrap_or(0), column.to_string())]
    }

    /// Whether `column` of table `index` is one of its tenant keys.
    pub fn is_key(&self, index: usize, column: &str) -> bool {
        self.keys(index).iter().any(|k| k == column)
    }
}

/// Verdict and evidence for a relation.
pub fn judge(relation: &Relation, operation_writes_rows: bool) -> (Verdict, String) {
    if let Some(table) = relation.tables.iter().find(|t| t.name.is_none()) {
        return (
            Verdict::Unknown,
            format!(
                "cannot tell which table this touches: `{}` is computed at run time",
                table.dynamic_text.as_deref().unwrap_or("?")
            ),
        );
    }
    let relevant: Vec<usize> = (0..relation.tables.len())
        .filter(|&i| relation.tables[i].class != TableClass::Global && !relation.tables[i].filter_only)
        .collect();
    if relevant.is_empty() {
        let names = relation
            .tables
            .iter()
            .filter_map(|t| t.name.clone())
            .collect::<Vec<_>>();
        return (Verdict::NotTenant, format!("global by taxonomy: {}", names.join(", ")));
    }
    if operation_writes_rows {
        if let Some(insert) = &relation.insert {
            return judge_insert(relation, insert);
        }
    }

    let strict = bound_tables(relation, false);
    let loose = bound_tables(relation, true);
    let describe_binding = |bound: &[Option<String>]| {
        relevant
            .iter()
            .filter_map(|&i| bound[i].as_ref().map(|how| format!("{}: {how}", name(relation, i))))
            .collect::<Vec<_>>()
            .join("; ")
    };

    if relevant.iter().all(|&i| strict[i].is_some()) {
        return (Verdict::Scoped, describe_binding(&strict));
    }
    if relevant.iter().all(|&i| loose[i].is_some()) {
        let mut conditions: Vec<String> = relation
            .constraints
            .iter()
            .filter_map(|c| c.condition.clone())
            .chain(relation.edges.iter().filter_map(|e| e.condition.clone()))
            .collect();
        conditions.dedup();
        return (
            Verdict::Conditional,
            format!(
                "tenant constraint applies only under {}: {}",
                conditions.join(", "),
                describe_binding(&loose)
            ),
        );
    }
    let unbound: Vec<usize> = relevant.iter().copied().filter(|&i| loose[i].is_none()).collect();
    let mut evidence = unbound
        .iter()
        .map(|&i| missing_constraint(relation, i))
        .collect::<Vec<_>>()
        .join("; ");
    if !relation.ineffective.is_empty() {
        evidence.push_str(&format!("; not a constraint: {}", relation.ineffective.join(", ")));
    }
    if !relation.opaque.is_empty() {
        return (
            Verdict::Unknown,
            format!(
                "{evidence}; the analysis cannot read {}, which might constrain it",
                relation
                    .opaque
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if relation.other_filters.is_empty() {
        evidence.push_str("; no filter at all");
    } else {
        evidence.push_str(&format!("; filters: {}", relation.other_filters.join(", ")));
        if relation.filters_primary_key_only {
            evidence.push_str(" (by primary key only: where does the id come from?)");
        }
    }
    (Verdict::Unscoped, evidence)
}

fn judge_insert(relation: &Relation, insert: &InsertCheck) -> (Verdict, String) {
    let target = name(relation, 0);
    match insert {
        InsertCheck::Carries(how) => (Verdict::Scoped, format!("{target}: {how}")),
        InsertCheck::Lacks(why) => (Verdict::Unscoped, format!("{target}: {why}")),
        InsertCheck::Unreadable(why) => (Verdict::Unknown, format!("{target}: {why}")),
    }
}

fn name(relation: &Relation, index: usize) -> String {
    let table = &relation.tables[index];
    table.name.clone().unwrap_or_else(|| "?".to_string())
}

fn missing_constraint(relation: &Relation, index: usize) -> String {
    let table = &relation.tables[index];
    let what = match &table.class {
        TableClass::Tenant { keys } => format!(
            "no tenant constraint on {} ({})",
            name(relation, index),
            keys.join(" or ")
        ),
        TableClass::Child { parent, via } => format!(
            "{} is scoped through {parent}, but {via} is not joined to a tenant-scoped {parent}",
            name(relation, index)
        ),
        TableClass::Global => String::new(),
    };
    match &table.joined_by {
        Some(join) => format!("{what}, joined by {join}"),
        None => what,
    }
}

/// For each table, how it is bound (evidence), or `None`. With `loose`, the
/// constraints and joins under a condition count too.
fn bound_tables(relation: &Relation, loose: bool) -> Vec<Option<String>> {
    let applies = |condition: &Option<String>| loose || condition.is_none();
    let mut bound: Vec<Option<String>> = vec![None; relation.tables.len()];
    for constraint in &relation.constraints {
        if applies(&constraint.condition) && bound[constraint.table].is_none() {
            bound[constraint.table] = Some(constraint.evidence.clone());
        }
    }
    // Joins carry the binding from one table to the next until nothing changes.
    loop {
        let mut changed = false;
        for edge in relation.edges.iter().filter(|e| applies(&e.condition)) {
            for (to, from) in [(&edge.left, &edge.right), (&edge.right, &edge.left)] {
                if bound[to.0].is_some() || bound[from.0].is_none() {
                    continue;
                }
                if edge.restricts_only.is_some_and(|only| only != to.0) {
                    continue;
                }
                if binds_through(relation, to, from) {
                    let via = relation.tables[from.0].name.clone().unwrap_or_default();
                    bound[to.0] = Some(format!("through {} to {via}", edge.evidence));
                    changed = true;
                }
            }
        }
        if !changed {
            return bound;
        }
    }
}

/// Whether `to.column = from.column` carries a tenant binding from `from` to `to`.
fn binds_through(relation: &Relation, to: &(usize, String), from: &(usize, String)) -> bool {
    let target = &relation.tables[to.0];
    let source_name = relation.tables[from.0].name.as_deref();
    match &target.class {
        // `logs.project_id = projects.id`: the key equals a bound row's id or key.
        TableClass::Tenant { keys } if keys.contains(&to.1) => {
            from.1 == "id" || from.1 == to.1 || relation.is_key(from.0, &from.1)
        }
        // `projects.id = alert_rules.project_id`: the row a bound row's tenant key points at.
        TableClass::Tenant { .. } => to.1 == "id" && relation.is_key(from.0, &from.1),
        TableClass::Child { parent, via } => &to.1 == via && source_name == Some(parent.as_str()) && from.1 == "id",
        TableClass::Global => false,
    }
}
