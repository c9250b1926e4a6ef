//! A small, tree-sitter-free model of the code an extractor found. Scoping
//! decides verdicts from these values alone, so it can be tested, and reasoned
//! about, without a parser.

use crate::model::{PathKind, TableUse};
use serde::{Deserialize, Serialize};

/// A JavaScript expression, reduced to what tenant scoping needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// A string literal.
    Str(String),
    /// A number literal, as written.
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null` or `undefined`.
    Null,
    /// A value the caller supplies: a variable, parameter or property path
    /// (`orgId`, `ctx.organizationId`, `this.projectId`).
    Ref(String),
    /// An array literal.
    Array(Vec<Expr>),
    /// An object literal.
    Object(Vec<Prop>),
    /// An arrow function or function expression whose result is `body`.
    /// A body with statements other than one `return` is [`Expr::Opaque`].
    Function {
        /// Parameter names, in order; destructured parameters are `_`.
        params: Vec<String>,
        /// The returned expression.
        body: Box<Expr>,
    },
    /// A call: `f(a)`, `eb('col', '=', x)`, `eb.and([...])`, `join.on(...)`.
    Call {
        /// What is called.
        callee: Callee,
        /// The arguments.
        args: Vec<Expr>,
        /// Source text, for evidence.
        text: String,
    },
    /// A Kysely query built inline (a subquery).
    Query(Box<Query>),
    /// A variable followed to the literal it was built from in the same function.
    Resolved {
        /// The variable name.
        name: String,
        /// Its initial value.
        value: Box<Expr>,
    },
    /// One of several values, chosen at run time (`a ? b : c`, `a ?? b`).
    OneOf(Vec<Expr>),
    /// Anything the analysis does not model, with its source text.
    Opaque(String),
}

/// What a call calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Callee {
    /// A plain function name: `eb(...)`, `scopeToOrg(...)`.
    Function(String),
    /// A method on a receiver: `eb.and(...)`, `qb.where(...)`.
    Method {
        /// The receiver expression.
        receiver: Box<Expr>,
        /// The method name.
        name: String,
    },
    /// Anything else (`fns[i](...)`), with its source text.
    Other(String),
}

/// A property of an object literal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Prop {
    /// `key: value` or shorthand `key` (value is then a [`Expr::Ref`]).
    KeyValue(String, Expr),
    /// `...value`
    Spread(Expr),
    /// `[computed]: value`, with its source text.
    Computed(String),
}

/// Which Kysely builder started a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// `selectFrom`
    Select,
    /// `insertInto`
    Insert,
    /// `replaceInto`
    Replace,
    /// `updateTable`
    Update,
    /// `deleteFrom`
    Delete,
    /// `mergeInto`
    Merge,
}

impl Operation {
    /// The operation for a builder method name, if it starts a query.
    pub fn from_builder(method: &str) -> Option<Operation> {
        Some(match method {
            "selectFrom" => Operation::Select,
            "insertInto" => Operation::Insert,
            "replaceInto" => Operation::Replace,
            "updateTable" => Operation::Update,
            "deleteFrom" => Operation::Delete,
            "mergeInto" => Operation::Merge,
            _ => return None,
        })
    }

    /// The name used in ids and documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Select => "select",
            Operation::Insert => "insert",
            Operation::Replace => "replace",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Merge => "merge",
        }
    }

    /// Whether the operation writes rows from `.values(...)`.
    pub fn inserts(self) -> bool {
        matches!(self, Operation::Insert | Operation::Replace)
    }
}

/// A table reference in a builder call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TableRef {
    /// A literal table name, with its alias.
    Named {
        /// Table name.
        name: String,
        /// Alias (`'logs as l'`).
        alias: Option<String>,
        /// 1-based line.
        line: usize,
    },
    /// A name computed at run time, with its source text.
    Dynamic {
        /// Source text of the argument.
        text: String,
        /// 1-based line.
        line: usize,
    },
    /// A CTE name or an aliased subquery: the tables behind it are their own paths.
    Derived {
        /// The name it is known by in this query.
        name: String,
    },
}

impl TableRef {
    /// The table as a path's target: a name, or none when computed at run
    /// time; `None` for a CTE or subquery, whose tables are their own paths.
    pub fn target(&self) -> Option<crate::model::TableUse> {
        match self {
            TableRef::Named { name, alias, line } => Some(crate::model::TableUse {
                name: Some(name.clone()),
                alias: alias.clone(),
                line: *line,
            }),
            TableRef::Dynamic { line, .. } => Some(crate::model::TableUse {
                name: None,
                alias: None,
                line: *line,
            }),
            TableRef::Derived { .. } => None,
        }
    }

    /// The name other clauses use to qualify this table's columns.
    pub fn qualifier(&self) -> Option<&str> {
        match self {
            TableRef::Named { name, alias, .. } => Some(alias.as_deref().unwrap_or(name)),
            TableRef::Derived { name } => Some(name),
            TableRef::Dynamic { .. } => None,
        }
    }
}

/// One chained method call after the builder: `.where('id', '=', id)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Method name.
    pub method: String,
    /// Arguments.
    pub args: Vec<Expr>,
    /// Why this call may not run, when it sits under a branch of its own
    /// (`if (orgId) q = q.where(...)` → `if (orgId)`).
    pub guard: Option<String>,
    /// Source text (`where('id', '=', id)`), for evidence.
    pub text: String,
}

