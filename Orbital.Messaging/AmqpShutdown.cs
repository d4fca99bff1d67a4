using Microsoft.Extensions.Logging;

namespace Orbital.Messaging;

/// <summary>
/// Keeps shutdown bounded. Closing a channel or connection waits for the broker's close-ok, and the client was
/// seen waiting 20–30 s per step for one that never came, past the timeout it was given (a service stop took 70 s).
/// Each step gets a hard limit; a step cut short finishes or fails in the background, and the broker
/// requeues whatever the closing channel had not acknowledged.
/// </summary>
internal static class AmqpShutdown
{
    public static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(3);

    public static async Task RunBoundedAsync(Func<Task> step, string what, ILogger logger)
    {
        try
        {
            await Task.Run(step).WaitAsync(StepLimit);
        }
        catch (TimeoutException)
        {
            MessagingLog.CloseFailed(logger, $"{what} did not finish within {StepLimit.TotalSeconds:0} s; left to finish in the background");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            MessagingLog.CloseFailed(logger, $"{what}: {ex.GetBaseException().Message}");
        }
    }

    public static void RunBounded(Action step, string what, ILogger logger) =>
        RunBoundedAsync(() =>
        {
            step();
            return Task.CompletedTask;
        }, what, logger).GetAwaiter().GetResult();
}
