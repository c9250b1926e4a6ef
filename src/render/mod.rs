//! Stage 4: renders the audit document with tera. The output depends only on
//! the audit, the inventory and the coverage matrix — no timestamps, commit
//! hashes or line numbers — so it changes only when what it says changes.
//!
//! Beside the template: [`checklist`] derives the contributor checklist from
//! the inventory, [`keep`] carries hand-written regions of the existing
//! document into a new render, and [`html`] renders the markdown as a
//! self-contained page.

pub mod checklist;
pub mod html;
pub mod keep;
mod normalise;
mod reuse;

use crate::coverage::CoverageMatrix;
use crate::inventory::{Audit, AuditedPath, Classification, Inventory, Status};
use crate::model::{PathKind, Verdict};
use crate::scope::TableClass;
use normalise::Normaliser;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The built-in template.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/tenant-isolation-audit.md.tera");

/// Where the built-in template's loop over the inventory's sections starts
/// and ends, at its top level. The loop lists every path, and tera renders
/// on one thread: it is rendered once for each section, seeing that section
/// alone as `kind_sections`, at the same time as the other sections and as
/// the rest of the template, which sees every variable but `kind_sections`.
/// Each section's values exist only while it renders: a check of 50 MB of
/// sources peaked at 215 MiB instead of 275 when every value was held at
/// once (both measured while memory freed after the scan was given back).
const SECTIONS_START: &str = "{# Each section below is rendered on its own, seeing only itself in kind_sections; keep \
                              this comment and the next outside every tag. #}";
const SECTIONS_END: &str = "{# End of the sections. #}";

/// Why a document could not be rendered.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    message: String,
}

/// Renders the document with `template` (the built-in one when `None`),
/// without an isolation-test coverage section.
pub fn render(audit: &Audit, inventory: &Inventory, template: Option<&str>) -> Result<String, RenderError> {
    render_with(audit, inventory, None, template)
}

/// Renders the document with the coverage matrix, when one was assessed,
/// and `template` (the built-in one when `None`).
pub fn render_with(
    audit: &Audit,
    inventory: &Inventory,
    coverage: Option<&CoverageMatrix>,
    template: Option<&str>,
) -> Result<String, RenderError> {
    render_reusing(audit, inventory, coverage, template, None)
}

/// [`render_with`], reusing the document of the last render kept in the
/// cache folder at `cache` when the template and every template variable
/// are the same (see `reuse.rs`), and keeping this one there otherwise.
pub fn render_reusing(
    audit: &Audit,
    inventory: &Inventory,
    coverage: Option<&CoverageMatrix>,
    template: Option<&str>,
    cache: Option<&Path>,
) -> Result<String, RenderError> {
    use rayon::prelude::*;
    let parts = template_parts(template);
    let rows: Vec<Row> = audit.paths.par_iter().map(row).collect();
    let variables = context(audit, inventory, coverage, &rows);
    // Generously, as growing by doubling would copy the document again and
    // again: the built-in template writes some 260 bytes per path. Room never
    // written to costs address space, or in a small repository (huge pages
    // on) a few pages.
    let room = 64 * 1024 + 1024 * audit.paths.len();
    let render = || render_parts(&parts, &variables, room);
    let (reuse, document) = match cache {
        Some(dir) if reuse::Reuse::kept_in(dir) => {
            let mut reuse = reuse::Reuse::new(dir, parts.texts(), &variables.seen());
            if let Some(document) = reuse.as_mut().and_then(reuse::Reuse::document) {
                return Ok(document);
            }
            (reuse, render())
        }
        // Nothing kept to reuse (a first run): the key this render is kept
        // under is worked out while it renders (on 100 MB of sources,
        // hashing the variables takes a tenth of a second).
        Some(dir) => rayon::join(
            || reuse::Reuse::for_keeping(dir, parts.texts(), &variables.seen()),
            render,
        ),
        None => (None, render()),
    };
    let document = document?;
    Ok(match reuse {
        Some(reuse) => reuse.keep(document),
        None => document,
    })
}

