use super::*;
use proptest::prelude::*;

fn contents(l: &mut Lists, list: usize) -> Vec<u32> {
    let mut out = Vec::new();
    l.retain(list, |v| {
        out.push(v);
        true
    });
    out
}

#[test]
fn blocks_are_reused_after_a_list_empties() {
    let mut l = Lists::new(2);
    for v in 0..40 {
        l.push(0, v);
    }
    assert_eq!(l.blocks(), 3);
    assert_eq!(l.retain(0, |v| v % 10 == 0), 36);
    assert_eq!(contents(&mut l, 0), [0, 10, 20, 30]);
    for v in 0..30 {
        l.push(1, v);
    }
    // Two freed blocks served list 1 before the pool grew.
    assert_eq!(l.blocks(), 3);
    assert_eq!(l.retain(0, |_| false), 4);
    assert_eq!((l.len(0), contents(&mut l, 0)), (0, vec![]));
    assert_eq!(contents(&mut l, 1), (0..30).collect::<Vec<_>>());
}

proptest! {
    /// Against one `Vec` per list: same contents, in the same order,
    /// whatever the pushes and filters; the pool never holds more blocks
    /// than the most entries ever present needed.
    #[test]
    fn behaves_like_a_vec_per_list(
        ops in proptest::collection::vec((0usize..4, 0u32..1000, 0u32..4), 1..400),
    ) {
        let mut l = Lists::new(4);
        let mut model: Vec<Vec<u32>> = vec![Vec::new(); 4];
        let mut most_blocks = 0;
        for (list, value, filter) in ops {
            if filter == 0 {
                let keep = |v: u32| v % 3 != value % 3;
                let before = model[list].len();
                model[list].retain(|&v| keep(v));
                prop_assert_eq!(l.retain(list, keep), before - model[list].len());
            } else {
                l.push(list, value);
                model[list].push(value);
            }
            let needed: usize = model.iter().map(|m| m.len().div_ceil(PER_BLOCK)).sum();
            most_blocks = most_blocks.max(needed);
            prop_assert!(l.blocks() <= most_blocks);
            for (i, m) in model.iter().enumerate() {
                prop_assert_eq!(l.len(i), m.len());
            }
        }
        for (i, m) in model.iter().enumerate() {
            prop_assert_eq!(&contents(&mut l, i), m);
        }
    }
}
