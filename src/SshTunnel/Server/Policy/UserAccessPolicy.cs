namespace SshTunnel.Server.Policy;

/// <summary>
/// sshd's AllowUsers/DenyUsers check (auth.c allowed_user): a user listed in DenyUsers is refused; when AllowUsers is
/// set, only users listed there are allowed. Entries are <c>USER</c> or <c>USER@HOST</c> patterns.
/// </summary>
public static class UserAccessPolicy
{
    /// <summary>Decides whether <paramref name="user"/> may log in from the given client.</summary>
    /// <param name="user">The user name from the userauth request.</param>
    /// <param name="remoteHostName">The client's host name, or its address string when names are not resolved.</param>
    /// <param name="remoteAddress">The client's address string.</param>
    /// <param name="allowUsers">AllowUsers entries (empty = everyone).</param>
    /// <param name="denyUsers">DenyUsers entries.</param>
    /// <param name="denialReason">On refusal, sshd's log line, e.g. "User bob from 192.0.2.1 not allowed because listed in DenyUsers".</param>
    public static bool IsAllowed(string user, string remoteHostName, string remoteAddress,
        IReadOnlyList<string> allowUsers, IReadOnlyList<string> denyUsers, out string denialReason)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(allowUsers);
        ArgumentNullException.ThrowIfNull(denyUsers);
        if (denyUsers.Any(p => SshPattern.MatchUser(user, remoteHostName, remoteAddress, p)))
        {
            denialReason = ForwardingLog.UserNotAllowed(user, remoteHostName, "listed in DenyUsers");
            return false;
        }
        if (allowUsers.Count > 0 && !allowUsers.Any(p => SshPattern.MatchUser(user, remoteHostName, remoteAddress, p)))
        {
            denialReason = ForwardingLog.UserNotAllowed(user, remoteHostName, "not listed in AllowUsers");
            return false;
        }
        denialReason = "";
        return true;
    }
}
