using System.Threading.Tasks.Sources;

namespace SshTunnel.Connection;

/// <summary>
/// A reusable wake-up for one waiter at a time (the channel's reader), without an allocation per wait.
/// The owner checks its state under its own lock, calls <see cref="Arm"/> under that lock when it must wait,
/// then awaits <see cref="WaitAsync"/> outside it. A producer wakes the waiter in two steps: <see cref="TryClaim"/>
/// under the owner's lock (decides that this producer, and only it, completes the wait), then
/// <see cref="Complete"/> or <see cref="CompleteCanceled"/> AFTER releasing the lock, because the waiter's
/// continuation may run synchronously inside <see cref="Complete"/> and must never run under the owner's lock.
/// </summary>
/// <remarks>
/// A waiter armed with <c>inlineContinuation: true</c> is resumed on the producer's thread (no thread-pool hop,
/// i.e. no futex wake and context switch per packet). Only arm it that way when the code that resumes is known
/// never to block the thread: the producer is the connection's receive loop, so a blocking continuation there
/// would stall every channel of the connection. Other waiters (and every cancellation) resume on the thread pool.
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _armed;
    private bool _inline;

    /// <summary>Prepares a wait; call under the owner's lock. Returns the token to pass to <see cref="WaitAsync"/>.</summary>
    /// <param name="inlineContinuation">True to let <see cref="Complete"/> run the waiter's continuation synchronously.</param>
    public short Arm(bool inlineContinuation = false)
    {
        _core.Reset();
        _armed = true;
        _inline = inlineContinuation;
        return _core.Version;
    }

    /// <summary>True while a wait is armed and not yet claimed; read under the owner's lock.</summary>
    public bool IsArmed => _armed;

    /// <summary>
    /// Claims the armed wait, if any, for completion; call under the owner's lock. When it returns true the caller
    /// must call <see cref="Complete"/> or <see cref="CompleteCanceled"/> once, outside the lock.
    /// </summary>
    public bool TryClaim()
    {
        if (!_armed) return false;
        _armed = false;
        return true;
    }

    /// <summary>
    /// Wakes the claimed waiter. Call outside the owner's lock. With <paramref name="allowInline"/> and a waiter armed
    /// for it, the waiter's continuation runs here, synchronously; otherwise it is queued to the thread pool.
    /// </summary>
    public void Complete(bool allowInline)
    {
        _core.RunContinuationsAsynchronously = !(allowInline && _inline);
        _core.SetResult(true);
    }

    /// <summary>Fails the claimed wait with a cancellation (the continuation always runs on the thread pool). Call outside the owner's lock.</summary>
    public void CompleteCanceled(CancellationToken cancellationToken)
    {
        _core.RunContinuationsAsynchronously = true;
        _core.SetException(new OperationCanceledException(cancellationToken));
    }

    /// <summary>Waits for <see cref="Complete"/> (or <see cref="CompleteCanceled"/>).</summary>
    public ValueTask WaitAsync(short token) => new(this, token);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
