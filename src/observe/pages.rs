//! Whether a process's image shares the host binary's page-cache pages: the physical frame
//! behind the first page of its executable mapping, against the frame behind the same
//! page of the binary at its path here, which is what the host executes next. Equal frames
//! mean a change to the host binary's cached pages (a page-cache poisoning bug, runc issue
//! 5272) reaches the container's image, and the container's reaches the host's.
//! Reading frames needs CAP_SYS_ADMIN: without it the kernel reports every frame as 0.

use super::Data;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;

const PAGE: u64 = 4096;

/// The frames compared.
#[derive(Debug, Clone, PartialEq)]
pub struct PageEvidence {
    /// The page's offset in the executable file.
    pub offset: u64,
    pub image_pfn: u64,
    pub host_pfn: u64,
}

impl PageEvidence {
    pub fn data(&self) -> Data {
        if self.image_pfn == self.host_pfn {
            Data::Shared
        } else {
            Data::Independent
        }
    }

    pub fn describe(&self) -> String {
        let same = if self.image_pfn == self.host_pfn {
            "the same frame"
        } else {
            "different frames"
        };
        format!(
            "text page at file offset {:#x}: frame {:#x} in the image, {:#x} in the host binary's page cache: {same}",
            self.offset, self.image_pfn, self.host_pfn
        )
    }
}

/// Compare the frames of `pid`'s image and of `host_binary`, or say why they cannot be.
pub fn shares_pages(pid: i32, host_binary: &Path) -> Result<PageEvidence, String> {
    let (addr, offset) = exec_mapping(pid)?;
    // A copy or a read-only view of the binary has its size; another size is another
    // program (a wrapper that execs the real runtime), whose frames say nothing of this one.
    let image_size = std::fs::metadata(format!("/proc/{pid}/exe"))
        .map_err(|e| format!("stat /proc/{pid}/exe: {e}"))?
        .len();
    let host_size = std::fs::metadata(host_binary)
        .map_err(|e| format!("stat {}: {e}", host_binary.display()))?
        .len();
    if image_size != host_size {
        return Err(format!(
            "pid {pid} runs another program ({image_size} bytes) than {} ({host_size} bytes)",
            host_binary.display()
        ));
    }
    // Fault the page in, as a read by the process itself would: a page never touched has
    // no frame to compare.
    let mem = std::fs::File::open(format!("/proc/{pid}/mem"))
        .map_err(|e| format!("open /proc/{pid}/mem: {e}"))?;
    let mut byte = [0u8; 1];
    mem.read_exact_at(&mut byte, addr)
        .map_err(|e| format!("read pid {pid}'s text page: {e}"))?;
    let image_pfn = pfn(&format!("/proc/{pid}/pagemap"), addr)?
        .ok_or_else(|| format!("pid {pid}'s text page is not resident"))?;
    let host_pfn = host_frame(host_binary, offset)?;
    if image_pfn == 0 || host_pfn == 0 {
        return Err("page frames read as 0: reading them needs CAP_SYS_ADMIN".into());
    }
    Ok(PageEvidence {
        offset,
        image_pfn,
        host_pfn,
    })
}

/// The start address and file offset of the first executable mapping of the process's
/// own image.
fn exec_mapping(pid: i32) -> Result<(u64, u64), String> {
    let link = std::fs::read_link(format!("/proc/{pid}/exe"))
        .map_err(|e| format!("readlink /proc/{pid}/exe: {e}"))?;
    let link = link.to_string_lossy();
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .map_err(|e| format!("read /proc/{pid}/maps: {e}"))?;
    maps.lines()
        .find_map(|line| {
            // start-end perms offset dev inode path
            let mut f = line.splitn(6, ' ');
            let range = f.next()?;
            let perms = f.next()?;
            let offset = f.next()?;
            let path = f.nth(2)?.trim_start();
            (perms.contains('x') && path == link).then(|| {
                let start = u64::from_str_radix(range.split('-').next()?, 16).ok()?;
                Some((start, u64::from_str_radix(offset, 16).ok()?))
            })?
        })
        .ok_or_else(|| format!("no executable mapping of {link} in /proc/{pid}/maps"))
}

/// The frame behind `addr` in the address space whose pagemap is `pagemap`, if resident.
fn pfn(pagemap: &str, addr: u64) -> Result<Option<u64>, String> {
    let f = std::fs::File::open(pagemap).map_err(|e| format!("open {pagemap}: {e}"))?;
    let mut entry = [0u8; 8];
    f.read_exact_at(&mut entry, addr / PAGE * 8)
        .map_err(|e| format!("read {pagemap}: {e}"))?;
    let entry = u64::from_le_bytes(entry);
    Ok((entry >> 63 == 1).then_some(entry & ((1 << 55) - 1)))
}

/// The frame of the page at `offset` of `binary`'s page cache, mapped shared here.
fn host_frame(binary: &Path, offset: u64) -> Result<u64, String> {
    let file =
        std::fs::File::open(binary).map_err(|e| format!("open {}: {e}", binary.display()))?;
    file_frame(&file, offset)?.ok_or_else(|| format!("{}'s page is not resident", binary.display()))
}

/// The frame behind the page at `offset` of `file`'s page cache, mapped shared here and
/// populated by the kernel rather than touched. An offset past the file's end is an
/// error; a file that shrinks between that check and the mapping reads as not resident,
/// where touching the page would kill this process with SIGBUS.
pub fn file_frame(file: &std::fs::File, offset: u64) -> Result<Option<u64>, String> {
    let size = file.metadata().map_err(|e| format!("stat: {e}"))?.len();
    if offset >= size {
        return Err(format!(
            "file offset {offset:#x} lies beyond the file's end ({size} bytes)"
        ));
    }
    // SAFETY: a fresh read-only shared mapping of one page of a file held open by the
    // caller, never dereferenced, unmapped before returning; nothing else refers to it.
    unsafe {
        let page = libc::mmap(
            std::ptr::null_mut(),
            PAGE as usize,
            libc::PROT_READ,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            file.as_raw_fd(),
            offset as libc::off_t,
        );
        if page == libc::MAP_FAILED {
            return Err(format!("mmap: {}", std::io::Error::last_os_error()));
        }
        let frame = pfn("/proc/self/pagemap", page as u64);
        libc::munmap(page, PAGE as usize);
        frame
    }
}
