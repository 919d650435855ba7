//! `cloudfit completions` and `cloudfit man`: each script parses in its own shell, and each man page renders
//! in groff without a warning. A shell or groff that is not installed is said, not silently passed
//! (`.ci/run` installs them).

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{assert_no_panic, cloudfit};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];
/// Every command a user can type, so completion and pages must know them all.
const COMMANDS: [&str; 9] = [
    "scan",
    "list",
    "plan",
    "top",
    "tree",
    "report",
    "diff",
    "completions",
    "man",
];

fn run(args: &[&str]) -> Vec<u8> {
    let output = cloudfit().args(args).output().unwrap();
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
    assert!(output.stderr.is_empty(), "{args:?}: {output:?}");
    output.stdout
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Checks `script` with the shell's own parser (`-n`: read, do not run); false when the shell is missing.
fn parses_in(shell: &str, script: &Path) -> bool {
    let check = match shell {
        "bash" | "zsh" => vec!["-n"],
        "fish" => vec!["--no-execute"],
        _ => return false,
    };
    if !installed(shell) {
        eprintln!("{shell} is not installed: its completion script was not parsed");
        return false;
    }
    let output = Command::new(shell)
        .args(check)
        .arg(script)
        .output()
        .unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{shell} rejects its completion script: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

#[test]
fn every_shells_completion_script_knows_every_command_and_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let mut parsed = Vec::new();
    for shell in SHELLS {
        let script = String::from_utf8(run(&["completions", shell])).unwrap();
        // Options without their dashes: fish writes `-l password-file`.
        for word in COMMANDS.iter().chain(&["password-file", "format", "tier"]) {
            assert!(script.contains(word), "{shell}: no {word}");
        }
        let path = tmp.path().join(format!("cloudfit.{shell}"));
        std::fs::write(&path, &script).unwrap();
        if parses_in(shell, &path) {
            parsed.push(shell);
        }
    }
    // bash is everywhere the suite runs; the others where installed (CI installs zsh and fish).
    #[cfg(unix)]
    assert!(parsed.contains(&"bash"), "{parsed:?}");
}

#[test]
fn an_unknown_shell_is_refused_with_the_ones_there_are() {
    let output = cloudfit().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bash") && stderr.contains("powershell"),
        "{stderr}"
    );
}

#[test]
fn each_man_page_renders_without_a_warning() {
    let pages: Vec<Option<&str>> = std::iter::once(None)
        .chain(COMMANDS.iter().copied().map(Some))
        .collect();
    for page in pages {
        let args: Vec<&str> = std::iter::once("man").chain(page).collect();
        let roff = run(&args);
        let text = String::from_utf8(roff.clone()).unwrap();
        let title = page.map_or("cloudfit".to_string(), |c| format!("cloudfit-{c}"));
        assert!(
            text.contains(&format!(".TH {title} 1")),
            "{args:?}: {text:.200}"
        );
        match page {
            None => {
                for command in COMMANDS {
                    assert!(text.contains(command), "cloudfit(1) lists no {command}");
                }
            }
            Some("scan" | "list" | "plan") => {
                assert!(
                    text.contains("password\\-file"),
                    "{args:?}: no --password-file"
                );
            }
            Some(_) => {}
        }
        if !installed("groff") {
            eprintln!("groff is not installed: the man pages were not rendered");
            continue;
        }
        // -k: the page is UTF-8 (preconv, as man runs it); -ww: every warning groff knows; -z: no output,
        // only the warnings.
        let mut groff = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(groff.stdin.as_mut().unwrap(), &roff).unwrap();
        let output = groff.wait_with_output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            output.stderr.is_empty(),
            "{args:?}: groff warns: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
