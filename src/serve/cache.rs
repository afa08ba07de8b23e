//! Answers shared by all workers, keyed by metric and valid for one data generation (see
//! `store::meta::bump_generation`): the first request after an ingest pays for the query,
//! the rest are served from memory. Only a 200 is kept: a 503 (the time limit) or a 500 is
//! computed again by the next request. Each kept answer, and each copy of one handed out,
//! holds its size of the process's memory budget (`store::memory`), and all kept answers
//! together are at most [`CACHE_BYTES`]: an answer that does not fit is not kept, and is
//! computed again by the next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::metrics::Metric;
use crate::store::memory::{OutOfMemory, Reservation};

/// A kept answer: its generation, its body and what the body holds of the budget.
type Kept = (i64, String, Reservation);

/// The most the cache keeps in all: far above the answers of a real file (kilobytes each),
/// far below the budget, so that kept answers never leave too little of it to compute the
/// next one (a file may make one answer of any size).
pub const CACHE_BYTES: usize = 32 << 20;

#[derive(Clone, Default)]
pub struct Cache {
    answers: Arc<Mutex<HashMap<Metric, Kept>>>,
}

impl Cache {
    /// A copy of the cached body of `metric`, if it was computed for `generation`; the copy
    /// is reserved in `held` first.
    pub fn get(
        &self,
        metric: Metric,
        generation: i64,
        held: &mut Reservation,
    ) -> Result<Option<String>, OutOfMemory> {
        // A poisoned lock only means another worker panicked mid-insert; skip the cache.
        let Ok(answers) = self.answers.lock() else {
            return Ok(None);
        };
        match answers.get(&metric) {
            Some((kept, body, _)) if *kept == generation => {
                held.grow(body.len())?;
                Ok(Some(body.clone()))
            }
            _ => Ok(None),
        }
    }

    /// Keeps `body` as the answer of `metric` for `generation`, if its status is 200 and a
    /// copy fits beside the other answers kept ([`CACHE_BYTES`]) and in the memory budget.
    /// Otherwise an answer of `metric` kept for an older generation is let go.
    pub fn keep(&self, metric: Metric, generation: i64, status: u16, body: &str) {
        if status != 200 {
            return;
        }
        let Ok(mut answers) = self.answers.lock() else {
            return;
        };
        let others: usize = answers
            .iter()
            .filter(|(kept, _)| **kept != metric)
            .map(|(_, (_, kept, _))| kept.len())
            .sum();
        let mut held = Reservation::default();
        if others + body.len() > CACHE_BYTES || held.grow(body.len()).is_err() {
            answers.retain(|kept, (at, _, _)| *kept != metric || *at >= generation);
            return;
        }
        answers.insert(metric, (generation, body.to_string(), held));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(cache: &Cache, metric: Metric, generation: i64) -> Option<String> {
        cache
            .get(metric, generation, &mut Reservation::default())
            .unwrap()
    }

    #[test]
    fn an_answer_is_served_for_its_generation_only() {
        let cache = Cache::default();
        assert_eq!(get(&cache, Metric::Orders, 1), None);
        cache.keep(Metric::Orders, 1, 200, "a");
        assert_eq!(get(&cache, Metric::Orders, 1).as_deref(), Some("a"));
        assert_eq!(get(&cache, Metric::Orders, 2), None);
        assert_eq!(get(&cache, Metric::Summary, 1), None);
    }

    #[test]
    fn a_time_limit_or_a_failure_is_never_kept() {
        let cache = Cache::default();
        for status in [503, 500] {
            cache.keep(
                Metric::Sensitivity,
                1,
                status,
                r#"{"error":"the query took longer than its time limit"}"#,
            );
            assert_eq!(get(&cache, Metric::Sensitivity, 1), None, "{status}");
        }
        // Nor does one replace the answer kept.
        cache.keep(Metric::Sensitivity, 1, 200, "b");
        cache.keep(Metric::Sensitivity, 1, 503, r#"{"error":"x"}"#);
        assert_eq!(get(&cache, Metric::Sensitivity, 1).as_deref(), Some("b"));
    }

    /// The answers kept are at most CACHE_BYTES in all: one that would pass it is not kept,
    /// and the older answer of its metric is let go.
    #[test]
    fn the_answers_kept_are_at_most_the_cache_s_bytes() {
        let cache = Cache::default();
        let half = "x".repeat(CACHE_BYTES / 2);
        cache.keep(Metric::Daily, 1, 200, &half);
        cache.keep(Metric::Referrers, 1, 200, "old");
        cache.keep(Metric::Referrers, 2, 200, &format!("{half}y"));
        assert_eq!(get(&cache, Metric::Referrers, 2), None);
        assert_eq!(get(&cache, Metric::Referrers, 1), None);
        assert_eq!(
            get(&cache, Metric::Daily, 1).map(|b| b.len()),
            Some(half.len())
        );
        cache.keep(Metric::Referrers, 2, 200, &half);
        assert_eq!(
            get(&cache, Metric::Referrers, 2).map(|b| b.len()),
            Some(half.len())
        );
    }

    /// A kept answer and each copy handed out hold their size of the budget.
    #[test]
    fn a_kept_answer_and_its_copies_are_reserved() {
        let cache = Cache::default();
        cache.keep(Metric::Daily, 1, 200, "0123456789");
        let held = &mut Reservation::default();
        assert_eq!(
            cache.get(Metric::Daily, 1, held).unwrap().as_deref(),
            Some("0123456789")
        );
        assert_eq!(held.bytes(), 10);
        let answers = cache.answers.lock().unwrap();
        assert_eq!(answers[&Metric::Daily].2.bytes(), 10);
    }
}
