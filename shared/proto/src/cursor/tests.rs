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
    for (b, n) in [
        (bytes(|o| encode::write_i8(o, 5)), 5),
        (bytes(|o| encode::write_i16(o, 300)), 300),
        (bytes(|o| encode::write_i32(o, 70_000)), 70_000),
    ] {
        assert_eq!(Cursor::new(&b).uint(), Some(n), "{b:x?}");
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
fn lengths_of_every_width() {
    for n in [0u32, 15, 16, 65_535, 65_536] {
        let b = bytes(|o| encode::write_map_len(o, n));
        assert_eq!(Cursor::new(&b).map_len(), Some(n as usize), "map {n}");
        let b = bytes(|o| encode::write_array_len(o, n));
        assert_eq!(Cursor::new(&b).array_len(), Some(n as usize), "array {n}");
        // One is not the other.
        assert_eq!(Cursor::new(&b).map_len(), None, "array {n} read as a map");
    }
}

#[test]
fn strings_of_every_width_and_one_cut_short() {
    // fixstr, str8, str16.
    for len in [1, 31, 32, 255, 256, 300] {
        let text = "x".repeat(len);
        let b = bytes(|o| encode::write_str(o, &text));
        let mut cursor = Cursor::new(&b);
        assert_eq!(cursor.str(), Some(text.as_str()), "{len}");
        assert!(cursor.at_end());
        assert_eq!(
            Cursor::new(&b[..b.len() - 1]).str(),
            None,
            "{len}, one byte short"
        );
    }
}

#[test]
fn booleans_and_nil() {
    let b = bytes(|o| encode::write_bool(o, true));
    assert_eq!(Cursor::new(&b).bool(), Some(true));
    assert!(!Cursor::new(&b).nil(), "true is not nil");
    let b = bytes(encode::write_nil);
    let mut cursor = Cursor::new(&b);
    assert_eq!(Cursor::new(&b).bool(), None);
    assert!(cursor.nil() && cursor.at_end());
}
