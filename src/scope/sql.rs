//! Reduces a raw SQL statement to a [`Relation`].

use super::class_of;
use super::relation::{Constraint, Edge, InsertCheck, Relation, Table};
use super::taxonomy::{TableClass, Taxonomy};
use crate::extract::ir::{SqlOperand, SqlStatement, TableRef};

/// Builds the relation for `statement`.
pub fn relation(statement: &SqlStatement, taxonomy: &Taxonomy) -> Relation {
    let mut relation = Relation::default();
    for table in &statement.tables {
        match table {
            TableRef::Named { name, alias, .. } => relation.tables.push(Table {
                name: Some(name.clone()),
                qualifier: Some(alias.clone().unwrap_or_else(|| name.clone())),
                dynamic_text: None,
                class: class_of(name, taxonomy),
                joined_by: None,
                filter_only: false,
            }),
            TableRef::Dynamic { text, .. } => relation.tables.push(Table {
                name: None,
                qualifier: None,
                dynamic_text: Some(text.clone()),
                class: TableClass::Global,
                joined_by: None,
                filter_only: false,
            }),
            TableRef::Derived { .. } => {}
        }
    }
    let mut filters = 0;
    let mut id_filters = 0;
    for predicate in &statement.predicates {
        let Some((table, column)) = relation.resolve(&predicate.column).into_iter().next() else {
            continue;
        };
        let condition = predicate.in_or.then(|| "an OR in the SQL condition".to_string());
        let restricts_only = predicate
            .outer_join
            .as_deref()
            .and_then(|q| relation.tables.iter().position(|t| t.qualifier.as_deref() == Some(q)));
        let evidence = format!("`{}`", predicate.text);
        match &predicate.operand {
            SqlOperand::Column(other) => {
                if let Some(right) = relation.resolve(other).into_iter().next() {
                    relation.edges.push(Edge {
                        left: (table, column),
                        right,
                        condition,
                        restricts_only,
                        evidence,
                    });
                }
            }
            SqlOperand::Param(_) if relation.is_key(table, &column) => {
                if restricts_only.is_none_or(|only| only == table) {
                    relation.constraints.push(Constraint {
                        table,
                        condition,
                        evidence,
                    });
                }
            }
            SqlOperand::Other(_) if relation.is_key(table, &column) => {
                relation
                    .ineffective
                    .push(format!("{evidence} (not a value from the caller)"));
            }
            _ => {
                filters += 1;
                if column == "id" {
                    id_filters += 1;
                }
                relation.other_filters.push(evidence);
            }
        }
    }
    relation.filters_primary_key_only = filters > 0 && filters == id_filters;
    if statement.operation == "insert" {
        if let Some(TableClass::Tenant { keys }) = relation.tables.first().map(|t| t.class.clone()) {
            let key = statement.insert_columns.iter().find(|c| keys.contains(c));
            relation.insert = Some(match key {
                Some(key) => InsertCheck::Carries(format!("{key} in the inserted columns")),
                None if statement.insert_columns.is_empty() => {
                    InsertCheck::Unreadable("INSERT without a column list".to_string())
                }
                None => InsertCheck::Lacks(format!(
                    "inserted columns ({}) include no {}",
                    statement.insert_columns.join(", "),
                    keys.join(" or ")
                )),
            });
        }
    }
    relation
}
