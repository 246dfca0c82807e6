//! Text that came from outside (a results file, a runtime's output, a process's name for
//! its image) on its way to a table or a terminal, shown where it could act instead: a terminal obeys escape
//! sequences (`ESC ] 0 ; … BEL` sets its title, `ESC [ 2 J` clears it), and a bidi
//! override (U+202E) shows what follows it mirrored. Such characters are written as the
//! escapes Rust's `{:?}` uses (`\u{1b}`, `\u{202e}`), so that they are seen, not obeyed.

use std::borrow::Cow;

/// A character that changes how the text around it is shown rather than showing itself:
/// a control (C0, DEL and C1, where U+009B is a one-character `ESC [`), a bidi embedding,
/// override, isolate or mark, or a line or paragraph separator.
pub fn acts(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn escaped(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| acts(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if acts(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One name or reason from a file as one line of plain text: every character that acts,
/// line breaks and tabs included, escaped.
pub fn shown(s: &str) -> Cow<'_, str> {
    escaped(s, |_| false)
}

/// Text sealbench made for a terminal, names from files within it: what acts is escaped,
/// but the text's own line breaks and tabs are kept.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c == '\n' || c == '\t')
}

/// Text read from a process (a memfd's name, a runtime's log line), kept as one line of
/// plain text: [`shown`], owned.
pub fn clean(text: &str) -> String {
    shown(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_acts_is_escaped_and_the_rest_kept() {
        let hostile = "\u{1b}]0;t\u{7}\u{1b}[2J\u{9b}1m\u{202e}exe\u{2066}";
        assert_eq!(
            shown(hostile),
            r"\u{1b}]0;t\u{7}\u{1b}[2J\u{9b}1m\u{202e}exe\u{2066}"
        );
        assert_eq!(shown("a\nb\tc\r"), r"a\nb\tc\r");
        assert_eq!(for_terminal("a\nb\tc\r\u{1b}"), "a\nb\tc\\r\\u{1b}");
        let plain = "memfd → noclone · 1.2 µs ± 3% ×1.05 (1.01–1.09) ┆ ╞═╡";
        assert!(matches!(shown(plain), Cow::Borrowed(_)));
        assert!(matches!(for_terminal(plain), Cow::Borrowed(_)));
    }
}
