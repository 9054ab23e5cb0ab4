using SshTunnel.Forwarding;

namespace SshTunnel.Client;

/// <summary>One step of a <see cref="ReconnectingSshClient"/>'s life: disconnected, reconnecting in N seconds, reconnected, ...</summary>
public sealed class ReconnectEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public ReconnectEventArgs(ReconnectEventKind kind, int attempt = 0, TimeSpan delay = default, Exception? error = null, RemoteForward? remoteForward = null)
    {
        Kind = kind;
        Attempt = attempt;
        Delay = delay;
        Error = error;
        RemoteForward = remoteForward;
    }

    /// <summary>What happened.</summary>
    public ReconnectEventKind Kind { get; }

    /// <summary>The attempt number within this outage (1-based) for Reconnecting, AttemptFailed and Reconnected; else 0.</summary>
    public int Attempt { get; }

    /// <summary>For Reconnecting: the wait before the attempt (jitter included).</summary>
    public TimeSpan Delay { get; }

    /// <summary>Why the connection was lost, why an attempt failed, or why reconnecting stopped.</summary>
    public Exception? Error { get; }

    /// <summary>For RemoteForwardRestored: the forward on the new connection (its <see cref="RemoteForward.BoundPort"/> may differ for port 0).</summary>
    public RemoteForward? RemoteForward { get; }
}
