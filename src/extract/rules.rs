//! Which calls are data-access paths beyond SQL. These come from the
//! inventory, so the extractors for storage-engine calls, queues and cache
//! keys follow a team's own names instead of hard-coded ones.

/// Names that make a call a path of the non-SQL kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractRules {
    /// Receivers of storage-engine calls (`reservoir.query(...)`); the last
    /// segment of the receiver is compared (`this.reservoir` matches).
    pub reservoir_receivers: Vec<String>,
    /// Storage-engine methods that carry no tenant data.
    pub reservoir_ignore: Vec<String>,
    /// The data set each storage-engine method reads or writes (default: the method name).
    pub reservoir_datasets: std::collections::BTreeMap<String, String>,
    /// Functions that create a queue from a name (`createQueue('emails')`).
    pub queue_factories: Vec<String>,
    /// Functions that create a worker from a name and processor (`createWorker('emails', fn)`).
    pub worker_factories: Vec<String>,
    /// Receivers of cache operations (`redis.get(...)`, `cache.set(...)`).
    pub cache_clients: Vec<String>,
    /// Cache methods whose first argument is a key; a trailing `*` matches a prefix.
    pub cache_methods: Vec<String>,
    /// Receivers of route registrations (`app.get(...)`, `router.post(...)`).
    pub route_receivers: Vec<String>,
    /// Request properties whose values the client supplies.
    pub untrusted_request_parts: Vec<String>,
    /// Request paths set by authentication (`request.projectId`,
    /// `request.user.organizationId`); the first segment names the request
    /// parameter and matches whatever the handler calls it.
    pub trusted_sources: Vec<String>,
    /// Functions that prove the caller may use a tenant id.
    pub verifiers: Vec<Verifier>,
    /// Names that carry a tenant id (`projectId`, `organizationId`, `orgId`).
    pub tenancy_names: Vec<String>,
}

/// A function that proves the caller may use a tenant id: called in a handler
/// (`await verifyProjectAccess(projectId, userId)`), or as a route hook
/// (`preHandler: requireOrgRole('viewer')`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    /// Function name.
    pub name: String,
    /// As a route hook, the request-supplied ids it checks (`orgId`); empty
    /// means the ids passed to it as arguments.
    pub verifies: Vec<String>,
}

impl Default for ExtractRules {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        ExtractRules {
            reservoir_receivers: strings(&["reservoir"]),
            reservoir_ignore: strings(&["getEngineType", "healthCheck", "initialize"]),
            reservoir_datasets: Default::default(),
            queue_factories: Vec::new(),
            worker_factories: Vec::new(),
            cache_clients: strings(&["redis", "cache"]),
            cache_methods: strings(&[
                "get",
                "set",
                "setex",
                "del",
                "delete",
                "unlink",
                "getOrSet",
                "getdel",
                "mget",
                "hget",
                "hset",
                "hgetall",
                "hdel",
                "incr",
                "incrby",
                "expire",
                "invalidate*",
            ]),
            route_receivers: strings(&["app", "fastify", "server", "instance", "router", "api"]),
            untrusted_request_parts: strings(&["query", "params", "body", "headers"]),
            trusted_sources: Vec::new(),
            verifiers: Vec::new(),
            tenancy_names: strings(&["projectId", "organizationId", "orgId", "tenantId"]),
        }
    }
}

impl ExtractRules {
    /// Whether `method` is a cache operation.
    pub fn is_cache_method(&self, method: &str) -> bool {
        self.cache_methods.iter().any(|m| match m.strip_suffix('*') {
            Some(prefix) => method.starts_with(prefix),
            None => m == method,
        })
    }
}

/// The last name of a receiver: `this.deps.reservoir` → `reservoir`.
pub fn last_segment(receiver: &str) -> &str {
    receiver.rsplit(['.', '?']).find(|s| !s.is_empty()).unwrap_or(receiver)
}
