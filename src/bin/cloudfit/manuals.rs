//! The manuals: `cloudfit completions` and `cloudfit man`, generated from the clap definitions, so neither
//! can disagree with `--help`. Both only print; neither reads a backup.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, ManPage};
use crate::exit;
use crate::output::{print_bytes, warn};

/// The completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> u8 {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "cloudfit", &mut script);
    finish(print_bytes(&script))
}

/// The man page in roff on stdout: `cloudfit(1)`, or `cloudfit-<command>(1)` for one command.
pub fn man(page: Option<ManPage>) -> u8 {
    let top = Cli::command();
    let command = match page {
        None => top,
        Some(page) => {
            let name = page.command_name();
            let Some(sub) = top.find_subcommand(name) else {
                warn(&format!("no command {name:?} to write a man page for"));
                return exit::NOTHING;
            };
            // Its own page, named as `man cloudfit-scan` finds it, with the version and the program's name.
            sub.clone()
                .name(page.page_name())
                .bin_name(format!("cloudfit {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    if let Err(e) = clap_mangen::Man::new(command).render(&mut roff) {
        warn(&format!("cannot write the man page: {e}"));
        return exit::NOTHING;
    }
    finish(print_bytes(&roff))
}

fn finish(printed: Result<(), String>) -> u8 {
    match printed {
        Ok(()) => exit::OK,
        Err(e) => {
            warn(&e);
            exit::NOTHING
        }
    }
}
