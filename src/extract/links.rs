//! What one file offers the others, and the pass that resolves references
//! across files once every file is extracted: a queue used in one file and
//! created in another, a worker's processor imported from elsewhere, a cache
//! key built by a function of another module.

use super::ir::{Access, Candidate, Expr, JobDataReads, KeyPart, ProcessorRef, QueueRef};
use super::queues::queue_target;
use crate::model::{PathKind, TableUse};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A name imported from another module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The module specifier as written (`../jobs/queues`).
    pub specifier: String,
    /// The name exported there (`default` for a default import).
    pub name: String,
}

/// A function that builds a cache key from its parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeyBuilder {
    /// Parameter names, in order.
    pub params: Vec<String>,
    /// The key it returns, part by part; holes name the parameters they use.
    pub parts: Vec<KeyPart>,
}

/// What a file declares that paths in other files (or later in the same
/// file) refer to.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileSummary {
    /// The file, relative.
    pub file: String,
    /// Imported names by local name.
    pub imports: BTreeMap<String, Import>,
    /// Namespace imports (`import * as keys from './keys'`): local name →
    /// module specifier. Kept apart from `imports`: a namespace is no value
    /// a path can use (`keys.add(...)` enqueues nothing).
    pub namespaces: BTreeMap<String, String>,
    /// The name of what is exported as `default`, when it has one
    /// (`export default function search`, `export default search`).
    pub default_export: Option<String>,
    /// Queue variables (and class fields) → queue name.
    pub queues: BTreeMap<String, String>,
    /// Flow-producer variables.
    pub flows: BTreeSet<String>,
    /// Top-level functions → what they read of `job.data`, for processors.
    pub processors: BTreeMap<String, JobDataReads>,
    /// Key builders: `name` or `Class.method` → the key they return.
    pub key_builders: BTreeMap<String, KeyBuilder>,
}

/// Resolves every cross-file reference it can and fills in targets.
pub fn link(candidates: &mut [Candidate], summaries: &BTreeMap<String, FileSummary>) {
    for candidate in candidates.iter_mut() {
        let Some(summary) = summaries.get(&candidate.file) else {
            continue;
        };
        match &mut candidate.access {
            Access::QueueProducer(producer) => {
                if let QueueRef::Variable(local) = &producer.queue {
                    producer.queue = resolve_queue(local, summary, summaries);
                    candidate.targets = vec![queue_target(&producer.queue, candidate.line)];
                }
            }
            Access::QueueConsumer(consumer) => {
                if let ProcessorRef::Named(local) = &consumer.processor {
                    consumer.processor = resolve_processor(local, summary, summaries);
                }
            }
            Access::Cache(op) => {
                op.key = resolve_key(&op.key, summary, summaries, 0);
                candidate.targets = vec![TableUse {
                    name: Some(key_shape(&op.key)),
                    alias: None,
                    line: candidate.line,
                }];
            }
            _ => {}
        }
    }
}

/// The module an import specifier names, among the scanned files.
fn resolve_module<'s>(
    from: &str,
    specifier: &str,
    summaries: &'s BTreeMap<String, FileSummary>,
) -> Option<&'s FileSummary> {
    resolve_specifier(from, specifier, &|file| summaries.contains_key(file)).and_then(|file| summaries.get(&file))
}

