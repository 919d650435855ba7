//! A tiny deterministic PRNG (splitmix64) so fixtures are reproducible without a `rand` dependency.

/// The splitmix64 output function. It is a bijection on `u64`, which the catalog relies on to
/// turn distinct counters into distinct random-looking names without checking for collisions.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64: one `u64` of state, good enough statistics for test data, identical on every
/// platform because it only uses wrapping integer arithmetic.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A generator for one purpose (a file's content, a plist's ids) that does not shift when
    /// some other part of the generator draws more or fewer numbers.
    pub(crate) fn derive(seed: u64, stream: u64) -> Self {
        Rng(mix64(seed ^ mix64(stream.wrapping_add(0x5EED))))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the tiny bias is irrelevant here). `n == 0` gives 0.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`; integer-only so results never depend on float
    /// rounding.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }

    /// `n` lowercase or uppercase hex digits.
    pub(crate) fn hex(&mut self, n: usize, upper: bool) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let v = self.next_u64();
            for i in 0..16 {
                if s.len() == n {
                    break;
                }
                s.push(hex_digit(((v >> (i * 4)) & 0xF) as u8, upper));
            }
        }
        s
    }

    /// An uppercase RFC 4122-shaped UUID string, as Apple writes them in plists and paths.
    pub(crate) fn uuid(&mut self) -> String {
        uuid_from(self.next_u64(), self.next_u64())
    }
}

pub(crate) fn hex_digit(v: u8, upper: bool) -> char {
    let table = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    char::from(table[usize::from(v & 0xF)])
}

/// Formats two words as `8-4-4-4-12` uppercase hex. Keeping `hi` intact makes the UUID unique
/// whenever `hi` is (see [`mix64`]).
pub(crate) fn uuid_from(hi: u64, lo: u64) -> String {
    let h = format!("{hi:016X}{lo:016X}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_reference_sequence() {
        // First outputs of splitmix64 seeded with 0 (Vigna's reference implementation).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(7);
        assert!((0..10_000).all(|_| r.below(37) < 37));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn hex_and_uuid_shapes() {
        let mut r = Rng::new(1);
        let h = r.hex(40, false);
        assert_eq!(h.len(), 40);
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let u = r.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
    }
}
