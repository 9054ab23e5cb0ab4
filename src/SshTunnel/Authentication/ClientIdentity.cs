using SshTunnel.Keys;

namespace SshTunnel.Authentication;

/// <summary>
/// A user key offered in publickey authentication (RFC 4252 §7): either a ready private key, or a public key known
/// up front (e.g. from the .pub file) with a loader that produces the private key only once the server has
/// accepted the public key (SSH_MSG_USERAUTH_PK_OK), so a passphrase is asked only for a key that can work.
/// </summary>
public sealed class ClientIdentity
{
    private readonly SshPrivateKey? _privateKey;
    private readonly Func<CancellationToken, ValueTask<SshPrivateKey?>>? _loader;

    /// <summary>An identity whose private key is already loaded.</summary>
    /// <param name="privateKey">The key; the caller keeps ownership (it is not disposed by authentication).</param>
    /// <param name="source">Where the key came from (e.g. its file path), for messages.</param>
    public ClientIdentity(SshPrivateKey privateKey, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        _privateKey = privateKey;
        PublicKey = privateKey.PublicKey;
        Source = source ?? privateKey.Comment;
    }

    /// <summary>An identity whose private key is loaded on demand.</summary>
    /// <param name="publicKey">The public key, offered to the server before the private key is loaded.</param>
    /// <param name="loadPrivateKey">
    /// Called at most once, after the server accepted <paramref name="publicKey"/>; returns the private key (which must
    /// match <paramref name="publicKey"/>; authentication disposes it when done), or null to skip the key (e.g. no passphrase given).
    /// Called even in BatchMode: the loader must not prompt then.
    /// </param>
    /// <param name="source">Where the key came from (e.g. its file path), for messages.</param>
    public ClientIdentity(SshPublicKey publicKey, Func<CancellationToken, ValueTask<SshPrivateKey?>> loadPrivateKey, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(loadPrivateKey);
        PublicKey = publicKey;
        _loader = loadPrivateKey;
        Source = source ?? "";
    }

    /// <summary>The public key offered to the server.</summary>
    public SshPublicKey PublicKey { get; }

    /// <summary>Where the key came from (file path or comment), for messages; possibly empty.</summary>
    public string Source { get; }

    /// <summary>True when the private key is loaded on demand.</summary>
    public bool IsLazy => _loader is not null;

    /// <summary>Returns the ready key, or calls the loader. The bool says whether the caller owns (must dispose) the key.</summary>
    internal async ValueTask<(SshPrivateKey? Key, bool Owned)> GetPrivateKeyAsync(CancellationToken cancellationToken)
    {
        if (_privateKey is not null) return (_privateKey, false);
        SshPrivateKey? key = await _loader!(cancellationToken).ConfigureAwait(false);
        return (key, key is not null);
    }
}
