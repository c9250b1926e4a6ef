//! Verdicts for paths beyond SQL: storage-engine calls, job payloads and
//! consumers, and cache keys. Each asks the same question of a different
//! shape: does a tenant id travel with the data?

use super::taxonomy::Taxonomy;
use crate::extract::ir::{CacheOp, Consumer, Expr, KeyPart, ProcessorRef, Producer, Prop, QueueRef, ReservoirCall};
use crate::model::Verdict;

/// What an object literal (params, payload) says about the tenant.
enum Carries {
    /// A tenancy property bound to a value.
    Tenant(String),
    /// A tenancy property bound to a global sentinel.
    Sentinel(String),
    /// A tenancy property only under a conditional spread.
    Conditionally(String),
    /// Cannot tell (a spread of something unreadable).
    Unreadable(String),
    /// No tenancy property; the keys it has.
    Nothing(Vec<String>),
}

fn object_carries(expr: &Expr, taxonomy: &Taxonomy) -> Carries {
    let (expr, via) = match expr {
        Expr::Resolved { name, value } => (value.as_ref(), format!(" (in `{name}`, built in the same function)")),
        other => (other, String::new()),
    };
    let Expr::Object(props) = expr else {
        return Carries::Unreadable(format!(
            "`{}` is not an object literal the analysis can read",
            shown(expr)
        ));
    };
    let mut keys = Vec::new();
    let mut conditional = None;
    let mut unreadable = None;
    for prop in props {
        match prop {
            Prop::KeyValue(key, value) if taxonomy.is_tenancy_name(key) => match value {
                Expr::Ref(name) if is_sentinel(name, taxonomy) => {
                    return Carries::Sentinel(format!("{key}: {name}{via}"))
                }
                Expr::Null | Expr::Str(_) | Expr::Number(_) | Expr::Bool(_) => keys.push(key.clone()),
                _ => return Carries::Tenant(format!("{key}{via}")),
            },
            Prop::KeyValue(key, _) => keys.push(key.clone()),
            Prop::Spread(Expr::OneOf(alternatives)) => {
                let tenant = alternatives.iter().find_map(|alt| match object_carries(alt, taxonomy) {
                    Carries::Tenant(key) => Some(key),
                    _ => None,
                });
                match tenant {
                    Some(key) => conditional = Some(format!("{key} under a conditional spread")),
                    None => {
                        unreadable.get_or_insert_with(|| "a conditional spread".to_string());
                    }
                }
            }
            Prop::Spread(value) => match object_carries(value, taxonomy) {
                Carries::Tenant(key) => return Carries::Tenant(format!("{key} (spread)")),
                _ => {
                    unreadable.get_or_insert_with(|| format!("a spread of `{}`", shown(value)));
                }
            },
            Prop::Computed(text) => {
                unreadable.get_or_insert_with(|| format!("a computed key `{text}`"));
            }
        }
    }
    if let Some(conditional) = conditional {
        return Carries::Conditionally(conditional);
    }
    if let Some(unreadable) = unreadable {
        return Carries::Unreadable(format!("{unreadable}{via}"));
    }
    Carries::Nothing(keys)
}

fn is_sentinel(name: &str, taxonomy: &Taxonomy) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    taxonomy
        .beyond_sql
        .global_sentinels
        .iter()
        .any(|s| s == name || s == last)
}

fn shown(expr: &Expr) -> String {
    super::kysely::expr_text(expr)
}

/// `reservoir.query({ projectId, from, to })`, `reservoir.getTraceById(id, projectId)`.
pub fn reservoir(call: &ReservoirCall, taxonomy: &Taxonomy) -> (Verdict, String) {
    for arg in &call.args {
        if let Expr::Ref(name) = arg {
            let last = name.rsplit('.').next().unwrap_or(name);
            if is_sentinel(name, taxonomy) {
                return (
                    Verdict::NotTenant,
                    format!("global sentinel `{name}` passed: every tenant, deliberately"),
                );
            }
            if taxonomy.is_tenancy_name(last) {
                return (Verdict::Scoped, format!("tenant id passed as an argument: `{name}`"));
            }
        }
    }
    let params = call
        .args
        .iter()
        .find(|a| matches!(a, Expr::Object(_) | Expr::Resolved { .. }));
    match params.map(|p| object_carries(p, taxonomy)) {
        Some(Carries::Tenant(key)) => (Verdict::Scoped, format!("params carry {key}")),
        Some(Carries::Sentinel(what)) => (Verdict::NotTenant, format!("global sentinel in params: {what}")),
        Some(Carries::Conditionally(what)) => (Verdict::Conditional, format!("params carry {what}")),
        Some(Carries::Unreadable(what)) => (Verdict::Unknown, format!("params include {what}")),
        Some(Carries::Nothing(keys)) => (
            Verdict::Unscoped,
            format!("params carry no tenant id (keys: {})", keys.join(", ")),
        ),
        None if call.args.is_empty() => (Verdict::Unscoped, "called without arguments: no tenant id".to_string()),
        None => (
            Verdict::Unknown,
            format!(
                "arguments {} carry no tenant id the analysis can see",
                call.args.iter().map(shown).collect::<Vec<_>>().join(", ")
            ),
        ),
    }
}

