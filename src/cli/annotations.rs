//! GitHub Actions workflow annotations: one `::error file=…,line=…::` (or
//! `::warning`) line per problem, which GitHub shows on the pull request's
//! diff at that line.

use super::problems::Problem;
use crate::inventory::Severity;

/// One annotation line per problem.
pub fn annotations(problems: &[Problem]) -> String {
    let mut out = String::new();
    for problem in problems {
        let command = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = format!("file={},line={}", escape_property(&problem.file), problem.line);
        if let Some(column) = problem.column {
            properties.push_str(&format!(",col={column}"));
        }
        properties.push_str(&format!(
            ",title={}",
            escape_property(&format!("tenant-audit: {}", problem.rule.id))
        ));
        let mut message = format!("{}\n{}", problem.message, problem.help);
        if let Some(detail) = &problem.detail {
            message.push('\n');
            message.push_str(detail);
        }
        out.push_str(&format!("::{command} {properties}::{}\n", escape_data(&message)));
    }
    out
}

/// Workflow-command data: `%`, CR and LF are encoded (so a message can span lines).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Workflow-command property values also encode `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
