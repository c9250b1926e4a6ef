; A named type that may list tables or columns, at any depth (also inside
; `declare module`): `interface LogsTable { ... }`, `type Database = { ... }`,
; or an alias of something else (`type Tables = Auth & Billing`) that Rust
; resolves through the other declarations of the file. The name is compared in
; Rust because the interface name is configurable.
(interface_declaration
  name: (type_identifier)) @declaration

(type_alias_declaration
  name: (type_identifier)) @declaration
