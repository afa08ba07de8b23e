//! Answers shared by all workers, keyed by metric and valid for one data generation (see
//! `store::meta::bump_generation`): the first request after an ingest pays for the query,
//! the rest are served from memory. Only a 200 is kept: a 503 (the time limit) or a 500 is
//! computed again by the next request. Each kept answer, and each copy of one handed out,
//! holds its size of the process's memory budget (`store::memory`): an answer that does not
//! fit is not kept, and is computed again by the next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::metrics::Metric;
use crate::store::memory::{OutOfMemory, Reservation};

/// A kept answer: its generation, its body and what the body holds of the budget.
type Kept = (i64, String, Reservation);

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
    /// copy fits the memory budget.
    pub fn keep(&self, metric: Metric, generation: i64, status: u16, body: &str) {
        if status != 200 {
            return;
        }
        let mut held = Reservation::default();
        if held.grow(body.len()).is_err() {
            return;
        }
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(metric, (generation, body.to_string(), held));
        }
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