/// A job enqueued: every payload must carry a tenant id.
pub fn producer(producer: &Producer, taxonomy: &Taxonomy) -> (Verdict, String) {
    if let QueueRef::Unknown(why) = &producer.queue {
        let (verdict, evidence) = payloads(producer, taxonomy);
        return (verdict, format!("{evidence}; queue unknown: {why}"));
    }
    payloads(producer, taxonomy)
}

fn payloads(producer: &Producer, taxonomy: &Taxonomy) -> (Verdict, String) {
    let mut worst = (Verdict::Scoped, String::new());
    for payload in &producer.payloads {
        let judged = match object_carries(payload, taxonomy) {
            Carries::Tenant(key) => (Verdict::Scoped, format!("payload carries {key}")),
            Carries::Sentinel(what) => (Verdict::NotTenant, format!("payload carries a global sentinel: {what}")),
            Carries::Conditionally(what) => (Verdict::Conditional, format!("payload carries {what}")),
            Carries::Unreadable(what) => (Verdict::Unknown, format!("payload includes {what}")),
            Carries::Nothing(keys) => (
                Verdict::Unscoped,
                format!("payload carries no tenant id (keys: {})", keys.join(", ")),
            ),
        };
        if rank(judged.0) > rank(worst.0) || worst.1.is_empty() {
            worst = judged;
        }
    }
    if worst.1.is_empty() {
        return (Verdict::Unknown, "no payload".to_string());
    }
    worst
}

/// How bad a verdict is, for combining several payloads.
fn rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Scoped | Verdict::Bound | Verdict::Verified => 0,
        Verdict::NotTenant => 1,
        Verdict::Conditional => 2,
        Verdict::Unknown => 3,
        Verdict::Unscoped | Verdict::Unverified => 4,
    }
}

/// A worker: its processor must read a tenant id from `job.data`.
pub fn consumer(consumer: &Consumer, taxonomy: &Taxonomy) -> (Verdict, String) {
    match &consumer.processor {
        ProcessorRef::Read(reads) => {
            let name = &reads.processor;
            match reads.keys.iter().find(|k| taxonomy.is_tenancy_name(k)) {
                Some(key) => (Verdict::Scoped, format!("processor `{name}` reads job.data.{key}")),
                None if reads.escapes => (
                    Verdict::Unknown,
                    format!(
                        "processor `{name}` passes job.data on whole; reads seen: {}",
                        list(&reads.keys)
                    ),
                ),
                None => (
                    Verdict::Unscoped,
                    format!(
                        "processor `{name}` reads no tenant id from job.data (reads: {})",
                        list(&reads.keys)
                    ),
                ),
            }
        }
        ProcessorRef::Named(name) => (Verdict::Unknown, format!("processor `{name}` could not be followed")),
        ProcessorRef::Unknown(why) => (Verdict::Unknown, format!("processor cannot be followed: {why}")),
    }
}

fn list(keys: &[String]) -> String {
    if keys.is_empty() {
        "none".to_string()
    } else {
        keys.join(", ")
    }
}

/// A cache operation: its key must contain a tenant id.
pub fn cache(op: &CacheOp, shape: &str, taxonomy: &Taxonomy) -> (Verdict, String) {
    let mut holes = Vec::new();
    let mut conditional: Option<String> = None;
    for part in &op.key {
        match part {
            KeyPart::Hole { text, names, fallback } => {
                if let Some(name) = names.iter().find(|n| taxonomy.is_tenancy_name(n)) {
                    if *fallback {
                        conditional.get_or_insert_with(|| {
                            format!(
                                "key `{shape}` contains `{name}` only when it is set (`{{{text}}}` falls back to another value)"
                            )
                        });
                        continue;
                    }
                    return (
                        Verdict::Scoped,
                        format!("key `{shape}` contains the tenant id `{name}` (in `{{{text}}}`)"),
                    );
                }
                holes.push(format!("{{{text}}}"));
            }
            KeyPart::Builder { text, .. } | KeyPart::Opaque(text) => {
                return (Verdict::Unknown, format!("key `{shape}`: `{text}` cannot be followed"));
            }
            KeyPart::Text(_) => {}
        }
    }
    if let Some(why) = conditional {
        return (Verdict::Conditional, why);
    }
    if taxonomy
        .beyond_sql
        .global_cache_keys
        .iter()
        .any(|pattern| glob_match(pattern, shape))
    {
        return (Verdict::NotTenant, format!("key `{shape}` is global by inventory"));
    }
    if holes.is_empty() {
        (
            Verdict::Unscoped,
            format!("constant key `{shape}`: shared by every tenant"),
        )
    } else {
        (
            Verdict::Unscoped,
            format!("key `{shape}` has no tenant id; built from {}", holes.join(", ")),
        )
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn cache_key_globs() {
        assert!(glob_match("feature-flags:*", "feature-flags:all"));
        assert!(glob_match("*:plan", "org:{orgId}:plan"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("feature-flags:*", "flags:all"));
        assert!(glob_match("exact", "exact"));
    }
}
