namespace Orbital.Tests.Infrastructure;

/// <summary>
/// Waits for a condition observable only by asking (an HTTP status, a row count), with a deadline.
/// Where an event can be awaited instead, tests await the event.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what) =>
        UntilAsync(probe, done, timeout, () => what);

    /// <summary>As above, with a description made only on failure (e.g. to include a process's output by then).</summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<string> what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        T last = default!;
        Exception? lastError = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                last = await probe(deadline.Token);
                if (done(last))
                {
                    return last;
                }

                lastError = null;
            }
            catch (Exception ex) when (!deadline.IsCancellationRequested)
            {
                lastError = ex;
            }

            try
            {
                await Task.Delay(Interval, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what()}; last seen: {(object?)lastError?.Message ?? last}");
    }
}
