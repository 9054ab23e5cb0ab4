using System.Threading.Tasks.Sources;

namespace SshTunnel.Connection;

/// <summary>
/// A reusable wake-up for one waiter at a time (the channel's reader), without an allocation per wait.
/// The owner checks its state under its own lock, calls <see cref="Arm"/> under that lock when it must wait,
/// then awaits <see cref="WaitAsync"/> outside it; producers call <see cref="Set"/> (also under the lock).
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _armed;

    /// <summary>Prepares a wait; call under the owner's lock. Returns the token to pass to <see cref="WaitAsync"/>.</summary>
    public short Arm()
    {
        _core.Reset();
        _armed = true;
        return _core.Version;
    }

    /// <summary>Wakes the waiter, if one is armed. Call under the owner's lock.</summary>
    public void Set()
    {
        if (!_armed) return;
        _armed = false;
        _core.SetResult(true);
    }

    /// <summary>Fails the armed wait with a cancellation. Call under the owner's lock.</summary>
    public void Cancel(CancellationToken cancellationToken)
    {
        if (!_armed) return;
        _armed = false;
        _core.SetException(new OperationCanceledException(cancellationToken));
    }

    /// <summary>Waits for <see cref="Set"/> (or <see cref="Cancel"/>).</summary>
    public ValueTask WaitAsync(short token) => new(this, token);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
