//! A synthetic but realistic multi-tenant TypeScript backend of a chosen size,
//! seeded and reproducible: services with Kysely chains of every shape, raw
//! SQL, storage-engine calls, queues, cache helpers, route handlers, plus the
//! files real repositories have that hold no data access (types, utilities),
//! files with syntax errors and long minified bundles.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// A small xorshift generator: reproducible across platforms, no dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (never zero).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TABLES: &[&str] = &[
    "projects",
    "logs",
    "alert_rules",
    "dashboards",
    "audit_log",
    "usage_records",
    "webhooks",
    "saved_searches",
];
const GLOBAL_TABLES: &[&str] = &["plans", "feature_flags"];
const TENANT_KEYS: &[&str] = &["organization_id", "project_id"];

/// What was written.
pub struct Corpus {
    /// The folder holding `inventory.yaml` and `src/`.
    pub root: PathBuf,
    /// Source files written.
    pub files: usize,
    /// Bytes of source written.
    pub bytes: usize,
}

/// Writes a backend of about `target_bytes` under `root` (replacing what is there).
pub fn generate(root: &Path, target_bytes: usize, seed: u64) -> std::io::Result<Corpus> {
    let _ = fs::remove_dir_all(root);
    fs::create_dir_all(root.join("src"))?;
    let mut rng = Rng::new(seed);
    let mut written = 0;
    let mut files = 0;
    while written < target_bytes {
        let module = format!("m{:03}", files / 12);
        let (name, text) = match files % 12 {
            0..=4 => ("service.ts", service(&mut rng, files)),
            5 => ("routes.ts", routes(&mut rng, files)),
            6 => ("jobs.ts", jobs(&mut rng, files)),
            7 | 8 => ("types.ts", types(&mut rng, files)),
            9 => ("util.ts", util(&mut rng, files)),
            10 if files % 36 == 10 => ("bundle.min.ts", minified(&mut rng, files)),
            10 => ("cache.ts", cache(&mut rng, files)),
            _ if files % 60 == 11 => ("broken.ts", broken(&mut rng, files)),
            _ => ("repo.ts", service(&mut rng, files)),
        };
        let path = root.join("src").join(&module).join(format!("f{files:05}_{name}"));
        fs::create_dir_all(path.parent().expect("a module folder"))?;
        fs::write(&path, &text)?;
        written += text.len();
        files += 1;
    }
    fs::write(root.join("inventory.yaml"), inventory())?;
    Ok(Corpus {
        root: root.to_path_buf(),
        files,
        bytes: written,
    })
}

fn inventory() -> String {
    let mut yaml = String::from(
        "document: { title: \"Benchmark corpus\", owner: \"bench\" }\nsources: { roots: [src] }\ntables:\n  tenant:\n",
    );
    for table in TABLES {
        let _ = writeln!(yaml, "    - {{ name: {table}, scope: [organization_id, project_id] }}");
    }
    yaml.push_str("  global:\n");
    for table in GLOBAL_TABLES {
        let _ = writeln!(yaml, "    - {{ name: {table}, reason: \"shared catalogue\" }}");
    }
    yaml.push_str("queues: { queue_factories: [createQueue], worker_factories: [createWorker] }\n");
    yaml.push_str("provenance: { verifiers: [{ name: verifyProjectAccess }] }\npaths: []\n");
    yaml
}