/// A template as it is rendered: the built-in one in three parts, the
/// middle one its loop over the inventory's sections (see
/// [`SECTIONS_START`]); another one whole.
enum TemplateParts<'t> {
    Whole(&'t str),
    AroundSections([&'t str; 3]),
}

impl<'t> TemplateParts<'t> {
    /// The parts' text, in order.
    fn texts(&self) -> &[&'t str] {
        match self {
            TemplateParts::Whole(text) => std::slice::from_ref(text),
            TemplateParts::AroundSections(texts) => texts,
        }
    }
}

/// `template` in the parts it is rendered in: the built-in one (`None`) cut
/// at [`SECTIONS_START`] and [`SECTIONS_END`], another one whole.
fn template_parts(template: Option<&str>) -> TemplateParts<'_> {
    match template {
        Some(template) => TemplateParts::Whole(template),
        None => {
            let (head, rest) = DEFAULT_TEMPLATE
                .split_once(SECTIONS_START)
                .expect("the built-in template marks where its sections start");
            let (sections, tail) = rest
                .split_once(SECTIONS_END)
                .expect("the built-in template marks where its sections end");
            TemplateParts::AroundSections([head, sections, tail])
        }
    }
}

/// The name part `at` of the template is compiled under; the first is the
/// whole template's, which errors name.
fn part_name(at: usize) -> String {
    match at {
        0 => "audit.md".to_string(),
        _ => format!("audit.md (part {})", at + 1),
    }
}

/// Renders `parts` of the template with `variables`, normalised, into room
/// for `room` bytes. A template in three parts renders its head and tail at
/// the same time as its sections, each section's values converted, rendered
/// and freed on its own, and each part's rows holding only the fields it
/// reads (see [`RowFields`]); the parts' text is written out in order, unchanged
/// (the whitespace rules apply to the whole as if it had been rendered in
/// one go). When several parts fail, the error is the first part's in the
/// document, as if it had been rendered whole.
fn render_parts(parts: &TemplateParts, variables: &Context, room: usize) -> Result<String, RenderError> {
    use rayon::prelude::*;
    use std::io::Write as _;
    let failed = |e: tera::Error| RenderError {
        message: format!("the template failed to render: {}", chain(&e)),
    };
    // Compiled (a millisecond or two) by the first part whose values are
    // ready, while the others are still converting theirs.
    let compiled = std::sync::OnceLock::new();
    let tera = || -> Result<&tera::Tera, RenderError> {
        compiled
            .get_or_init(|| compile(parts.texts()))
            .as_ref()
            .map_err(RenderError::clone)
    };
    let mut document = Normaliser::with_capacity(room);
    match parts {
        TemplateParts::Whole(_) => {
            let (tera, context) = rayon::join(tera, || {
                tera_context(variables.to_value(Sections::Included, RowFields::ALL)?)
            });
            let context = context?;
            tera?
                .render_to(&part_name(0), &context, &mut document)
                .map_err(failed)?;
            crate::free_in_background(context);
        }
        TemplateParts::AroundSections([head, sections, tail]) => {
            let (around_fields, section_fields) = (RowFields::read_by(&[head, tail]), RowFields::read_by(&[sections]));
            let ((head, tail), sections) = rayon::join(
                || {
                    let prepared = variables
                        .to_value(Sections::Omitted, around_fields)
                        .and_then(tera_context)
                        .and_then(|context| Ok((tera()?, context)));
                    let (tera, context) = match prepared {
                        Ok(prepared) => prepared,
                        Err(error) => return (Err(error), Ok(Vec::new())),
                    };
                    let head = tera.render_to(&part_name(0), &context, &mut document).map_err(failed);
                    let mut tail = Vec::new();
                    let tail = tera
                        .render_to(&part_name(2), &context, &mut tail)
                        .map_err(failed)
                        .map(|()| tail);
                    crate::free_in_background(context);
                    (head, tail)
                },
                || -> Vec<Result<Vec<u8>, RenderError>> {
                    variables
                        .kind_sections
                        .par_iter()
                        .map(|section| {
                            let context = tera_context(object([(
                                "kind_sections",
                                tera::Value::Array(vec![section_value(section, section_fields)]),
                            )]))?;
                            // The loop writes about 200 bytes a path. Unlike the document's,
                            // a section's room is close to what it writes: in a small
                            // repository with huge pages on, the room is faulted in as
                            // pages are touched, and sections are many.
                            let mut text = Vec::with_capacity(1024 + 320 * section.paths());
                            tera()?.render_to(&part_name(1), &context, &mut text).map_err(failed)?;
                            // Freed here, on the worker that made it, before it takes on
                            // another section: held until the end, they were the peak.
                            drop(context);
                            Ok(text)
                        })
                        .collect()
                },
            );
            head?;
            let sections = sections.into_iter().collect::<Result<Vec<Vec<u8>>, RenderError>>()?;
            let tail = tail?;
            for text in sections.iter().chain([&tail]) {
                document.write_all(text).map_err(|e| failed(tera::Error::io_error(e)))?;
            }
        }
    }
    document.finish().map_err(|e| RenderError {
        message: format!("the template rendered text that is not UTF-8: {e}"),
    })
}

/// The template context of `variables`, a tera object.
fn tera_context(variables: tera::Value) -> Result<tera::Context, RenderError> {
    tera::Context::from_value(variables).map_err(|e| context_error(&e))
}

/// Whether [`Context::to_value`] converts the inventory's sections, or
/// omits them, to be converted one at a time as they are rendered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sections {
    Included,
    Omitted,
}

impl<'a> Context<'a> {
    /// Everything the template sees, as one value that serialises: the
    /// variables serialise without their lists of rows, which
    /// [`Context::to_value`] converts apart.
    fn seen(&self) -> Seen<'_, 'a> {
        Seen {
            rest: self,
            open_items: &self.open_items,
            kind_sections: &self.kind_sections,
            queues: &self.queues,
        }
    }

    /// The variables as one tera value, as serialising them would give,
    /// without `kind_sections` when they are [`Sections::Omitted`]; the lists of
    /// rows, most of a large audit, are converted on every core (serialised
    /// in one go, they took a fifth of a second on 100 MB of sources).
    fn to_value(&self, sections: Sections, fields: RowFields) -> Result<tera::Value, RenderError> {
        let ((rest, open_items), (kind_sections, queues)) = rayon::join(
            || rayon::join(|| serde_json::to_value(self), || self.open_items.to_value(fields)),
            || {
                rayon::join(
                    || (sections == Sections::Included).then(|| kind_sections_value(&self.kind_sections, fields)),
                    || queues_value(&self.queues),
                )
            },
        );
        let rest = rest.map_err(|e| context_error(&e))?;
        let tera::Value::Object(mut variables) = rest else {
            unreachable!("a struct serialises as an object");
        };
        variables.insert("open_items".to_string(), open_items);
        if let Some(kind_sections) = kind_sections {
            variables.insert("kind_sections".to_string(), kind_sections);
        }
        variables.insert("queues".to_string(), queues);
        Ok(tera::Value::Object(variables))
    }
}

impl OpenItems<'_> {
    /// What serialising gives, converted on every core, each row with `fields`.
    fn to_value(&self, fields: RowFields) -> tera::Value {
        object([
            ("unclassified", rows_value(&self.unclassified, fields)),
            ("unclear", rows_value(&self.unclear, fields)),
            ("conditional", rows_value(&self.conditional, fields)),
        ])
    }
}

/// What serialising `sections` gives, converted on every core, each row with `fields`.
fn kind_sections_value(sections: &[KindSection], fields: RowFields) -> tera::Value {
    use rayon::prelude::*;
    tera::Value::Array(
        sections
            .par_iter()
            .map(|section| section_value(section, fields))
            .collect(),
    )
}

