; A raw SQL tagged template: sql`SELECT ...`.
(call_expression
  function: (identifier) @tag
  arguments: (template_string) @template
  (#eq? @tag "sql")) @call

; sql<Row>`SELECT ...`: tree-sitter-typescript reads a type argument on a tagged
; template as two comparisons, (sql < Row) > `...`. The template is the right
; operand, or the receiver at the bottom of a call chain there (`...`.execute(db)).
(binary_expression
  left: (binary_expression
    left: [(identifier) @generic_tag (await_expression (identifier) @generic_tag)]
    operator: "<")
  operator: ">"
  right: (_) @generic_rest
  (#eq? @generic_tag "sql"))
