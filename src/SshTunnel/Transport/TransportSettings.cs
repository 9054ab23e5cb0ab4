using SshTunnel.Keys;
using SshTunnel.Transport.KeyExchange;
using SshTunnel.Transport.PacketProtection;
using SshTunnel.Wire;

namespace SshTunnel.Transport;

/// <summary>Settings of one transport connection (RFC 4253), for either role. Frozen once the connection starts.</summary>
internal sealed class TransportSettings
{
    /// <summary>Our identification string (RFC 4253 §4.2), without CR LF.</summary>
    public string LocalVersion { get; init; } = "SSH-2.0-SshTunnel_1.0";

    /// <summary>True for the server role.</summary>
    public bool IsServer { get; init; }

    /// <summary>Key exchange methods in preference order.</summary>
    public IReadOnlyList<string>? KexAlgorithms { get; init; }

    /// <summary>Host key signature algorithms in preference order (client) or offered (server: filtered by the keys we hold).</summary>
    public IReadOnlyList<string>? HostKeyAlgorithms { get; init; }

    /// <summary>Ciphers in preference order.</summary>
    public IReadOnlyList<string>? Ciphers { get; init; }

    /// <summary>MACs in preference order (used with non-AEAD ciphers only).</summary>
    public IReadOnlyList<string>? Macs { get; init; }

    /// <summary>Compression methods in preference order: "none" and/or "zlib@openssh.com".</summary>
    public IReadOnlyList<string> Compressions { get; init; } = [AlgorithmNames.None, AlgorithmNames.ZlibOpenSsh];

    /// <summary>Rekey after this many bytes in both directions together; null = by cipher (1 GiB for chacha20-poly1305, 16 GiB otherwise).</summary>
    public long? RekeyBytes { get; init; }

    /// <summary>Rekey after this much time since the last key exchange (default 1 hour).</summary>
    public TimeSpan RekeyInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Client: decides whether to trust the server's host key (after its signature was verified). Returning false fails the connection.</summary>
    public Func<SshPublicKey, CancellationToken, ValueTask<bool>>? VerifyHostKeyAsync { get; init; }

    /// <summary>Server: the host keys we can prove.</summary>
    public IReadOnlyList<SshPrivateKey> HostKeys { get; init; } = [];

    /// <summary>"HOST port N" used in messages about the peer.</summary>
    public string PeerDescription { get; init; } = "peer";

    /// <summary>Most packets queued for sending before senders wait (backpressure).</summary>
    public int SendQueueCapacity { get; init; } = 256;

    internal IReadOnlyList<string> EffectiveKexAlgorithms =>
        KexAlgorithms ?? (IsServer ? KeyAgreementFactory.ServerAlgorithms : KeyAgreementFactory.ClientAlgorithms);

    internal IReadOnlyList<string> EffectiveCiphers => Ciphers ?? DefaultCiphers(IsServer);

    internal IReadOnlyList<string> EffectiveMacs => Macs ?? PacketCipherFactory.SupportedMacs;

    /// <summary>The default cipher list: AES-GCM first (fastest here); the server offers chacha20-poly1305 only with the native libcrypto backend.</summary>
    internal static IReadOnlyList<string> DefaultCiphers(bool isServer)
    {
        var list = new List<string> { AlgorithmNames.Aes128Gcm, AlgorithmNames.Aes256Gcm };
        if (!isServer || ChaCha20Poly1305PacketCipher.IsNativeAvailable)
        {
            if (isServer) list.Insert(0, AlgorithmNames.ChaCha20Poly1305);
            else list.Add(AlgorithmNames.ChaCha20Poly1305);
        }
        list.AddRange([AlgorithmNames.Aes128Ctr, AlgorithmNames.Aes192Ctr, AlgorithmNames.Aes256Ctr]);
        return list;
    }
}
