namespace SshTunnel.Daemon;

/// <summary>Where sshtunneld keeps its generated host key and the homes of users without OS accounts.</summary>
internal static class StateDirectory
{
    /// <summary>The system state directory used when running as root.</summary>
    public const string SystemDirectory = "/var/lib/sshtunneld";

    /// <summary>
    /// $STATE_DIRECTORY (set by systemd's StateDirectory=; the first of a colon-separated list), else
    /// /var/lib/sshtunneld for root, else $XDG_STATE_HOME/sshtunneld or ~/.local/state/sshtunneld (never a relative path).
    /// </summary>
    public static string Resolve()
    {
        string? fromSystemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(fromSystemd)) return fromSystemd.Split(':')[0];
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root") return SystemDirectory;
        string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "sshtunneld");
        // DoNotVerify: a home that does not exist must give an error naming it, not "" (a path relative to the cwd).
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        return Path.IsPathRooted(home) ? Path.Combine(home, ".local", "state", "sshtunneld") : SystemDirectory;
    }
}
