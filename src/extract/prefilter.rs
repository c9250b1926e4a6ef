//! Decides, from the bytes alone, whether a file can hold a data-access path
//! at all. Most files of a backend (types, utilities, tests helpers) name no
//! builder, client, queue or route; a literal search over the configured
//! names (aho-corasick, one pass) spares them the parse. A file that fails the
//! prefilter still counts as scanned, and is parsed after all when another
//! file's path refers to it (a processor, a key builder, a queue).

use super::rules::ExtractRules;
use aho_corasick::AhoCorasick;

/// The compiled search for one set of rules.
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
}

impl Prefilter {
    /// Every name that can start a path under `rules`.
    pub fn new(rules: &ExtractRules) -> Self {
        let mut needles: Vec<String> = [
            "selectFrom",
            "insertInto",
            "updateTable",
            "deleteFrom",
            "replaceInto",
            "mergeInto",
            "sql`",
            "sql<",
            "sql.raw",
            "Queue",
            "Worker",
            "FlowProducer",
            ".add(",
            ".addBulk(",
            ".route(",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        needles.extend(rules.reservoir_receivers.iter().cloned());
        needles.extend(rules.queue_factories.iter().cloned());
        needles.extend(rules.worker_factories.iter().cloned());
        needles.extend(rules.cache_clients.iter().cloned());
        needles.extend(rules.route_receivers.iter().map(|r| format!("{r}.")));
        needles.retain(|n| !n.is_empty());
        needles.sort();
        needles.dedup();
        Prefilter {
            // A set of plain literals always builds; if it ever did not, every
            // file is parsed rather than any being skipped.
            automaton: AhoCorasick::new(&needles).ok(),
        }
    }

    /// Whether `source` may hold a path (false only when it surely does not).
    pub fn may_hold_paths(&self, source: &[u8]) -> bool {
        match &self.automaton {
            Some(automaton) => automaton.is_match(source),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_naming_no_builder_client_queue_or_route_are_skipped() {
        let prefilter = Prefilter::new(&ExtractRules::default());
        assert!(!prefilter.may_hold_paths(b"export interface Row { id: string }"));
        assert!(!prefilter.may_hold_paths(b"export const format = (n: number) => `${n} ms`;"));
        assert!(prefilter.may_hold_paths(b"db.selectFrom('logs')"));
        assert!(prefilter.may_hold_paths(b"await sql`SELECT 1`"));
        assert!(prefilter.may_hold_paths(b"reservoir.count({})"));
        assert!(prefilter.may_hold_paths(b"app.get('/x', h)"));
        assert!(prefilter.may_hold_paths(b"cache.get(k)"));
    }

    #[test]
    fn configured_names_count() {
        let rules = ExtractRules {
            cache_clients: vec!["planCache".into()],
            ..ExtractRules::default()
        };
        assert!(Prefilter::new(&rules).may_hold_paths(b"planCache.get(k)"));
    }
}
