namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>Service names (RFC 4250 §4.6.1).</summary>
internal static class ServiceNames
{
    /// <summary>The user authentication protocol (RFC 4252).</summary>
    public const string UserAuth = "ssh-userauth";

    /// <summary>The connection protocol (RFC 4254).</summary>
    public const string Connection = "ssh-connection";
}

/// <summary>Authentication method names (RFC 4250 §4.6.2, RFC 4256).</summary>
internal static class AuthenticationMethodNames
{
    /// <summary>"none" (RFC 4252 §5.2).</summary>
    public const string None = "none";

    /// <summary>"publickey" (RFC 4252 §7).</summary>
    public const string PublicKey = "publickey";

    /// <summary>"password" (RFC 4252 §8).</summary>
    public const string Password = "password";

    /// <summary>"keyboard-interactive" (RFC 4256).</summary>
    public const string KeyboardInteractive = "keyboard-interactive";

    /// <summary>"hostbased" (RFC 4252 §9), recognised but never accepted.</summary>
    public const string HostBased = "hostbased";
}
