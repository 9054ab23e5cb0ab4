namespace SshTunnel.Client;

/// <summary>What a <see cref="ReconnectingSshClient.StateChanged"/> event reports.</summary>
public enum ReconnectEventKind
{
    /// <summary>The connection was lost (<see cref="ReconnectEventArgs.Error"/> says why).</summary>
    Disconnected,
    /// <summary>An attempt will be made after <see cref="ReconnectEventArgs.Delay"/>.</summary>
    Reconnecting,
    /// <summary>An attempt failed (<see cref="ReconnectEventArgs.Error"/>); another follows unless the limit is reached.</summary>
    AttemptFailed,
    /// <summary>The session is back: authenticated, host key re-verified; remote forwards are being re-requested.</summary>
    Reconnected,
    /// <summary>A remote forward was re-established on the new connection (<see cref="ReconnectEventArgs.RemoteForward"/>).</summary>
    RemoteForwardRestored,
    /// <summary>The server refused a remote forward on the new connection; it is retried with the same backoff.</summary>
    RemoteForwardFailed,
    /// <summary>Reconnecting stopped for good (<see cref="ReconnectEventArgs.Error"/>); <see cref="ReconnectingSshClient.Completion"/> is faulted.</summary>
    Failed,
}
