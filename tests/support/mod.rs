//! Shared helpers for the integration tests.
#![allow(dead_code)]

use tenant_audit::extract::{extract_file, extract_source, finish, Dialect, ExtractRules};
use tenant_audit::model::{DataPath, Verdict};
use tenant_audit::scope::{decide, TableClass, Taxonomy};

/// The taxonomy the verdict specifications are written against.
pub fn taxonomy() -> Taxonomy {
    let mut taxonomy = Taxonomy::new(vec!["organization_id".into(), "project_id".into()]);
    let tenant = |keys: &[&str]| TableClass::Tenant {
        keys: keys.iter().map(|k| k.to_string()).collect(),
    };
    taxonomy.insert("organizations", tenant(&["id"]));
    taxonomy.insert("projects", tenant(&["organization_id"]));
    taxonomy.insert("logs", tenant(&["project_id"]));
    taxonomy.insert("alert_rules", tenant(&["organization_id", "project_id"]));
    taxonomy.insert("dashboards", tenant(&["organization_id"]));
    taxonomy.insert("audit_log", tenant(&["organization_id"]));
    taxonomy.insert("usage_records", tenant(&["organization_id"]));
    taxonomy.insert("webhooks", tenant(&["organization_id"]));
    taxonomy.insert("saved_searches", tenant(&["project_id"]));
    taxonomy.insert("user_sessions", tenant(&["user_id"]));
    taxonomy.insert(
        "alert_history",
        TableClass::Child {
            parent: "alert_rules".into(),
            via: "alert_rule_id".into(),
        },
    );
    taxonomy.insert("plans", TableClass::Global);
    taxonomy.insert("feature_flags", TableClass::Global);
    taxonomy
}

/// Every path in a TypeScript snippet, with verdicts.
pub fn paths(source: &str) -> Vec<DataPath> {
    paths_with(source, &taxonomy())
}

/// Every path in a TypeScript snippet, judged against `taxonomy`.
pub fn paths_with(source: &str, taxonomy: &Taxonomy) -> Vec<DataPath> {
    let (candidates, problems) = extract_source(source.as_bytes(), "src/spec.ts", Dialect::TypeScript);
    assert!(problems.is_empty(), "the snippet does not parse: {problems:?}");
    candidates.iter().map(|c| decide(c, taxonomy)).collect()
}

/// The one path in a snippet, judged against `taxonomy`.
pub fn only_path_with(source: &str, taxonomy: &Taxonomy) -> DataPath {
    let mut found = paths_with(source, taxonomy);
    assert_eq!(found.len(), 1, "expected exactly one path, found {found:#?}");
    found.remove(0)
}

/// Every path of several files (path, source), extracted with `rules`,
/// linked as in a real scan, and judged against `taxonomy`.
pub fn scan_files(files: &[(&str, &str)], rules: &ExtractRules, taxonomy: &Taxonomy) -> Vec<DataPath> {
    let extracted = files
        .iter()
        .map(|(file, source)| {
            let extraction = extract_file(source.as_bytes(), file, Dialect::TypeScript, rules);
            assert!(extraction.not_analysable.is_empty(), "{file} does not parse");
            extraction
        })
        .collect();
    finish(extracted).iter().map(|c| decide(c, taxonomy)).collect()
}

/// The one path in a snippet.
pub fn only_path(source: &str) -> DataPath {
    let mut found = paths(source);
    assert_eq!(found.len(), 1, "expected exactly one path, found {found:#?}");
    found.remove(0)
}

/// Asserts the verdict of the only path in `source`, and that its evidence
/// mentions every string in `evidence`.
pub fn assert_verdict(source: &str, verdict: Verdict, evidence: &[&str]) {
    let path = only_path(source);
    assert_eq!(
        path.verdict, verdict,
        "verdict for:\n{source}\nevidence: {}",
        path.evidence
    );
    for needle in evidence {
        assert!(
            path.evidence.contains(needle),
            "evidence {:?} does not mention {needle:?}",
            path.evidence
        );
    }
}