/// A Kysely query: the builder that started it and every call chained onto it,
/// including calls made on the variable it was stored in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// What the builder does.
    pub operation: Operation,
    /// Tables named by the builder (`selectFrom(['a', 'b'])` names two).
    pub tables: Vec<TableRef>,
    /// Chained calls in source order. A call that wraps the builder in a
    /// plain function (`scopeToOrg(db.selectFrom(...), orgId)`) is the step
    /// `$helper` with the function name and the argument position.
    pub steps: Vec<Step>,
    /// Functions of the same file that take a builder and return it with
    /// more calls chained on (`function scopeToOrg(qb, orgId) { return qb.where(...) }`).
    pub helpers: Vec<Helper>,
}

/// A same-file function that returns a builder it was given, with calls added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Helper {
    /// Function name.
    pub name: String,
    /// Parameter names.
    pub params: Vec<String>,
    /// The returned expression.
    pub body: Expr,
}

/// The pseudo-method of a step that passes the builder to a plain function.
pub const HELPER_STEP: &str = "$helper";

/// A raw SQL statement from a `sql` tagged template, read as far as tenant
/// scoping needs: which tables, and which comparisons constrain them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlStatement {
    /// `select`, `insert`, `update`, `delete`, or `other`.
    pub operation: String,
    /// Tables in FROM / JOIN / UPDATE / INTO / DELETE FROM, in order.
    pub tables: Vec<TableRef>,
    /// Comparisons in WHERE, ON and HAVING clauses.
    pub predicates: Vec<SqlPredicate>,
    /// `INSERT INTO t (a, b)`: the listed columns.
    pub insert_columns: Vec<String>,
}

/// One comparison `column op operand` in a raw SQL condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlPredicate {
    /// The column, possibly qualified (`l.project_id`).
    pub column: String,
    /// `=` or `in`.
    pub operator: String,
    /// What the column is compared with.
    pub operand: SqlOperand,
    /// Whether an OR at the same or an enclosing level can bypass it.
    pub in_or: bool,
    /// In the ON clause of a LEFT/RIGHT/FULL join: the qualifier of the table
    /// that join adds. Such a comparison filters only that table's rows.
    pub outer_join: Option<String>,
    /// The comparison as written, with substitutions shown as in the source.
    pub text: String,
}

/// The right-hand side of a raw SQL comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SqlOperand {
    /// A template substitution (`${orgId}`), with its source text.
    Param(String),
    /// Another column (a join condition).
    Column(String),
    /// A literal (`'x'`, `1`, `NULL`) or anything else.
    Other(String),
}

/// What a candidate path accesses, in the form its scoping rules read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Access {
    /// A Kysely builder chain.
    Kysely(Query),
    /// A raw SQL statement.
    Sql(SqlStatement),
    /// A storage-engine call.
    Reservoir(ReservoirCall),
    /// A job enqueued.
    QueueProducer(Producer),
    /// A worker and its processor.
    QueueConsumer(Consumer),
    /// A cache operation.
    Cache(CacheOp),
    /// A tenant id flowing from a request to a sink in a route handler.
    Provenance(Flow),
}

/// Where a tenant id in a route handler comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Origin {
    /// The authenticated context (`request.projectId` set by API-key auth).
    Trusted(String),
    /// The request itself: query, params, body or headers.
    Supplied(String),
    /// A supplied value that overrides a bound one (`request.query.projectId || request.projectId`).
    Fallback {
        /// The supplied side.
        supplied: String,
        /// The bound side.
        bound: String,
    },
    /// Cannot be told, with where the flow leaves what the analysis sees.
    Unknown(String),
}

