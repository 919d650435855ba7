//! What a person at a terminal sees while a scan runs: the password prompt, a spinner while a key is
//! derived, and a progress bar while a large manifest is read. Nothing at all on a pipe or with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use zeroize::Zeroizing;

use cloudfit::discover::BackupDir;
use cloudfit::read::DeviceInfo;
use cloudfit::scan::Interaction;

use crate::passwords::Passwords;

/// A bar appears only once reading has taken this long: a phone-sized backup finishes before it would.
const SHOW_AFTER: Duration = Duration::from_millis(500);

pub struct Console {
    passwords: Passwords,
    /// Whether anything may be drawn: stderr and stdout are terminals and `--quiet` was not given.
    show: bool,
    spinner: Mutex<Option<ProgressBar>>,
    bar: Mutex<Option<Bar>>,
}

struct Bar {
    bar: ProgressBar,
    drawn: bool,
}

impl Console {
    pub fn new(passwords: Passwords, quiet: bool) -> Self {
        // Output piped or sent to a file (`--json > out.json`) means a script is running us: stay silent.
        let show = !quiet && std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        Console {
            passwords,
            show,
            spinner: Mutex::new(None),
            bar: Mutex::new(None),
        }
    }
}

impl Console {
    /// Whether a password can be asked for at all.
    pub fn can_prompt(&self) -> bool {
        self.passwords.can_prompt()
    }

    /// Ask, from now on, for passwords that were not given (off until a command says which backups it opens).
    pub fn set_asking(&self, asking: bool) {
        self.passwords.set_asking(asking);
    }
}

impl Interaction for Console {
    fn password(&self, backup: &BackupDir, info: &DeviceInfo) -> Option<Zeroizing<String>> {
        self.passwords.password(backup, info)
    }

    fn unlocking(&self, device: &str) {
        if !self.show {
            return;
        }
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(format!(
            "Unlocking {}: deriving the key from the password takes a few seconds",
            cloudfit::render::table::clean(device)
        ));
        spinner.enable_steady_tick(Duration::from_millis(100));
        if let Ok(mut slot) = self.spinner.lock() {
            *slot = Some(spinner);
        }
    }

    fn unlocked(&self) {
        if let Some(spinner) = self.spinner.lock().ok().and_then(|mut s| s.take()) {
            spinner.finish_and_clear();
        }
    }

    fn reading(&self, device: &str, rows: u64) {
        if !self.show {
            return;
        }
        // Hidden until SHOW_AFTER has passed, so that short scans never flash a bar. Without a total (an
        // extracted tree, an iOS 4–9 manifest) it counts up with a spinner instead.
        let (total, template) = match rows {
            0 => (None, "{spinner} {msg}: {human_pos} entries, {rate}/s"),
            n => (
                Some(n),
                "{msg} [{bar:30}] {human_pos}/{human_len} rows, {rate} rows/s, {eta} left",
            ),
        };
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                // indicatif's own {per_sec} prints four decimals: whole rows read better.
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}", HumanCount(state.per_sec() as u64));
                    },
                )
                .progress_chars("=> "),
        );
        bar.set_message(format!(
            "Reading {}",
            cloudfit::render::table::clean(device)
        ));
        if let Ok(mut slot) = self.bar.lock() {
            // A reading that starts over (SQLite taking over from the b-tree reader) replaces its bar.
            if let Some(old) = slot.replace(Bar { bar, drawn: false }) {
                old.bar.finish_and_clear();
            }
        }
    }

    fn read_rows(&self, rows: u64) {
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        if let Some(bar) = slot.as_mut() {
            bar.bar.inc(rows);
            if !bar.drawn && bar.bar.elapsed() >= SHOW_AFTER {
                bar.bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.drawn = true;
            }
        }
    }

    fn read_done(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            bar.bar.finish_and_clear();
        }
    }
}
