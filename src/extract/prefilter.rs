//! Finds, from the bytes alone, the names that can start a data-access path:
//! a builder method (`selectFrom`), the `sql` tag, a queue class or factory,
//! `add`/`addBulk` after a dot, and the configured receivers (`reservoir`,
//! `cache`, `app`, ...) before one. One aho-corasick pass over the file.
//!
//! Every path the extractors accept contains such a name inside the node they
//! start from (they compare these very names), so:
//! - a file without one holds no path and is not parsed at all (it still
//!   counts as scanned, and is parsed after all when another file's path
//!   refers to it: a processor, a key builder, a queue);
//! - in a file with some, the path queries run only over the nodes that
//!   contain one (see `queries.rs`).
//!
//! A name counts only as a whole word, so `address` is no `add` and a comment
//! about "the app" is no receiver. Where the check is unsure (a comment
//! between a receiver and its dot, a non-ASCII letter next to a name) it
//! counts the name: a spare hit costs a little time, a missed one a path.

use super::rules::ExtractRules;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::ops::Range;

/// What a name the prefilter finds can start; each extractor looks only at
/// the nodes around the names of its own roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Kysely builder method: `selectFrom`, `insertInto`, ...
    Builder,
    /// The `sql` tag of raw SQL.
    Sql,
    /// A BullMQ class: `Queue`, `Worker`, `FlowProducer`.
    QueueClass,
    /// A configured queue or worker factory: `createQueue`.
    QueueFactory,
    /// A method that enqueues jobs: `add`, `addBulk`.
    JobMethod,
    /// A storage-engine receiver: `reservoir`.
    Reservoir,
    /// A cache client receiver: `cache`, `redis`.
    Cache,
    /// A server or router receiver: `app`, `router`.
    Route,
}

impl Role {
    /// Where a name of this role must stand to count.
    fn place(self) -> Place {
        match self {
            Role::Builder | Role::Sql | Role::QueueClass | Role::QueueFactory => Place::Word,
            Role::JobMethod => Place::AfterDot,
            Role::Reservoir | Role::Cache | Role::Route => Place::BeforeDot,
        }
    }
}

/// Where a name must stand to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Anywhere, as a whole word: `selectFrom`, `sql`, `Queue`, `createQueue`.
    Word,
    /// As a method: after a `.` (`queue.add(...)`).
    AfterDot,
    /// As a receiver: before a `.` (`cache.get(...)`, `this.reservoir?.query(...)`).
    BeforeDot,
}

/// A set of [`Role`]s: a name can have several (`cache` configured both as a
/// cache client and as a route receiver).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles(u16);

impl Roles {
    /// Whether `role` is in the set.
    pub fn contains(self, role: Role) -> bool {
        self.0 & (1 << role as u16) != 0
    }

    /// Every role: what a whole-tree query offers (the reference in tests).
    #[cfg(test)]
    pub fn all() -> Roles {
        Roles(u16::MAX)
    }

    fn with(self, role: Role) -> Roles {
        Roles(self.0 | (1 << role as u16))
    }
}

/// A name found in a file: where it stands and what it can start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Its bytes in the file.
    pub range: Range<usize>,
    /// What it can start.
    pub roles: Roles,
}

/// The compiled search for one set of rules.
pub struct Prefilter {
    automaton: AhoCorasick,
    /// How `automaton` reports names.
    search: Search,
    /// The roles of each name, and where it must stand, by pattern id.
    names: Vec<(Roles, Place)>,
}

/// How the automaton is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    /// The longest name starting at each place, searched for again one byte
    /// after each one found. When every name is made of name bytes, this finds
    /// every name that counts, in the same order: a shorter name at the same
    /// place is followed by a name byte (the rest of the longer one), so it
    /// does not count, and a name starting inside another is found by the
    /// search that starts one byte later. Unlike the overlapping search, it
    /// lets aho-corasick skip ahead with its vectorised prefilter: several
    /// times faster over a file, and every file is searched.
    LongestAtEachStart,
    /// Every occurrence, also one inside another: for names with other bytes.
    Overlapping,
}

impl Prefilter {
    /// Every name that can start a path under `rules`.
    pub fn new(rules: &ExtractRules) -> Self {
        Self::searching(rules, None)
    }

