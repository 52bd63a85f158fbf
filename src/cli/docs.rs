//! `reprint completions SHELL` and `reprint man`: shell completion scripts and manual
//! pages, generated from the same command definition as the parser, so they never
//! fall out of step with the flags.

use super::output::{self, OutputRequest};
use super::Cli;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `reprint completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Arguments of `reprint man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `reprint.1` and one `reprint-COMMAND.1` per command into this folder
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "reprint", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the manual page, or writes every page into a folder.
pub fn man(args: ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    let Some(dir) = args.dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(cmd).render(&mut out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut pages: Vec<(PathBuf, clap::Command)> = vec![(dir.join("reprint.1"), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("reprint-{}", sub.get_name());
        let page = sub.clone().name(name.clone());
        pages.push((dir.join(format!("{name}.1")), page));
    }
    let requests: Vec<OutputRequest> = pages
        .iter()
        .map(|(p, _)| OutputRequest::new("--dir", p))
        .collect();
    let outputs = output::prepare(&requests, &[])?;
    for ((_, page), mut out) in pages.into_iter().zip(outputs) {
        {
            let mut w = out.writer();
            clap_mangen::Man::new(page).render(&mut w)?;
            w.flush()?;
        }
        out.commit()?;
    }
    Ok(ExitCode::SUCCESS)
}
