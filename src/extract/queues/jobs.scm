; Jobs being enqueued: `queue.add('name', payload)`, `this.queue.addBulk([...])`,
; `flow.add({ queueName, data })`. Whether the receiver is a queue is decided in
; Rust from where it was created.
; `await queue.add<Job>(...)` parses as a call of `(await queue.add)`, hence the
; second alternative.
(call_expression
  function: [
    (member_expression object: (_) property: (property_identifier) @method)
    (await_expression (member_expression object: (_) property: (property_identifier) @method))
  ]
  arguments: (arguments)
  (#any-of? @method "add" "addBulk")) @enqueue
