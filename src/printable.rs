//! Text that came from outside (a runtime's output, a process's name for its image, a
//! results file) on its way to a table or a terminal.

/// Text read from a process (a memfd's name, a runtime's log line) is whatever the
/// runtime chose: control characters and bidirectional overrides become '?' before it is
/// kept, so no table or terminal ever receives them.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi {
                '?'
            } else {
                c
            }
        })
        .collect()
}
