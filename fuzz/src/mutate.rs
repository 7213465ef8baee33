//! Byte-level mutations in the spirit of libFuzzer's: bit flips, interesting bytes and integers,
//! insertions and deletions, copies within the input, splices with another input, and tokens
//! from the target's dictionary (msgpack markers, JSON syntax, field names).

use rand::Rng;

/// Longest input the mutator produces; decoders see bigger ones only from the corpus.
pub const MAX_LEN: usize = 64 * 1024;

const INTERESTING_BYTES: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xff, 0xc0, 0xc1, 0xd4, 0xc7];
const INTERESTING_U32: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0xffff_ffff,
];

/// Applies 1 to 8 random mutations to `data`. `other` is another input for splicing; `dict`
/// holds tokens worth inserting.
pub fn mutate(rng: &mut impl Rng, data: &mut Vec<u8>, other: &[u8], dict: &[&[u8]]) {
    let rounds = 1 + rng.random_range(0..8usize).min(rng.random_range(0..8usize));
    for _ in 0..rounds {
        mutate_once(rng, data, other, dict);
    }
    data.truncate(MAX_LEN);
}

fn mutate_once(rng: &mut impl Rng, data: &mut Vec<u8>, other: &[u8], dict: &[&[u8]]) {
    let len = data.len();
    match rng.random_range(0..13) {
        // Flip one bit.
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] ^= 1 << rng.random_range(0..8);
        }
        // A random byte.
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] = rng.random();
        }
        // An interesting byte (msgpack nil, ext markers, sign bits).
        2 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] = INTERESTING_BYTES[rng.random_range(0..INTERESTING_BYTES.len())];
        }
        // An interesting big-endian integer over the bytes at a position (lengths, counts).
        3 if len > 0 => {
            let v = INTERESTING_U32[rng.random_range(0..INTERESTING_U32.len())];
            let width = [1usize, 2, 4][rng.random_range(0..3)];
            let i = rng.random_range(0..len);
            let bytes = v.to_be_bytes();
            for (k, b) in bytes[4 - width..].iter().enumerate() {
                if let Some(slot) = data.get_mut(i + k) {
                    *slot = *b;
                }
            }
        }
        // Add or subtract a little from a byte (off-by-one lengths).
        4 if len > 0 => {
            let i = rng.random_range(0..len);
            let delta = rng.random_range(1..=16u8);
            data[i] = if rng.random_bool(0.5) {
                data[i].wrapping_add(delta)
            } else {
                data[i].wrapping_sub(delta)
            };
        }
        // Delete a range.
        5 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = (start + 1 + rng.random_range(0..16)).min(len);
            data.drain(start..end);
        }
        // Truncate.
        6 if len > 0 => {
            let at = rng.random_range(0..len);
            data.truncate(at);
        }
        // Insert random bytes.
        7 => {
            let at = rng.random_range(0..=len);
            let n = 1 + rng.random_range(0..8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            data.splice(at..at, bytes);
        }
        // Duplicate a range of the input elsewhere (repeated elements, nesting).
        8 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = (start + 1 + rng.random_range(0..64)).min(len);
            let chunk = data[start..end].to_vec();
            let at = rng.random_range(0..=len);
            data.splice(at..at, chunk);
        }
        // Splice: our head with the other input's tail.
        9 if !other.is_empty() => {
            let at = rng.random_range(0..=len);
            let from = rng.random_range(0..other.len());
            data.truncate(at);
            data.extend_from_slice(&other[from..]);
        }
        // Insert a chunk of the other input.
        10 if !other.is_empty() => {
            let from = rng.random_range(0..other.len());
            let to = (from + 1 + rng.random_range(0..64)).min(other.len());
            let at = rng.random_range(0..=len);
            data.splice(at..at, other[from..to].iter().copied());
        }
        // Insert or overwrite with a dictionary token.
        11 | 12 if !dict.is_empty() => {
            let token = dict[rng.random_range(0..dict.len())];
            let at = rng.random_range(0..=len);
            if rng.random_bool(0.5) || at == len {
                data.splice(at..at, token.iter().copied());
            } else {
                let end = (at + token.len()).min(len);
                data.splice(at..end, token.iter().copied());
            }
        }
        _ => {
            let n = 1 + rng.random_range(0..4);
            data.extend((0..n).map(|_| rng.random::<u8>()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn mutations_change_inputs_and_stay_bounded() {
        let mut rng = StdRng::seed_from_u64(1);
        let seed = b"{\"data\":[1,2,3]}".to_vec();
        let mut changed = 0;
        for _ in 0..1000 {
            let mut data = seed.clone();
            mutate(&mut rng, &mut data, b"[null]", &[b"null"]);
            assert!(data.len() <= MAX_LEN);
            if data != seed {
                changed += 1;
            }
        }
        assert!(changed > 900, "{changed}");
        // An empty input grows.
        let mut empty = Vec::new();
        for _ in 0..20 {
            mutate(&mut rng, &mut empty, b"", &[]);
        }
        assert!(!empty.is_empty());
    }
}