/// What serialising `section` gives, each module's rows converted on every
/// core, with `fields`.
fn section_value(section: &KindSection, fields: RowFields) -> tera::Value {
    use rayon::prelude::*;
    let modules = section
        .modules
        .par_iter()
        .map(|module| {
            object([
                ("name", tera::Value::String(module.name.clone())),
                ("rows", rows_value(&module.rows, fields)),
            ])
        })
        .collect();
    object([
        ("kind", section.kind.into()),
        ("title", section.title.into()),
        ("description", section.description.into()),
        ("target_label", section.target_label.into()),
        ("modules", tera::Value::Array(modules)),
    ])
}

/// What serialising `queues` gives, converted on every core. Their rows
/// keep every field: the template names them otherwise than `row`, and a
/// queue has a few.
fn queues_value(queues: &[QueueLink]) -> tera::Value {
    use rayon::prelude::*;
    let queue_value = |queue: &QueueLink| {
        object([
            ("name", queue.name.into()),
            ("producers", rows_value(&queue.producers, RowFields::ALL)),
            ("consumers", rows_value(&queue.consumers, RowFields::ALL)),
        ])
    };
    tera::Value::Array(queues.par_iter().map(queue_value).collect())
}

/// Rows as a tera array, converted on every core, each with `fields`.
fn rows_value(rows: &[&Row], fields: RowFields) -> tera::Value {
    use rayon::prelude::*;
    tera::Value::Array(rows.par_iter().map(|row| row.to_value(fields)).collect())
}

/// A tera object of `fields`.
fn object<const N: usize>(fields: [(&str, tera::Value); N]) -> tera::Value {
    tera::Value::Object(
        fields
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
    )
}

/// The error for variables that do not make a template context: they do
/// not serialise, or not as an object.
fn context_error(error: &dyn std::error::Error) -> RenderError {
    RenderError {
        message: format!("cannot build the template context: {}", chain(error)),
    }
}

/// The template's parts, compiled, with the filters they may use.
fn compile(parts: &[&str]) -> Result<tera::Tera, RenderError> {
    let mut tera = tera::Tera::default();
    tera.register_filter("cell", cell_filter);
    // The document depends on the code and the inventory only: the same on
    // every machine, and reusable while they are unchanged (`reuse.rs`).
    tera.register_function("get_env", |_: &HashMap<String, tera::Value>| {
        Err(tera::Error::msg(
            "get_env is not available: the document may depend only on the code and the inventory, so \
             that CI renders what you render",
        ))
    });
    let named = parts.iter().enumerate().map(|(at, part)| (part_name(at), *part));
    tera.add_raw_templates(named).map_err(|e| RenderError {
        message: format!("the template does not compile: {}", chain(&e)),
    })?;
    Ok(tera)
}

/// Tera errors keep the useful part in their sources.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

/// Makes text safe inside a markdown table cell.
fn cell_filter(value: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let escaped = match value {
        tera::Value::String(s) => escape_cell(s),
        tera::Value::Null => "—".to_string(),
        other => escape_cell(&other.to_string()),
    };
    Ok(tera::Value::String(escaped))
}

/// Backslashes and pipes escaped, line breaks as spaces: in one pass, as the
/// document has a cell or more for each of thousands of paths.
fn escape_cell(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['\\', '|', '\n', '\r']) {
        escaped.push_str(&rest[..at]);
        escaped.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'|' => "\\|",
            _ => " ",
        });
        rest = &rest[at + 1..];
    }
    escaped.push_str(rest);
    escaped
}

/// [`Context`] with its lists of rows: all the template sees.
#[derive(Serialize)]
struct Seen<'c, 'a> {
    rest: &'c Context<'a>,
    open_items: &'c OpenItems<'a>,
    kind_sections: &'c [KindSection<'a>],
    queues: &'c [QueueLink<'a>],
}

#[derive(Serialize)]
struct Context<'a> {
    document: &'a crate::inventory::Document,
    config_file: String,
    source_roots: &'a [String],
    kinds_analysed: Vec<&'static str>,
    totals: Totals,
    summary_rows: Vec<SummaryRow>,
    tenancy_keys: &'a [String],
    tenant_tables: Vec<TenantTable>,
    child_tables: Vec<ChildTable>,
    global_tables: Vec<GlobalTable>,
    /// The lists of rows are serialised apart, on every core: see
    /// [`Context::to_value`].
    #[serde(skip)]
    open_items: OpenItems<'a>,
    #[serde(skip)]
    kind_sections: Vec<KindSection<'a>>,
    #[serde(skip)]
    queues: Vec<QueueLink<'a>>,
    not_analysable: Vec<NotAnalysableFile>,
    contents: Vec<ContentsEntry>,
    coverage: Option<CoverageSection>,
    checklist: Vec<String>,
}

#[derive(Serialize)]
struct ContentsEntry {
    title: &'static str,
    anchor: String,
}

#[derive(Serialize)]
struct CoverageSection {
    covered: usize,
    total: usize,
    areas: Vec<CoverageRow>,
}

#[derive(Serialize)]
struct CoverageRow {
    name: String,
    covered: bool,
    status: &'static str,
    tests: Vec<String>,
    skipped: usize,
    protects: Vec<String>,
}

/// The document's sections, in order; the coverage section only when coverage was assessed.
fn contents(with_coverage: bool) -> Vec<ContentsEntry> {
    let mut titles = vec![
        "Summary",
        "Findings narrative",
        "How to read this document",
        "Tenancy model and table taxonomy",
        "Open items",
    ];
    if with_coverage {
        titles.push("Isolation-test coverage");
    }
    titles.extend(["Inventory by kind and module", "Contributor checklist", "Sign-off"]);
    titles
        .into_iter()
        .map(|title| ContentsEntry {
            title,
            anchor: html::slug(title),
        })
        .collect()
}

