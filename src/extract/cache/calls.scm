; A method call on some receiver: `cache.get(key)`, `this.redis.set(key, v)`.
; Which receivers are cache clients, and which methods take a key, is
; configuration, checked in Rust.
;
; `await cache.get<Row>(key)` parses as a call of `(await cache.get)`: the
; second alternative keeps such calls.
(call_expression
  function: [
    (member_expression object: (_) property: (property_identifier))
    (await_expression (member_expression object: (_) property: (property_identifier)))
  ]
  arguments: (arguments)) @call