/// The file an import specifier names, given which files exist.
pub fn resolve_specifier(from: &str, specifier: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    if !specifier.starts_with('.') {
        return None; // a package: not part of the scanned sources
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in specifier.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    // ESM TypeScript imports often say `.js` for the `.ts` file.
    let stem = ["js", "mjs", "cjs", "jsx"]
        .iter()
        .find_map(|ext| joined.strip_suffix(&format!(".{ext}")))
        .unwrap_or(&joined);
    let candidates = [
        joined.clone(),
        format!("{stem}.ts"),
        format!("{stem}.tsx"),
        format!("{stem}.mts"),
        format!("{stem}.cts"),
        format!("{stem}/index.ts"),
        format!("{stem}/index.tsx"),
    ];
    candidates.into_iter().find(|c| exists(c))
}

/// The modules `candidates` of one file refer to through its imports: where
/// a queue, a processor, a key builder or a called service is defined.
pub fn wanted_imports(candidates: &[Candidate], summary: &FileSummary) -> Vec<String> {
    let mut locals: Vec<String> = Vec::new();
    for candidate in candidates {
        match &candidate.access {
            Access::QueueProducer(producer) => {
                if let QueueRef::Variable(local) = &producer.queue {
                    locals.push(local.clone());
                }
            }
            Access::QueueConsumer(consumer) => {
                if let ProcessorRef::Named(local) = &consumer.processor {
                    locals.push(local.clone());
                }
            }
            Access::Cache(op) => {
                for part in &op.key {
                    if let KeyPart::Builder { callee, .. } = part {
                        locals.push(callee.split('.').next().unwrap_or(callee).to_string());
                    }
                }
            }
            Access::Provenance(flow) => {
                if let Some(callee) = &flow.callee {
                    let head = callee.rsplit_once('.').map_or(callee.as_str(), |(head, _)| head);
                    locals.push(head.rsplit('.').next().unwrap_or(head).to_string());
                    // `logs.search(...)` after `import * as logs`.
                    locals.push(callee.clone());
                }
            }
            _ => {}
        }
    }
    let mut specifiers: Vec<String> = locals
        .iter()
        .filter_map(|local| specifier_of(local, summary).map(str::to_string))
        .collect();
    specifiers.sort();
    specifiers.dedup();
    specifiers
}

/// The module specifier `reference` (a name, or a dotted name) is imported
/// from: through a namespace import of its first part, or an import of the
/// whole name.
fn specifier_of<'s>(reference: &str, summary: &'s FileSummary) -> Option<&'s str> {
    let (head, _) = split_head(reference);
    match summary.namespaces.get(head) {
        Some(specifier) => Some(specifier),
        None => summary.imports.get(reference).map(|i| i.specifier.as_str()),
    }
}

/// `reference` split at its first dot: `keys.userKey` → (`keys`,
/// `userKey`); a plain name has no member.
fn split_head(reference: &str) -> (&str, Option<&str>) {
    match reference.split_once('.') {
        Some((head, member)) => (head, Some(member)),
        None => (reference, None),
    }
}

/// Follows `reference` to where it is defined: this file, or the module it
/// is imported from, with the name it has there. `reference` is a local name
/// (`processDelivery`), a name and members (`CacheManager.queryKey`), or a
/// member of a namespace import (`keys.userKey`).
fn defining<'s>(
    reference: &str,
    summary: &'s FileSummary,
    summaries: &'s BTreeMap<String, FileSummary>,
) -> Option<(&'s FileSummary, String)> {
    let (head, member) = split_head(reference);
    if let (Some(specifier), Some(member)) = (summary.namespaces.get(head), member) {
        return resolve_module(&summary.file, specifier, summaries).map(|s| (s, member.to_string()));
    }
    match summary.imports.get(head) {
        Some(import) => resolve_module(&summary.file, &import.specifier, summaries).map(|s| {
            // A default export is declared under its own name, if it has one.
            let exported = match (&*import.name, &s.default_export) {
                ("default", Some(name)) => name,
                _ => &import.name,
            };
            let name = match member {
                Some(member) => format!("{exported}.{member}"),
                None => exported.clone(),
            };
            (s, name)
        }),
        None => Some((summary, reference.to_string())),
    }
}

fn resolve_queue(local: &str, summary: &FileSummary, summaries: &BTreeMap<String, FileSummary>) -> QueueRef {
    match defining(local, summary, summaries) {
        Some((file, name)) => match file.queues.get(&name) {
            Some(queue) => QueueRef::Named(queue.clone()),
            None => QueueRef::Unknown(format!(
                "`{local}` is not created with a literal queue name in {}",
                file.file
            )),
        },
        None => QueueRef::Unknown(format!("`{local}` comes from a module outside the scanned sources")),
    }
}

fn resolve_processor(local: &str, summary: &FileSummary, summaries: &BTreeMap<String, FileSummary>) -> ProcessorRef {
    match defining(local, summary, summaries) {
        Some((file, name)) => match file.processors.get(&name) {
            Some(reads) => ProcessorRef::Read(reads.clone()),
            None => ProcessorRef::Unknown(format!("`{local}` is not a function declared in {}", file.file)),
        },
        None => ProcessorRef::Unknown(format!("`{local}` comes from a module outside the scanned sources")),
    }
}

