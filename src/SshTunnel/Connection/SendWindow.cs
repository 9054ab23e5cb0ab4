using SshTunnel.Errors;

namespace SshTunnel.Connection;

/// <summary>
/// What we may still send on a channel: the peer's credit (RFC 4254 §5.2), modelled on dotnet/runtime's
/// CreditManager. Writers ask for up to N bytes and get a partial grant as soon as any credit exists; waiters are
/// served first come, first served; cancellation removes a waiter; <see cref="Fail"/> fails every present and
/// future waiter so a writer never hangs on a dead channel. Thread-safe.
/// </summary>
internal sealed class SendWindow
{
    private readonly object _lock = new();
    private readonly Queue<Waiter> _waiters = new();
    private long _available;
    private Exception? _failure;

    /// <summary>Starts with <paramref name="initialWindowSize"/> bytes of credit (the peer's initial window).</summary>
    public SendWindow(uint initialWindowSize) => _available = initialWindowSize;

    /// <summary>Credit not yet granted, in bytes.</summary>
    public long Available
    {
        get { lock (_lock) return _available; }
    }

    /// <summary>
    /// Waits until some credit is available and takes between 1 and <paramref name="desired"/> bytes of it.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Exception">The exception given to <see cref="Fail"/> (the channel or connection closed).</exception>
    public ValueTask<int> RequestAsync(int desired, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(desired);
        Waiter waiter;
        lock (_lock)
        {
            if (_failure is not null) return ValueTask.FromException<int>(_failure);
            if (_available > 0 && _waiters.Count == 0)
            {
                int granted = (int)Math.Min(desired, _available);
                _available -= granted;
                return new ValueTask<int>(granted);
            }
            if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
            waiter = new Waiter(this, desired);
            _waiters.Enqueue(waiter);
        }
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter);
        }
        return new ValueTask<int>(waiter.Task);
    }

    /// <summary>Adds credit from SSH_MSG_CHANNEL_WINDOW_ADJUST and wakes waiters in order.</summary>
    /// <exception cref="SshProtocolException">The window would exceed 2^32-1 bytes (RFC 4254 §5.2).</exception>
    public void Add(uint bytesToAdd)
    {
        List<(Waiter, int)>? toComplete = null;
        lock (_lock)
        {
            if (_failure is not null) return;
            long outstanding = _available;
            if (outstanding + bytesToAdd > uint.MaxValue)
            {
                throw new SshProtocolException($"window adjust of {bytesToAdd} bytes overflows the send window ({outstanding})");
            }
            _available += bytesToAdd;
            while (_available > 0 && _waiters.Count > 0)
            {
                Waiter waiter = _waiters.Dequeue();
                if (waiter.Task.IsCompleted) continue; // cancelled
                int granted = (int)Math.Min(waiter.Desired, _available);
                _available -= granted;
                (toComplete ??= []).Add((waiter, granted));
            }
        }
        if (toComplete is null) return;
        foreach ((Waiter waiter, int granted) in toComplete)
        {
            if (!waiter.Complete(granted))
            {
                // Cancelled between dequeue and completion: give the credit back.
                Return(granted);
            }
        }
    }

    /// <summary>Gives back credit that was granted but not used (e.g. the send failed before any byte went out).</summary>
    public void Return(int bytes)
    {
        if (bytes > 0) Add((uint)bytes);
    }

    /// <summary>Fails every waiter, present and future, with <paramref name="reason"/>. The first reason wins.</summary>
    public void Fail(Exception reason)
    {
        Waiter[] waiters;
        lock (_lock)
        {
            if (_failure is not null) return;
            _failure = reason;
            waiters = _waiters.ToArray();
            _waiters.Clear();
        }
        foreach (Waiter waiter in waiters) waiter.TrySetException(reason);
    }

    private void Remove(Waiter waiter)
    {
        lock (_lock)
        {
            // Rebuild the queue without the cancelled waiter (cancellation is rare; queues are short).
            int count = _waiters.Count;
            for (int i = 0; i < count; i++)
            {
                Waiter w = _waiters.Dequeue();
                if (!ReferenceEquals(w, waiter)) _waiters.Enqueue(w);
            }
        }
    }

    private sealed class Waiter : TaskCompletionSource<int>
    {
        private readonly SendWindow _owner;

        public Waiter(SendWindow owner, int desired) : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            _owner = owner;
            Desired = desired;
        }

        public int Desired { get; }

        public CancellationTokenRegistration Registration { get; set; }

        public void Cancel(CancellationToken token)
        {
            if (TrySetCanceled(token)) _owner.Remove(this);
        }

        public bool Complete(int granted)
        {
            bool set = TrySetResult(granted);
            Registration.Dispose();
            return set;
        }
    }
}
