use super::*;

#[test]
fn parses_numpy_headers_of_every_spelling() {
    let d = parse_dict(b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }    \n").unwrap();
    assert_eq!(d.descr.as_deref(), Some("<f4"));
    assert_eq!(d.fortran, Some(false));
    assert_eq!(d.shape, Some(vec![3, 4]));
    let d = parse_dict(br#"{"shape": (7L,), "fortran_order": True, "descr": ">f8"}"#).unwrap();
    assert_eq!(d.shape, Some(vec![7]));
    assert_eq!(d.fortran, Some(true));
    let d = parse_dict(b"{'descr': '<f4', 'fortran_order': False, 'shape': (), }").unwrap();
    assert_eq!(d.shape, Some(vec![]));
}

#[test]
fn header_errors_point_into_the_header() {
    let (at, why) =
        parse_dict(b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }").unwrap_err();
    assert_eq!(at, 10);
    assert!(why.contains("structured"), "{why}");
    let (_, why) = parse_dict(b"{'descr': '<f4', 'shape': (99999999999999999999999, 2)}").unwrap_err();
    assert!(why.contains("64 bits"), "{why}");
    assert!(parse_dict(b"{'descr': '<f4'").is_err());
    assert!(parse_dict(b"").is_err());
    assert!(parse_dict(b"{'descr': '<f4, }").is_err());
}

#[test]
fn descr_covers_byte_orders_and_rejects_the_rest() {
    assert_eq!(parse_descr("<f2").unwrap(), (Dtype::F16, false));
    assert_eq!(parse_descr(">i4").unwrap(), (Dtype::I32, true));
    assert_eq!(parse_descr("|u1").unwrap(), (Dtype::U8, false));
    for bad in ["<c8", "|b1", "<U5", "O", "", "<", "|V16", "\u{96}f4", "<\u{e9}"] {
        let e = parse_descr(bad).unwrap_err();
        assert!(e.contains("astype"), "{bad}: {e}");
    }
}
