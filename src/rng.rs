//! A small seeded random generator (SplitMix64), so that weight init, dropout
//! and shuffling repeat exactly under `--seed` (candle's CPU RNG cannot be seeded).
//! Pure arithmetic: it imports nothing from the crate.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `i`-th (0-based) value of `Rng::new(seed).next_f32()`, uniform in
/// `[0, 1)`, computed directly: SplitMix64 is a hashed counter, so element-wise
/// loops over it vectorise and split across threads.
#[inline(always)]
pub fn uniform_at(seed: u64, i: u64) -> f32 {
    let n = i.wrapping_add(1);
    (mix((seed ^ GOLDEN).wrapping_add(n.wrapping_mul(GOLDEN))) >> 40) as f32 / (1u64 << 24) as f32
}

/// A seed for sub-stream `stream` of `seed` (one per attention head, say), so
/// that independent streams need no shared generator.
#[inline(always)]
pub fn derive(seed: u64, stream: u64) -> u64 {
    seed ^ stream.wrapping_mul(GOLDEN)
}

/// SplitMix64: fast, good enough for shuffling, init and dropout masks.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from a seed; equal seeds give equal streams.
    pub fn new(seed: u64) -> Self {
        Rng {
            state: seed ^ GOLDEN,
        }
    }

    /// The generator's whole state, for checkpoints: [`Rng::from_state`] of it
    /// continues the stream exactly here.
    pub fn state(&self) -> u64 {
        self.state
    }

    /// A generator continuing from a [`Rng::state`].
    pub fn from_state(state: u64) -> Self {
        Rng { state }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = (self.next_f32()).max(f32::MIN_POSITIVE);
        let u2 = self.next_f32();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
    }

    /// Uniform index in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_at_is_the_sequential_stream() {
        let mut rng = Rng::new(17);
        for i in 0..1000 {
            assert_eq!(uniform_at(17, i), rng.next_f32());
        }
        assert_ne!(derive(17, 1), derive(17, 2));
        assert_eq!(derive(17, 0), 17);
    }
}
