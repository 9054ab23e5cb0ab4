using SshTunnel.Connection;

namespace SshTunnel.Tests.Connection;

/// <summary>The reader wake-up: inline continuations only when both the waiter and the producer allow it.</summary>
public class AsyncSignalTests
{
    private static readonly TimeSpan T = ConnectionTestPair.Timeout;

    [ThreadStatic]
    private static bool t_insideProducer;

    /// <summary>Records whether its continuation ran synchronously inside the producer's call.</summary>
    private sealed class Waiter
    {
        public volatile bool Resumed;
        public volatile bool ResumedInsideProducer;

        public async Task WaitAsync(AsyncSignal signal, short token)
        {
            try
            {
                await signal.WaitAsync(token).ConfigureAwait(false);
            }
            finally
            {
                ResumedInsideProducer = t_insideProducer;
                Resumed = true;
            }
        }
    }

    private static void AsProducer(Action action)
    {
        t_insideProducer = true;
        try
        {
            action();
        }
        finally
        {
            t_insideProducer = false;
        }
    }

    [Fact]
    public async Task InlineArmed_InlineComplete_ResumesInsideTheProducer()
    {
        var signal = new AsyncSignal();
        var waiter = new Waiter();
        Task wait = waiter.WaitAsync(signal, signal.Arm(inlineContinuation: true));
        Assert.False(wait.IsCompleted);

        Assert.True(signal.TryClaim());
        AsProducer(() => signal.Complete(allowInline: true));

        Assert.True(waiter.Resumed); // already, before Complete returned
        Assert.True(waiter.ResumedInsideProducer);
        Assert.True(wait.IsCompletedSuccessfully);
        await wait;
    }

    [Theory]
    [InlineData(false, true)]  // the waiter did not ask for it (the public stream API)
    [InlineData(true, false)]  // the producer does not allow it (EOF, close, failure)
    public async Task OtherwiseResumesOnThePool(bool armInline, bool completeInline)
    {
        var signal = new AsyncSignal();
        var waiter = new Waiter();
        Task wait = waiter.WaitAsync(signal, signal.Arm(armInline));
        Assert.True(signal.TryClaim());
        AsProducer(() => signal.Complete(completeInline));
        await wait.WaitAsync(T);
        Assert.True(waiter.Resumed);
        Assert.False(waiter.ResumedInsideProducer);
    }

    [Fact]
    public async Task Cancel_AlwaysResumesOnThePool_WithOperationCanceled()
    {
        var signal = new AsyncSignal();
        var waiter = new Waiter();
        Task wait = waiter.WaitAsync(signal, signal.Arm(inlineContinuation: true));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        Assert.True(signal.TryClaim());
        AsProducer(() => signal.CompleteCanceled(cts.Token));
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(T));
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.False(waiter.ResumedInsideProducer);
    }

    [Fact]
    public void TryClaim_OnlyOncePerArm_AndNeverUnarmed()
    {
        var signal = new AsyncSignal();
        Assert.False(signal.TryClaim());
        signal.Arm();
        Assert.True(signal.TryClaim());
        Assert.False(signal.TryClaim());
        signal.Complete(allowInline: false);
        Assert.False(signal.TryClaim());
    }
}
