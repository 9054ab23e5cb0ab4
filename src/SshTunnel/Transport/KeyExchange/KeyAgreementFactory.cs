using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Transport.KeyExchange;

/// <summary>
/// The key exchange methods we offer, their exchange hash (RFC 8731, RFC 5656 §6.2.1, RFC 8268, RFC 4419), and the
/// factory for their <see cref="IKeyAgreement"/>s.
/// </summary>
internal static class KeyAgreementFactory
{
    /// <summary>Smallest group-exchange modulus we accept, in bits (OpenSSH's DH_GRP_MIN).</summary>
    public const int GroupExchangeMinimumBits = 2048;

    /// <summary>Largest group-exchange modulus we ask for or accept, in bits (OpenSSH's DH_GRP_MAX).</summary>
    public const int GroupExchangeMaximumBits = 8192;

    /// <summary>The client's proposal, best first: curve25519, ECDH, then finite-field DH as a last resort for old servers.</summary>
    public static IReadOnlyList<string> ClientAlgorithms { get; } =
    [
        AlgorithmNames.Curve25519Sha256,
        AlgorithmNames.Curve25519Sha256LibSsh,
        AlgorithmNames.EcdhSha2Nistp256,
        AlgorithmNames.EcdhSha2Nistp384,
        AlgorithmNames.EcdhSha2Nistp521,
        AlgorithmNames.DiffieHellmanGroupExchangeSha256,
        AlgorithmNames.DiffieHellmanGroup16Sha512,
        AlgorithmNames.DiffieHellmanGroup18Sha512,
        AlgorithmNames.DiffieHellmanGroup14Sha256,
    ];

    /// <summary>The server's proposal: curve25519 and ECDH only (no finite-field DH, as OpenSSH 10 sshd).</summary>
    public static IReadOnlyList<string> ServerAlgorithms { get; } =
    [
        AlgorithmNames.Curve25519Sha256,
        AlgorithmNames.Curve25519Sha256LibSsh,
        AlgorithmNames.EcdhSha2Nistp256,
        AlgorithmNames.EcdhSha2Nistp384,
        AlgorithmNames.EcdhSha2Nistp521,
    ];

    /// <summary>True for diffie-hellman-group-exchange-sha256 (RFC 4419), whose group the server chooses.</summary>
    public static bool IsGroupExchange(string kex) => kex == AlgorithmNames.DiffieHellmanGroupExchangeSha256;

    /// <summary>The hash of the exchange hash H and of key derivation for <paramref name="kex"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="kex"/> is not a supported method.</exception>
    public static HashAlgorithmName GetHashAlgorithm(string kex) => kex switch
    {
        AlgorithmNames.Curve25519Sha256 or AlgorithmNames.Curve25519Sha256LibSsh or AlgorithmNames.EcdhSha2Nistp256
            or AlgorithmNames.DiffieHellmanGroup14Sha256 or AlgorithmNames.DiffieHellmanGroupExchangeSha256 => HashAlgorithmName.SHA256,
        AlgorithmNames.EcdhSha2Nistp384 => HashAlgorithmName.SHA384,
        AlgorithmNames.EcdhSha2Nistp521 or AlgorithmNames.DiffieHellmanGroup16Sha512 or AlgorithmNames.DiffieHellmanGroup18Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentException($"unsupported key exchange method {kex}", nameof(kex)),
    };

    /// <summary>Creates a fresh agreement for a fixed-group method (everything but group exchange).</summary>
    /// <exception cref="ArgumentException"><paramref name="kex"/> is unknown or is group exchange (use <see cref="CreateDiffieHellman"/>).</exception>
    public static IKeyAgreement Create(string kex) => kex switch
    {
        AlgorithmNames.Curve25519Sha256 or AlgorithmNames.Curve25519Sha256LibSsh => new Curve25519KeyAgreement(),
        AlgorithmNames.EcdhSha2Nistp256 => EcdhKeyAgreement.CreateNistp256(),
        AlgorithmNames.EcdhSha2Nistp384 => EcdhKeyAgreement.CreateNistp384(),
        AlgorithmNames.EcdhSha2Nistp521 => EcdhKeyAgreement.CreateNistp521(),
        AlgorithmNames.DiffieHellmanGroup14Sha256 => DiffieHellmanKeyAgreement.CreateGroup14(),
        AlgorithmNames.DiffieHellmanGroup16Sha512 => DiffieHellmanKeyAgreement.CreateGroup16(),
        AlgorithmNames.DiffieHellmanGroup18Sha512 => DiffieHellmanKeyAgreement.CreateGroup18(),
        AlgorithmNames.DiffieHellmanGroupExchangeSha256 => throw new ArgumentException("group exchange needs the server's group: use CreateDiffieHellman", nameof(kex)),
        _ => throw new ArgumentException($"unsupported key exchange method {kex}", nameof(kex)),
    };

    /// <summary>
    /// Creates an agreement in a server-chosen group (RFC 4419 §3, SSH_MSG_KEX_DH_GEX_GROUP). Call
    /// <see cref="ValidateGroup"/> with the bounds we requested first.
    /// </summary>
    /// <exception cref="SshProtocolException">p is even or too small, or g is not in (1, p-1).</exception>
    public static IKeyAgreement CreateDiffieHellman(BigInteger p, BigInteger g) => new DiffieHellmanKeyAgreement(p, g);

    /// <summary>
    /// Checks a group received in SSH_MSG_KEX_DH_GEX_GROUP (RFC 4419 §3): p's bit length within
    /// [<paramref name="minBits"/>, <paramref name="maxBits"/>], p odd, 1 &lt; g &lt; p-1. Primality is not tested (as OpenSSH).
    /// </summary>
    /// <exception cref="SshProtocolException">The group is outside the requested bounds or malformed.</exception>
    public static void ValidateGroup(BigInteger p, BigInteger g, int minBits, int maxBits)
    {
        long bits = p.Sign > 0 ? p.GetBitLength() : 0;
        if (bits < minBits || bits > maxBits)
        {
            throw new SshProtocolException($"DH group of {bits} bits is outside the requested range {minBits}..{maxBits}", DisconnectReason.KeyExchangeFailed);
        }
        if (p.IsEven) throw new SshProtocolException("DH group modulus is even", DisconnectReason.KeyExchangeFailed);
        if (g <= BigInteger.One || g >= p - 1) throw new SshProtocolException("DH group generator is not in (1, p-1)", DisconnectReason.KeyExchangeFailed);
    }

    /// <summary>
    /// The group size to ask for in SSH_MSG_KEX_DH_GEX_REQUEST for <paramref name="securityBits"/> bits of security
    /// (OpenSSH's dh_estimate: ≤112 → 2048, ≤128 → 3072, ≤192 → 7680, else 8192).
    /// </summary>
    public static int EstimateGroupBits(int securityBits) => securityBits switch
    {
        <= 112 => 2048,
        <= 128 => 3072,
        <= 192 => 7680,
        _ => 8192,
    };
}
