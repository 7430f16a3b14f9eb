//! One error type for the commands: what went wrong and so which exit code (DESIGN
//! section 3). A command's `run` returns `Result<u8, CliError>`; the dispatcher prints
//! the message and exits with the code.

use crate::eval::EvalError;

use super::{FAILED, USAGE};

/// Why a command stopped.
#[derive(Debug)]
pub enum CliError {
    /// A usage or I/O problem (exit 2), with the message to print.
    Usage(String),
    /// Rejected definitions or data (exit 1), with the message to print.
    Failed(String),
    /// Already reported on stderr (diagnostics, a prefixed message): only the code.
    Reported(u8),
}

impl CliError {
    /// The exit code.
    pub fn code(&self) -> u8 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Failed(_) => FAILED,
            CliError::Reported(code) => *code,
        }
    }

    /// Print the message (`error: ..`) and give the exit code.
    pub fn report(self) -> u8 {
        match &self {
            CliError::Usage(m) | CliError::Failed(m) => eprintln!("error: {m}"),
            CliError::Reported(_) => {}
        }
        self.code()
    }
}

impl From<EvalError> for CliError {
    fn from(e: EvalError) -> CliError {
        match e {
            EvalError::Usage(m) => CliError::Usage(m),
            EvalError::Data(m) => CliError::Failed(m),
        }
    }
}

impl From<crate::sql::SqlError> for CliError {
    fn from(e: crate::sql::SqlError) -> CliError {
        match e {
            crate::sql::SqlError::Eval(e) => e.into(),
            e => CliError::Failed(e.to_string()),
        }
    }
}

/// A message of a request helper (`parse_grain`, `bind_data`, ..): a usage problem.
impl From<String> for CliError {
    fn from(m: String) -> CliError {
        CliError::Usage(m)
    }
}