/// Replaces key-builder calls by the parts the builder returns, with each
/// hole naming what the caller passed for the parameter it uses.
fn resolve_key(
    parts: &[KeyPart],
    summary: &FileSummary,
    summaries: &BTreeMap<String, FileSummary>,
    depth: usize,
) -> Vec<KeyPart> {
    const MAX_DEPTH: usize = 4;
    let mut resolved = Vec::new();
    for part in parts {
        let KeyPart::Builder { callee, args, text } = part else {
            resolved.push(part.clone());
            continue;
        };
        let builder =
            defining(callee, summary, summaries).and_then(|(file, key)| file.key_builders.get(&key).map(|b| (file, b)));
        match builder {
            Some((file, builder)) if depth < MAX_DEPTH => {
                let substituted: Vec<KeyPart> = builder
                    .parts
                    .iter()
                    .map(|p| substitute(p, &builder.params, args))
                    .collect();
                resolved.extend(resolve_key(&substituted, file, summaries, depth + 1));
            }
            _ => resolved.push(KeyPart::Opaque(text.clone())),
        }
    }
    resolved
}

/// A builder's hole, with each parameter it names replaced by the names in
/// the caller's argument for it.
fn substitute(part: &KeyPart, params: &[String], args: &[Expr]) -> KeyPart {
    let KeyPart::Hole { text, names, fallback } = part else {
        return part.clone();
    };
    let mut substituted = Vec::new();
    for name in names {
        match params.iter().position(|p| p == name) {
            Some(index) => match args.get(index) {
                Some(arg) => substituted.extend(names_in(arg)),
                None => substituted.push(name.clone()),
            },
            None => substituted.push(name.clone()),
        }
    }
    KeyPart::Hole {
        text: text.clone(),
        names: substituted,
        fallback: *fallback,
    }
}

/// Identifiers and property names an expression mentions.
pub fn names_in(expr: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::Ref(path) => names.extend(path.split('.').map(str::to_string)),
            Expr::Array(items) | Expr::OneOf(items) => stack.extend(items),
            Expr::Object(props) => {
                for prop in props {
                    match prop {
                        super::ir::Prop::KeyValue(key, value) => {
                            names.push(key.clone());
                            stack.push(value);
                        }
                        super::ir::Prop::Spread(value) => stack.push(value),
                        super::ir::Prop::Computed(text) => names.push(text.clone()),
                    }
                }
            }
            Expr::Call { args, .. } => stack.extend(args),
            Expr::Resolved { name, value } => {
                names.push(name.clone());
                stack.push(value);
            }
            Expr::Function { body, .. } => stack.push(body),
            _ => {}
        }
    }
    names
}

/// The key's shape for documents and ids: `org:{orgId}:plan`.
pub fn key_shape(parts: &[KeyPart]) -> String {
    let mut shape = String::new();
    for part in parts {
        match part {
            KeyPart::Text(text) => shape.push_str(text),
            KeyPart::Hole { text, .. } => {
                shape.push('{');
                shape.push_str(text);
                shape.push('}');
            }
            KeyPart::Builder { callee, .. } => shape.push_str(&format!("{{{callee}(…)}}")),
            KeyPart::Opaque(_) => shape.push_str("{?}"),
        }
    }
    if shape.is_empty() {
        return "?".to_string();
    }
    // Ids separate their fields with `::` and hold no whitespace.
    shape.split_whitespace().collect::<String>().replace("::", ":")
}

/// Whether linking across files can change a path of `kind`: a queue is
/// resolved to where it is created ([`link`]), a cache key through the
/// functions that build it, and a route handler's flow to the paths it
/// reaches ([`link_sinks`]). Paths of the other kinds are final once their
/// file is extracted.
pub fn may_change(kind: PathKind) -> bool {
    matches!(
        kind,
        PathKind::QueueProducer | PathKind::QueueConsumer | PathKind::Cache | PathKind::Provenance
    )
}

/// A path as route handlers' flows that call into its function see it.
#[derive(Debug)]
pub struct SinkPath {
    /// The function or method it is in (the last part of its symbol).
    function: String,
    /// What a flow reaching it says: `kind.operation targets (symbol)`.
    description: String,
}

