namespace SshTunnel.Connection;

/// <summary>The one fire-and-forget helper: observes the task's exception so it never goes unobserved.</summary>
internal static class TaskExtensions
{
    /// <summary>Lets <paramref name="task"/> run on; a failure is observed (and dropped: callers record reasons elsewhere).</summary>
    public static void Forget(this Task task)
    {
        if (task.IsCompleted)
        {
            _ = task.Exception;
            return;
        }
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Same as <see cref="Forget(Task)"/> for a <see cref="ValueTask"/>.</summary>
    public static void Forget(this ValueTask task)
    {
        if (task.IsCompletedSuccessfully) return;
        task.AsTask().Forget();
    }
}