    /// [`Prefilter::new`], searching as `search` says, or as fast as the
    /// names allow.
    fn searching(rules: &ExtractRules, search: Option<Search>) -> Self {
        let configured = |names: &[String]| names.iter().map(String::clone).collect::<Vec<_>>();
        let fixed = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let by_role = [
            (Role::Builder, fixed(&super::kysely::BUILDER_METHODS)),
            (Role::Sql, fixed(&["sql"])),
            (Role::QueueClass, fixed(&super::queues::QUEUE_CLASSES)),
            (Role::JobMethod, fixed(&super::queues::JOB_METHODS)),
            (Role::QueueFactory, configured(&rules.queue_factories)),
            (Role::QueueFactory, configured(&rules.worker_factories)),
            (Role::Reservoir, configured(&rules.reservoir_receivers)),
            (Role::Cache, configured(&rules.cache_clients)),
            (Role::Route, configured(&rules.route_receivers)),
        ];
        // A name in two roles counts wherever either would (the looser place).
        let mut merged: std::collections::BTreeMap<String, (Roles, Place)> = Default::default();
        for (role, names) in by_role {
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                let entry = merged.entry(name).or_insert((Roles::default(), role.place()));
                entry.0 = entry.0.with(role);
                if entry.1 != role.place() {
                    entry.1 = Place::Word;
                }
            }
        }
        let search = search.unwrap_or(if merged.keys().all(|name| name.bytes().all(is_name_byte)) {
            Search::LongestAtEachStart
        } else {
            Search::Overlapping
        });
        let automaton = AhoCorasickBuilder::new()
            // No hit may hide behind one that fails the checks (`add` in
            // `addBulk`): see `Search`.
            .match_kind(match search {
                Search::LongestAtEachStart => MatchKind::LeftmostLongest,
                Search::Overlapping => MatchKind::Standard,
            })
            .build(merged.keys())
            .expect("a set of plain names always builds");
        Prefilter {
            automaton,
            search,
            names: merged.into_values().collect(),
        }
    }

    /// Whether `source` may hold a path (false only when it surely does not).
    pub fn may_hold_paths(&self, source: &[u8]) -> bool {
        self.found(source).next().is_some()
    }

    /// Every name in `source` that can start a path, in the order found.
    pub(crate) fn hits(&self, source: &[u8]) -> Vec<Hit> {
        self.found(source).collect()
    }

    fn found<'s>(&'s self, source: &'s [u8]) -> impl Iterator<Item = Hit> + 's {
        let matches: Box<dyn Iterator<Item = aho_corasick::Match> + 's> = match self.search {
            Search::LongestAtEachStart => {
                let mut from = 0;
                Box::new(std::iter::from_fn(move || {
                    let found = self.automaton.find(aho_corasick::Input::new(source).range(from..))?;
                    from = found.start() + 1;
                    Some(found)
                }))
            }
            Search::Overlapping => Box::new(self.automaton.find_overlapping_iter(source)),
        };
        matches.filter_map(|m| {
            let (start, end) = (m.start(), m.end());
            let (roles, place) = self.names[m.pattern().as_usize()];
            // A digit ends a number before it (`1cache` is read as `1`, `cache`).
            let whole_word = !source[..start]
                .last()
                .is_some_and(|&b| is_name_byte(b) && !b.is_ascii_digit())
                && !source.get(end).is_some_and(|&b| is_name_byte(b));
            let in_place = match place {
                Place::Word => true,
                Place::AfterDot => after_a_dot(source, start),
                Place::BeforeDot => matches!(after(source, end), Some(b'.' | b'?' | b'/')),
            };
            (whole_word && in_place).then(|| Hit {
                range: m.range(),
                roles,
            })
        })
    }
}

/// A byte that continues a JavaScript name. Bytes of non-ASCII characters do
/// not: `écache` then still shows `cache` (a spare hit, never a missed one).
fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// Whether a `.` stands before `at`, white space aside, or may: `*/` ends a
/// comment, and a line break may follow a `// ...` comment after the dot.
fn after_a_dot(source: &[u8], at: usize) -> bool {
    let before = &source[..at];
    match before.iter().rposition(|b| !b.is_ascii_whitespace()) {
        Some(last) if before[last..].contains(&b'\n') => true,
        Some(last) => before[last] == b'.' || before[..=last].ends_with(b"*/"),
        None => false,
    }
}

