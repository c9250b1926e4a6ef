; A method call on some receiver: `reservoir.query({...})`, `this.reservoir.count(...)`.
; Which receivers are the storage-engine client is configuration, checked in Rust.
;
; `await cache.get<Row>(key)` parses as a call of `(await cache.get)`: the
; second alternative keeps such calls.
(call_expression
  function: [
    (member_expression object: (_) property: (property_identifier))
    (await_expression (member_expression object: (_) property: (property_identifier)))
  ]
  arguments: (arguments)) @call
