use super::judge::Outcome;
use crate::error::{Error, Result};
use std::os::fd::AsRawFd;

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
    use std::os::unix::fs::FileExt;
    // SAFETY: a fresh read-only shared mapping of one page of a file we hold open,
    // unmapped before returning; nothing else refers to it.
    unsafe {
        let page = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ,
            libc::MAP_SHARED,
            decoy.as_raw_fd(),
            offset as libc::off_t,
        );
        if page == libc::MAP_FAILED {
            return Err(Error::failure(format!(
                "mmap decoy: {}",
                std::io::Error::last_os_error()
            )));
        }
        std::ptr::read_volatile(page as *const u8);
        let pagemap = std::fs::File::open("/proc/self/pagemap")
            .map_err(|e| Error::failure(format!("pagemap: {e}")));
        let mut entry = [0u8; 8];
        let read = pagemap.and_then(|f| {
            f.read_exact_at(&mut entry, (page as u64 / 4096) * 8)
                .map_err(|e| Error::failure(format!("pagemap: {e}")))
        });
        libc::munmap(page, 4096);
        read?;
        let entry = u64::from_le_bytes(entry);
        Ok((entry >> 63 == 1).then_some(entry & ((1 << 55) - 1)))
    }
}
