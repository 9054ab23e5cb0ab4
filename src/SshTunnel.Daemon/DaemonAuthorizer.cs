using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using SshTunnel.Daemon.Config;
using SshTunnel.Server;
using SshTunnel.Server.Policy;
using SshTunnel.Wire;

namespace SshTunnel.Daemon;

/// <summary>
/// sshtunneld's users: a user is a name with an authorized_keys file (AuthorizedKeysFile, %u and %h expanded; %h is
/// the OS home when the OS knows the user, else <c>STATE/home/USER</c>) or a PasswordFile entry; no OS account is
/// needed. Applies AllowUsers/DenyUsers, PermitRootLogin, PubkeyAuthentication/PasswordAuthentication after Match,
/// and builds each user's <see cref="ForwardingPolicy"/> from the Match-adjusted settings and the key's options.
/// Files are read at each attempt, as sshd does, so edits apply to the next login (an unchanged authorized_keys file
/// is not parsed again; /etc/passwd is read only when the AuthorizedKeysFile path needs the home directory).
/// </summary>
internal sealed partial class DaemonAuthorizer(ServerConfig config, PasswordFile? passwords, string stateDirectory, ILogger logger)
{
    private const string PasswdFile = "/etc/passwd";

    // Files are still read at every attempt; only unchanged content skips the parse.
    private readonly AuthorizedKeysFileCache _authorizedKeys = new();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ValidUserName();

    /// <summary>
    /// True unless the template is an absolute path without %h: then the home directory cannot appear in the result.
    /// (Over-approximates, e.g. for a literal "%%h", which only costs a passwd lookup.)
    /// </summary>
    internal static bool NeedsHome(string template) => !template.StartsWith('/') || template.Contains("%h", StringComparison.Ordinal);

    public ValueTask<ForwardingPolicy?> AuthorizePublicKeyAsync(PublicKeyAuthorizationContext context, CancellationToken cancellationToken)
    {
        ServerConfig? user = CheckUser(context.UserName, context.RemoteEndPoint, password: false);
        if (user is null || !user.PubkeyAuthentication) return ValueTask.FromResult<ForwardingPolicy?>(null);
        string? home = null;
        foreach (string template in user.AuthorizedKeysFiles)
        {
            if (template == "none") continue;
            string path;
            try
            {
                // The passwd lookup only when the path needs the home directory (%h, or relative).
                if (home is null && NeedsHome(template)) home = HomeOf(context.UserName);
                path = AuthorizedKeysPath.Expand(template, context.UserName, home ?? "/");
            }
            catch (FormatException e)
            {
                Log.Error(logger, $"AuthorizedKeysFile {template}: {e.Message}");
                continue;
            }
            AuthorizedKeysFile file;
            try
            {
                file = _authorizedKeys.Load(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.Info(logger, $"Could not open user '{context.UserName}' authorized keys '{path}': {e.Message}");
                continue;
            }
            AuthorizedKeyEntry? entry = file.FindMatch(context.Key.Blob.Span, context.RemoteEndPoint.Address, null, DateTimeOffset.UtcNow, out string reason);
            if (entry is not null)
            {
                Log.Debug(logger, $"{entry.Location}: matching key found: {context.Key}");
                return ValueTask.FromResult<ForwardingPolicy?>(new ForwardingPolicy(user.Forwarding, entry.Options));
            }
            if (reason != "no matching key") Log.Info(logger, $"Authentication refused for {context.UserName} from {Peer(context.RemoteEndPoint)}: {reason}");
        }
        return ValueTask.FromResult<ForwardingPolicy?>(null);
    }

    public ValueTask<ForwardingPolicy?> AuthorizePasswordAsync(PasswordAuthorizationContext context, CancellationToken cancellationToken)
    {
        ServerConfig? user = CheckUser(context.UserName, context.RemoteEndPoint, password: true);
        if (user is null || !user.PasswordAuthentication || passwords is null || !passwords.Contains(context.UserName))
        {
            return ValueTask.FromResult<ForwardingPolicy?>(null);
        }
        bool ok = passwords.Verify(context.UserName, context.Password);
        return ValueTask.FromResult(ok ? new ForwardingPolicy(user.Forwarding) : null);
    }

    /// <summary>The user's effective configuration, or null (logged) when the user may not log in at all.</summary>
    private ServerConfig? CheckUser(string name, IPEndPoint remote, bool password)
    {
        string address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4().ToString() : remote.Address.ToString();
        if (!ValidUserName().IsMatch(name))
        {
            Log.Info(logger, $"Invalid user {Sanitize(name)} from {Peer(remote)}");
            return null;
        }
        ServerConfig user = config.ForUser(name);
        if (!UserAccessPolicy.IsAllowed(name, address, address, user.AllowUsers, user.DenyUsers, out string denial))
        {
            Log.Info(logger, denial);
            return null;
        }
        if (name == "root" && (user.PermitRootLogin == PermitRootLogin.No || (password && user.PermitRootLogin != PermitRootLogin.Yes)
            || user.PermitRootLogin == PermitRootLogin.ForcedCommandsOnly))
        {
            Log.Info(logger, $"ROOT LOGIN REFUSED FROM {address} port {remote.Port}");
            return null;
        }
        return user;
    }

    /// <summary>The OS home of <paramref name="user"/> from /etc/passwd, else a home under the state directory.</summary>
    internal string HomeOf(string user)
    {
        try
        {
            foreach (string line in File.ReadLines(PasswdFile))
            {
                string[] fields = line.Split(':');
                if (fields.Length >= 7 && fields[0] == user && fields[5].Length > 0) return fields[5];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No passwd database: every user lives under the state directory.
        }
        return Path.Combine(stateDirectory, "home", user);
    }

    private static string Peer(IPEndPoint remote) =>
        (remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address) + " port " + remote.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Sanitize(string name)
    {
        return PeerText.Sanitize(name.Length > 64 ? name[..64] : name);
    }
}
