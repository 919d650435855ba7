//! The `cloudfit report` page: one self-contained HTML file (inline CSS, script and data) that makes no
//! request of any kind and opens from `file://` offline.
//!
//! The page is three compiled-in files (`report/page.html`, `report.css`, `report.js`) around the data, which
//! goes in as JSON in a `<script type="application/json">` block that the script reads and draws with text
//! nodes only. The Content-Security-Policy allows exactly that script and that style by their SHA-256 (not
//! `'unsafe-inline'`): if a name from a plist ever reached the page as markup, an inline handler in it
//! (`onerror=…`) or an injected `<script>` would still not run, and no fetch of any kind is allowed.

use serde_json::Value;
use sha2::{Digest, Sha256};

const PAGE: &str = include_str!("report/page.html");
const CSS: &str = include_str!("report/report.css");
const JS: &str = include_str!("report/report.js");

/// The whole page for `data` (`{schema_version, generated_at, scan, plan, inside}`, as the `report`
/// command builds it).
pub fn report_html(data: &Value) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(data)?;
    // A browser hashes an element's text after turning CRLF into LF: so must we (a checkout with CRLF ends).
    let css = CSS.replace("\r\n", "\n");
    let js = JS.replace("\r\n", "\n");
    let csp = policy(&css, &js);
    Ok(fill(
        PAGE,
        &[
            ("{{csp}}", &csp),
            ("{{css}}", &css),
            ("{{data}}", &script_safe(&json)),
            ("{{js}}", &js),
        ],
    ))
}

/// No source at all but the page's own script and style; `img-src data:` for the empty icon that keeps a
/// browser from asking for `/favicon.ico`.
fn policy(css: &str, js: &str) -> String {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; \
         form-action 'none'",
        base64(&Sha256::digest(js.as_bytes())),
        base64(&Sha256::digest(css.as_bytes())),
    )
}

