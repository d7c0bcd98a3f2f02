import CMbedTLS

/// The iPAddress SAN tag: context-specific, primitive, number 7 (RFC 5280 GeneralName).
private let ipAddressSANTag = Int32(MBEDTLS_ASN1_CONTEXT_SPECIFIC) | Int32(MBEDTLS_X509_SAN_IP_ADDRESS)

/// Whether the certificate lists `address` (4 or 16 bytes, network order) as an iPAddress SAN.
/// mbedTLS 2.28 keeps every SAN entry raw in `subject_alt_names` but matches only dNSName entries
/// against the expected name, so IP-literal servers need this check. An IPv4 address matches only a
/// 4-byte entry and an IPv6 address only a 16-byte one, as RFC 5280 §4.2.1.6 encodes them.
func certificateListsIPAddress(_ certificate: UnsafePointer<mbedtls_x509_crt>, _ address: [UInt8]) -> Bool {
    // Entries are walked by value: each copy still points into the certificate's own DER bytes.
    var entry: mbedtls_x509_sequence? = certificate.pointee.subject_alt_names
    while let current = entry {
        if current.buf.tag == ipAddressSANTag, current.buf.len == address.count, let bytes = current.buf.p,
           UnsafeBufferPointer(start: bytes, count: current.buf.len).elementsEqual(address) {
            return true
        }
        entry = current.next?.pointee
    }
    return false
}
