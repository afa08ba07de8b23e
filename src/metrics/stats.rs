//! Whether session duration differs by referrer, as a statistician answers it: the
//! Kruskal–Wallis test across groups, the Mann–Whitney U test of two groups with Holm's
//! correction, and the distribution-free 95% confidence interval of a median. Pure: counts in,
//! numbers out, no SQLite and no I/O (`super::inference` runs the queries and writes the JSON).
//!
//! The observations come as tied blocks: each distinct value with how many observations of
//! each group have it, which is what SQL's `GROUP BY` of the value gives. Durations lie on a
//! 15-second grid, so they tie a lot, and a block is exactly a set of ties: its t values after
//! `before` smaller ones share the mid-rank `before + (t + 1) / 2`. Ranks are kept in integer
//! half-units (`2 · before + t + 1`), so every rank sum is exact.
//!
//! The definitions are SciPy's (`scipy.stats.kruskal`, `scipy.stats.mannwhitneyu` with
//! `method="asymptotic"`, `scipy.stats.binom`), which tests/integration/statistics.rs checks
//! them against; the distributions are statrs's.

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Normal};

/// The observations of some groups, by value.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// How many observations each group has.
    sizes: Vec<u64>,
    /// The distinct values in ascending order, each with its count in every group.
    blocks: Vec<(f64, Vec<u64>)>,
}

/// The Kruskal–Wallis H test across every group with observations, ties corrected. `h`, `df`
/// and `p_value` are None with fewer than two such groups, or when every observation equals
/// every other (no order to test: the tie correction divides by zero).
#[derive(Debug, Clone, PartialEq)]
pub struct KruskalWallis {
    pub groups: u64,
    pub observations: u64,
    pub h: Option<f64>,
    pub df: Option<u64>,
    pub p_value: Option<f64>,
}

/// The Mann–Whitney U test of group a against group b: `u` is a's statistic (the pairs in
/// which a's value is larger, plus half the ties), the two-sided p-value that of the normal
/// approximation, tie and continuity corrected; None when every value of both is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct MannWhitney {
    pub u: f64,
    pub p_value: Option<f64>,
}

impl Samples {
    /// The samples of `groups` groups from `(group, value, count)` triples in any order (a
    /// value may come more than once for a group: the counts add up).
    pub fn from_counts(groups: usize, counts: impl IntoIterator<Item = (usize, f64, u64)>) -> Self {
        let mut counts: Vec<(usize, f64, u64)> = counts.into_iter().collect();
        counts.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut sizes = vec![0; groups];
        let mut blocks: Vec<(f64, Vec<u64>)> = Vec::new();
        for (group, value, count) in counts {
            sizes[group] += count;
            match blocks.last_mut() {
                // `==`, not the sort's order: -0.0 and 0.0 are one duration.
                Some((last, block)) if *last == value => block[group] += count,
                _ => {
                    let mut block = vec![0; groups];
                    block[group] = count;
                    blocks.push((value, block));
                }
            }
        }
        Samples { sizes, blocks }
    }

    /// How many observations each group has.
    pub fn sizes(&self) -> &[u64] {
        &self.sizes
    }

