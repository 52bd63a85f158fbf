//! Progress bars and input-issue messages on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reprint::exec::{Observer, Stage};
use reprint::InputIssue;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How many issue messages are printed before the rest are only counted.
const MAX_ISSUE_MESSAGES: u64 = 20;

/// Shows one progress bar per stage (only when stderr is a terminal) and prints the
/// first input issues as warnings.
pub struct TerminalObserver {
    bar: Mutex<Option<ProgressBar>>,
    visible: bool,
    quiet: bool,
    issues: AtomicU64,
}

impl TerminalObserver {
    /// An observer; `quiet` silences warnings and bars.
    pub fn new(quiet: bool) -> Self {
        TerminalObserver {
            bar: Mutex::new(None),
            visible: !quiet && std::io::stderr().is_terminal(),
            quiet,
            issues: AtomicU64::new(0),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        if let Ok(mut guard) = self.bar.lock() {
            f(&mut guard);
        }
    }
}

fn label(stage: Stage) -> &'static str {
    match stage {
        Stage::Sign => "reading",
        Stage::Candidates => "candidates",
        Stage::Verify => "verifying",
        Stage::Cluster => "clustering",
        Stage::Write => "writing",
        Stage::Align => "aligning",
    }
}

impl Observer for TerminalObserver {
    fn stage_started(&self, stage: Stage, total: Option<u64>) {
        if !self.visible {
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = match (stage, total) {
            (Stage::Sign, Some(_)) => {
                "{prefix:>11} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} eta {eta}"
            }
            (_, Some(_)) => "{prefix:>11} [{bar:30}] {pos}/{len} eta {eta}",
            (_, None) => "{prefix:>11} {spinner} {elapsed}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label(stage));
        self.with_bar(|slot| {
            if let Some(old) = slot.take() {
                old.finish_and_clear();
            }
            *slot = Some(bar);
        });
    }

    fn advance(&self, amount: u64) {
        if self.visible {
            self.with_bar(|slot| {
                if let Some(bar) = slot {
                    bar.inc(amount);
                }
            });
        }
    }

    fn stage_finished(&self, _stage: Stage) {
        if self.visible {
            self.with_bar(|slot| {
                if let Some(bar) = slot.take() {
                    bar.finish_and_clear();
                }
            });
        }
    }

    fn warning(&self, warning: &InputIssue) {
        self.issue_message(format!("reprint: warning: {warning}"));
    }

    fn issue(&self, issue: &InputIssue) {
        let n = self.issues.fetch_add(1, Ordering::Relaxed) + 1;
        if self.quiet {
            return;
        }
        let message = if n <= MAX_ISSUE_MESSAGES {
            format!("reprint: warning: {issue} (skipped)")
        } else if n == MAX_ISSUE_MESSAGES + 1 {
            "reprint: warning: more bad records; further ones are only counted".to_string()
        } else {
            return;
        };
        self.print(message);
    }
}

impl TerminalObserver {
    /// A warning about a record that was used: limited like issues, sharing their count.
    fn issue_message(&self, message: String) {
        let n = self.issues.fetch_add(1, Ordering::Relaxed) + 1;
        if self.quiet {
            return;
        }
        if n <= MAX_ISSUE_MESSAGES {
            self.print(message);
        } else if n == MAX_ISSUE_MESSAGES + 1 {
            self.print("reprint: warning: more warnings; further ones are only counted".into());
        }
    }

    fn print(&self, message: String) {
        let mut printed = false;
        self.with_bar(|slot| {
            if let Some(bar) = slot {
                bar.println(&message);
                printed = true;
            }
        });
        if !printed {
            eprintln!("{message}");
        }
    }
}
