use super::*;

fn nested_arrays(levels: usize) -> Vec<u8> {
    let mut bytes = vec![0x91; levels - 1];
    bytes.push(0x90);
    bytes
}

#[test]
fn accepts_exactly_one_value() {
    assert_eq!(check(&[0x80], 4), Ok(()));
    assert_eq!(check(&[0x92, 0x01, 0xa1, b'x'], 4), Ok(()));
    assert_eq!(check(&[0x80, 0x00], 4), Err(FrameError::Trailing(1)));
    assert_eq!(check(&[], 4), Err(FrameError::Truncated));
    assert_eq!(check(&[0xc1], 4), Err(FrameError::Reserved));
}

#[test]
fn counts_depth_from_the_outermost_container() {
    assert_eq!(check(&nested_arrays(4), 4), Ok(()));
    assert_eq!(check(&nested_arrays(5), 4), Err(FrameError::TooDeep));
    // Scalars do not nest.
    assert_eq!(check(&[0x91, 0x05], 1), Ok(()));
}

#[test]
fn lying_lengths_fail_fast() {
    // Array32 of 4 G elements, then nothing.
    assert_eq!(
        check(&[0xdd, 0xff, 0xff, 0xff, 0xff], 4),
        Err(FrameError::Truncated)
    );
    // Str32 of 4 GB.
    assert_eq!(
        check(&[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'], 4),
        Err(FrameError::Truncated)
    );
    // Ext8 of 2 bytes has a type byte too.
    assert_eq!(check(&[0xc7, 0x02, 0x01, 0xaa, 0xbb], 4), Ok(()));
    assert_eq!(
        check(&[0xc7, 0x02, 0x01, 0xaa], 4),
        Err(FrameError::Truncated)
    );
}

#[test]
fn skips_every_scalar_width() {
    for bytes in [
        &[0xcc, 1][..],
        &[0xcd, 0, 1],
        &[0xce, 0, 0, 0, 1],
        &[0xcf, 0, 0, 0, 0, 0, 0, 0, 1],
        &[0xca, 0, 0, 0, 0],
        &[0xcb, 0, 0, 0, 0, 0, 0, 0, 0],
        &[0xd9, 1, b'a'],
        &[0xda, 0, 1, b'a'],
        &[0xc4, 1, 0],
        &[0xd4, 1, 0],
        &[0xd8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[0xde, 0, 1, 0xa1, b'k', 0x01],
    ] {
        assert_eq!(check(bytes, 4), Ok(()), "{bytes:x?}");
        assert_eq!(
            check(&bytes[..bytes.len() - 1], 4),
            Err(FrameError::Truncated),
            "{bytes:x?}"
        );
    }
}
