//! Reads the Kysely `Database` interface of a TypeScript file:
//!
//! ```ts
//! export interface Database { logs: LogsTable; 'public.users': { id: string } }
//! interface LogsTable { id: Generated<string>; project_id: string }
//! ```
//!
//! Each property of `Database` is a table; the properties of its row type are
//! the columns. Row types are looked up by name among the declarations of the
//! same file only (see `declarations.scm`); nothing is imported.

use super::{Schema, SchemaError, TableSchema, DECLARATIONS};
use crate::extract::queries::QueryExt;
use crate::extract::syntax::{self, line, string_value, text, Dialect};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use tree_sitter::Node;

/// Reads the Kysely `Database` interface from TypeScript source (file given relative name `file`).
/// `interface_name` is usually "Database" (configurable). Returns the tables it declares.
///
/// The declaration may be an `interface` (merged with others of the same name,
/// and with what it `extends` when that is in the file) or a `type` alias of an
/// object type. A table whose row type is not spelled out in the file (imported,
/// a generic this module does not know) is kept with an empty column set.
pub fn read_kysely_schema(source: &[u8], file: &str, interface_name: &str) -> Result<Schema, SchemaError> {
    // kysely-codegen writes `.d.ts` files, which scanning skips as holding no
    // code; for the schema they are ordinary TypeScript.
    let dialect = Dialect::of(Path::new(file)).unwrap_or(Dialect::TypeScript);
    // Syntax errors are not fatal: tree-sitter recovers around them, and the
    // scan reports them for the same file anyway.
    let (tree, _problems) = syntax::parse(source, dialect, file);
    let parse_error = |message: String| SchemaError::Parse {
        file: file.to_string(),
        message,
    };
    let tree = tree.ok_or_else(|| parse_error("the TypeScript parser could not read the file".to_string()))?;
    let query = DECLARATIONS.get(dialect).map_err(parse_error)?;
    let nodes = query.nodes(tree.root_node(), source, query.capture_index("declaration"));
    let declarations = Declarations::new(nodes, source);

    let Some(first) = declarations.first(interface_name) else {
        return Err(SchemaError::InterfaceNotFound {
            interface: interface_name.to_string(),
            file: file.to_string(),
        });
    };
    let Some(members) = declarations.members_of_name(interface_name, &mut Vec::new()) else {
        return Err(SchemaError::NotAnObjectType {
            interface: interface_name.to_string(),
            file: file.to_string(),
            line: line(first),
        });
    };

    let mut schema = Schema::default();
    for member in members {
        let Some(table) = property_name(member, source) else {
            continue; // a computed key: not a table name we can know
        };
        let columns: BTreeSet<String> = value_type(member)
            .and_then(|row| declarations.members(row, &mut Vec::new()))
            .map(|columns| columns.into_iter().filter_map(|c| property_name(c, source)).collect())
            .unwrap_or_default();
        match schema.tables.get_mut(&table) {
            // Merged interfaces may name a table twice; TypeScript requires the
            // same type, but keep every column seen rather than pick one.
            Some(existing) => existing.columns.extend(columns),
            None => {
                schema.tables.insert(
                    table,
                    TableSchema {
                        columns,
                        file: file.to_string(),
                        line: line(member),
                    },
                );
            }
        }
    }
    Ok(schema)
}

/// The interfaces and type aliases of one file, by name, in source order.
struct Declarations<'t, 's> {
    source: &'s [u8],
    by_name: HashMap<&'s str, Vec<Node<'t>>>,
}

impl<'t, 's> Declarations<'t, 's> {
    fn new(nodes: Vec<Node<'t>>, source: &'s [u8]) -> Self {
        let mut by_name: HashMap<&'s str, Vec<Node<'t>>> = HashMap::new();
        for node in nodes {
            if let Some(name) = node.child_by_field_name("name") {
                by_name.entry(text(name, source)).or_default().push(node);
            }
        }
        Declarations { source, by_name }
    }