fn coverage_section(matrix: &CoverageMatrix) -> CoverageSection {
    let areas: Vec<CoverageRow> = matrix
        .areas
        .iter()
        .map(|area| CoverageRow {
            name: area.name.clone(),
            covered: area.status.is_covered(),
            status: area.status.describe(),
            tests: area
                .tests
                .iter()
                .map(|test| format!("`{}`: {}", test.file, test.name))
                .collect(),
            skipped: area.skipped.len(),
            protects: area
                .protects
                .iter()
                .map(|p| format!("`{}` ({} path(s))", p.glob, p.paths))
                .collect(),
        })
        .collect();
    CoverageSection {
        covered: areas.iter().filter(|a| a.covered).count(),
        total: areas.len(),
        areas,
    }
}

#[derive(Serialize, Default)]
struct Totals {
    files: usize,
    paths: usize,
    verified: usize,
    global_taxonomy: usize,
    reviewed_scoped: usize,
    reviewed_global: usize,
    unclear: usize,
    unclassified: usize,
}

impl Totals {
    fn count(&mut self, status: Status) {
        self.paths += 1;
        match status {
            Status::Verified => self.verified += 1,
            Status::GlobalByTaxonomy => self.global_taxonomy += 1,
            Status::Classified(Classification::Scoped) => self.reviewed_scoped += 1,
            Status::Classified(Classification::Global) => self.reviewed_global += 1,
            Status::Classified(Classification::Unclear) => self.unclear += 1,
            Status::Unclassified => self.unclassified += 1,
        }
    }
}

#[derive(Serialize)]
struct SummaryRow {
    kind: &'static str,
    verdict: &'static str,
    total: usize,
    verified: usize,
    global_taxonomy: usize,
    reviewed_scoped: usize,
    reviewed_global: usize,
    unclear: usize,
    unclassified: usize,
}

#[derive(Serialize)]
struct TenantTable {
    name: String,
    scope: Vec<String>,
}

#[derive(Serialize)]
struct ChildTable {
    name: String,
    parent: String,
    via: String,
}

#[derive(Serialize)]
struct GlobalTable {
    name: String,
    reason: String,
}

/// The rows below borrow from one list of [`Row`]s, so that a path listed in
/// several places is built once. This list and those below are rendered
/// through the converters [`Context::to_value`] calls; their serialisation
/// is the reference the tests hold those to.
#[derive(Serialize, Default)]
struct OpenItems<'a> {
    unclassified: Vec<&'a Row<'a>>,
    unclear: Vec<&'a Row<'a>>,
    conditional: Vec<&'a Row<'a>>,
}

/// One kind's part of the inventory (see [`OpenItems`] on serialising).
#[derive(Serialize)]
struct KindSection<'a> {
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    target_label: &'static str,
    modules: Vec<Module<'a>>,
}

impl KindSection<'_> {
    /// How many paths the section lists.
    fn paths(&self) -> usize {
        self.modules.iter().map(|module| module.rows.len()).sum()
    }
}

/// A queue's two ends (see [`OpenItems`] on serialising).
#[derive(Serialize)]
struct QueueLink<'a> {
    name: &'a str,
    producers: Vec<&'a Row<'a>>,
    consumers: Vec<&'a Row<'a>>,
}

/// How the document introduces each kind.
fn kind_heading(kind: PathKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        PathKind::Kysely => (
            "Kysely queries",
            "Query-builder chains, with every call chained onto them; scoped when each tenant table is constrained by its tenant key.",
            "Table",
        ),
        PathKind::Sql => (
            "Raw SQL",
            "`sql` templates and `sql.raw` statements; scoped when the WHERE or ON text constrains each tenant table.",
            "Table",
        ),
        PathKind::Reservoir => (
            "Storage-engine calls",
            "Calls into the storage-engine client; scoped when the params carry a tenant id.",
            "Data set",
        ),
        PathKind::QueueProducer => (
            "Queue producers",
            "Jobs enqueued; scoped when every payload carries a tenant id.",
            "Queue",
        ),
        PathKind::QueueConsumer => (
            "Queue consumers",
            "Workers and the processors they register; scoped when the processor reads a tenant id from `job.data`.",
            "Queue",
        ),
        PathKind::Cache => (
            "Cache keys",
            "Cache reads and writes; scoped when the key contains a tenant id.",
            "Key",
        ),
        PathKind::Provenance => (
            "Request-supplied tenant ids",
            "For every route handler: each tenant id it uses, where it comes from, and whether it is verified on every path before it reaches data access (CWE-639). *bound*: from the authenticated context; *verified*: supplied by the client and checked on every path; *conditional*: checked on some paths only, or a supplied value overrides the bound one; *unverified*: supplied and never checked.",
            "Sink",
        ),
    }
}

/// One module's paths of one kind (see [`OpenItems`] on serialising).
#[derive(Serialize)]
struct Module<'a> {
    name: String,
    rows: Vec<&'a Row<'a>>,
}

/// One path, its text borrowed from the audit: a large audit has thousands,
/// some listed in several places. Rendered through [`Row::to_value`]; its
/// serialisation is the reference the tests hold that to.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    file: &'a str,
    file_name: &'a str,
    symbol: &'a str,
    kind: &'static str,
    operation: &'a str,
    target: &'a str,
    verdict: &'static str,
    status: &'static str,
    reason: Option<&'a str>,
    owner: Option<&'a str>,
    reviewed: Option<&'a str>,
    expires: Option<&'a str>,
    /// Owner, review and expiry dates, as one line.
    review: Option<String>,
    evidence: &'a str,
}

/// The keys of a [`Row`]'s value, in key order; [`RowFields`] picks among
/// them by place.
const ROW_KEYS: [&str; 15] = [
    "evidence",
    "expires",
    "file",
    "file_name",
    "id",
    "kind",
    "operation",
    "owner",
    "reason",
    "review",
    "reviewed",
    "status",
    "symbol",
    "target",
    "verdict",
];

