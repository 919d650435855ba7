//! Where the passwords of encrypted backups come from: a file, stdin, the environment or a prompt.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use zeroize::Zeroizing;

use cloudfit::discover::BackupDir;
use cloudfit::read::DeviceInfo;

/// Passwords given by file, stdin or environment; a prompt on a terminal for the rest.
pub struct Passwords {
    /// Used for every encrypted backup without a device-specific password.
    default: Option<Zeroizing<String>>,
    /// `UDID=password` lines of a password file.
    by_udid: Vec<(String, Zeroizing<String>)>,
    /// Whether a person is there to ask (stdin is a terminal and does not carry the password).
    prompt: bool,
    /// Whether to ask now: a command asks only for the backups it must open (`list` never, `plan` once it
    /// knows which device it plans for).
    asking: AtomicBool,
    /// Passwords typed at the prompt, by UDID: a device's archived copies are not asked for again.
    typed: Mutex<Vec<(String, Zeroizing<String>)>>,
}

impl Passwords {
    pub fn from_args(file: Option<&Path>, stdin: bool) -> Result<Self> {
        let mut passwords = Passwords {
            default: None,
            by_udid: Vec::new(),
            // Prompting needs a person at the keyboard; stdin may also carry the password itself.
            prompt: !stdin && std::io::stdin().is_terminal(),
            asking: AtomicBool::new(false),
            typed: Mutex::new(Vec::new()),
        };
        if let Some(file) = file {
            let text = Zeroizing::new(
                std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read password file {}", file.display()))?,
            );
            // Windows editors start UTF-8 files with a byte-order mark: it is not part of the password.
            passwords.parse_file(text.strip_prefix('\u{feff}').unwrap_or(&text));
            if passwords.default.is_none() && passwords.by_udid.is_empty() {
                anyhow::bail!("password file {} is empty", file.display());
            }
        } else if stdin {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from stdin")?;
            let password = strip_newline(&line);
            if password.is_empty() {
                anyhow::bail!("--password-stdin: no password on standard input");
            }
            passwords.default = Some(Zeroizing::new(password.to_string()));
        } else if let Ok(value) = std::env::var("CLOUDFIT_PASSWORD") {
            passwords.default = Some(Zeroizing::new(value));
        }
        Ok(passwords)
    }

    /// Lines `UDID=password` name a device; any other line is the password for every device (the first wins).
    fn parse_file(&mut self, text: &str) {
        for line in text.lines().map(strip_newline).filter(|l| !l.is_empty()) {
            match line
                .split_once('=')
                .filter(|(udid, _)| looks_like_udid(udid))
            {
                Some((udid, password)) => self
                    .by_udid
                    .push((udid.to_string(), Zeroizing::new(password.to_string()))),
                None if self.default.is_none() => {
                    self.default = Some(Zeroizing::new(line.to_string()))
                }
                None => {}
            }
        }
    }
}

/// 40 hex digits (older devices) or `8hex-16hex`.
fn looks_like_udid(s: &str) -> bool {
    (24..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn strip_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

impl Passwords {
    /// Whether a password can be asked for at all (a terminal, stdin not taken).
    pub fn can_prompt(&self) -> bool {
        self.prompt
    }

    /// From now on, ask (or stop asking) for the passwords that were not given.
    pub fn set_asking(&self, asking: bool) {
        self.asking.store(asking, Ordering::Relaxed);
    }

    /// The password for `backup`: its own from the file, the common one, or asked for on a terminal.
    pub fn password(&self, backup: &BackupDir, info: &DeviceInfo) -> Option<Zeroizing<String>> {
        let udid = info.udid.as_deref().unwrap_or(&backup.id);
        let find = |list: &[(String, Zeroizing<String>)]| {
            list.iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(udid))
                .map(|(_, p)| p.clone())
        };
        if let Some(password) = find(&self.by_udid) {
            return Some(password);
        }
        if let Some(password) = &self.default {
            return Some(password.clone());
        }
        if !self.prompt || !self.asking.load(Ordering::Relaxed) {
            return None;
        }
        let mut typed = self.typed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(password) = find(&typed) {
            return Some(password);
        }
        let device = info.device_name.as_deref().unwrap_or(&backup.id);
        let question = format!(
            "Password for {device} ({}), empty to skip: ",
            backup.path.display()
        );
        let password = rpassword::prompt_password(question)
            .ok()
            .map(Zeroizing::new)
            .filter(|p| !p.is_empty())?;
        typed.push((udid.to_string(), password.clone()));
        Some(password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_files_hold_one_password_or_udid_lines() {
        let mut p = Passwords {
            default: None,
            by_udid: Vec::new(),
            prompt: false,
            asking: AtomicBool::new(false),
            typed: Mutex::new(Vec::new()),
        };
        p.parse_file("00008030-0009783C22EA802E=hunter2\r\npass=word with spaces \n");
        assert_eq!(p.by_udid.len(), 1);
        assert_eq!(p.by_udid[0].0, "00008030-0009783C22EA802E");
        assert_eq!(p.by_udid[0].1.as_str(), "hunter2");
        assert_eq!(
            p.default.as_deref().map(String::as_str),
            Some("pass=word with spaces ")
        );
    }
}
