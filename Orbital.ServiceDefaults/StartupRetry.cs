namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Start-up work that needs a server (create a schema, seed a table): tried until it succeeds, with back-off from
/// 0.5 s to 10 s, so that the service starts and serves while the server is down and catches up when it returns.
/// </summary>
public static class StartupRetry
{
    /// <summary>Runs <paramref name="attempt"/> until it succeeds; false if the service stopped first.</summary>
    public static async Task<bool> UntilDoneAsync(
        Func<CancellationToken, Task> attempt, Action<TimeSpan, Exception> onRetry, TimeProvider time, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await attempt(stoppingToken);
                return true;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                onRetry(delay, ex);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        return false;
    }
}