impl Row<'_> {
    /// What serialising the row gives, with `fields` only, built in one go:
    /// the fields come in key order, so the map (a `BTreeMap`: serde_json's
    /// `preserve_order` is off) is built from them at once rather than
    /// searched for a place at each insert, for every row of a large audit.
    /// The tests check it against serialisation.
    fn to_value(&self, fields: RowFields) -> tera::Value {
        // Each field's text, or none (null); those always there are never none.
        let texts: [Option<&str>; ROW_KEYS.len()] = [
            Some(self.evidence),
            self.expires,
            Some(self.file),
            Some(self.file_name),
            Some(self.id),
            Some(self.kind),
            Some(self.operation),
            self.owner,
            self.reason,
            self.review.as_deref(),
            self.reviewed,
            Some(self.status),
            Some(self.symbol),
            Some(self.target),
            Some(self.verdict),
        ];
        tera::Value::Object(
            ROW_KEYS
                .into_iter()
                .zip(texts)
                .enumerate()
                .filter(|&(place, _)| fields.includes(place))
                .map(|(_, (key, text))| {
                    let value = text.map_or(tera::Value::Null, |text| tera::Value::String(text.to_string()));
                    (key.to_string(), value)
                })
                .collect(),
        )
    }
}

/// Which fields of each path row a part of the template is given, as bits
/// by place in [`ROW_KEYS`]. A part of the built-in template gets only the
/// fields it reads: a large audit has a row for each path in each list that
/// shows it, and each field is a key and a value to build, hold and free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowFields(u16);

impl RowFields {
    /// Every field: what a template given with `--template` sees.
    const ALL: RowFields = RowFields((1 << ROW_KEYS.len()) - 1);

    /// The fields `texts` read as `row.<field>`, `row` being what the
    /// built-in template calls each path it lists (the queues' paths, named
    /// otherwise, keep every field). Any other use of `row` in a tag (`{{
    /// row }}`, `row["id"]`, `set r = row`, a field a row does not have) may
    /// read any field, and gives them all: a field left out would print as
    /// nothing, or count as false in an `if`, without an error.
    fn read_by(texts: &[&str]) -> RowFields {
        let is_name_char = |c: char| c.is_alphanumeric() || c == '_';
        let mut bits = 0;
        for code in texts.iter().flat_map(|text| tag_contents(text)) {
            for (at, word) in code.match_indices("row") {
                let (before, after) = (&code[..at], &code[at + word.len()..]);
                if before.chars().next_back().is_some_and(is_name_char)
                    || after.chars().next().is_some_and(is_name_char)
                {
                    continue; // part of another name: `summary_rows`, `arrow`
                }
                if let Some(rest) = after.strip_prefix('.') {
                    let name = &rest[..rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len())];
                    match ROW_KEYS.iter().position(|key| *key == name) {
                        Some(place) => bits |= 1 << place,
                        None => return RowFields::ALL,
                    }
                    continue;
                }
                let binds = before
                    .trim_end()
                    .strip_suffix("for")
                    .is_some_and(|rest| !rest.ends_with(is_name_char))
                    && after
                        .trim_start()
                        .strip_prefix("in")
                        .is_some_and(|rest| rest.starts_with(char::is_whitespace));
                if !binds {
                    return RowFields::ALL;
                }
            }
        }
        RowFields(bits)
    }

    /// Whether the field at `place` in [`ROW_KEYS`] is given.
    fn includes(self, place: usize) -> bool {
        self.0 & (1 << place) != 0
    }
}

/// The code inside each `{{ }}` and `{% %}` tag of a template's `text`,
/// in order; text outside tags and comments are not code.
fn tag_contents(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        let open = rest.find('{')?;
        let close = match rest[open + 1..].chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                rest = &rest[open + 1..];
                continue;
            }
        };
        let inside = &rest[open + 2..];
        let Some(end) = inside.find(close) else {
            rest = "";
            return Some(inside); // unclosed: tera rejects it; read it as code
        };
        rest = &inside[end + close.len()..];
        if close != "#}" {
            return Some(&inside[..end]);
        }
    })
}

#[derive(Serialize)]
struct NotAnalysableFile {
    file: String,
    regions: usize,
}

