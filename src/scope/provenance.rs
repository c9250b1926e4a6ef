//! Verdicts for tenant ids in route handlers: bound to the authenticated
//! context, verified on every path, verified on some, not at all, or beyond
//! what the analysis can see.

use crate::extract::ir::{Flow, Guard, Origin};
use crate::model::Verdict;

/// The verdict and evidence for one flow.
pub fn judge(flow: &Flow) -> (Verdict, String) {
    let reaches = if flow.reaches.is_empty() {
        String::new()
    } else {
        format!("; reaches {}", flow.reaches.join(", "))
    };
    let id = &flow.id_name;
    let sink = &flow.sink;
    let (verdict, evidence) = match (&flow.origin, &flow.guard) {
        (Origin::Trusted(path), _) => (Verdict::Bound, format!("`{id}` comes from `{path}` (authenticated context) into `{sink}`")),
        (Origin::Unknown(why), _) => (Verdict::Unknown, format!("`{id}` is {why}; the analysis cannot tell where it comes from")),
        (Origin::Supplied(path), Guard::Verified(how)) => {
            (Verdict::Verified, format!("`{id}` from `{path}` is verified by {how} before `{sink}`"))
        }
        (Origin::Fallback { supplied, bound }, Guard::Verified(how)) => (
            Verdict::Verified,
            format!("`{id}` from `{supplied}` (falling back to `{bound}`) is verified by {how} before `{sink}`"),
        ),
        (Origin::Supplied(path), Guard::Partial(why)) => (
            Verdict::Conditional,
            format!("`{id}` from `{path}` reaches `{sink}`; the verifier {why}"),
        ),
        (Origin::Fallback { supplied, bound }, guard) => (
            Verdict::Conditional,
            format!(
                "`{id}` is `{supplied}` when the client sends it, else `{bound}`: the supplied value overrides the bound one{}",
                match guard {
                    Guard::Partial(why) => format!(" and the verifier {why}"),
                    Guard::Ineffective(why) => format!(", and {why}"),
                    _ => " without a check".to_string(),
                }
            ),
        ),
        (Origin::Supplied(path), Guard::Ineffective(why)) => (
            Verdict::Unverified,
            format!("`{id}` from `{path}` reaches `{sink}` unverified: {why}"),
        ),
        (Origin::Supplied(path), Guard::None) => (
            Verdict::Unverified,
            format!("`{id}` from `{path}` reaches `{sink}` with no verifier"),
        ),
    };
    (verdict, format!("{evidence}{reaches}"))
}
