//! Grouping linked items: union-find over documents (dedup) and over passages (scan).

pub mod union_find;

pub use union_find::UnionFind;
