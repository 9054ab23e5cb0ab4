namespace SshTunnel.Authentication;

/// <summary>
/// How the client authenticates (RFC 4252), with OpenSSH's ssh_config keywords where they exist.
/// Callbacks may be invoked from any thread; none is invoked when <see cref="BatchMode"/> is true.
/// </summary>
public sealed class ClientAuthenticationOptions
{
    /// <summary>Default <see cref="PreferredAuthentications"/>: OpenSSH's order minus gssapi/hostbased.</summary>
    public static readonly IReadOnlyList<string> DefaultPreferredAuthentications = ["publickey", "keyboard-interactive", "password"];

    /// <summary>The user name to log in as (ssh -l / User).</summary>
    public required string UserName { get; init; }

    /// <summary>The host name as the user typed it, used in prompts and messages ("user@host's password: ").</summary>
    public required string Host { get; init; }

    /// <summary>Keys from -i / IdentityFile, in that order.</summary>
    public IReadOnlyList<ClientIdentity> Identities { get; init; } = [];

    /// <summary>
    /// IdentityAgent: the ssh-agent socket path; null means the SSH_AUTH_SOCK environment variable;
    /// "none" disables the agent.
    /// </summary>
    public string? IdentityAgent { get; init; }

    /// <summary>
    /// IdentitiesOnly: offer only <see cref="Identities"/> (through the agent when it holds them), never the agent's other keys.
    /// </summary>
    public bool IdentitiesOnly { get; init; }

    /// <summary>PreferredAuthentications: the methods to try, in order (subset of publickey, keyboard-interactive, password).</summary>
    public IReadOnlyList<string> PreferredAuthentications { get; init; } = DefaultPreferredAuthentications;

    /// <summary>PubkeyAuthentication.</summary>
    public bool PubkeyAuthentication { get; init; } = true;

    /// <summary>PasswordAuthentication.</summary>
    public bool PasswordAuthentication { get; init; } = true;

    /// <summary>KbdInteractiveAuthentication.</summary>
    public bool KbdInteractiveAuthentication { get; init; } = true;

    /// <summary>NumberOfPasswordPrompts: password attempts and keyboard-interactive rounds (default 3).</summary>
    public int NumberOfPasswordPrompts { get; init; } = 3;

    /// <summary>
    /// BatchMode: never call <see cref="PasswordCallback"/> or <see cref="KeyboardInteractiveCallback"/>
    /// (password and keyboard-interactive are not attempted). Lazy key loaders are still called and must not prompt.
    /// </summary>
    public bool BatchMode { get; init; }

    /// <summary>
    /// Asks for a password. Receives the prompt ("user@host's password: ") and returns the password, or null to stop
    /// trying passwords.
    /// </summary>
    public Func<string, CancellationToken, ValueTask<string?>>? PasswordCallback { get; init; }

    /// <summary>
    /// Answers a keyboard-interactive request (RFC 4256): returns one answer per prompt, in order, or null to give up
    /// on keyboard-interactive.
    /// </summary>
    public Func<KeyboardInteractiveChallenge, CancellationToken, ValueTask<IReadOnlyList<string>?>>? KeyboardInteractiveCallback { get; init; }

    /// <summary>
    /// Receives SSH_MSG_USERAUTH_BANNER text (RFC 4252 §5.4). The text is as the server sent it: sanitise control
    /// characters before writing it to a terminal. OpenSSH prints it to stderr.
    /// </summary>
    public Action<string>? BannerCallback { get; init; }
}
