use super::judge::Outcome;
use crate::error::{Error, Result};

/// Whether the object stage 2 ran from shares page-cache pages with the host binary: the
/// physical frame of stage 2's own text page (from its /proc/self/pagemap) against the
/// frame of the same page of the decoy, mapped here. A read-only view of the binary
/// shares them; a copy has pages of its own.
pub fn judge(decoy: &std::fs::File, text_page: Option<&str>) -> Result<Outcome> {
    let Some((offset, pfn)) = text_page.and_then(|t| t.split_once(' ')) else {
        return Ok(Outcome::not_applicable(
            "stage 2 could not read its own pagemap".into(),
        ));
    };
    let (offset, pfn): (u64, i64) = (offset.parse().unwrap_or(0), pfn.parse().unwrap_or(-1));
    let host = decoy_pfn(decoy, offset)?;
    // Without CAP_SYS_ADMIN pagemap reads every frame as 0, which would compare equal.
    if pfn <= 0 || host.is_none_or(|h| h == 0) {
        return Ok(Outcome::not_applicable("a page was not resident".into()));
    }
    Ok(Outcome::property(host == Some(pfn as u64)))
}

fn decoy_pfn(decoy: &std::fs::File, offset: u64) -> Result<Option<u64>> {
    crate::observe::file_frame(decoy, offset)
        .map_err(|e| Error::failure(format!("the decoy's frame: {e}")))
}
