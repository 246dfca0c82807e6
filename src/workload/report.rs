//! What a start reports on its report descriptor: stage 2's `key value` lines (see
//! `src/stage2/main.rs`, `inspect`) and those of the payload it may exec (sealbench's
//! attacker), read into one typed report.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Report {
    /// Where /proc/self/exe points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    /// `dev:ino` of /proc/self/exe: the runtime binary itself, or a copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_id: Option<String>,
    /// Opening /proc/self/exe for writing: 0 or the errno's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_running: Option<String>,
    /// Opening the parent's /proc/<pid>/exe for writing: 0, the errno's number, or `none`
    /// (no parent visible, another pid namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_parent_exe: Option<String>,
    /// Which process that parent was, and `dev:ino` of its exe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_exe_id: Option<String>,
    /// The first line of its /proc/<pid>/stat, to say who it was when it was not the one
    /// expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_stat: Option<String>,
    /// `<offset> <pfn>` of the page of stage 2's text that holds `main`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_page: Option<String>,
    /// Where it ran: its pid (the payload's after exec), hostname, and `dev:ino` of "/".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The attacker's outcome: `<status> <detail>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack: Option<String>,
    /// A peer audit's attacker that never met the runtime's image (`none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caught: Option<String>,
    /// Lines of any other key (a payload's own), kept as they came.
    #[serde(flatten)]
    pub other: BTreeMap<String, String>,
}

impl Report {
    /// Read `key value` lines; a line without a space is no line of the protocol.
    pub fn parse(text: &str) -> Report {
        let mut r = Report::default();
        for (key, value) in text.lines().filter_map(|l| l.split_once(' ')) {
            let v = Some(value.to_string());
            match key {
                "exe" => r.exe = v,
                "exe-id" => r.exe_id = v,
                "write-running" => r.write_running = v,
                "write-parent-exe" => r.write_parent_exe = v,
                "parent" => r.parent = value.parse().ok(),
                "parent-exe-id" => r.parent_exe_id = v,
                "parent-stat" => r.parent_stat = v,
                "text-page" => r.text_page = v,
                "pid" => r.pid = value.parse().ok(),
                "hostname" => r.hostname = v,
                "root" => r.root = v,
                "attack" => r.attack = v,
                "caught" => r.caught = v,
                _ => {
                    r.other.insert(key.to_string(), value.to_string());
                }
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_the_protocol_lands_in_its_field_and_others_are_kept() {
        let text = "exe /proc/self/fd/6\nexe-id 1:2\nwrite-running 26\nwrite-parent-exe none\n\
                    parent 7\nparent-exe-id 3:4\nparent-stat 7 (x) S 1\ntext-page 4096 99\n\
                    pid 42\nhostname h\nroot 5:6\nattack blocked EPERM\ncaught none\n\
                    reopen-after-exit 0\nnot a line\nnoline\n";
        let r = Report::parse(text);
        assert_eq!(r.exe.as_deref(), Some("/proc/self/fd/6"));
        assert_eq!(r.exe_id.as_deref(), Some("1:2"));
        assert_eq!(r.write_running.as_deref(), Some("26"));
        assert_eq!(r.write_parent_exe.as_deref(), Some("none"));
        assert_eq!(r.parent, Some(7));
        assert_eq!(r.parent_exe_id.as_deref(), Some("3:4"));
        assert_eq!(r.parent_stat.as_deref(), Some("7 (x) S 1"));
        assert_eq!(r.text_page.as_deref(), Some("4096 99"));
        assert_eq!(r.pid, Some(42));
        assert_eq!(r.hostname.as_deref(), Some("h"));
        assert_eq!(r.root.as_deref(), Some("5:6"));
        assert_eq!(r.attack.as_deref(), Some("blocked EPERM"));
        assert_eq!(r.caught.as_deref(), Some("none"));
        assert_eq!(
            r.other.get("reopen-after-exit").map(String::as_str),
            Some("0")
        );
        assert_eq!(r.other.get("not").map(String::as_str), Some("a line"));
        assert_eq!(r.other.len(), 2);
        let back: Report = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
