//! Storage-engine ("reservoir") paths: calls on the configured client
//! receivers, except methods that carry no tenant data.

use super::ir::{Access, Candidate, ReservoirCall};
use super::lower::lower_arguments;
use super::prefilter::Role;
use super::queries::{method_call, FileMatches};
use super::rules::{last_segment, ExtractRules};
use super::symbols::enclosing_symbol;
use super::syntax::{line, text, Ancestry};
use crate::model::{PathKind, TableUse};
use tree_sitter::Tree;

/// Every storage-engine call in a parsed file.
pub fn extract(tree: &Tree, matches: &FileMatches, source: &[u8], file: &str, rules: &ExtractRules) -> Vec<Candidate> {
    let ancestry = Ancestry::with_known(tree.root_node(), matches.parents());
    let mut candidates = Vec::new();
    for call in matches.nodes(Role::Reservoir, "call") {
        let Some((object, property, args)) = method_call(call) else {
            continue;
        };
        if !rules
            .reservoir_receivers
            .iter()
            .any(|r| r == last_segment(text(object, source)))
        {
            continue;
        }
        let method = text(property, source).to_string();
        if rules.reservoir_ignore.contains(&method) {
            continue;
        }
        candidates.push(Candidate {
            id: String::new(),
            kind: PathKind::Reservoir,
            operation: method.clone(),
            targets: vec![TableUse {
                name: Some(
                    rules
                        .reservoir_datasets
                        .get(&method)
                        .cloned()
                        .unwrap_or_else(|| method.clone()),
                ),
                alias: None,
                line: line(call),
            }],
            file: file.to_string(),
            line: line(call),
            symbol: enclosing_symbol(call, source, &ancestry),
            access: Access::Reservoir(ReservoirCall {
                method,
                args: lower_arguments(args, source),
            }),
        });
    }
    candidates
}
