use crate::cli::ListArgs;
use crate::error::Result;
use crate::sandbox::{in_sandbox, Options};

/// `sealbench list`: probe every strategy on this kernel for real.
pub fn run(args: &ListArgs) -> Result<i32> {
    super::require_root("list")?;
    crate::sandbox::budget::check_exe_size(args.exe_size, strategies::registry().len())?;
    let verdicts: Vec<(String, Option<String>)> = in_sandbox(
        Options {
            exe_size: args.exe_size,
            ..Options::default()
        },
        |sb| {
            Ok(strategies::registry()
                .into_iter()
                .map(|s| {
                    let verdict = sb
                        .target_for(s.name())
                        .map_err(|e| e.to_string())
                        .and_then(|(_, t)| s.probe(&t).map_err(|u| u.0));
                    Ok((s.name().to_string(), verdict.err()))
                })
                .collect::<crate::error::Result<_>>()?)
        },
    )?;
    let width = verdicts.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut text = String::new();
    for ((name, verdict), s) in verdicts.iter().zip(strategies::registry()) {
        let status = match verdict {
            None => "supported".to_string(),
            Some(why) => format!("unsupported: {why}"),
        };
        text.push_str(&format!(
            "{name:<width$}  {status}\n{:<width$}  {}\n",
            "",
            s.description()
        ));
    }
    crate::output::emit::out(&text)?;
    Ok(0)
}
