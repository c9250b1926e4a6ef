; Route registrations: `app.get('/path', [opts,] handler)`, `router.post(path, ...handlers)`,
; `fastify.route({ method, url, handler })`. Which receivers are servers or routers is
; configuration, checked in Rust.
(call_expression
  function: (member_expression
    object: (_)
    property: (property_identifier) @method)
  arguments: (arguments)
  (#any-of? @method "get" "post" "put" "patch" "delete" "head" "options" "all" "route")) @registration
