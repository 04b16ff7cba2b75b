//! Why the process ends, and its exit code (a leaf module: the CLI and the window both end with
//! [`Failure`]; `main` prints it and maps it to a code in one place, [`Failure::exit_code`]).
//!
//! Exit codes: 0 success (also when the reader of standard output goes away, as in `| head`, and
//! after `--help`); 1 a run or an I/O operation failed; 2 an input file is invalid or the command
//! line is wrong; 130 the user stopped a long read with Ctrl-C (nothing written).

/// Success (also when the reader of the output goes away, as in `| head`).
pub const SUCCESS: u8 = 0;
/// A run or an I/O operation failed.
pub const FAILURE: u8 = 1;
/// An input file is invalid or the command line is wrong.
pub const INVALID: u8 = 2;
/// The user stopped the command (Ctrl-C), as shells count it (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// Why a command (or the window) failed, carrying its cause. Commands return it; only `main`
/// prints it and picks the exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// An input file is invalid, or the command line is wrong (exit 2); printed as it is.
    #[error("{0}")]
    Invalid(String),
    /// A run or I/O failed (exit 1); printed as it is.
    #[error("{0}")]
    Failed(String),
    /// The command line could not be parsed, or asked for help or the version (clap prints it;
    /// exit 2, or 0 for help and version).
    #[error("{0}")]
    Usage(clap::Error),
    /// The reader of standard output went away (`costplan simulate … | head`): the reader has
    /// what it wanted, so the process ends quietly with 0, as grep does.
    #[error("the reader of standard output went away")]
    BrokenPipe,
    /// The user pressed Ctrl-C and the command stopped cleanly, writing nothing (exit 130).
    #[error("{0}")]
    Interrupted(String),
    /// Anything else that failed, with its chain of causes (exit 1; printed `error: a: b: c`).
    #[error("error: {0:#}")]
    Other(anyhow::Error),
}

impl Failure {
    /// The process's exit code for this failure (the one place codes are chosen).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Invalid(_) => INVALID,
            Failure::Failed(_) | Failure::Other(_) => FAILURE,
            Failure::Usage(e) if e.use_stderr() => INVALID,
            Failure::Usage(_) | Failure::BrokenPipe => SUCCESS,
            Failure::Interrupted(_) => INTERRUPTED,
        }
    }

    /// Prints the failure where it belongs: nothing for a closed pipe, clap's own output for
    /// usage, else the message on standard error.
    pub fn report(&self) {
        match self {
            Failure::BrokenPipe => {}
            Failure::Usage(e) => {
                let _ = e.print();
            }
            other => eprintln!("{other}"),
        }
    }
}

/// Whether an error comes from writing to a pipe whose reader has gone.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

impl From<anyhow::Error> for Failure {
    /// A failure wrapped in context keeps its kind; a closed pipe ends quietly; anything else
    /// is a failed run or I/O with its causes.
    fn from(e: anyhow::Error) -> Self {
        if is_broken_pipe(&e) {
            return Failure::BrokenPipe;
        }
        match e.downcast::<Failure>() {
            Ok(f) => f,
            Err(e) => Failure::Other(e),
        }
    }
}
