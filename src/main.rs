//! The `reprint` command-line tool: a thin client of the `reprint` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