    /// The Kruskal–Wallis test. H = 12 / (N (N + 1)) · Σ n_g (mean rank_g − (N + 1) / 2)²,
    /// divided by the tie correction 1 − Σ (t³ − t) / (N³ − N); the centred form is SciPy's
    /// 12 / (N (N + 1)) · Σ R_g² / n_g − 3 (N + 1) without the subtraction of two large,
    /// nearly equal numbers. p = P(χ²(k − 1) ≥ H).
    pub fn kruskal_wallis(&self) -> KruskalWallis {
        let present = self.sizes.iter().filter(|&&n| n > 0).count() as u64;
        let n: u64 = self.sizes.iter().sum();
        let mut test = KruskalWallis {
            groups: present,
            observations: n,
            h: None,
            df: None,
            p_value: None,
        };
        // Twice each group's sum of (rank − (N + 1) / 2), exactly, and the ties' Σ (t³ − t).
        let mut centred = vec![0i128; self.sizes.len()];
        let mut ties = 0u128;
        let mut before = 0u64;
        for (_, counts) in &self.blocks {
            let t: u64 = counts.iter().sum();
            let twice_centre = 2 * i128::from(before) + i128::from(t) - i128::from(n);
            for (sum, &c) in centred.iter_mut().zip(counts) {
                *sum += i128::from(c) * twice_centre;
            }
            ties += cube_less_one(t);
            before += t;
        }
        let spread = cube_less_one(n).saturating_sub(ties);
        if present < 2 || spread == 0 {
            return test;
        }
        let between: f64 = centred
            .iter()
            .zip(&self.sizes)
            .filter(|(_, &size)| size > 0)
            .map(|(&sum, &size)| (sum as f64 / 2.0).powi(2) / size as f64)
            .sum();
        let n = n as f64;
        let correction = spread as f64 / cube_less_one(test.observations) as f64;
        let h = 12.0 / (n * (n + 1.0)) * between / correction;
        let df = present - 1;
        test.h = Some(h);
        test.df = Some(df);
        test.p_value = Some(chi_square_sf(h, df));
        test
    }

    /// The Mann–Whitney U test of group `a` against group `b`, ranked among their own
    /// observations only. U_a = R_a − n_a (n_a + 1) / 2; the p-value is SciPy's asymptotic one:
    /// z = (max(U_a, U_b) − n_a n_b / 2 − ½) / σ with
    /// σ² = n_a n_b / 12 · ((n + 1) − Σ (t³ − t) / (n (n − 1))), p = min(1, 2 P(Z ≥ z)).
    /// None when either group has no observation.
    pub fn mann_whitney(&self, a: usize, b: usize) -> Option<MannWhitney> {
        let (na, nb) = (self.sizes[a], self.sizes[b]);
        if na == 0 || nb == 0 {
            return None;
        }
        let (mut twice_rank_sum, mut ties, mut before) = (0u128, 0u128, 0u64);
        for (_, counts) in &self.blocks {
            let t = counts[a] + counts[b];
            twice_rank_sum += u128::from(counts[a]) * u128::from(2 * before + t + 1);
            ties += cube_less_one(t);
            before += t;
        }
        let u = (twice_rank_sum - u128::from(na) * u128::from(na + 1)) as f64 / 2.0;
        let n = na + nb;
        // (n + 1) − ties / (n (n − 1)) = (n³ − n − ties) / (n (n − 1)), in integers.
        let spread = cube_less_one(n).saturating_sub(ties);
        let pairs = na as f64 * nb as f64;
        let p_value = (spread > 0).then(|| {
            let variance = pairs / 12.0 * spread as f64 / (n as f64 * (n - 1) as f64);
            let larger = u.max(pairs - u);
            let z = (larger - pairs / 2.0 - 0.5) / variance.sqrt();
            (2.0 * Normal::standard().sf(z)).min(1.0)
        });
        Some(MannWhitney { u, p_value })
    }

    /// The exact, distribution-free 95% confidence interval of group `g`'s median:
    /// [x(k), x(n + 1 − k)] of its sorted values (see [`median_ci95_ranks`]); None for n < 6.
    pub fn median_ci95(&self, g: usize) -> Option<(f64, f64)> {
        let (low, high) = median_ci95_ranks(self.sizes[g])?;
        Some((
            self.order_statistic(g, low)?,
            self.order_statistic(g, high)?,
        ))
    }

    /// The `rank`-th smallest value of group `g` (from 1), if it has that many.
    fn order_statistic(&self, g: usize, rank: u64) -> Option<f64> {
        let mut seen = 0;
        self.blocks.iter().find_map(|(value, counts)| {
            seen += counts[g];
            (seen >= rank).then_some(*value)
        })
    }
}

