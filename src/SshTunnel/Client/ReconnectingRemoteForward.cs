using SshTunnel.Forwarding;

namespace SshTunnel.Client;

/// <summary>
/// A remote forward (-R) of a <see cref="ReconnectingSshClient"/>: re-requested on every new connection. Dispose to
/// cancel it on the connection in use and stop re-requesting it.
/// </summary>
public sealed class ReconnectingRemoteForward : IAsyncDisposable
{
    private readonly ReconnectingSshClient _owner;
    private readonly object _gate = new();
    private RemoteForward? _current;
    private bool _disposed;

    internal ReconnectingRemoteForward(ReconnectingSshClient owner, ForwardSpec spec, RemoteForward current)
    {
        _owner = owner;
        Spec = spec;
        _current = current;
    }

    /// <summary>The forward as requested.</summary>
    public ForwardSpec Spec { get; }

    /// <summary>
    /// The forward on the most recent connection that granted it (it may belong to a connection since lost). For
    /// -R 0 its <see cref="RemoteForward.BoundPort"/> is the port the server allocated that time.
    /// </summary>
    public RemoteForward? Current
    {
        get
        {
            lock (_gate) return _current;
        }
    }

    /// <summary>The port the server listens on (see <see cref="Current"/>); 0 for a Unix-socket forward.</summary>
    public int BoundPort => Current?.BoundPort ?? 0;

    internal bool IsDisposed
    {
        get
        {
            lock (_gate) return _disposed;
        }
    }

    /// <summary>Records the forward granted on a new connection; false when this handle was disposed meanwhile.</summary>
    internal bool Replace(RemoteForward forward)
    {
        lock (_gate)
        {
            if (_disposed) return false;
            _current = forward;
            return true;
        }
    }

    /// <summary>Stops re-requesting and sends the cancel request on the connection in use (best effort). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        RemoteForward? current;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            current = _current;
            _current = null;
        }
        _owner.Remove(this);
        if (current is not null) await current.DisposeAsync().ConfigureAwait(false);
    }
}
