using System.Diagnostics;

namespace Orbital.Tests.Infrastructure;

/// <summary>Turns on an activity source for the duration of a test, as the OpenTelemetry SDK does in a service.</summary>
public static class ActivityRecorder
{
    public static IDisposable Listen(string sourceName)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
