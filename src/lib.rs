//! tenant-audit finds every data-access path in a multi-tenant TypeScript
//! backend, decides from the code whether each is scoped to its tenant, merges
//! that with the team's hand-curated `inventory.yaml`, renders the audit
//! document, and gates CI on the result.
//!
//! The modules are the pipeline, and data flows one way through them:
//! [`extract`] → [`scope`] → [`inventory`] → [`render`] → [`cli`].

pub mod cli;
pub mod extract;
pub mod inventory;
pub mod model;
pub mod render;
pub mod scope;
