using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Authentication;
using SshTunnel.Keys;

namespace SshTunnel.Client;

/// <summary>Everything <see cref="SshClient.ConnectAsync"/> needs. Names follow ssh_config(5) where a keyword exists.</summary>
public sealed class SshClientOptions
{
    /// <summary>The server's host name or address (ssh_config HostName).</summary>
    public required string Host { get; init; }

    /// <summary>The server's TCP port (ssh_config Port), default 22.</summary>
    public int Port { get; init; } = 22;

    /// <summary>The name used to look the host up in known_hosts (the alias or HostKeyAlias); defaults to <see cref="Host"/>.</summary>
    public string? HostKeyAlias { get; init; }

    /// <summary>User authentication settings (user name, identities, agent, prompts, BatchMode).</summary>
    public required ClientAuthenticationOptions Authentication { get; init; }

    /// <summary>
    /// Decides whether the server's host key is trusted (called once, after its signature over the exchange hash was
    /// verified). Required: there is no "accept anything" default.
    /// </summary>
    public required Func<HostKeyContext, CancellationToken, ValueTask<bool>> VerifyHostKeyAsync { get; init; }

    /// <summary>ConnectTimeout: limit for the TCP connect, version exchange and key exchange up to the host key check (as OpenSSH); null = none.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>AddressFamily (-4/-6): <see cref="AddressFamily.Unspecified"/> tries every address.</summary>
    public AddressFamily AddressFamily { get; init; } = AddressFamily.Unspecified;

    /// <summary>KexAlgorithms, most preferred first; null = the defaults.</summary>
    public IReadOnlyList<string>? KexAlgorithms { get; init; }

    /// <summary>HostKeyAlgorithms, most preferred first; null = the defaults.</summary>
    public IReadOnlyList<string>? HostKeyAlgorithms { get; init; }

    /// <summary>Ciphers, most preferred first; null = the defaults (AES-GCM first).</summary>
    public IReadOnlyList<string>? Ciphers { get; init; }

    /// <summary>MACs, most preferred first; null = the defaults.</summary>
    public IReadOnlyList<string>? Macs { get; init; }

    /// <summary>Compression (-C): prefer zlib@openssh.com.</summary>
    public bool Compression { get; init; }

    /// <summary>RekeyLimit in bytes; null = by cipher (1 GiB for chacha20-poly1305, 16 GiB for AES).</summary>
    public long? RekeyBytes { get; init; }

    /// <summary>RekeyLimit time; null = 1 hour.</summary>
    public TimeSpan? RekeyInterval { get; init; }

    /// <summary>Receive window per channel, in bytes (at least 2 MiB; default 4 MiB).</summary>
    public uint ReceiveWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Opens the byte stream to the server instead of a TCP connection (ProxyJump, tests). Receives the token.</summary>
    public Func<CancellationToken, ValueTask<Stream>>? ConnectCallback { get; init; }

    /// <summary>Receives diagnostics in OpenSSH's wording.</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>What a host key decision is about.</summary>
/// <param name="Host">The host name as given (or HostKeyAlias).</param>
/// <param name="Port">The server's port.</param>
/// <param name="Key">The host key the server proved it holds.</param>
public sealed record HostKeyContext(string Host, int Port, SshPublicKey Key);
