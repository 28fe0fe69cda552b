/// `0x` followed by 16 lowercase hex digits, the form checksums take in messages and the catalog.
public func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 16 - s.count) + s
}

/// Parses the form `hex(_:)` writes; nil for anything else.
public func parseHex(_ s: String) -> UInt64? {
    guard s.hasPrefix("0x"), s.count == 18 else { return nil }
    return UInt64(s.dropFirst(2), radix: 16)
}
