//! A set of event ids seen during one ingest into an empty file, so that the unique index on
//! `events.id` can be built once at the end instead of being probed on every insert.
//!
//! Event ids are dense integers in practice (the public file's run from 1 to about 680,000),
//! so the set is a bitmap in 64 Ki-id pages: about 1 bit per id. Sparse ids would need a page
//! each; past a page budget the set gives up and the ingest returns to the indexed path.

use foldhash::{HashMap, HashMapExt};

const PAGE_BITS: u32 = 16;
const WORDS_PER_PAGE: usize = (1 << PAGE_BITS) / 64;

pub struct IdSet {
    pages: HashMap<i64, Box<[u64; WORDS_PER_PAGE]>>,
    max_pages: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Insert {
    New,
    Seen,
    /// The page budget is spent; the set can no longer answer.
    Full,
}

impl IdSet {
    /// A set that holds at most `max_pages` pages of 8 KiB.
    pub fn new(max_pages: usize) -> Self {
        IdSet {
            pages: HashMap::new(),
            max_pages,
        }
    }

    pub fn insert(&mut self, id: i64) -> Insert {
        let page = id >> PAGE_BITS;
        let offset = (id & ((1 << PAGE_BITS) - 1)) as usize;
        if !self.pages.contains_key(&page) && self.pages.len() >= self.max_pages {
            return Insert::Full;
        }
        let words = self
            .pages
            .entry(page)
            .or_insert_with(|| Box::new([0; WORDS_PER_PAGE]));
        let (word, bit) = (offset / 64, 1u64 << (offset % 64));
        if words[word] & bit != 0 {
            Insert::Seen
        } else {
            words[word] |= bit;
            Insert::New
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_ids_across_pages_and_signs() {
        let mut set = IdSet::new(10);
        for id in [0, 1, 65_535, 65_536, -1, -65_537, i64::MAX, i64::MIN] {
            assert_eq!(set.insert(id), Insert::New, "{id}");
        }
        for id in [0, 1, 65_535, 65_536, -1, -65_537, i64::MAX, i64::MIN] {
            assert_eq!(set.insert(id), Insert::Seen, "{id}");
        }
        assert_eq!(set.insert(2), Insert::New);
    }

    #[test]
    fn gives_up_past_its_budget() {
        let mut set = IdSet::new(2);
        assert_eq!(set.insert(1), Insert::New);
        assert_eq!(set.insert(1 << 20), Insert::New);
        assert_eq!(set.insert(1 << 30), Insert::Full);
        // Pages it already has keep answering.
        assert_eq!(set.insert(2), Insert::New);
        assert_eq!(set.insert(1), Insert::Seen);
    }
}