    /// The first declaration named `name`.
    fn first(&self, name: &str) -> Option<Node<'t>> {
        self.by_name.get(name).and_then(|d| d.first().copied())
    }

    /// The property signatures of the type declared as `name`, or `None` when
    /// they cannot all be known from this file. `visiting` holds the names
    /// being resolved, so that a cycle ends instead of recursing forever.
    fn members_of_name(&self, name: &str, visiting: &mut Vec<String>) -> Option<Vec<Node<'t>>> {
        if visiting.iter().any(|v| v == name) {
            return None;
        }
        let declarations = self.by_name.get(name)?;
        visiting.push(name.to_string());
        let interfaces: Vec<Node<'t>> = declarations
            .iter()
            .copied()
            .filter(|d| d.kind() == "interface_declaration")
            .collect();
        let members = if interfaces.is_empty() {
            // A type alias cannot be merged; a second one with the same name
            // lives in another scope, so the first is as good a guess as any.
            declarations
                .first()
                .and_then(|alias| alias.child_by_field_name("value"))
                .and_then(|value| self.members(value, visiting))
        } else {
            // Interfaces with the same name merge, as TypeScript merges them.
            self.interface_members(&interfaces, visiting)
        };
        visiting.pop();
        members
    }

    fn interface_members(&self, interfaces: &[Node<'t>], visiting: &mut Vec<String>) -> Option<Vec<Node<'t>>> {
        let mut members = Vec::new();
        for interface in interfaces {
            let mut cursor = interface.walk();
            for clause in interface.named_children(&mut cursor) {
                if clause.kind() != "extends_type_clause" {
                    continue;
                }
                let mut inner = clause.walk();
                for base in clause.named_children(&mut inner) {
                    members.extend(self.members(base, visiting)?);
                }
            }
            members.extend(body_members(interface.child_by_field_name("body")?)?);
        }
        Some(members)
    }

    /// The property signatures of a type expression, or `None` when they
    /// cannot all be known from this file.
    fn members(&self, node: Node<'t>, visiting: &mut Vec<String>) -> Option<Vec<Node<'t>>> {
        match node.kind() {
            "object_type" | "interface_body" => body_members(node),
            "type_identifier" => self.members_of_name(text(node, self.source), visiting),
            "parenthesized_type" => self.members(node.named_child(0)?, visiting),
            "intersection_type" => {
                let mut members = Vec::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    members.extend(self.members(part, visiting)?);
                }
                Some(members)
            }
            "generic_type" => {
                // Wrappers that keep every key of their argument.
                let name = text(node.child_by_field_name("name")?, self.source);
                if !matches!(name, "Readonly" | "Partial" | "Required") {
                    return None;
                }
                let arguments = node.child_by_field_name("type_arguments")?;
                if arguments.named_child_count() != 1 {
                    return None;
                }
                self.members(arguments.named_child(0)?, visiting)
            }
            // Imported or computed types (`Db.Tables`, `Record<...>`, unions):
            // their keys are not in this file.
            _ => None,
        }
    }
}

/// The property signatures directly in an interface body or object type
/// literal (not those of nested object types in their values). An index
/// signature means any key may exist, so the keys listed are not all.
fn body_members(body: Node) -> Option<Vec<Node>> {
    let mut members = Vec::new();
    let mut cursor = body.walk();
    for member in body.named_children(&mut cursor) {
        match member.kind() {
            "property_signature" => members.push(member),
            "index_signature" => return None,
            _ => {} // methods, call signatures and comments are not columns
        }
    }
    Some(members)
}

/// The type written after `name:` in a property signature.
fn value_type(property: Node) -> Option<Node> {
    property.child_by_field_name("type")?.named_child(0)
}

/// The key of a property signature: `logs`, `'public.users'`, `['x']`.
fn property_name(property: Node, source: &[u8]) -> Option<String> {
    let name = property.child_by_field_name("name")?;
    match name.kind() {
        "property_identifier" | "number" => Some(text(name, source).to_string()),
        "string" => string_value(name, source),
        "computed_property_name" => string_value(name.named_child(0)?, source),
        _ => None,
    }
}
