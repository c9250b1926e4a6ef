; A call that starts a Kysely query: `db.selectFrom('logs')`, `this.db.insertInto(...)`,
; `trx.updateTable(...)`, `eb.selectFrom(...)` in a subquery. The receiver can be anything;
; the builder method names are distinctive enough on their own.
(call_expression
  function: (member_expression
    property: (property_identifier) @method)
  arguments: (arguments)
  (#any-of? @method "selectFrom" "insertInto" "replaceInto" "updateTable" "deleteFrom" "mergeInto")) @builder
