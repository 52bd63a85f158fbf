//! Running the stages over whole collections.
//!
//! This is the one place that knows about parallelism (rayon), the order results come
//! back in, and progress. Stages elsewhere are plain functions from one item to a
//! value; here they are applied to batches of records in parallel and their results
//! gathered in input order, so output is deterministic whatever the thread count.

mod memory;

pub use memory::{
    mapped_resident_bytes, MemoryLimit, DEFAULT_MEMORY_SHARE, FALLBACK_MEMORY_LIMIT,
    MIN_MEMORY_LIMIT,
};

use crate::error::{Error, InputIssue, Result};
use rayon::prelude::*;

/// Sets how many worker threads every pipeline of this process uses (0 = one per
/// core, the default). Call it once, before the first run; a second call fails.
pub fn set_threads(threads: usize) -> Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| Error::Config(format!("cannot set up {threads} worker threads: {e}")))
}

/// Applies `f` to every item on the worker threads; the results come back in the
/// order of `items`.
pub fn map<T, R>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    items.par_iter().map(f).collect()
}

/// Like [`map`], consuming the items (each is moved into `f`).
pub fn map_owned<T, R>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R>
where
    T: Send,
    R: Send,
{
    items.into_par_iter().map(f).collect()
}

/// Like [`map_owned`], with a scratch value per worker (made by `init`, reused from
/// one item to the next) for buffers that should not be allocated per item.
pub fn map_owned_with<T, S, R>(
    items: Vec<T>,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, T) -> R + Sync + Send,
) -> Vec<R>
where
    T: Send,
    R: Send,
{
    items.into_par_iter().map_init(init, f).collect()
}

/// Applies `f` to every index `0..n` on the worker threads; results in index order.
pub fn map_indices<R>(n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R>
where
    R: Send,
{
    (0..n).into_par_iter().map(f).collect()
}

/// Applies `f` to consecutive chunks of `chunk` items (the last may be shorter) on
/// the worker threads and concatenates what each returns, in input order. For work
/// too small per item to be scheduled alone, or that reports progress per chunk.
pub fn map_chunks<T, R>(
    items: &[T],
    chunk: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync + Send,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    items.par_chunks(chunk.max(1)).flat_map_iter(f).collect()
}

/// Applies `f` to every `(index, item)` on the worker threads, consuming the items,
/// and concatenates the values each yields, in input order.
pub fn flat_map_owned<T, I>(items: Vec<T>, f: impl Fn(usize, T) -> I + Sync + Send) -> Vec<I::Item>
where
    T: Send,
    I: IntoIterator,
    I::Item: Send,
{
    items
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(i, item)| f(i, item))
        .collect()
}

/// Applies `f` to every index `0..n` on the worker threads with a scratch value per
/// worker (made by `init`), and concatenates the values each yields, in index order.
pub fn flat_map_indices_with<S, I>(
    n: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize) -> I + Sync + Send,
) -> Vec<I::Item>
where
    I: IntoIterator + Send,
    I::Item: Send,
{
    (0..n)
        .into_par_iter()
        .map_init(init, f)
        .flatten_iter()
        .collect()
}

/// Sorts `items` on the worker threads (unstable: equal items may be reordered,
/// which cannot be told apart for the plain keys this is used on).
pub fn sort_unstable<T: Ord + Send>(items: &mut [T]) {
    items.par_sort_unstable();
}

/// The stages a long run reports progress for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Reading, parsing, shingling and signing documents (progress in input bytes).
    Sign,
    /// Building LSH buckets and collecting candidate pairs (progress in bands).
    Candidates,
    /// Exact verification of candidate pairs (progress in pairs).
    Verify,
    /// Linking verified pairs into clusters.
    Cluster,
    /// Writing outputs (progress in records).
    Write,
    /// Aligning passages between candidate document pairs (progress in pairs).
    Align,
}

impl Stage {
    /// A short lower-case name for summaries.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Sign => "read_and_sign",
            Stage::Candidates => "candidates",
            Stage::Verify => "verify",
            Stage::Cluster => "cluster",
            Stage::Write => "write",
            Stage::Align => "align",
        }
    }
}

/// Receives progress and input issues from a running pipeline.
///
/// The library never prints: a command-line front end implements this with progress
/// bars and messages, an embedding program with whatever it likes.
pub trait Observer: Sync {
    /// A stage starts; `total` is its amount of work when known.
    fn stage_started(&self, _stage: Stage, _total: Option<u64>) {}
    /// `amount` more units of the current stage are done.
    fn advance(&self, _amount: u64) {}
    /// The current stage is finished.
    fn stage_finished(&self, _stage: Stage) {}
    /// A record could not be used (it has been counted and skipped).
    fn issue(&self, _issue: &InputIssue) {}
    /// A record was used but deserves a word: it was decoded from another encoding
    /// than UTF-8 ([`IssueKind::Decoded`](crate::error::IssueKind::Decoded), once per file), or its date could not be
    /// parsed ([`IssueKind::BadDate`](crate::error::IssueKind::BadDate); it has been counted).
    fn warning(&self, _warning: &InputIssue) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_helpers_keep_input_order() {
        let items: Vec<u64> = (0..10_000).collect();
        let doubled: Vec<u64> = items.iter().map(|x| x * 2).collect();
        assert_eq!(map(&items, |x| x * 2), doubled);
        assert_eq!(map_owned(items.clone(), |x| x * 2), doubled);
        assert_eq!(
            map_owned_with(items.clone(), Vec::<u64>::new, |_, x| x * 2),
            doubled
        );
        assert_eq!(map_indices(items.len(), |i| i as u64 * 2), doubled);
        assert_eq!(
            map_chunks(&items, 7, |c| c.iter().map(|x| x * 2).collect()),
            doubled
        );
        let pairs: Vec<(usize, u64)> = (0..10_000).flat_map(|i| [(i, 0), (i, 1)]).collect();
        assert_eq!(
            flat_map_owned(vec![(); 10_000], |i, ()| [(i, 0), (i, 1)]),
            pairs
        );
        assert_eq!(
            flat_map_indices_with(10_000, || (), |_, i| [(i, 0), (i, 1)]),
            pairs
        );
        let mut reversed: Vec<u64> = items.iter().rev().copied().collect();
        sort_unstable(&mut reversed);
        assert_eq!(reversed, items);
    }
}
