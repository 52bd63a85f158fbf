//! The integration test binary (one binary keeps link time down on small machines).

mod align;
mod attribution;
mod check;
mod cli_dedup;
mod cli_synth;
mod fuzz_harness;
mod fuzz_regressions;
mod html_browser;
mod index;
mod input;
mod interface;
mod outputs;
mod pan13;
mod pathological;
mod properties;
mod reports;
mod scan;
mod scan_stages;
mod stages;

/// Environment variable that turns every skip into a failure (set by `.ci/run`), so
/// that CI cannot pass with the browser or corpus tests not run.
pub const REQUIRE_ALL: &str = "REPRINT_TEST_REQUIRE_ALL";

/// Skips a test whose prerequisite (`what`) is missing, with a line on the terminal
/// that the test harness does not swallow; fails instead when [`REQUIRE_ALL`] is set.
pub fn skip_or_fail(test: &str, what: &str) {
    use std::io::Write;
    if std::env::var_os(REQUIRE_ALL).is_some_and(|v| v != "0") {
        panic!("{test}: {what}, and {REQUIRE_ALL} is set: this test may not be skipped");
    }
    // Written to the stream itself, not through eprintln!, which the harness captures.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {what}");
}

/// A command [`succeeded`] can run: reprint's own or another program.
pub trait Runs {
    /// Runs the command to its end, capturing its output.
    fn run_output(&mut self) -> std::io::Result<std::process::Output>;
}

impl Runs for assert_cmd::Command {
    fn run_output(&mut self) -> std::io::Result<std::process::Output> {
        self.output()
    }
}

impl Runs for std::process::Command {
    fn run_output(&mut self) -> std::io::Result<std::process::Output> {
        self.output()
    }
}

/// Runs `cmd` to its end and returns its output, failing the test (with the
/// command's standard error) when it did not succeed.
pub fn succeeded(cmd: &mut impl Runs) -> std::process::Output {
    let out = cmd.run_output().expect("the command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
