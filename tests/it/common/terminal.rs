//! Runs the binary on a pseudo-terminal, as a person at a keyboard would: the pty is its controlling
//! terminal (where `rpassword` writes its prompt and reads the answer) and its stdin, and for the width
//! tests its stdout too, with a window of a given size.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What every prompt of cloudfit ends with.
const PROMPT_END: &str = "empty to skip: ";

/// No run on the samples takes this long; a run waiting on a prompt nobody answers would.
const LIMIT: Duration = Duration::from_secs(60);

/// Spawns `cmd` on a new pty, answers each password prompt with Enter (skip), and returns its output and
/// the prompts it showed.
pub fn run(cmd: Command) -> std::io::Result<(Output, Vec<String>)> {
    let (output, _, prompts) = spawn(cmd, None)?;
    Ok((output, prompts))
}

/// Spawns `cmd` with stdout on a new pty whose window is `columns` wide (0: a terminal that does not say),
/// and returns its output with what the terminal showed as stdout (line ends as written, `\n`).
pub fn run_sized(cmd: Command, columns: u16) -> std::io::Result<Output> {
    let (mut output, shown, _) = spawn(cmd, Some(columns))?;
    // The terminal turns each `\n` into `\r\n` (onlcr).
    output.stdout = String::from_utf8_lossy(&shown)
        .replace("\r\n", "\n")
        .into_bytes();
    Ok(output)
}

/// [`run`], and with `columns` stdout on the pty too, in a window that wide; also every byte the pty showed.
#[allow(unsafe_code)] // pre_exec: see the SAFETY comment inside.
fn spawn(
    mut cmd: Command,
    columns: Option<u16>,
) -> std::io::Result<(Output, Vec<u8>, Vec<String>)> {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use std::os::unix::process::CommandExt;

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let name = ptsname(&master, Vec::new())?;
    let slave: OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(std::ffi::OsStr::new(
            std::str::from_utf8(name.as_bytes()).expect("pty name"),
        ))?
        .into();
    let stdout = match columns {
        Some(columns) => {
            // What a terminal emulator does when its window opens or changes size (TIOCSWINSZ).
            let size = rustix::termios::Winsize {
                ws_row: 50,
                ws_col: columns,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            rustix::termios::tcsetwinsize(&slave, size)?;
            Stdio::from(slave.try_clone()?)
        }
        None => Stdio::piped(),
    };
    cmd.stdin(Stdio::from(slave))
        .stdout(stdout)
        .stderr(Stdio::piped());
    // SAFETY: setsid and the TIOCSCTTY ioctl are plain system calls, safe between fork and exec; nothing is
    // allocated. A new session makes the pty (already the child's stdin) its controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()?;
            rustix::process::ioctl_tiocsctty(std::io::stdin())?;
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    // The parent's copy of the slave went with `cmd`: once the child exits, reading the master ends (EIO).
    drop(cmd);
    let mut master = std::fs::File::from(master);
    let mut answerer = master.try_clone()?;
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut shown = String::new();
        let mut prompts = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            shown.push_str(&String::from_utf8_lossy(&buf[..n]));
            while let Some(end) = shown.find(PROMPT_END) {
                let prompt = shown[..end + PROMPT_END.len()].trim().to_string();
                shown.drain(..end + PROMPT_END.len());
                prompts.push(prompt);
                if answerer.write_all(b"\n").is_err() {
                    break;
                }
            }
        }
        (all, prompts)
    });
    // Drained while it runs, so a long document cannot fill the pipe and stall the child.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("the run did not end within {LIMIT:?} (waiting at a prompt?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    };
    let (shown, prompts) = reader.join().expect("pty reader");
    Ok((output, shown, prompts))
}
