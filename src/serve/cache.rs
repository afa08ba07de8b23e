//! Answers shared by all workers, keyed by metric and valid for one data generation (see
//! `store::meta::bump_generation`): the first request after an ingest pays for the query,
//! the rest are served from memory.

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

    pub fn put(&self, metric: Metric, generation: i64, body: String) {
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(metric, (generation, body));
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
        cache.put(Metric::Orders, 1, "a".into());
        assert_eq!(cache.get(Metric::Orders, 1).as_deref(), Some("a"));
        assert_eq!(cache.get(Metric::Orders, 2), None);
        assert_eq!(cache.get(Metric::Summary, 1), None);
    }
}