/// The ranks of the median's 95% interval among n sorted values: (k, n + 1 − k) with k the
/// largest integer such that P(B ≤ k − 1) ≤ 0.025 for B ~ Binomial(n, ½), so that the interval
/// misses the median with probability at most 2 · 0.025, whatever the distribution. None when
/// no k ≥ 1 qualifies: P(B ≤ 0) = 2⁻ⁿ > 0.025 for n < 6.
pub fn median_ci95_ranks(n: u64) -> Option<(u64, u64)> {
    let b = Binomial::new(0.5, n).ok()?;
    let fits = |k: u64| b.cdf(k - 1) <= 0.025;
    if n == 0 || !fits(1) {
        return None;
    }
    // P(B ≤ k − 1) grows with k and is ½ or more at k − 1 = n / 2: the largest k that fits
    // lies in [1, n / 2], found by bisection.
    let (mut fit, mut too_far) = (1, n / 2 + 1);
    while too_far - fit > 1 {
        let mid = fit + (too_far - fit) / 2;
        if fits(mid) {
            fit = mid;
        } else {
            too_far = mid;
        }
    }
    Some((fit, n + 1 - fit))
}

/// Holm's step-down correction of the p-values that are there (None: a test that could not
/// be made, which does not count): the i-th smallest of m becomes max over j ≤ i of
/// min(1, (m − j + 1) · p(j)), so that the adjusted values keep the p-values' order.
pub fn holm(p_values: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<(usize, f64)> = p_values
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, (*p)?)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let m = order.len();
    let mut adjusted = vec![None; p_values.len()];
    let mut running = 0.0f64;
    for (j, (i, p)) in order.into_iter().enumerate() {
        running = running.max(((m - j) as f64 * p).min(1.0));
        adjusted[i] = Some(running);
    }
    adjusted
}

/// t³ − t, exactly (t is a count of sessions, at most some millions).
fn cube_less_one(t: u64) -> u128 {
    let t = u128::from(t);
    t * t * t - t
}

