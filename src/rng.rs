//! A small seeded random generator (SplitMix64), so that weight init, dropout
//! and shuffling repeat exactly under `--seed` (candle's CPU RNG cannot be seeded).

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Dropout multipliers into `out`: 0 with probability `p`, else `1 / (1 - p)`.
/// Element `i` uses the `i`-th `next_f32` of `Rng::new(seed)`, computed directly
/// (SplitMix64 is a counter hashed), so the loop vectorises and splits across threads.
pub fn dropout_mask(seed: u64, p: f32, out: &mut [f32]) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 15;
    let start = seed ^ GOLDEN;
    let keep = 1.0 / (1.0 - p);
    let fill = |first: usize, out: &mut [f32]| {
        crate::model::vectorised(
            #[inline(always)]
            || {
                for (i, o) in out.iter_mut().enumerate() {
                    let n = (first + i) as u64 + 1;
                    let u = (mix(start.wrapping_add(n.wrapping_mul(GOLDEN))) >> 40) as f32
                        / (1u64 << 24) as f32;
                    *o = if u < p { 0.0 } else { keep };
                }
            },
        )
    };
    if out.len() <= CHUNK {
        return fill(0, out);
    }
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, o)| fill(c * CHUNK, o));
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
    fn dropout_mask_follows_the_sequential_stream() {
        for len in [5, 40_000, 100_000] {
            let mut fast = vec![0f32; len];
            dropout_mask(17, 0.25, &mut fast);
            let mut rng = Rng::new(17);
            let slow: Vec<f32> = (0..len)
                .map(|_| {
                    if rng.next_f32() < 0.25 {
                        0.0
                    } else {
                        1.0 / 0.75
                    }
                })
                .collect();
            assert_eq!(fast, slow);
        }
        let mut m = vec![0f32; 100_000];
        dropout_mask(3, 0.1, &mut m);
        let dropped = m.iter().filter(|&&v| v == 0.0).count();
        assert!((9_000..11_000).contains(&dropped), "{dropped} dropped");
    }
}
