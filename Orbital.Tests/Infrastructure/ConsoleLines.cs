using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;

namespace Orbital.Tests.Infrastructure;

/// <summary>A resource's console lines as the AppHost streams them, read until a moment.</summary>
public static class ConsoleLines
{
    public static async Task<IReadOnlyList<string>> UntilAsync(IAsyncEnumerable<IReadOnlyList<LogLine>> watch, CancellationToken until)
    {
        var lines = new ConcurrentQueue<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var batch in watch.WithCancellation(until))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue(line.Content);
                }
            }
        }, CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, until);
        }
        catch (OperationCanceledException) when (until.IsCancellationRequested)
        {
        }

        // A watch of several instances (clustered mode) was seen not to end when cancelled: what it read is kept, the rest let go.
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        return [.. lines];
    }
}
