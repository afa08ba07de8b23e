//! An IPv4 address as the number `events.ip_v4` stores instead of its text: 4 to 6 bytes
//! where the text takes 7 to 15 (measured on 1M real-shaped lines, whose every line has an
//! address of its own: 7 MB less). Only the usual way of writing one is packed, four decimal
//! numbers from 0 to 255 without leading zeros, so that v_events renders exactly the text the
//! input had; any other text (IPv6, `010.1.1.1`, a stray space) is stored as written. Pure.

/// `a.b.c.d` as `a·2²⁴ + b·2¹⁶ + c·2⁸ + d` (what `inet_aton` gives), when `text` is written
/// the way v_events renders that number; `None` otherwise.
pub fn packed(text: &str) -> Option<i64> {
    let mut number: i64 = 0;
    let mut parts = 0;
    for part in text.split('.') {
        parts += 1;
        let canonical = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !canonical || parts > 4 {
            return None;
        }
        let octet: i64 = part.parse().ok()?;
        if octet > 255 {
            return None;
        }
        number = number * 256 + octet;
    }
    (parts == 4).then_some(number)
}

/// The text of a packed address, as v_events renders it (queries/views.sql).
pub fn unpacked(number: i64) -> String {
    format!(
        "{}.{}.{}.{}",
        number >> 24,
        (number >> 16) & 255,
        (number >> 8) & 255,
        number & 255
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_text_is_packed() {
        // 5·16,777,216 + 108·65,536 + 1·256 + 50
        assert_eq!(packed("5.108.1.50"), Some(90_964_274));
        assert_eq!(packed("0.0.0.0"), Some(0));
        assert_eq!(packed("255.255.255.255"), Some(4_294_967_295));
        assert_eq!(unpacked(90_964_274), "5.108.1.50");
    }

    #[test]
    fn any_other_text_is_not() {
        for text in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.256",
            "1.2.3.-4",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1..3.4",
            "1.2.3.",
            "::1",
            "2001:db8::1",
            "1.2.3.4\n",
            "1.2.3.+4",
            "0001.2.3.4",
            "1.2.3.٤",
        ] {
            assert_eq!(packed(text), None, "{text:?}");
        }
    }

    proptest! {
        /// Every address round-trips, so v_events gives back exactly what was packed.
        #[test]
        fn every_address_round_trips(a in 0u32..=u32::MAX) {
            let text = unpacked(a as i64);
            prop_assert_eq!(packed(&text), Some(a as i64));
        }

        /// Four numbers, some above 255, some with a leading zero: a text is packed exactly
        /// when it is the rendering of its number, so nothing of it is lost (both branches
        /// run: about a third of the texts are packed).
        #[test]
        fn a_text_is_packed_exactly_when_it_renders_back_as_written(
            parts in proptest::collection::vec((0u32..300, proptest::bool::weighted(0.1)), 4)
        ) {
            let text = parts
                .iter()
                .map(|(n, zero)| if *zero { format!("0{n}") } else { n.to_string() })
                .collect::<Vec<_>>()
                .join(".");
            let usual = parts.iter().all(|(n, zero)| *n <= 255 && !zero);
            match packed(&text) {
                Some(n) => {
                    prop_assert!(usual);
                    prop_assert_eq!(unpacked(n), text);
                }
                None => prop_assert!(!usual, "{} was not packed", text),
            }
        }
    }
}