/// Whether a supplied tenant id was verified before it reached the sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Guard {
    /// No verifier on the way.
    None,
    /// Verified on every path, and how.
    Verified(String),
    /// Verified on some paths only, and why not the others.
    Partial(String),
    /// A verifier ran but its result does not guard the sink (inverted or ignored).
    Ineffective(String),
}

/// A tenant id reaching a sink in a route handler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// The tenant id's name (`projectId`).
    pub id_name: String,
    /// Where it comes from.
    pub origin: Origin,
    /// Its verification at the sink.
    pub guard: Guard,
    /// The sink as written (`logsService.search`, or a Kysely builder).
    pub sink: String,
    /// For a call into a service: the callee to follow into other files.
    pub callee: Option<String>,
    /// Data-access paths the sink reaches, found when files are linked.
    pub reaches: Vec<String>,
}

/// `reservoir.count({ projectId, from, to })`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservoirCall {
    /// Method called.
    pub method: String,
    /// Its arguments.
    pub args: Vec<Expr>,
}

/// Which queue a producer or consumer uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueueRef {
    /// The queue's name, from a literal at its creation site.
    Named(String),
    /// A variable holding the queue, resolved when files are linked (local
    /// name in this file).
    Variable(String),
    /// Cannot be known, with the source text.
    Unknown(String),
}

/// `queue.add('job', payload)`, `queue.addBulk([...])`, `flow.add({...})`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Producer {
    /// The queue.
    pub queue: QueueRef,
    /// Payloads enqueued (one per job).
    pub payloads: Vec<Expr>,
}

/// What a processor function reads of `job.data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDataReads {
    /// The processor's name, or `<inline>`.
    pub processor: String,
    /// Properties read, in order, without repeats.
    pub keys: Vec<String>,
    /// `job.data` escapes whole (passed on, spread), so other reads may exist.
    pub escapes: bool,
}

/// The processor a worker registers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProcessorRef {
    /// Read from its body.
    Read(JobDataReads),
    /// A function name in this file or imported, resolved when files are linked.
    Named(String),
    /// Cannot be followed, with the source text.
    Unknown(String),
}

/// `new Worker('queue', processor)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consumer {
    /// The queue.
    pub queue: QueueRef,
    /// The processor.
    pub processor: ProcessorRef,
}

/// One part of a cache key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KeyPart {
    /// Literal text.
    Text(String),
    /// A value interpolated at run time, with its source text and the names it mentions.
    Hole {
        /// Source text (`orgId`, `hashParams(params)`).
        text: String,
        /// Identifiers and property names inside it.
        names: Vec<String>,
        /// The value falls back to another one at run time (`orgId ?? 'all'`,
        /// a ternary), so a tenant id it names may be absent.
        fallback: bool,
    },
    /// A call to a key-builder function, resolved when files are linked.
    Builder {
        /// Callee as written (`CacheManager.queryKey`).
        callee: String,
        /// Its arguments.
        args: Vec<Expr>,
        /// Source text.
        text: String,
    },
    /// Anything the analysis cannot read.
    Opaque(String),
}

/// A cache operation and its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheOp {
    /// Method called (`get`, `set`, `getOrSet`, ...).
    pub method: String,
    /// The key, part by part.
    pub key: Vec<KeyPart>,
}

/// A data-access path as extracted, before scoping decides its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Stable id, assigned once the whole file is extracted (empty before).
    pub id: String,
    /// Kind.
    pub kind: PathKind,
    /// Operation name.
    pub operation: String,
    /// Tables the path names as its target (no joins).
    pub targets: Vec<TableUse>,
    /// Source file, relative.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Enclosing symbol.
    pub symbol: String,
    /// The access itself.
    pub access: Access,
}

/// Splits a Kysely table expression `'logs as l'` into name and alias.
pub fn split_alias(raw: &str) -> (String, Option<String>) {
    let trimmed = raw.trim();
    let lower = trimmed.to_ascii_lowercase();
    match lower.find(" as ") {
        Some(at) => (
            trimmed[..at].trim().to_string(),
            Some(trimmed[at + 4..].trim().to_string()),
        ),
        None => (trimmed.to_string(), None),
    }
}
