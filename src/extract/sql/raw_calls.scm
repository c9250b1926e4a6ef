; sql.raw(text): SQL built from a string at run time. A literal is read as SQL;
; anything else is a path whose tables cannot be known. `await sql.raw<T>(x)`
; parses as a call of `(await sql.raw)`, hence the second alternative.
(call_expression
  function: [
    (member_expression object: (identifier) @tag property: (property_identifier) @method)
    (await_expression (member_expression object: (identifier) @tag property: (property_identifier) @method))
  ]
  arguments: (arguments . (_) @text)
  (#eq? @tag "sql")
  (#eq? @method "raw")) @call
