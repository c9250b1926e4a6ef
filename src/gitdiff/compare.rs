//! Which paths a change added, removed, or gave another verdict or classification.

use crate::inventory::{Audit, AuditedPath};
use std::collections::BTreeMap;

/// How the paths of two audits differ, each list in id order.
#[derive(Debug, Clone, Default)]
pub struct PathChanges {
    /// Paths only in the newer audit.
    pub added: Vec<AuditedPath>,
    /// Paths only in the older audit.
    pub removed: Vec<AuditedPath>,
    /// Paths in both whose verdict or status (classification included) differs.
    pub changed: Vec<ChangedPath>,
}

impl PathChanges {
    /// Whether nothing was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// One path as it was and as it is.
#[derive(Debug, Clone)]
pub struct ChangedPath {
    /// In the older audit.
    pub before: AuditedPath,
    /// In the newer audit.
    pub after: AuditedPath,
}

/// The differences from `base` to `head`. A moved line, a new reason or new
/// evidence alone is no change: what a reviewer must look at is a new path,
/// a gone one, a new verdict or a new classification.
pub fn compare(base: &Audit, head: &Audit) -> PathChanges {
    let before: BTreeMap<&str, &AuditedPath> = base.paths.iter().map(|p| (p.path.id.as_str(), p)).collect();
    let after: BTreeMap<&str, &AuditedPath> = head.paths.iter().map(|p| (p.path.id.as_str(), p)).collect();
    let mut changes = PathChanges::default();
    for (id, now) in &after {
        match before.get(id) {
            None => changes.added.push((*now).clone()),
            Some(then) if then.path.verdict != now.path.verdict || then.status != now.status => {
                changes.changed.push(ChangedPath {
                    before: (*then).clone(),
                    after: (*now).clone(),
                })
            }
            Some(_) => {}
        }
    }
    for (id, then) in &before {
        if !after.contains_key(id) {
            changes.removed.push((*then).clone());
        }
    }
    changes
}
