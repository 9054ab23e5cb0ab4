using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>The host key (signature) algorithms we support (RFC 4253 §6.6, RFC 5656 §6.2, RFC 8332, RFC 8709).</summary>
internal static class HostKeyAlgorithms
{
    /// <summary>All supported host key algorithms, in our preference order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        AlgorithmNames.SshEd25519,
        AlgorithmNames.EcdsaSha2Nistp256,
        AlgorithmNames.EcdsaSha2Nistp384,
        AlgorithmNames.EcdsaSha2Nistp521,
        AlgorithmNames.RsaSha2512,
        AlgorithmNames.RsaSha2256,
    ];

    /// <summary>Returns the key type that signs with <paramref name="signatureAlgorithm"/>: rsa-sha2-* → ssh-rsa, others themselves.</summary>
    /// <exception cref="ArgumentException">The algorithm is not one of <see cref="All"/>.</exception>
    public static string KeyTypeFor(string signatureAlgorithm) => signatureAlgorithm switch
    {
        AlgorithmNames.RsaSha2512 or AlgorithmNames.RsaSha2256 => AlgorithmNames.SshRsa,
        AlgorithmNames.SshEd25519 or AlgorithmNames.EcdsaSha2Nistp256 or AlgorithmNames.EcdsaSha2Nistp384 or AlgorithmNames.EcdsaSha2Nistp521 => signatureAlgorithm,
        _ => throw new ArgumentException($"unsupported host key algorithm {signatureAlgorithm}", nameof(signatureAlgorithm)),
    };
}
