//! Staleness by date. An exception is only as good as its last review: an entry
//! past its `expires` date, or whose `reviewed` date is older than the allowed
//! age, is a finding even though its path still exists, because auditors ask
//! when each exception was last looked at.

use super::merge::{Finding, FindingCode, Severity};
use super::Inventory;
use jiff::civil::Date;

/// When a classification counts as stale although its path still exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StalenessPolicy {
    /// An entry reviewed more than this many days ago is stale.
    pub max_review_age_days: u32,
    /// How much a stale-by-date entry weighs in `check`.
    pub severity: Severity,
}

impl Default for StalenessPolicy {
    fn default() -> Self {
        StalenessPolicy {
            max_review_age_days: 365,
            severity: Severity::Error,
        }
    }
}

/// A `YYYY-MM-DD` calendar date (February 30th is not one).
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    // jiff also reads other ISO 8601 spellings; the inventory allows only this one.
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    text.parse().ok()
}

/// Findings for entries that are expired, overdue for review, or reviewed on
/// a date that has not come yet, as of `today`.
pub fn review_findings(inventory: &Inventory, today: Date) -> Vec<Finding> {
    let policy = inventory.staleness;
    let mut findings = Vec::new();
    for entry in &inventory.entries {
        let finding = |code, message: String, help: &str| Finding {
            code,
            severity: policy.severity,
            location: format!("{}:{}:{}", inventory.path.display(), entry.line, entry.column),
            message,
            help: help.to_string(),
            detail: None,
        };
        if let Some(expires) = entry.expires.as_deref().and_then(parse_date) {
            if today > expires {
                findings.push(finding(
                    FindingCode::ExpiredEntry,
                    format!("`{}` expired on {expires}", entry.id),
                    "review the path again: fix the code, or renew the classification with a later `expires` and set `reviewed` to today",
                ));
            }
        }
        if let Some(reviewed) = entry.reviewed.as_deref().and_then(parse_date) {
            if reviewed > today {
                findings.push(finding(
                    FindingCode::ReviewDateInFuture,
                    format!("`{}` has a `reviewed` date in the future ({reviewed})", entry.id),
                    "set `reviewed` to the day the classification was actually reviewed",
                ));
            } else if days_between(reviewed, today) > i64::from(policy.max_review_age_days) {
                findings.push(finding(
                    FindingCode::ReviewOverdue,
                    format!(
                        "`{}` was last reviewed on {reviewed}, more than {} days ago",
                        entry.id, policy.max_review_age_days
                    ),
                    "review the classification again and set `reviewed` to the date of that review",
                ));
            }
        }
    }
    findings
}

fn days_between(earlier: Date, later: Date) -> i64 {
    let span = earlier.until(later).unwrap_or_default();
    // `until` between two civil dates yields whole days (no larger units by default).
    i64::from(span.get_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_calendar_dates_parse() {
        assert_eq!(parse_date("2024-02-29"), Some(jiff::civil::date(2024, 2, 29)));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("20260227"), None);
        assert_eq!(parse_date("2026-2-27"), None);
    }

    #[test]
    fn days_between_counts_across_years_and_leap_days() {
        let d = jiff::civil::date;
        assert_eq!(days_between(d(2025, 11, 27), d(2026, 11, 27)), 365);
        assert_eq!(days_between(d(2023, 11, 27), d(2024, 11, 27)), 366);
        assert_eq!(days_between(d(2026, 11, 27), d(2026, 11, 27)), 0);
    }
}
