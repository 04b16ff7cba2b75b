//! The process's exit codes (a leaf module: the CLI and the window both end with them).

/// Success (also when the reader of the output goes away, as in `| head`).
pub const SUCCESS: u8 = 0;
/// A run or an I/O operation failed.
pub const FAILURE: u8 = 1;
/// An input file is invalid or the command line is wrong.
pub const INVALID: u8 = 2;
