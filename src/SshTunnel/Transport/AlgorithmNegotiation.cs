using SshTunnel.Errors;
using SshTunnel.Wire.Messages.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Transport;

/// <summary>The algorithms agreed for one key exchange (RFC 4253 §7.1).</summary>
internal sealed record NegotiatedAlgorithms(
    string KeyExchange,
    string HostKey,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient,
    string CompressionClientToServer,
    string CompressionServerToClient);

/// <summary>Picks algorithms from two KEXINIT proposals: the first of the client's list the server also lists (RFC 4253 §7.1).</summary>
internal static class AlgorithmNegotiation
{
    /// <summary>Marker names that appear in kex_algorithms but are not key exchange methods.</summary>
    private static bool IsMarker(string name) =>
        name is AlgorithmNames.ExtInfoClient or AlgorithmNames.ExtInfoServer
            or AlgorithmNames.KexStrictClient or AlgorithmNames.KexStrictServer
            || name.StartsWith("ext-info-", StringComparison.Ordinal)
            || name.StartsWith("kex-strict-", StringComparison.Ordinal);

    /// <summary>Negotiates every category.</summary>
    /// <param name="client">The client's KEXINIT.</param>
    /// <param name="server">The server's KEXINIT.</param>
    /// <param name="localIsServer">Whether we are the server: the error names the peer's offer ("Their offer"), as OpenSSH does.</param>
    /// <exception cref="SshProtocolException">No common algorithm in some category (KeyExchangeFailed), with OpenSSH-like wording.</exception>
    public static NegotiatedAlgorithms Negotiate(KexInitMessage client, KexInitMessage server, bool localIsServer = false)
    {
        KexInitMessage peer = localIsServer ? client : server;
        string kex = Choose("kex algorithm", client.KexAlgorithms.Where(n => !IsMarker(n)), server.KexAlgorithms, peer.KexAlgorithms.Where(n => !IsMarker(n)));
        string hostKey = Choose("host key type", client.ServerHostKeyAlgorithms, server.ServerHostKeyAlgorithms, peer.ServerHostKeyAlgorithms);
        string cipherCs = Choose("cipher", client.EncryptionAlgorithmsClientToServer, server.EncryptionAlgorithmsClientToServer, peer.EncryptionAlgorithmsClientToServer);
        string cipherSc = Choose("cipher", client.EncryptionAlgorithmsServerToClient, server.EncryptionAlgorithmsServerToClient, peer.EncryptionAlgorithmsServerToClient);
        string? macCs = IsAead(cipherCs) ? null : Choose("MAC", client.MacAlgorithmsClientToServer, server.MacAlgorithmsClientToServer, peer.MacAlgorithmsClientToServer);
        string? macSc = IsAead(cipherSc) ? null : Choose("MAC", client.MacAlgorithmsServerToClient, server.MacAlgorithmsServerToClient, peer.MacAlgorithmsServerToClient);
        string compCs = Choose("compression method", client.CompressionAlgorithmsClientToServer, server.CompressionAlgorithmsClientToServer, peer.CompressionAlgorithmsClientToServer);
        string compSc = Choose("compression method", client.CompressionAlgorithmsServerToClient, server.CompressionAlgorithmsServerToClient, peer.CompressionAlgorithmsServerToClient);
        return new NegotiatedAlgorithms(kex, hostKey, cipherCs, cipherSc, macCs, macSc, compCs, compSc);
    }

    /// <summary>True for ciphers whose tag replaces the MAC (the MAC name-list is then ignored).</summary>
    public static bool IsAead(string cipher) =>
        cipher is AlgorithmNames.Aes128Gcm or AlgorithmNames.Aes256Gcm or AlgorithmNames.ChaCha20Poly1305;

    private static string Choose(string what, IEnumerable<string> clientList, IReadOnlyList<string> serverList, IEnumerable<string> peerOffer)
    {
        foreach (string name in clientList)
        {
            if (serverList.Contains(name)) return name;
        }
        // OpenSSH: "Unable to negotiate with HOST port N: no matching cipher found. Their offer: ..."
        throw new SshProtocolException(
            $"no matching {what} found. Their offer: {string.Join(',', peerOffer)}",
            DisconnectReason.KeyExchangeFailed);
    }
}