/// P(χ²(df) ≥ x).
fn chi_square_sf(x: f64, df: u64) -> f64 {
    ChiSquared::new(df as f64).map_or(f64::NAN, |d| d.sf(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups of seconds, as lists: group i's values.
    fn samples(groups: &[&[f64]]) -> Samples {
        Samples::from_counts(
            groups.len(),
            groups
                .iter()
                .enumerate()
                .flat_map(|(g, values)| values.iter().map(move |&v| (g, v, 1))),
        )
    }

    fn assert_close(got: Option<f64>, want: f64) {
        let got = got.unwrap_or_else(|| panic!("None, want {want}"));
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }

    #[test]
    fn kruskal_wallis_with_ties_in_three_groups() {
        // A = {0, 0, 15}, B = {15, 30}, C = {30, 45, 60}; pooled in order:
        // 0 0 | 15 15 | 30 30 | 45 | 60 take ranks 1.5 1.5 | 3.5 3.5 | 5.5 5.5 | 7 | 8.
        // R_A = 1.5 + 1.5 + 3.5 = 6.5, R_B = 3.5 + 5.5 = 9, R_C = 5.5 + 7 + 8 = 20.5 (sum 36).
        // Σ R²/n = 42.25/3 + 81/2 + 420.25/3 = 584/3; N = 8:
        // H_raw = 12/72 · 584/3 − 27 = 292/9 − 243/9 = 49/9.
        // Three pairs of ties: Σ (t³ − t) = 3 · 6 = 18; correction 1 − 18/504 = 27/28.
        // H = 49/9 · 28/27 = 1372/243; df = 2, and P(χ²(2) ≥ x) = exp(−x/2).
        let test =
            samples(&[&[0.0, 0.0, 15.0], &[15.0, 30.0], &[30.0, 45.0, 60.0]]).kruskal_wallis();
        assert_eq!((test.groups, test.observations, test.df), (3, 8, Some(2)));
        assert_close(test.h, 1372.0 / 243.0);
        assert_close(test.p_value, (-1372.0f64 / 243.0 / 2.0).exp());
    }

    #[test]
    fn kruskal_wallis_with_a_group_of_one_session() {
        // A = {0}, B = {15, 30}, C = {45, 60, 75}: ranks 1 | 2 3 | 4 5 6, no ties.
        // R = 1, 5, 15; Σ R²/n = 1 + 12.5 + 75 = 88.5; N = 6:
        // H = 12/42 · 88.5 − 21 = (1062 − 882)/42 = 30/7; df = 2, p = exp(−15/7).
        let test = samples(&[&[0.0], &[30.0, 15.0], &[75.0, 45.0, 60.0]]).kruskal_wallis();
        assert_close(test.h, 30.0 / 7.0);
        assert_close(test.p_value, (-15.0f64 / 7.0).exp());
    }

    #[test]
    fn kruskal_wallis_needs_two_groups_and_values_that_differ() {
        let none = |groups, observations| KruskalWallis {
            groups,
            observations,
            h: None,
            df: None,
            p_value: None,
        };
        // One group: nothing to compare with.
        assert_eq!(samples(&[&[0.0, 15.0, 30.0]]).kruskal_wallis(), none(1, 3));
        // A group without sessions is no group: still one.
        assert_eq!(samples(&[&[], &[0.0, 15.0]]).kruskal_wallis(), none(1, 2));
        // No sessions at all.
        assert_eq!(samples(&[&[], &[]]).kruskal_wallis(), none(0, 0));
        assert_eq!(Samples::from_counts(0, []).kruskal_wallis(), none(0, 0));
        // Every session as long as every other: all ranks tie, H is 0/0.
        assert_eq!(samples(&[&[0.0, 0.0], &[0.0]]).kruskal_wallis(), none(2, 3));
    }

    #[test]
    fn mann_whitney_with_ties() {
        // A = {0, 15, 15}, B = {15, 30}: 0 | 15 15 15 | 30 take ranks 1 | 3 3 3 | 5.
        // R_A = 1 + 3 + 3 = 7, U_A = 7 − 3·4/2 = 1 (pairs: A's 15s tie B's 15 twice, ½ each;
        // nothing else of A is larger), U_B = 6 − 1 = 5; mean 3.
        // Ties: 3³ − 3 = 24; σ² = 6/12 · (6 − 24/20) = 2.4.
        // z = (5 − 3 − 0.5)/√2.4 = 0.968246; p = 2 P(Z ≥ z) = erfc(z/√2) = 0.3329216080655659
        // (Python's math.erfc).
        let s = samples(&[&[0.0, 15.0, 15.0], &[15.0, 30.0]]);
        let test = s.mann_whitney(0, 1).unwrap();
        assert_eq!(test.u, 1.0);
        assert!((test.p_value.unwrap() - 0.332_921_608_065_565_9).abs() < 1e-9);
        // The other way round: B's U, the same p.
        let back = s.mann_whitney(1, 0).unwrap();
        assert_eq!(back.u, 5.0);
        assert_eq!(back.p_value, test.p_value);
    }

    #[test]
    fn mann_whitney_of_one_session_and_of_values_all_equal() {
        // A = {30}, B = {0, 15, 45, 60}: A ranks 3 of 5, U_A = 3 − 1 = 2 = U_B = n_a n_b / 2,
        // so z = −0.5/σ < 0 and 2 P(Z ≥ z) > 1: the p-value is clipped to 1.
        let s = samples(&[&[30.0], &[0.0, 15.0, 45.0, 60.0]]);
        assert_eq!(
            s.mann_whitney(0, 1),
            Some(MannWhitney {
                u: 2.0,
                p_value: Some(1.0)
            })
        );
        // All equal: U is n_a n_b / 2 = 1, and σ = 0 leaves no p-value.
        let s = samples(&[&[0.0, 0.0], &[0.0], &[15.0]]);
        assert_eq!(
            s.mann_whitney(0, 1),
            Some(MannWhitney {
                u: 1.0,
                p_value: None
            })
        );
        // A group without sessions has no test.
        assert_eq!(samples(&[&[], &[0.0]]).mann_whitney(0, 1), None);
    }

    #[test]
    fn median_interval_ranks_from_the_binomial() {
        // P(B ≤ 0) = 2⁻ⁿ: 1/32 > 0.025 for n = 5, 1/64 = 0.0156 for n = 6.
        for n in 0..6 {
            assert_eq!(median_ci95_ranks(n), None, "{n}");
        }
        // n = 6: P(B ≤ 1) = 7/64 = 0.109, so k = 1: [x(1), x(6)].
        assert_eq!(median_ci95_ranks(6), Some((1, 6)));
        // n = 10: P(B ≤ 1) = 11/1024 = 0.0107, P(B ≤ 2) = 56/1024 = 0.0547: k = 2.
        assert_eq!(median_ci95_ranks(10), Some((2, 9)));
        // n = 20: P(B ≤ 5) = (1 + 20 + 190 + 1140 + 4845 + 15504)/2²⁰ = 21700/1048576 = 0.0207,
        // P(B ≤ 6) = (21700 + 38760)/1048576 = 0.0577: k = 6.
        assert_eq!(median_ci95_ranks(20), Some((6, 15)));
        // n = 100: the textbook ranks 40 and 61 (P(B ≤ 39) = 0.0176, P(B ≤ 40) = 0.0284).
        assert_eq!(median_ci95_ranks(100), Some((40, 61)));
    }

    #[test]
    fn median_interval_reads_tied_values() {
        // {0, 0, 15, 15, 15, 30, 45}: n = 7, P(B ≤ 0) = 1/128, P(B ≤ 1) = 8/128 = 0.0625, so
        // k = 1: [x(1), x(7)] = [0, 45].
        let s = samples(&[&[15.0, 0.0, 45.0, 15.0, 0.0, 30.0, 15.0], &[5.0; 5]]);
        assert_eq!(s.median_ci95(0), Some((0.0, 45.0)));
        // Five sessions: no interval.
        assert_eq!(s.median_ci95(1), None);
        // n = 10 from counts: 0 ×3, 15 ×4, 30 ×2, 60 ×1; k = 2: [x(2), x(9)] = [0, 30].
        let counted =
            Samples::from_counts(1, [(0, 30.0, 2), (0, 0.0, 3), (0, 60.0, 1), (0, 15.0, 4)]);
        assert_eq!(counted.sizes(), &[10]);
        assert_eq!(counted.median_ci95(0), Some((0.0, 30.0)));
    }

    #[test]
    fn holm_multiplies_by_the_tests_left_and_keeps_the_order() {
        // m = 3 p-values: 0.01 → 3 · 0.01 = 0.03; 0.03 → 2 · 0.03 = 0.06; 0.04 → 1 · 0.04,
        // raised to the 0.06 before it. The test that could not be made does not count.
        let adjusted = holm(&[Some(0.01), Some(0.04), Some(0.03), None]);
        for (got, want) in adjusted
            .iter()
            .zip([Some(0.03), Some(0.06), Some(0.06), None])
        {
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-15, "{got:?} vs {want:?}"),
                _ => assert_eq!(*got, want),
            }
        }
        // Never above 1: 2 · 0.5 = 1, and 0.6 is raised to it.
        assert_eq!(holm(&[Some(0.6), Some(0.5)]), vec![Some(1.0), Some(1.0)]);
        assert_eq!(holm(&[]), Vec::<Option<f64>>::new());
    }
}
