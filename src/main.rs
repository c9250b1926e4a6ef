fn main() {
    std::process::exit(tenant_audit::cli::main());
}
