//! Every tree-sitter query compiles for every dialect, so a broken `.scm`
//! file fails here rather than at a user's desk.

#[test]
fn every_query_compiles_for_typescript_and_tsx() {
    tenant_audit::extract::compile_all_queries().unwrap();
}