/// The first byte from `at` that is not white space (`/` starts a comment).
fn after(source: &[u8], at: usize) -> Option<u8> {
    source[at..].iter().copied().find(|b| !b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit_texts(source: &str) -> Vec<&str> {
        Prefilter::new(&ExtractRules::default())
            .hits(source.as_bytes())
            .into_iter()
            .map(|hit| &source[hit.range])
            .collect()
    }

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
    fn names_count_only_as_whole_words_in_their_place() {
        assert_eq!(hit_texts("const address = padding + added;"), Vec::<&str>::new());
        assert_eq!(hit_texts("// add the app to the cache\nsqlite(x)"), Vec::<&str>::new());
        assert_eq!(
            hit_texts("await queue.add<Job>('x', d); set.addBulk([])"),
            ["add", "addBulk"]
        );
        assert_eq!(hit_texts("this.cache\n  .get(k); app?.post(p, h)"), ["cache", "app"]);
        assert_eq!(hit_texts("sql<Row>`x`; new Worker('q', f)"), ["sql", "Worker"]);
    }

    #[test]
    fn where_a_comment_makes_it_unsure_the_name_counts() {
        assert_eq!(hit_texts("queue./* why */add(x)"), ["add"]);
        assert_eq!(hit_texts("cache /* why */ .get(k)"), ["cache"]);
        assert_eq!(hit_texts("queue. // why\n  add(x)"), ["add"]);
    }

    /// The default rules, and configured names that overlap the default ones
    /// (`ca` in `cache`) or hold a digit (`cache` after `x1` counts).
    fn property_rules() -> [ExtractRules; 2] {
        [
            ExtractRules::default(),
            ExtractRules {
                cache_clients: vec!["cache".into(), "planCache".into(), "ca".into(), "x1cache".into()],
                queue_factories: vec!["makeQueue".into()],
                ..ExtractRules::default()
            },
        ]
    }

    /// For each of [`property_rules`]: the fast search and the overlapping one.
    static SEARCHES: std::sync::LazyLock<Vec<(Prefilter, Prefilter)>> = std::sync::LazyLock::new(|| {
        property_rules()
            .iter()
            .map(|rules| {
                (
                    Prefilter::new(rules),
                    Prefilter::searching(rules, Some(Search::Overlapping)),
                )
            })
            .collect()
    });

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The fast search finds exactly the hits of the overlapping search,
        /// in the same order, on text made of names, parts of names, and the
        /// bytes the checks look at.
        #[test]
        fn the_fast_search_finds_what_the_overlapping_search_finds(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "add", "addBulk", "ad", "dBulk", "sql", "sq", "selectFrom", "select", "From",
                "cache", "ca", "app", "reservoir", "Queue", "Worker", "FlowProducer", "createQueue",
                "makeQueue", "planCache", "x1", "x1cache", ".", "?.", " ", "\n", "(", "1", "_", "$", "é", "x",
                "/* c */", "// c\n", "*/", "/",
            ]), 0..40)
        ) {
            let text = pieces.concat();
            for (fast, overlapping) in SEARCHES.iter() {
                proptest::prop_assert_eq!(fast.search, Search::LongestAtEachStart);
                proptest::prop_assert_eq!(fast.hits(text.as_bytes()), overlapping.hits(text.as_bytes()));
                proptest::prop_assert_eq!(
                    fast.may_hold_paths(text.as_bytes()),
                    overlapping.may_hold_paths(text.as_bytes())
                );
            }
        }
    }

    #[test]
    fn a_name_after_a_digit_inside_another_name_counts() {
        let rules = &property_rules()[1];
        let text = "x1cache.get(k)";
        let hits: Vec<&str> = Prefilter::new(rules)
            .hits(text.as_bytes())
            .into_iter()
            .map(|hit| &text[hit.range])
            .collect();
        assert_eq!(hits, ["x1cache", "cache"]);
    }

    #[test]
    fn names_with_other_bytes_are_searched_for_every_occurrence() {
        let rules = ExtractRules {
            cache_clients: vec!["my-cache".into()],
            ..ExtractRules::default()
        };
        assert_eq!(Prefilter::new(&rules).search, Search::Overlapping);
    }

    #[test]
    fn configured_names_count() {
        let rules = ExtractRules {
            cache_clients: vec!["planCache".into()],
            queue_factories: vec!["makeQueue".into()],
            ..ExtractRules::default()
        };
        let prefilter = Prefilter::new(&rules);
        assert!(prefilter.may_hold_paths(b"planCache.get(k)"));
        assert!(prefilter.may_hold_paths(b"const q = makeQueue('emails')"));
        assert!(!prefilter.may_hold_paths(b"const q = makeQueues('emails')"));
    }
}
