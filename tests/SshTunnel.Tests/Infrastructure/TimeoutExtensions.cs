namespace SshTunnel.Tests.Infrastructure;

/// <summary>Makes a hang fail fast instead of stalling the test run.</summary>
internal static class TimeoutExtensions
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static Task WithTimeout(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task WithTimeout(this ValueTask task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Default);

    public static Task<T> WithTimeout<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Default);
}
