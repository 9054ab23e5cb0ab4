using SshTunnel.Keys;

namespace SshTunnel.Authentication;

/// <summary>
/// How the server authenticates users (RFC 4252), with sshd_config keywords where they exist.
/// A method is offered only when its callback is set. Callbacks run one at a time per connection.
/// </summary>
public sealed class ServerAuthenticationOptions
{
    /// <summary>
    /// Decides whether <c>key</c> may log in as <c>user</c> (the authorized_keys check). Called for publickey queries
    /// and, after the signature has been verified, for signed requests. Null disables publickey.
    /// </summary>
    public Func<string, SshPublicKey, CancellationToken, ValueTask<bool>>? IsPublicKeyAuthorized { get; init; }

    /// <summary>
    /// Checks a password for a user (arguments: user, password). The callback owns the comparison and must make it
    /// constant-time (compare hashes with CryptographicOperations.FixedTimeEquals). Null disables password and
    /// keyboard-interactive.
    /// </summary>
    public Func<string, string, CancellationToken, ValueTask<bool>>? IsPasswordValid { get; init; }

    /// <summary>PasswordAuthentication: offer "password" when <see cref="IsPasswordValid"/> is set (default true).</summary>
    public bool PasswordAuthentication { get; init; } = true;

    /// <summary>
    /// KbdInteractiveAuthentication: also offer "keyboard-interactive" with one "Password: " prompt checked by
    /// <see cref="IsPasswordValid"/> (as sshd with PAM does). Default false.
    /// </summary>
    public bool KbdInteractiveAuthentication { get; init; }

    /// <summary>MaxAuthTries: failed attempts allowed before DISCONNECT "Too many authentication failures" (default 6).</summary>
    public int MaxAuthTries { get; init; } = 6;

    /// <summary>Banner: text sent in SSH_MSG_USERAUTH_BANNER before the first reply, or null for none.</summary>
    public string? Banner { get; init; }
}
