//! Where text goes: stdout gets whole documents, stderr one line per warning or error.

use std::io::Write;

use cloudfit::render;

/// One line on stderr; a closed stderr is no reason to crash. Names from a backup's plists may hold control
/// characters: they never reach the terminal.
pub fn warn(message: &str) {
    let message = render::table::clean(message);
    let _ = writeln!(std::io::stderr().lock(), "cloudfit: {message}");
}

/// Writes all of stdout at once; a reader that went away (`| head`) is not an error.
pub fn print(text: &str) -> Result<(), String> {
    print_bytes(text.as_bytes())
}

/// [`print`] for bytes (a completion script or a man page).
pub fn print_bytes(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!(
            "cannot write to stdout: {}",
            cloudfit::error::io_cause(&e)
        )),
        Ok(()) => Ok(()),
    }
}
