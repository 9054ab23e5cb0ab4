namespace SshTunnel.Transport.KeyExchange;

/// <summary>
/// One side's ephemeral key agreement for a key exchange method (RFC 8731 curve25519, RFC 5656 ECDH,
/// RFC 4253 §8 / RFC 8268 finite-field DH, RFC 4419 group exchange). Created per key exchange, disposed after.
/// </summary>
internal interface IKeyAgreement : IDisposable
{
    /// <summary>
    /// Our ephemeral public value as it appears on the wire: for ECDH/X25519 the contents of the string Q_C/Q_S
    /// (32 bytes for X25519, 0x04||X||Y for NIST curves); for DH the unsigned big-endian bytes of e or f
    /// (which the transport writes as an mpint when <see cref="PublicValueIsMPInt"/> is true).
    /// </summary>
    ReadOnlySpan<byte> PublicValue { get; }

    /// <summary>True for finite-field DH (e/f are mpints), false for ECDH/X25519 (Q is a string).</summary>
    bool PublicValueIsMPInt { get; }

    /// <summary>
    /// Computes the shared secret K from the peer's public value (same encoding as <see cref="PublicValue"/>;
    /// for DH, unsigned big-endian with leading zeros already stripped). Returns K as unsigned big-endian bytes
    /// (the transport encodes it as an mpint in the exchange hash and key derivation).
    /// </summary>
    /// <exception cref="Errors.SshProtocolException">The peer's value is invalid (wrong length, not on the curve, out of range 1 &lt; f &lt; p-1, or an all-zero X25519 result).</exception>
    byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue);
}
