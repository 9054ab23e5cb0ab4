using SshTunnel.Keys;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Authentication.Methods;

/// <summary>Chooses the signature algorithm for a user key (RFC 8332 §3.3, RFC 8308 server-sig-algs).</summary>
internal static class SignatureAlgorithmSelection
{
    /// <summary>
    /// Returns the algorithm to sign with, or null when the key cannot be used with this server.
    /// RSA keys: rsa-sha2-512, then rsa-sha2-256, whichever the server lists in server-sig-algs first in that order;
    /// when the server sent no server-sig-algs, rsa-sha2-512 (OpenSSH would fall back to SHA-1 ssh-rsa, which we never
    /// send; servers that predate RFC 8332 reject the key and the next method is tried). When the server lists
    /// neither SHA-2 algorithm, null. Other keys: their key type (OpenSSH consults server-sig-algs only for RSA).
    /// </summary>
    public static string? Select(SshPublicKey key, IReadOnlyList<string> serverSignatureAlgorithms)
    {
        if (key.KeyType != AlgorithmNames.SshRsa) return key.KeyType;
        if (serverSignatureAlgorithms.Count == 0) return AlgorithmNames.RsaSha2512;
        if (serverSignatureAlgorithms.Contains(AlgorithmNames.RsaSha2512)) return AlgorithmNames.RsaSha2512;
        if (serverSignatureAlgorithms.Contains(AlgorithmNames.RsaSha2256)) return AlgorithmNames.RsaSha2256;
        return null;
    }
}
