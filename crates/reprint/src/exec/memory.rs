//! How much memory a run may hold: the one owner of the memory limit and its default.
//!
//! Jobs that can work in bounded memory (the staged dedup and scan) plan their
//! partitions and batches from a [`MemoryLimit`], so that what they hold at once
//! stays under it whatever the size of the collection; the rest goes to the work
//! folder on disk.

/// Share of the machine's memory a run uses when no limit is given: half, so that
/// the page cache (which the staged runs read their tables and texts through) and
/// other programs keep the rest.
pub const DEFAULT_MEMORY_SHARE: f64 = 0.5;

/// Used when the machine's memory cannot be read: 2 GiB.
pub const FALLBACK_MEMORY_LIMIT: u64 = 2 << 30;

/// The least limit accepted: below it the fixed costs of a run (thread stacks,
/// table buffers) would not fit.
pub const MIN_MEMORY_LIMIT: u64 = 64 << 20;

/// A memory budget in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemoryLimit(u64);

impl MemoryLimit {
    /// A limit of `bytes`, raised to [`MIN_MEMORY_LIMIT`] if below it.
    pub fn new(bytes: u64) -> MemoryLimit {
        MemoryLimit(bytes.max(MIN_MEMORY_LIMIT))
    }

    /// [`DEFAULT_MEMORY_SHARE`] of the memory this process may use: the machine's
    /// memory, or its control group's limit when that is lower (containers).
    pub fn machine_default() -> MemoryLimit {
        let total = available_to_process().unwrap_or(FALLBACK_MEMORY_LIMIT * 2);
        MemoryLimit::new((total as f64 * DEFAULT_MEMORY_SHARE) as u64)
    }

    /// The limit in bytes.
    pub fn bytes(&self) -> u64 {
        self.0
    }

    /// How many parts of at most `part_bytes` (a part's share of the limit) a
    /// quantity of `total` bytes must be split into: at least one.
    pub fn parts_for(&self, total: u64, share: f64) -> u64 {
        let per_part = ((self.0 as f64 * share) as u64).max(1);
        total.div_ceil(per_part).max(1)
    }
}

impl Default for MemoryLimit {
    fn default() -> Self {
        MemoryLimit::machine_default()
    }
}

/// The process's resident file-backed (mapped) memory, where the system tells it
/// (Linux `/proc/self/statm`: resident shared pages); `None` elsewhere. Readers of
/// memory-mapped files (index segments, spilled shingle sets) compare it with their
/// budget and let go of their pages past it.
pub fn mapped_resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let shared_pages: u64 = statm.split_whitespace().nth(2)?.parse().ok()?;
    #[cfg(unix)]
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    #[cfg(not(unix))]
    let page = 4096;
    Some(shared_pages * page)
}

/// The memory of the machine, or of this process's control group when it is
/// limited below that; `None` when neither can be read.
fn available_to_process() -> Option<u64> {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    let total = system.total_memory();
    let limited = system.cgroup_limits().map(|c| c.total_memory);
    match (total, limited) {
        (0, None) => None,
        (0, Some(l)) => Some(l),
        (t, Some(l)) if l > 0 => Some(t.min(l)),
        (t, _) => Some(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_default_is_a_share_of_a_real_amount() {
        let limit = MemoryLimit::machine_default();
        assert!(limit.bytes() >= MIN_MEMORY_LIMIT);
        let total = available_to_process().expect("this machine's memory is readable");
        assert!(limit.bytes() <= total, "{} > {total}", limit.bytes());
    }

    #[test]
    fn tiny_limits_are_raised_to_the_minimum() {
        assert_eq!(MemoryLimit::new(1).bytes(), MIN_MEMORY_LIMIT);
    }

    #[test]
    fn parts_cover_the_total() {
        let limit = MemoryLimit::new(1 << 30);
        assert_eq!(limit.parts_for(0, 0.25), 1);
        assert_eq!(limit.parts_for(1 << 28, 0.25), 1);
        assert_eq!(limit.parts_for((1 << 28) + 1, 0.25), 2);
        assert_eq!(limit.parts_for(10 << 30, 0.5), 20);
    }
}
