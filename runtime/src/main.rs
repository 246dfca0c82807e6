//! sealbench's own OCI runtime, on youki's libcontainer: a real, complete container start
//! (cgroups, namespaces, mounts, pivot_root, capabilities, the init's sync protocol, state)
//! behind a runc-style command line. It does no sealing of its own: it is what sealbench
//! seals, so that the cost of each strategy can be measured on a whole runtime's start.
//!
//! In libcontainer the container's init is a clone of this process with no exec before the
//! container's program, so the init's /proc/self/exe is whatever was exec'd as the runtime:
//! the sealed object, or (unsealed) this binary on the host, CVE-2019-5736's surface.

mod attack;

use clap::{Parser, Subcommand};
use libcontainer::container::builder::ContainerBuilder;
use libcontainer::container::Container;
use libcontainer::syscall::syscall::SyscallType;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "sealbench-runtime", version = concat!(env!("CARGO_PKG_VERSION"), " (libcontainer 0.7)"))]
struct Cli {
    /// Where container state lives.
    #[arg(long, default_value = "/run/sealbench-runtime")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and start a container, wait for its process, delete it; exit with its status.
    Run {
        #[arg(long, short, default_value = ".")]
        bundle: PathBuf,
        id: String,
    },
    /// Create a container whose init waits for `start`.
    Create {
        #[arg(long, short, default_value = ".")]
        bundle: PathBuf,
        id: String,
    },
    /// Start a created container.
    Start { id: String },
    /// Delete a container's state (and, with --force, kill it first).
    Delete {
        #[arg(long, short)]
        force: bool,
        id: String,
    },
}

/// Why a command of the runtime failed.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Container(#[from] libcontainer::error::LibcontainerError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("waitpid: {0}")]
    Wait(#[source] rustix::io::Errno),
    /// The container's state does not let the runtime wait for it.
    #[error("{0}")]
    State(&'static str),
}

type Result<T> = std::result::Result<T, Error>;

fn create(root: &Path, bundle: &Path, id: &str) -> Result<Container> {
    std::fs::create_dir_all(root).map_err(|source| Error::Io {
        what: format!("mkdir {}", root.display()),
        source,
    })?;
    Ok(
        ContainerBuilder::new(id.to_string(), SyscallType::default())
            .with_root_path(root)?
            .validate_id()?
            .as_init(bundle)
            .with_systemd(false)
            .with_detach(false)
            .build()?,
    )
}

fn load(root: &Path, id: &str) -> Result<Container> {
    Ok(Container::load(root.join(id))?)
}

/// Wait for the container's process: the init was cloned with CLONE_PARENT, so it is this
/// process's child, and a plain waitpid sees it (no SIGCHLD handling to race with).
fn wait(container: &Container) -> Result<u8> {
    let pid = container
        .pid()
        .ok_or(Error::State("the container has no pid"))?;
    let pid = rustix::process::Pid::from_raw(pid.as_raw()).ok_or(Error::State("bad pid"))?;
    let status = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty())
        .map_err(Error::Wait)?
        .map(|(_, s)| s)
        .ok_or(Error::State("waitpid returned nothing"))?;
    Ok(match (status.exit_status(), status.terminating_signal()) {
        (Some(code), _) => code as u8,
        (None, Some(sig)) => 128 + sig as u8,
        _ => 1,
    })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Run { bundle, id } => {
            let mut container = create(&cli.root, &bundle, &id)?;
            container.start()?;
            let code = wait(&container);
            container.delete(true)?;
            code
        }
        Command::Create { bundle, id } => create(&cli.root, &bundle, &id).map(|_| 0),
        Command::Start { id } => load(&cli.root, &id)?.start().map(|_| 0).map_err(Into::into),
        Command::Delete { force, id } => {
            load(&cli.root, &id)?.delete(force)?;
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__sealbench-attack") {
        return ExitCode::from(attack::run(&args));
    }
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sealbench-runtime: {e}");
            ExitCode::from(1)
        }
    }
}