/// JSON that cannot end or alter the `<script>` block it sits in: `<`, `>` and `&` (so no `</script>` or
/// `<!--`), and the two line separators JavaScript once disallowed in strings, as `\u` escapes. These
/// characters can only occur inside JSON strings, where the escape means the same character.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The template with each marker replaced, in order, in one pass: text already put in (the data) is never
/// searched for the next marker.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let extra: usize = parts.iter().map(|(_, value)| value.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut rest = template;
    for (marker, value) in parts {
        let (before, after) = rest.split_once(marker).unwrap_or_else(|| {
            panic!("report/page.html has no {marker} after the previous marker")
        });
        out.push_str(before);
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Standard base64 with padding, for the policy's hashes.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOSTILE: &str = "</script><script>alert(1)</script><!--<script>&amp;\u{2028}\u{2029}<img src=x onerror=alert(1)>";

    fn sample() -> Value {
        json!({
            "schema_version": 1,
            "generated_at": "2026-11-24T12:00:00Z",
            "scan": {"schema_version": 2, "backups": [{"path": "/b/1", "device_name": HOSTILE, "bytes": 10}],
                     "skipped": [], "errors": []},
            "plan": null,
            "inside": [{"path": "/b/1",
                        "tree": {"name": HOSTILE, "kind": "backup", "id": null, "bytes": 10, "files": 1,
                                 "children": [], "more": null},
                        "files": [{"domain": "HomeDomain", "path": "a</SCRIPT >b", "app": null,
                                   "category": "other", "bytes": 10, "modified": null, "on_disk": true}]}]
        })
    }

    /// The text of the data block, between its tags.
    fn data_block(html: &str) -> &str {
        let open = r#"<script type="application/json" id="cloudfit-data">"#;
        let start = html.find(open).expect("data block") + open.len();
        let len = html[start..]
            .find("</script>")
            .expect("end of the data block");
        &html[start..start + len]
    }

    #[test]
    fn data_cannot_end_its_script_block() {
        let data = sample();
        let html = report_html(&data).unwrap();
        let block = data_block(&html);
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!block.contains(bad), "{bad:?} in the data block");
        }
        // The block ends where the page puts its end, and reads back as the very same data.
        let parsed: Value = serde_json::from_str(block).unwrap();
        assert_eq!(parsed, data);
        assert!(block.contains(r"\u003c/script\u003e"), "{block}");
        assert!(block.contains(r"\u2028\u2029"), "{block}");
        // Only the page's own two script elements open or close, however the names are spelled.
        let lower = html.to_ascii_lowercase();
        assert_eq!(lower.matches("<script").count(), 2, "{html}");
        assert_eq!(lower.matches("</script").count(), 2);
    }

    #[test]
    fn script_safe_escapes_only_what_it_must() {
        assert_eq!(
            script_safe(r#"{"a":"<b> & c","d":"é 😀 \u2028"}"#),
            r#"{"a":"\u003cb\u003e \u0026 c","d":"é 😀 \u2028"}"#
        );
        let text = "x\u{2028}y\u{2029}z";
        let json = serde_json::to_string(&text).unwrap();
        assert_eq!(script_safe(&json), r#""x\u2028y\u2029z""#);
        assert_eq!(
            serde_json::from_str::<String>(&script_safe(&json)).unwrap(),
            text
        );
    }

    #[test]
    fn the_page_fetches_nothing() {
        let html = report_html(&sample()).unwrap();
        // The markup: the page without the text of its data block (names in it are JSON strings, not markup).
        let lower = html.replace(data_block(&html), "").to_ascii_lowercase();
        // No address anywhere in the page's own parts: no src, href, url(), @import or fetch can reach out.
        for part in [PAGE, CSS, JS] {
            let part = part.to_ascii_lowercase();
            for bad in [
                "http:",
                "https:",
                "ftp:",
                "wss:",
                "//cdn",
                "url(",
                "@import",
                "fetch(",
                "xmlhttprequest",
                "sendbeacon",
                "websocket",
                "eventsource",
                "innerhtml",
                "outerhtml",
                "insertadjacenthtml",
                "document.write",
                "eval(",
            ] {
                assert!(!part.contains(bad), "{bad} in a part of the page");
            }
        }
        // Every src and href in the markup is data: or a fragment of the page itself.
        for attr in ["src=", "href="] {
            for (at, _) in lower.match_indices(attr) {
                let value = lower[at + attr.len()..].trim_start_matches(['"', '\'']);
                assert!(
                    value.starts_with("data:") || value.starts_with('#'),
                    "{attr}{}",
                    &value[..value.len().min(40)]
                );
            }
        }
    }

    #[test]
    fn the_policy_comes_first_and_allows_only_the_page_itself() {
        let html = report_html(&sample()).unwrap();
        let head = &html[..html.find("</head>").unwrap()];
        let meta = head
            .find(r#"<meta http-equiv="Content-Security-Policy""#)
            .expect("a CSP meta in the head");
        for later in ["<script", "<style", "<link"] {
            assert!(
                head.find(later).is_none_or(|at| at > meta),
                "{later} before the CSP"
            );
        }
        let content = &head[meta..];
        let content = &content[content.find("content=\"").unwrap() + 9..];
        let csp = &content[..content.find('"').unwrap()];
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
            let start = html.find(open).unwrap() + open.len();
            let text = &html[start..start + html[start..].find(close).unwrap()];
            let hash = format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())));
            assert!(
                csp.contains(&hash),
                "{open} is not the one the policy allows"
            );
        }
        assert_eq!(csp.matches("sha256-").count(), 2);
    }

    #[test]
    fn the_page_parts_cannot_close_their_own_elements() {
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
        assert!(!JS.to_ascii_lowercase().contains("</script"));
        assert!(!JS.to_ascii_lowercase().contains("<!--"));
    }

    #[test]
    fn markers_in_the_data_stay_data() {
        let mut data = sample();
        data["scan"]["backups"][0]["device_name"] = "{{js}} {{css}} {{csp}}".into();
        let html = report_html(&data).unwrap();
        let parsed: Value = serde_json::from_str(data_block(&html)).unwrap();
        assert_eq!(parsed, data);
        assert_eq!(html.matches("{{js}}").count(), 1);
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input}");
        }
    }
}
