namespace SshTunnel.Daemon;

/// <summary>Where sshtunneld keeps its generated host key and the homes of users without OS accounts.</summary>
internal static class StateDirectory
{
    /// <summary>The system state directory used when running as root.</summary>
    public const string SystemDirectory = "/var/lib/sshtunneld";

    /// <summary>
    /// $STATE_DIRECTORY (set by systemd's StateDirectory=; the first of a colon-separated list), else
    /// /var/lib/sshtunneld for root, else $XDG_STATE_HOME/sshtunneld or ~/.local/state/sshtunneld.
    /// </summary>
    public static string Resolve()
    {
        string? fromSystemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(fromSystemd)) return fromSystemd.Split(':')[0];
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root") return SystemDirectory;
        string? xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "sshtunneld");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "sshtunneld");
    }
}
