//! The extractor and the verdicts on arbitrary bytes: whatever a source file
//! holds, extraction returns (no panic, no stack overflow, no hang), every
//! region it reports is located, and every path it finds gets a verdict.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tenant_audit::extract::{extract_source, Dialect};
use tenant_audit::scope::{decide, TableClass, Taxonomy};

fn taxonomy() -> &'static Taxonomy {
    static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
    TAXONOMY.get_or_init(|| {
        let mut taxonomy = Taxonomy::new(vec!["organization_id".into(), "project_id".into()]);
        let tenant = |key: &str| TableClass::Tenant {
            keys: vec![key.to_string()],
        };
        taxonomy.insert("projects", tenant("organization_id"));
        taxonomy.insert("logs", tenant("project_id"));
        taxonomy.insert("alert_rules", tenant("organization_id"));
        taxonomy.insert(
            "alert_history",
            TableClass::Child {
                parent: "alert_rules".into(),
                via: "alert_rule_id".into(),
            },
        );
        taxonomy.insert("plans", TableClass::Global);
        taxonomy
    })
}

fuzz_target!(|data: &[u8]| {
    // The last byte picks the grammar, so that seeds keep their first bytes.
    let dialect = match data.last() {
        Some(b) if b % 2 == 1 => Dialect::Tsx,
        _ => Dialect::TypeScript,
    };
    let (candidates, problems) = extract_source(data, "src/fuzzed.ts", dialect);
    let lines = data.iter().filter(|b| **b == b'\n').count() + 1;
    for problem in &problems {
        assert!(problem.line >= 1 && problem.column >= 1, "{problem:?}");
        assert!(problem.line <= lines, "{problem:?} is past the last line {lines}");
        assert!(!problem.reason.is_empty());
    }
    for candidate in &candidates {
        let path = decide(candidate, taxonomy());
        assert!(!path.evidence.is_empty(), "{path:?}");
    }
});
