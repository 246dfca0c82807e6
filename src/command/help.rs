use crate::error::{Error, Result};
use clap::CommandFactory;

/// `sealbench completions SHELL`: clap_complete's script for that shell.
pub fn completions(shell: clap_complete::Shell) -> Result<i32> {
    let mut out = Vec::new();
    clap_complete::generate(
        shell,
        &mut crate::cli::Cli::command(),
        "sealbench",
        &mut out,
    );
    crate::output::emit::out(&String::from_utf8_lossy(&out))?;
    Ok(0)
}

/// `sealbench manpage`: clap_mangen's roff page of every subcommand's options.
pub fn manpage() -> Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut out)
        .map_err(|source| Error::Io {
            what: "render the manual page".into(),
            source,
        })?;
    crate::output::emit::out(&String::from_utf8_lossy(&out))?;
    Ok(0)
}
