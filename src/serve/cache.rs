//! Answers shared by all workers, keyed by metric and valid for one data generation (see
//! `store::meta::bump_generation`): the first request after an ingest pays for the query,
//! the rest are served from memory. Only a 200 is kept: a 503 (the time limit) or a 500 is
//! computed again by the next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::metrics::Metric;

#[derive(Clone, Default)]
pub struct Cache {
    answers: Arc<Mutex<HashMap<Metric, (i64, String)>>>,
}

impl Cache {
    /// The cached body of `metric`, if it was computed for `generation`.
    pub fn get(&self, metric: Metric, generation: i64) -> Option<String> {
        // A poisoned lock only means another worker panicked mid-insert; skip the cache.
        let answers = self.answers.lock().ok()?;
        let (cached_generation, body) = answers.get(&metric)?;
        (*cached_generation == generation).then(|| body.clone())
    }

    /// Keeps `body` as the answer of `metric` for `generation`, if its status is 200.
    pub fn keep(&self, metric: Metric, generation: i64, status: u16, body: &str) {
        if status != 200 {
            return;
        }
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(metric, (generation, body.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_served_for_its_generation_only() {
        let cache = Cache::default();
        assert_eq!(cache.get(Metric::Orders, 1), None);
        cache.keep(Metric::Orders, 1, 200, "a");
        assert_eq!(cache.get(Metric::Orders, 1).as_deref(), Some("a"));
        assert_eq!(cache.get(Metric::Orders, 2), None);
        assert_eq!(cache.get(Metric::Summary, 1), None);
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
            assert_eq!(cache.get(Metric::Sensitivity, 1), None, "{status}");
        }
        // Nor does one replace the answer kept.
        cache.keep(Metric::Sensitivity, 1, 200, "b");
        cache.keep(Metric::Sensitivity, 1, 503, r#"{"error":"x"}"#);
        assert_eq!(cache.get(Metric::Sensitivity, 1).as_deref(), Some("b"));
    }
}
