//! `xcc share --pseudonymize`: every customer id of the working file gets a number from 1
//! to n (n customers) in an order drawn from a secret seed, the same number wherever the
//! customer appears in the shared file. The seed comes from the operating system's random
//! source (read at the edge, src/cmd/share.rs) and is kept nowhere, so the numbers have no
//! relation to the real ids: not their order, not the order of the customers' first visits,
//! and another share of the same file numbers them anew. Pure given the seed.

/// The numbers 1..=n in the order that `seed` draws: a Fisher–Yates shuffle whose random
/// numbers are BLAKE3's output stream keyed with the seed.
pub fn shuffled(n: usize, seed: &[u8; 32]) -> Vec<i64> {
    let mut numbers: Vec<i64> = (1..=n as i64).collect();
    let mut stream = blake3::Hasher::new_keyed(seed).finalize_xof();
    for i in (1..numbers.len()).rev() {
        let j = below(&mut stream, i as u64 + 1) as usize;
        numbers.swap(i, j);
    }
    numbers
}

/// A number in 0..bound, uniform: 64-bit draws, rejecting those of the incomplete last
/// multiple of `bound`.
fn below(stream: &mut blake3::OutputReader, bound: u64) -> u64 {
    let limit = u64::MAX - u64::MAX % bound;
    loop {
        let mut bytes = [0u8; 8];
        stream.fill(&mut bytes);
        let x = u64::from_le_bytes(bytes);
        if x < limit {
            return x % bound;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_once_in_an_order_of_the_seed() {
        let a = shuffled(1000, &[1; 32]);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (1..=1000).collect::<Vec<i64>>());
        assert_ne!(a, sorted, "shuffled");
        assert_eq!(shuffled(1000, &[1; 32]), a, "the same seed, the same order");
        assert_ne!(shuffled(1000, &[2; 32]), a, "another seed, another order");
        assert_eq!(shuffled(0, &[1; 32]), Vec::<i64>::new());
        assert_eq!(shuffled(1, &[1; 32]), [1]);
    }

    #[test]
    fn every_position_is_as_likely() {
        // 3 numbers, 6000 seeds: each of the 6 orders about 1000 times.
        let mut counts = std::collections::HashMap::new();
        for s in 0..6000u32 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&s.to_le_bytes());
            *counts.entry(shuffled(3, &seed)).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 6);
        assert!(
            counts.values().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
    }
}