fn service(rng: &mut Rng, n: usize) -> String {
    let mut out = format!(
        "import {{ sql, type Kysely }} from 'kysely';\nimport {{ db }} from '../db';\nimport {{ cache }} from '../cache';\n\nexport class Service{n} {{\n  constructor(private readonly db: Kysely<Database>) {{}}\n"
    );
    for m in 0..(8 + rng.below(10)) {
        let table = rng.pick(TABLES);
        let key = rng.pick(TENANT_KEYS);
        let body = match rng.below(10) {
            0 => format!("return this.db.selectFrom('{table}').selectAll().where('{key}', '=', tenantId).where('id', '=', id).executeTakeFirst();"),
            1 => format!("let q = this.db.selectFrom('{table} as t').selectAll().where('t.{key}', '=', tenantId);\n    if (filter.name) {{\n      q = q.where('t.name', 'like', filter.name);\n    }}\n    return q.orderBy('t.created_at', 'desc').limit(100).execute();"),
            2 => format!("return this.db.selectFrom('{table}').innerJoin('projects', 'projects.id', '{table}.project_id').where('projects.organization_id', '=', tenantId).selectAll('{table}').execute();"),
            3 => format!("return this.db.updateTable('{table}').set({{ name: filter.name }}).where('id', '=', id).execute();"),
            4 => format!("return this.db.insertInto('{table}').values({{ {key}: tenantId, name: filter.name }}).returningAll().executeTakeFirstOrThrow();"),
            5 => format!("return this.db.selectFrom('{table}').selectAll().where((eb) => eb.or([eb('{key}', '=', tenantId), eb('is_public', '=', true)])).execute();"),
            6 => format!("const {{ rows }} = await sql<Row>`SELECT id, name FROM {table} WHERE {key} = ${{tenantId}} AND id = ${{id}}`.execute(this.db);\n    return rows;"),
            7 => format!("return cache.getOrSet(`{table}:${{tenantId}}:${{id}}`, 60, () => this.db.selectFrom('{table}').selectAll().where('{key}', '=', tenantId).execute());"),
            8 => "return reservoir.query({ projectId: tenantId, from: filter.from, to: filter.to });".to_string(),
            _ => format!("return this.db.deleteFrom('{table}').where('{key}', '=', tenantId).where('id', 'in', ids).execute();"),
        };
        let _ = write!(
            out,
            "\n  /** Loads {table} for the caller's tenant (method {m}). */\n  async op{m}(tenantId: string, id: string, ids: string[], filter: Filter) {{\n    {body}\n  }}\n"
        );
    }
    out.push_str("}\n");
    out
}

fn routes(rng: &mut Rng, n: usize) -> String {
    let mut out = format!(
        "import {{ service{n} }} from './service';\n\nexport async function routes{n}(app: FastifyInstance) {{\n"
    );
    for r in 0..(4 + rng.below(4)) {
        let verify = if rng.below(2) == 0 {
            "    await verifyProjectAccess(projectId, request.auth!.userId);\n"
        } else {
            ""
        };
        let _ = write!(
            out,
            "  app.get('/api/v1/things{n}/{r}/:projectId', async (request) => {{\n    const {{ projectId }} = request.params as {{ projectId: string }};\n{verify}    return service{n}.op{r}(projectId, 'x', [], {{}});\n  }});\n"
        );
    }
    out.push_str("}\n");
    out
}

fn jobs(rng: &mut Rng, n: usize) -> String {
    let key = if rng.below(3) == 0 {
        "alertRuleId"
    } else {
        "organizationId"
    };
    format!(
        "import {{ Queue, Worker }} from 'bullmq';\n\nexport const queue{n} = new Queue('jobs-{n}', {{ connection }});\n\nexport async function enqueue{n}(orgId: string, id: string) {{\n  await queue{n}.add('run', {{ {key}: orgId, id }});\n}}\n\nexport async function process{n}(job: Job) {{\n  const {{ {key}, id }} = job.data;\n  return work({key}, id);\n}}\n\nexport function start{n}() {{\n  return new Worker('jobs-{n}', process{n}, {{ connection }});\n}}\n"
    )
}

fn cache(rng: &mut Rng, n: usize) -> String {
    let hole = if rng.below(2) == 0 {
        "${orgId}"
    } else {
        "${hashParams(params)}"
    };
    format!(
        "export class Keys{n} {{\n  static key(orgId: string, params: object): string {{\n    return `k{n}:{hole}`;\n  }}\n}}\n\nexport async function cached{n}(orgId: string, params: object) {{\n  return redis.get(Keys{n}.key(orgId, params));\n}}\n"
    )
}

fn types(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    for t in 0..(20 + rng.below(20)) {
        let _ = write!(
            out,
            "/** Row shape {t} of module {n}. */\nexport interface Row{n}x{t} {{\n  id: string;\n  organization_id: string;\n  name: string;\n  created_at: Date;\n  attributes: Record<string, unknown>;\n}}\n\n"
        );
    }
    out
}

fn util(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    for u in 0..(15 + rng.below(15)) {
        let _ = write!(
            out,
            "export function format{n}x{u}(value: number, unit: string): string {{\n  const rounded = Math.round(value * 100) / 100;\n  return `${{rounded}} ${{unit}}`;\n}}\n\n"
        );
    }
    out
}

fn minified(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    for i in 0..(2000 + rng.below(2000)) {
        let _ = write!(out, "var a{n}_{i}=function(b,c){{return b+c*{i}}};");
    }
    out.push('\n');
    out
}

fn broken(rng: &mut Rng, n: usize) -> String {
    let table = rng.pick(TABLES);
    format!(
        "export async function half{n}(tenantId: string) {{\n  return db.selectFrom('{table}').selectAll().where('organization_id', '=', tenantId).execute();\n}}\n\nexport function unfinished{n}( {{\n  return 1 +;\n}}\n"
    )
}
