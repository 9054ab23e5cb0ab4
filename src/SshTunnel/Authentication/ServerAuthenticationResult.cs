using SshTunnel.Keys;

namespace SshTunnel.Authentication;

/// <summary>Who authenticated, and how (for logging and authorisation of later requests).</summary>
/// <param name="UserName">The authenticated user name.</param>
/// <param name="MethodName">The method that succeeded: "publickey", "password" or "keyboard-interactive".</param>
/// <param name="PublicKey">The key used for publickey, otherwise null.</param>
internal sealed record ServerAuthenticationResult(string UserName, string MethodName, SshPublicKey? PublicKey)
{
    /// <summary>The key's SHA256 fingerprint, or null when no key was used.</summary>
    public string? KeyFingerprint => PublicKey?.Fingerprint;
}