impl SinkPath {
    /// `candidate` as a flow reaching it sees it.
    pub fn of(candidate: &Candidate) -> Self {
        let target = candidate
            .targets
            .iter()
            .filter_map(|t| t.name.clone())
            .collect::<Vec<_>>()
            .join(",");
        SinkPath {
            function: candidate
                .symbol
                .rsplit('.')
                .next()
                .unwrap_or(&candidate.symbol)
                .to_string(),
            description: format!(
                "{}.{} {} ({})",
                candidate.kind, candidate.operation, target, candidate.symbol
            ),
        }
    }
}

/// For each tenant id reaching a service call in a route handler, the
/// data-access paths that call leads to: the callee is followed through the
/// file's imports to the module defining it, and the paths inside the
/// function or method of that name are listed. `files` holds each file's
/// candidates; `decided`, in the same order, each file's name and the paths
/// already decided in it.
pub fn link_sinks(
    files: &mut [Vec<Candidate>],
    decided: &[(String, Vec<SinkPath>)],
    summaries: &BTreeMap<String, FileSummary>,
) {
    use rayon::prelude::*;
    assert_eq!(
        files.len(),
        decided.len(),
        "one name and list of decided paths per file"
    );
    // The functions route handlers call, found first: only the paths inside
    // them are described, and only the files defining them are gone through
    // (a large repository has a hundred thousand paths and a few hundred
    // handlers).
    let wanted: Vec<((usize, usize), (String, String))> = files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(in_file, candidates)| {
            candidates
                .iter()
                .enumerate()
                .filter_map(move |(at, candidate)| Some(((in_file, at), function_called(candidate, summaries)?)))
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    // Paths by file, then by function.
    let mut by_symbol: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for (_, (file, method)) in &wanted {
        by_symbol.entry(file).or_default().entry(method).or_default();
    }
    {
        let file_at: HashMap<&str, usize> = decided
            .iter()
            .enumerate()
            .map(|(at, (file, _))| (file.as_str(), at))
            .collect();
        for (file, functions) in &mut by_symbol {
            let Some(&at) = file_at.get(file) else { continue };
            let linked: Vec<SinkPath> = files[at]
                .iter()
                .filter(|candidate| !matches!(candidate.access, Access::Provenance(_)))
                .map(SinkPath::of)
                .collect();
            for sink in linked.iter().chain(&decided[at].1) {
                if let Some(paths) = functions.get_mut(sink.function.as_str()) {
                    paths.push(sink.description.clone());
                }
            }
        }
    }
    for ((in_file, at), (file, method)) in &wanted {
        let Some(paths) = by_symbol
            .get(file.as_str())
            .and_then(|functions| functions.get(method.as_str()))
            .filter(|paths| !paths.is_empty())
        else {
            continue;
        };
        if let Access::Provenance(flow) = &mut files[*in_file][*at].access {
            let mut reaches = paths.clone();
            reaches.sort();
            reaches.dedup();
            flow.reaches = reaches;
        }
    }
}

/// The file and function a route handler's tenant id is passed to, when
/// `candidate` is such a flow and the callee can be followed.
fn function_called(candidate: &Candidate, summaries: &BTreeMap<String, FileSummary>) -> Option<(String, String)> {
    let Access::Provenance(flow) = &candidate.access else {
        return None;
    };
    let callee = flow.callee.as_ref()?;
    let summary = summaries.get(&candidate.file)?;
    // A namespace member is looked up whole (`logs.service.search`); any
    // other callee by its last two parts, the object holding the method
    // being what is imported (`this.logsService.search` → `logsService.search`).
    let reference = match callee.split_once('.') {
        Some((head, _)) if summary.namespaces.contains_key(head) => callee.as_str(),
        _ => match callee.rsplit_once('.').and_then(|(head, _)| head.rfind('.')) {
            Some(dot) => &callee[dot + 1..],
            None => callee.as_str(),
        },
    };
    let (module, name) = defining(reference, summary, summaries)?;
    Some((
        module.file.clone(),
        name.rsplit('.').next().unwrap_or(&name).to_string(),
    ))
}
