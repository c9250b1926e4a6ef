#[test]
fn sexp() {
    let src = r#"
export interface Database { logs: LogsTable; 'public.users': UsersTable; "x": { id: string; b?: number }; [k: string]: any; m(): void }
interface LogsTable extends Base { id: Generated<string>; project_id?: string | null; ts: ColumnType<Date, string, never> }
export type Database2 = { logs: LogsTable };
type T = Readonly<{ a: string }>;
declare module 'x' { interface Database { z: Z } }
"#;
    let mut p = tree_sitter::Parser::new();
    p.set_language(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()).unwrap();
    let t = p.parse(src, None).unwrap();
    println!("{}", t.root_node().to_sexp());
}