/// The template's variables; `rows` holds one [`Row`] per path of the audit, in order.
fn context<'a>(
    audit: &'a Audit,
    inventory: &'a Inventory,
    coverage: Option<&CoverageMatrix>,
    rows: &'a [Row<'a>],
) -> Context<'a> {
    let mut totals = Totals {
        files: audit.files_scanned,
        ..Totals::default()
    };
    let mut by_kind_verdict: BTreeMap<(PathKind, Verdict), Totals> = BTreeMap::new();
    let mut open_items = OpenItems::default();
    let mut sections: BTreeMap<PathKind, BTreeMap<String, Vec<&Row>>> = BTreeMap::new();
    let mut queues: BTreeMap<&str, QueueLink> = BTreeMap::new();
    let mut module: Option<(&str, String)> = None;

    for (audited, row) in audit.paths.iter().zip(rows) {
        totals.count(audited.status);
        by_kind_verdict
            .entry((audited.path.kind, audited.path.verdict))
            .or_default()
            .count(audited.status);
        match audited.status {
            Status::Unclassified => open_items.unclassified.push(row),
            Status::Classified(Classification::Unclear) => open_items.unclear.push(row),
            _ => {}
        }
        if audited.path.verdict == Verdict::Conditional {
            open_items.conditional.push(row);
        }
        if matches!(audited.path.kind, PathKind::QueueProducer | PathKind::QueueConsumer) {
            let link = queues.entry(&audited.path.target).or_insert_with(|| QueueLink {
                name: &audited.path.target,
                producers: Vec::new(),
                consumers: Vec::new(),
            });
            match audited.path.kind {
                PathKind::QueueProducer => link.producers.push(row),
                _ => link.consumers.push(row),
            }
        }
        // Paths come in file order: each file's module is worked out once.
        if module.as_ref().is_some_and(|(file, _)| *file != audited.path.file) {
            module = None;
        }
        let (_, name) = module.get_or_insert_with(|| {
            (
                &audited.path.file,
                module_of(&audited.path.file, &inventory.source_roots),
            )
        });
        let modules = sections.entry(audited.path.kind).or_default();
        match modules.get_mut(name) {
            Some(rows) => rows.push(row),
            None => {
                modules.insert(name.clone(), vec![row]);
            }
        }
    }

    let summary_rows = PathKind::ALL
        .iter()
        .flat_map(|kind| Verdict::ALL.iter().map(move |verdict| (*kind, *verdict)))
        .filter_map(|key| {
            by_kind_verdict.get(&key).map(|t| SummaryRow {
                kind: key.0.as_str(),
                verdict: key.1.as_str(),
                total: t.paths,
                verified: t.verified,
                global_taxonomy: t.global_taxonomy,
                reviewed_scoped: t.reviewed_scoped,
                reviewed_global: t.reviewed_global,
                unclear: t.unclear,
                unclassified: t.unclassified,
            })
        })
        .collect();

    let mut tenant_tables = Vec::new();
    let mut child_tables = Vec::new();
    let mut global_tables = Vec::new();
    for table in &inventory.tables {
        match &table.class {
            TableClass::Tenant { keys } => tenant_tables.push(TenantTable {
                name: table.name.clone(),
                scope: keys.clone(),
            }),
            TableClass::Child { parent, via } => child_tables.push(ChildTable {
                name: table.name.clone(),
                parent: parent.clone(),
                via: via.clone(),
            }),
            TableClass::Global => global_tables.push(GlobalTable {
                name: table.name.clone(),
                reason: table.reason.clone().unwrap_or_default(),
            }),
        }
    }
    tenant_tables.sort_by(|a, b| a.name.cmp(&b.name));
    child_tables.sort_by(|a, b| a.name.cmp(&b.name));
    global_tables.sort_by(|a, b| a.name.cmp(&b.name));

    let mut not_analysable: BTreeMap<String, usize> = BTreeMap::new();
    for region in &audit.not_analysable {
        *not_analysable.entry(region.file.clone()).or_default() += 1;
    }

    Context {
        document: &inventory.document,
        config_file: inventory
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "inventory.yaml".to_string()),
        source_roots: &inventory.source_roots,
        kinds_analysed: PathKind::ALL.iter().map(|k| kind_heading(*k).0).collect(),
        totals,
        summary_rows,
        tenancy_keys: &inventory.taxonomy.tenancy_keys,
        tenant_tables,
        child_tables,
        global_tables,
        open_items,
        kind_sections: sections
            .into_iter()
            .map(|(kind, modules)| {
                let (title, description, target_label) = kind_heading(kind);
                KindSection {
                    kind: kind.as_str(),
                    title,
                    description,
                    target_label,
                    modules: modules.into_iter().map(|(name, rows)| Module { name, rows }).collect(),
                }
            })
            .collect(),
        queues: queues.into_values().collect(),
        not_analysable: not_analysable
            .into_iter()
            .map(|(file, regions)| NotAnalysableFile { file, regions })
            .collect(),
        contents: contents(coverage.is_some()),
        coverage: coverage.map(coverage_section),
        checklist: checklist::items(inventory),
    }
}

