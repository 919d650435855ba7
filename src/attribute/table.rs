//! Reads the compiled-in tab-separated tables (`known_apps.tsv`, `app_groups.tsv`): a header line, then
//! one row a line, every cell filled, the last one the row's source.

/// The rows of `text` after its header, each split into its cells; blank and `#` lines are skipped.
pub fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').map(str::trim).collect())
}

/// Whether every row of `text` has `columns` cells, none empty: `Err` names the first line that does not.
#[cfg(test)]
pub fn check(text: &'static str, columns: usize) -> Result<usize, String> {
    let mut count = 0;
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != columns || cells.iter().any(|c| c.trim().is_empty()) {
            return Err(format!("line {}: {line}", i + 1));
        }
        count += 1;
    }
    Ok(count)
}
