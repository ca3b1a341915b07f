use rmp::encode;

use super::*;

/// The bytes `write` puts down (rmp's encoder, not ours).
fn bytes<T, E: std::fmt::Debug>(write: impl FnOnce(&mut Vec<u8>) -> Result<T, E>) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out).expect("writing to a Vec");
    out
}

#[test]
fn reads_an_unsigned_integer_of_every_width_and_refuses_a_negative_one() {
    for n in [
        0,
        127,
        128,
        255,
        256,
        65_535,
        65_536,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let b = bytes(|o| encode::write_uint(o, n));
        assert_eq!(Cursor::new(&b).uint(), Some(n), "{n}");
        // A sender may write a non-negative number as a signed one.
        if let Ok(signed) = i64::try_from(n) {
            let b = bytes(|o| encode::write_i64(o, signed));
            assert_eq!(Cursor::new(&b).uint(), Some(n), "i64 {n}");
        }
    }
    for n in [-1, -32, -33, i64::MIN] {
        let b = bytes(|o| encode::write_sint(o, n));
        assert_eq!(Cursor::new(&b).uint(), None, "{n}");
    }
    let b = bytes(|o| encode::write_f64(o, 1.0));
    assert_eq!(Cursor::new(&b).uint(), None, "a float is not a count");
}

#[test]
fn reads_any_number_as_a_float() {
    let cases: [(Vec<u8>, f64); 6] = [
        (bytes(|o| encode::write_f32(o, 1.5)), 1.5),
        (bytes(|o| encode::write_f64(o, -0.25)), -0.25),
        (bytes(|o| encode::write_sint(o, -5)), -5.0),
        (bytes(|o| encode::write_sint(o, i64::MIN)), i64::MIN as f64),
        (bytes(|o| encode::write_uint(o, 7)), 7.0),
        (bytes(|o| encode::write_uint(o, u64::MAX)), u64::MAX as f64),
    ];
    for (b, want) in cases {
        assert_eq!(Cursor::new(&b).float(), Some(want), "{b:x?}");
    }
    let b = bytes(|o| encode::write_str(o, "1"));
    assert_eq!(Cursor::new(&b).float(), None, "a string is not a number");
}

#[test]
fn lengths_of_every_width_and_strings_cut_short() {
    for n in [0u32, 15, 16, 65_535, 65_536] {
        let b = bytes(|o| encode::write_map_len(o, n));
        assert_eq!(Cursor::new(&b).map_len(), Some(n as usize), "map {n}");
        let b = bytes(|o| encode::write_array_len(o, n));
        assert_eq!(Cursor::new(&b).array_len(), Some(n as usize), "array {n}");
        // One is not the other.
        assert_eq!(Cursor::new(&b).map_len(), None, "array {n} read as a map");
    }
    let long = "x".repeat(300);
    let b = bytes(|o| encode::write_str(o, &long));
    let mut cursor = Cursor::new(&b);
    assert_eq!(cursor.str(), Some(long.as_str()));
    assert!(cursor.at_end());
    assert_eq!(Cursor::new(&b[..b.len() - 1]).str(), None, "one byte short");
    let b = bytes(|o| encode::write_bool(o, true));
    assert_eq!(Cursor::new(&b).bool(), Some(true));
    assert!(!Cursor::new(&b).nil());
}
