; Where queues and workers are created: `new Queue('emails', opts)`,
; `new Worker('emails', processor, opts)`, `new FlowProducer(opts)`, and calls
; of plain functions, among which the configured queue and worker factories
; (`createQueue('emails')`, `createWorker('emails', fn)`) are picked in Rust.
(new_expression
  constructor: (identifier) @class
  arguments: (arguments)
  (#any-of? @class "Queue" "Worker" "FlowProducer")) @creation

(call_expression
  function: (identifier)
  arguments: (arguments)) @creation
