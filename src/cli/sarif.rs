//! SARIF 2.1.0 for GitHub code scanning and other viewers: one rule per
//! problem class, each result located in the repository with a
//! `partialFingerprints` entry from what it is about (the stable path id for
//! a path), so an alert follows its code across line moves, and a
//! `security-severity` score so GitHub ranks it as a security alert.

use super::problems::{Problem, RULES};
use crate::inventory::Severity;
use serde_json::{json, Value};

/// The key under `partialFingerprints`; bump its version if the subject of a
/// fingerprint ever changes meaning.
const FINGERPRINT_KEY: &str = "tenantAuditSubject/v1";

/// A SARIF log with one run holding `problems`.
pub fn log(problems: &[Problem]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.name,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": rule.description },
                "help": { "text": rule.help, "markdown": rule.help },
                "defaultConfiguration": { "level": default_level(rule.id) },
                "properties": {
                    "tags": ["security", "tenant-isolation"],
                    "precision": "high",
                    "security-severity": rule.security_severity,
                },
            })
        })
        .collect();
    let results: Vec<Value> = problems
        .iter()
        .map(|problem| {
            let index = RULES
                .iter()
                .position(|r| r.id == problem.rule.id)
                .expect("problems use the rules of RULES");
            let mut region = json!({ "startLine": problem.line });
            if let Some(column) = problem.column {
                region["startColumn"] = json!(column.max(1));
            }
            let mut text = format!("{}\n{}", problem.message, problem.help);
            if let Some(detail) = &problem.detail {
                text.push('\n');
                text.push_str(detail);
            }
            json!({
                "ruleId": problem.rule.id,
                "ruleIndex": index,
                "level": level(problem.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_reference(&problem.file) },
                        "region": region,
                    }
                }],
                "partialFingerprints": { FINGERPRINT_KEY: problem.fingerprint },
                "properties": { "security-severity": problem.rule.security_severity },
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tenant-audit",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("the log is plain data");
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Rules whose findings only warn unless configured otherwise.
fn default_level(rule: &str) -> &'static str {
    match rule {
        "not-analysable" | "unmatched-glob" => "warning",
        _ => "error",
    }
}

/// A relative path as a URI reference: `/` kept, everything outside the
/// unreserved characters percent-encoded (a space becomes `%20`).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("src/my module/a+b.ts"), "src/my%20module/a%2Bb.ts");
        assert_eq!(uri_reference("src/é.ts"), "src/%C3%A9.ts");
    }
}
