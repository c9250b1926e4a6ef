//! Formats scan results and findings for people (text) and machines (JSON).
//! Reporters only format; every decision is made before they run.

use super::style::Palette;
use crate::coverage::CoverageMatrix;
use crate::inventory::{Audit, Finding, FindingCode, Severity, Status};
use crate::model::ScanResult;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `scan` as text: one line per path, then the regions not analysed.
pub fn scan_text(scan: &ScanResult, palette: &Palette) -> String {
    let mut out = String::new();
    for path in &scan.paths {
        let _ = writeln!(
            out,
            "{}:{}  {}  {}\n    {}",
            path.file,
            path.line,
            palette.verdict(path.verdict),
            path.id,
            path.evidence
        );
    }
    for region in &scan.not_analysable {
        let _ = writeln!(
            out,
            "{}: {}:{}:{}: {}",
            palette.warning("warning[not-analysable]"),
            region.file,
            region.line,
            region.column,
            region.reason
        );
    }
    let _ = writeln!(out, "{} path(s) in {} file(s)", scan.paths.len(), scan.files_scanned);
    out
}

/// `scan` as JSON: `{"paths": [...], "not_analysable": [...]}`.
pub fn scan_json(scan: &ScanResult) -> String {
    let mut json = serde_json::to_string_pretty(scan).expect("the scan result is plain data");
    json.push('\n');
    json
}

/// Findings as text, then a one-line verdict.
pub fn findings_text(audit: &Audit, findings: &[Finding], palette: &Palette) -> String {
    // Generously (room never written to costs address space only): an
    // unclassified path's finding, with the YAML to add, is some 630 bytes.
    let mut out = String::with_capacity(1024 * (findings.len() + 1));
    for finding in findings {
        write_finding(&mut out, finding, palette);
    }
    let summary = summary(audit, findings);
    let summary = if summary.starts_with("check passed") {
        palette.success(&summary)
    } else {
        palette.error(&summary)
    };
    out.push_str(&summary);
    out.push('\n');
    out
}

/// One finding as text: its label, location and message, the help line, and
/// the detail (the YAML to add), followed by a blank line.
fn write_finding(out: &mut String, finding: &Finding, palette: &Palette) {
    let label = match finding.severity {
        Severity::Error => palette.error(&format!("error[{}]", finding.code.as_str())),
        Severity::Warning => palette.warning(&format!("warning[{}]", finding.code.as_str())),
    };
    let _ = writeln!(out, "{label}: {}  {}", finding.location, finding.message);
    let _ = writeln!(out, "  {} {}", palette.help("= help:"), finding.help);
    if let Some(detail) = &finding.detail {
        for line in detail.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push('\n');
}

/// One line: pass or fail, with counts.
pub fn summary(audit: &Audit, findings: &[Finding]) -> String {
    let mut statuses: BTreeMap<Status, usize> = BTreeMap::new();
    for path in &audit.paths {
        *statuses.entry(path.status).or_default() += 1;
    }
    let breakdown = statuses
        .iter()
        .map(|(status, n)| format!("{n} {}", status.label()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut errors: BTreeMap<FindingCode, usize> = BTreeMap::new();
    let mut warnings = 0;
    for finding in findings {
        match finding.severity {
            Severity::Error => *errors.entry(finding.code).or_default() += 1,
            Severity::Warning => warnings += 1,
        }
    }
    let paths = format!(
        "{} path(s) in {} file(s): {breakdown}",
        audit.paths.len(),
        audit.files_scanned
    );
    let warnings = if warnings > 0 {
        format!(", {warnings} warning(s)")
    } else {
        String::new()
    };
    if errors.is_empty() {
        format!("check passed: {paths}{warnings}")
    } else {
        let total: usize = errors.values().sum();
        let codes = errors
            .iter()
            .map(|(code, n)| format!("{n} {}", code.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        format!("check failed: {total} error(s) ({codes}){warnings}; {paths}")
    }
}

#[derive(Serialize)]
struct CheckJson<'a> {
    passed: bool,
    findings: &'a [Finding],
    paths: Vec<PathStatus<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a CoverageMatrix>,
}

#[derive(Serialize)]
struct PathStatus<'a> {
    id: &'a str,
    verdict: &'a str,
    status: &'static str,
}

/// `check` as JSON, with the coverage matrix when the inventory declares areas.
pub fn findings_json(audit: &Audit, findings: &[Finding], coverage: Option<&CoverageMatrix>) -> String {
    let report = CheckJson {
        coverage,
        passed: !findings.iter().any(|f| f.severity == Severity::Error),
        findings,
        paths: audit
            .paths
            .iter()
            .map(|p| PathStatus {
                id: &p.path.id,
                verdict: p.path.verdict.as_str(),
                status: p.status.label(),
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&report).expect("findings are plain data");
    json.push('\n');
    json
}
