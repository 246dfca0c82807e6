use crate::error::Result;

/// `sealbench doctor`: what makes timings noisy or a strategy unsupported here. Strategies
/// are probed for real, as `list` does, when run as root.
pub fn run() -> Result<i32> {
    let checks =
        crate::host::doctor::checks(std::time::Duration::from_millis(500), crate::peer::KNOWN);
    let width = checks.iter().map(|c| c.what.len()).max().unwrap_or(0);
    let mut text = String::new();
    for c in &checks {
        let mark = if c.warn { "!" } else { " " };
        text.push_str(&format!("{mark} {:<width$}  {}\n", c.what, c.value));
        text.push_str(&format!("  {:<width$}  {}\n", "", c.advice));
    }
    let noisy = checks.iter().filter(|c| c.warn).count();
    text.push_str(&format!(
        "{noisy} finding(s) marked ! make small differences harder to see; ratios measured side \
         by side in one run stay fair either way.\n"
    ));
    crate::output::emit::out(&text)?;
    if rustix::process::geteuid().is_root() {
        crate::output::emit::out("Strategies on this kernel (probed for real):\n")?;
        super::list::run(&crate::cli::ListArgs {
            exe_size: crate::sandbox::DEFAULT_EXE_SIZE,
        })?;
    } else {
        crate::output::emit::out("Strategies: run `sealbench list` as root to probe them.\n")?;
    }
    Ok(0)
}
