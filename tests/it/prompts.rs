//! Password prompts on a terminal: each command asks only for the backups it must open. `list` never asks,
//! `plan` asks only for the device it plans for (once for all its copies), `scan` for each locked backup it
//! reports. Run on a real pty, the way a person meets them: Unix only, since Windows has no pty a test can
//! hand the binary (its console prompt goes through the same `rpassword` call).
#![cfg(unix)]

use crate::common;

use std::path::Path;

use common::{assert_no_panic, cloudfit};

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MobileSync")
}

/// Runs `cloudfit ARGS` on a terminal, skipping every prompt; the prompts it showed and its output.
fn on_terminal(args: &[&str]) -> (Vec<String>, std::process::Output) {
    let (output, prompts) = cloudfit()
        .args(args)
        .arg(fixtures())
        .output_on_terminal()
        .expect("run on a pty");
    assert_no_panic(&output);
    (prompts, output)
}

fn asked_for(prompts: &[String], device: &str) -> usize {
    prompts
        .iter()
        .filter(|p| p.starts_with(&format!("Password for {device} (")))
        .count()
}

#[test]
fn list_never_asks() {
    let (prompts, output) = on_terminal(&["list"]);
    assert!(prompts.is_empty(), "{prompts:?}");
    // Locked backups are listed as they are: that is all `list` promises.
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("Sam's iPhone") && text.contains("Lee's iPad"),
        "{text}"
    );
}

#[test]
fn plan_asks_only_for_the_device_it_plans_for() {
    // A plain device: nothing to ask.
    let (prompts, output) = on_terminal(&["plan", "--device", "Old iPad"]);
    assert!(prompts.is_empty(), "{prompts:?}");
    assert_eq!(
        output.status.code(),
        Some(1),
        "planned; two backups stayed locked"
    );

    // An encrypted one: asked once, for it alone; skipped, so no plan can be made.
    let (prompts, output) = on_terminal(&["plan", "--device", "Sam's iPhone"]);
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert_eq!(asked_for(&prompts, "Sam's iPhone"), 1, "{prompts:?}");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("give its password"), "{stderr}");

    // The default device (Maya's iPhone, plain): nothing to ask.
    let (prompts, _) = on_terminal(&["plan"]);
    assert!(prompts.is_empty(), "{prompts:?}");
}

#[test]
fn scan_asks_for_each_locked_backup_it_reports() {
    let (prompts, output) = on_terminal(&["scan"]);
    assert_eq!(prompts.len(), 2, "{prompts:?}");
    assert_eq!(asked_for(&prompts, "Sam's iPhone"), 1, "{prompts:?}");
    assert_eq!(asked_for(&prompts, "Lee's iPad"), 1, "{prompts:?}");
    // Both skipped: reported without their contents, so exit 1.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_password_given_is_used_without_asking() {
    let (prompts, output) = {
        let scratch = tempfile::tempdir().unwrap();
        let passwords = common::sample_passwords(scratch.path());
        let (output, prompts) = cloudfit()
            .arg("scan")
            .arg(fixtures())
            .arg("--password-file")
            .arg(&passwords)
            .output_on_terminal()
            .expect("run on a pty");
        (prompts, output)
    };
    assert!(prompts.is_empty(), "{prompts:?}");
    assert_eq!(output.status.code(), Some(0));
}
