; The nodes where a data-access path can start. The query runs only over the
; nodes around a name the prefilter found (`selectFrom`, `sql`, `cache`,
; `Queue`, `add`, ...), and each extractor checks in Rust the shape it accepts,
; beside the code that reads it:
;
;   kysely::builder_call       db.selectFrom('logs'), trx.insertInto(...)
;   sql::tagged_template       sql`SELECT ...`
;   sql::generic_rest          sql<Row>`SELECT ...`, read as (sql < Row) > `...`
;   sql::raw_call              sql.raw(text), await sql.raw<T>(text)
;   reservoir, cache           reservoir.query({...}), await cache.get<T>(key)
;   queues::created_by         new Queue('emails'), new Worker(...), createQueue('emails')
;   queues::extract (jobs)     queue.add('name', payload), flow.add({...})
;   routes::registration_call  app.get('/path', handler), fastify.route({...})
;
; The patterns name node kinds only: a pattern that looks inside a node takes
; milliseconds to compile against the TypeScript grammar (see `queries.rs`).
(call_expression) @call

(new_expression) @new

(binary_expression) @binary