fn row(audited: &AuditedPath) -> Row<'_> {
    let path = &audited.path;
    let entry = audited
        .entry
        .as_ref()
        .filter(|_| matches!(audited.status, Status::Classified(_)));
    Row {
        id: &path.id,
        file: &path.file,
        // The name of a path held in a `String` is valid UTF-8.
        file_name: Path::new(&path.file)
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default(),
        symbol: &path.symbol,
        kind: path.kind.as_str(),
        operation: &path.operation,
        target: &path.target,
        verdict: path.verdict.as_str(),
        status: audited.status.label(),
        reason: entry.map(|e| e.reason.as_str()),
        owner: entry.and_then(|e| e.owner.as_deref()),
        reviewed: entry.and_then(|e| e.reviewed.as_deref()),
        expires: entry.and_then(|e| e.expires.as_deref()),
        review: entry.and_then(|e| {
            let parts: Vec<String> = [
                e.owner.as_ref().map(|o| format!("owner: {o}")),
                e.reviewed.as_ref().map(|d| format!("reviewed {d}")),
                e.expires.as_ref().map(|d| format!("expires {d}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }),
        evidence: &path.evidence,
    }
}

/// The module a file belongs to: its folder, relative to the source root that
/// holds it.
fn module_of(file: &str, roots: &[String]) -> String {
    let folder = match file.rfind('/') {
        Some(at) => &file[..at],
        None => ".",
    };
    for root in roots {
        let root = root.trim_end_matches('/').trim_start_matches("./");
        if folder == root {
            return root.rsplit('/').next().unwrap_or(root).to_string();
        }
        if let Some(rest) = folder.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return rest.to_string();
        }
    }
    folder.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled example's inventory and audit.
    fn example_audit() -> (Inventory, Audit) {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventory.yaml");
        let inventory = crate::inventory::load(&config).expect("the example inventory is valid");
        let extraction = crate::extract::scan_with(&inventory.selection, &inventory.rules)
            .expect("the example sources are readable");
        let audit = crate::inventory::merge(crate::scope::decide_all(extraction, &inventory.taxonomy), &inventory);
        (inventory, audit)
    }

    /// The variables converted list by list on every core are those that
    /// serialising them in one go gives, on the bundled example (queues,
    /// reviewed, unclear and conditional paths, several kinds and modules).
    #[test]
    fn variables_converted_in_parallel_are_those_serialisation_gives() {
        let (inventory, audit) = example_audit();
        let rows: Vec<Row> = audit.paths.iter().map(row).collect();
        let variables = context(&audit, &inventory, None, &rows);
        assert!(!variables.queues.is_empty() && !variables.open_items.unclear.is_empty());
        assert!(!variables.open_items.conditional.is_empty() && variables.kind_sections.len() > 1);

        // What the render cache's key is made of (`seen`) must be all the
        // template sees: the variables and their lists of rows.
        let tera::Value::Object(mut seen) = serde_json::to_value(variables.seen()).unwrap() else {
            panic!("the variables serialise as an object");
        };
        let Some(tera::Value::Object(mut expected)) = seen.remove("rest") else {
            panic!("the variables without their lists serialise as an object");
        };
        expected.append(&mut seen);
        let mut without_sections = expected.clone();
        without_sections.remove("kind_sections");
        assert_eq!(
            variables.to_value(Sections::Included, RowFields::ALL).unwrap(),
            tera::Value::Object(expected)
        );
        assert_eq!(
            variables.to_value(Sections::Omitted, RowFields::ALL).unwrap(),
            tera::Value::Object(without_sections)
        );
    }

    /// The kept render is reused for the same template and variables only;
    /// anything the document shows changes the key.
    #[test]
    fn a_kept_render_is_reused_only_for_the_same_template_and_variables() {
        let (inventory, mut audit) = example_audit();
        let dir = tempfile::TempDir::new().unwrap();
        let cache = Some(dir.path());
        let fresh = render(&audit, &inventory, None).unwrap();
        let kept = |audit: &Audit| {
            let rows: Vec<Row> = audit.paths.iter().map(row).collect();
            let variables = context(audit, &inventory, None, &rows);
            reuse::Reuse::new(dir.path(), template_parts(None).texts(), &variables.seen())
                .unwrap()
                .document()
        };
        assert_eq!(kept(&audit), None, "nothing is kept before the first render");
        assert_eq!(render_reusing(&audit, &inventory, None, None, cache).unwrap(), fresh);
        assert_eq!(
            kept(&audit).as_deref(),
            Some(fresh.as_str()),
            "the first render is kept"
        );
        assert_eq!(render_reusing(&audit, &inventory, None, None, cache).unwrap(), fresh);

        // A document kept under this render's key is what the next one gives.
        let keep_marker = |audit: &Audit, template: Option<&str>| {
            let rows: Vec<Row> = audit.paths.iter().map(row).collect();
            let variables = context(audit, &inventory, None, &rows);
            let reuse = reuse::Reuse::new(dir.path(), template_parts(template).texts(), &variables.seen()).unwrap();
            reuse.keep("kept\n".to_string());
        };
        keep_marker(&audit, None);
        assert_eq!(render_reusing(&audit, &inventory, None, None, cache).unwrap(), "kept\n");

        // Another template: rendered, and kept in place of the last render.
        let whole = render_reusing(&audit, &inventory, None, Some(DEFAULT_TEMPLATE), cache).unwrap();
        assert_eq!(whole, fresh);
        assert_eq!(render_reusing(&audit, &inventory, None, None, cache).unwrap(), fresh);

        // One reason edited: rendered anew.
        keep_marker(&audit, None);
        let reviewed = audit
            .paths
            .iter_mut()
            .find_map(|p| p.entry.as_mut())
            .expect("a reviewed path");
        reviewed.reason.push_str(", as agreed");
        let edited = render_reusing(&audit, &inventory, None, None, cache).unwrap();
        assert!(edited.contains(", as agreed"), "{edited}");
        assert_eq!(edited, render(&audit, &inventory, None).unwrap());
    }

    /// The built-in template is cut around its loop over the inventory's
    /// sections, and nowhere else: the middle part is that loop, whole.
    #[test]
    fn the_built_in_template_is_cut_around_its_section_loop() {
        let TemplateParts::AroundSections([head, sections, tail]) = template_parts(None) else {
            panic!("the built-in template is rendered in parts");
        };
        assert!(head.contains("## Inventory by kind and module"), "{head}");
        assert!(sections.starts_with("{% for section in kind_sections %}"), "{sections}");
        assert!(sections.ends_with("{% endfor %}{% endfor %}{% endfor %}"), "{sections}");
        assert_eq!(sections.matches("{% for section in").count(), 1);
        assert!(tail.starts_with("{% if queues %}"), "{tail}");
        assert_eq!(
            head.len() + sections.len() + tail.len() + SECTIONS_START.len() + SECTIONS_END.len(),
            DEFAULT_TEMPLATE.len()
        );
    }

    /// The built-in template, rendered in parts with each section on its
    /// own, gives the document it gives rendered whole, on the bundled
    /// example (several sections, each with several modules), with and
    /// without its coverage section, and with no path at all.
    #[test]
    fn the_built_in_template_renders_the_same_in_parts() {
        let (inventory, mut audit) = example_audit();
        let files = crate::coverage::TestFiles::Folder(inventory.base.clone());
        let coverage = crate::coverage::assess(&inventory, &audit, &files).unwrap();
        assert!(!coverage.areas.is_empty(), "the example declares coverage areas");
        let in_parts_and_whole = |audit: &Audit, coverage: Option<&CoverageMatrix>| {
            (
                render_with(audit, &inventory, coverage, None).unwrap(),
                render_with(audit, &inventory, coverage, Some(DEFAULT_TEMPLATE)).unwrap(),
            )
        };

        // The example classifies every path it cannot prove: one left
        // unclassified fills the open items' first table too.
        let unproven = audit
            .paths
            .iter_mut()
            .find(|p| matches!(p.status, Status::Classified(_)))
            .expect("a classified path");
        unproven.status = Status::Unclassified;
        let (in_parts, whole) = in_parts_and_whole(&audit, None);
        assert_eq!(in_parts, whole);
        assert!(whole.contains("### Unclassified (1)"), "{whole}");
        assert!(whole.contains("## Inventory by kind and module") && whole.contains("## Sign-off"));
        assert!(whole.matches("\n### ").count() > 3, "{whole}");

        let (in_parts, whole) = in_parts_and_whole(&audit, Some(&coverage));
        assert_eq!(in_parts, whole);
        assert!(whole.contains("## Isolation-test coverage"), "{whole}");

        audit.paths.clear();
        let (in_parts, whole) = in_parts_and_whole(&audit, None);
        assert_eq!(in_parts, whole);
        assert!(whole.contains("## Contributor checklist"), "{whole}");
    }

    /// When parts of the built-in template fail, the error is the first
    /// one in the document, as if it had been rendered whole: whichever
    /// thread failed first.
    #[test]
    fn the_first_failing_part_in_the_document_is_the_error() {
        let (inventory, audit) = example_audit();
        let rows: Vec<Row> = audit.paths.iter().map(row).collect();
        let variables = context(&audit, &inventory, None, &rows);
        assert!(variables.kind_sections.len() > 1);
        let [head, sections, tail] = match template_parts(None) {
            TemplateParts::AroundSections(parts) => parts,
            TemplateParts::Whole(_) => panic!("the built-in template is rendered in parts"),
        };
        let failing_sections = sections.replacen(
            "{% for section in kind_sections %}",
            "{% for section in kind_sections %}{{ throw(message=\"section \" ~ section.title) }}",
            1,
        );
        let failing_tail = format!("{{{{ throw(message=\"tail\") }}}}{tail}");
        for _ in 0..20 {
            let parts = TemplateParts::AroundSections([head, &failing_sections, &failing_tail]);
            let error = render_parts(&parts, &variables, 0).unwrap_err().to_string();
            let first = variables.kind_sections[0].title;
            assert!(error.contains(&format!("section {first}")), "{error}");
        }
    }

    #[test]
    fn modules_are_folders_below_the_source_root() {
        let roots = vec!["examples/logwell/src".to_string()];
        assert_eq!(
            module_of("examples/logwell/src/modules/alerts/service.ts", &roots),
            "modules/alerts"
        );
        assert_eq!(module_of("examples/logwell/src/index.ts", &roots), "src");
        assert_eq!(module_of("other/x.ts", &roots), "other");
    }

    /// The row fields a part is given: in its tags, those it reads as
    /// `row.<field>`; every field when it uses `row` in any other way.
    #[test]
    fn a_part_is_given_the_row_fields_it_reads() {
        let given = |texts: &[&str]| {
            let fields = RowFields::read_by(texts);
            (0..ROW_KEYS.len())
                .filter(|&place| fields.includes(place))
                .map(|place| ROW_KEYS[place])
                .collect::<Vec<_>>()
        };
        let text = "Each row below is a path. {# row #}{% for row in module.rows %}| `{{ row.file }}` | \
                    {% if row.reason %}{{- row.review | cell -}}{% endif %} | {{ arrow.kind }} | \
                    {% for summary in summary_rows %}{{ summary.kind }}{% endfor %}{% endfor %}";
        assert_eq!(
            given(&[text, "{{ row.verdict }}"]),
            ["file", "reason", "review", "verdict"]
        );
        assert_eq!(given(&["no tags, no row.file"]), Vec::<&str>::new());
        for other_use in [
            "{{ row }}",
            "{{ row[\"id\"] }}",
            "{{ row | json_encode }}",
            "{% set path = row %}{{ path.id }}",
            "{{ row.not_a_field }}",
            "{% for key, row in rows %}{{ row.file }}{% endfor %}",
        ] {
            assert_eq!(RowFields::read_by(&[other_use]), RowFields::ALL, "{other_use}");
        }

        // The built-in template's parts read named fields only, so that
        // each is given fewer than all.
        let TemplateParts::AroundSections([head, sections, tail]) = template_parts(None) else {
            panic!("the built-in template is rendered in parts");
        };
        assert_ne!(RowFields::read_by(&[head, tail]), RowFields::ALL);
        assert_ne!(RowFields::read_by(&[sections]), RowFields::ALL);
    }

    /// A row's value is its serialisation with every field, and that value
    /// cut down to the fields given with fewer: on a row with every field
    /// set, and on every path of the bundled example.
    #[test]
    fn a_row_value_is_its_serialisation_cut_to_the_fields_given() {
        let (_, audit) = example_audit();
        let full = Row {
            id: "id",
            file: "src/a.ts",
            file_name: "a.ts",
            symbol: "symbol",
            kind: "kysely",
            operation: "select",
            target: "target",
            verdict: "scoped",
            status: "status",
            reason: Some("reason"),
            owner: Some("owner"),
            reviewed: Some("2026-01-01"),
            expires: Some("2027-01-01"),
            review: Some("review".to_string()),
            evidence: "evidence",
        };
        let some = RowFields::read_by(&["{{ row.expires }} {{ row.file }} {{ row.owner }} {{ row.verdict }}"]);
        for row in std::iter::once(full).chain(audit.paths.iter().map(row)) {
            let whole = row.to_value(RowFields::ALL);
            assert_eq!(whole, serde_json::to_value(&row).unwrap(), "{}", row.id);
            let tera::Value::Object(mut expected) = whole else {
                panic!("a row is an object");
            };
            expected.retain(|key, _| ["expires", "file", "owner", "verdict"].contains(&key.as_str()));
            assert_eq!(row.to_value(some), tera::Value::Object(expected), "{}", row.id);
        }
    }

    #[test]
    fn a_template_cannot_read_the_environment() {
        let (inventory, audit) = example_audit();
        let error = render(&audit, &inventory, Some("{{ get_env(name=\"HOME\") }}\n")).unwrap_err();
        assert!(error.to_string().contains("get_env is not available"), "{error}");
    }

    #[test]
    fn cells_escape_pipes_and_newlines() {
        let value = cell_filter(&tera::Value::String("a | b\nc".into()), &HashMap::new()).unwrap();
        assert_eq!(value, tera::Value::String("a \\| b c".into()));
    }
}
