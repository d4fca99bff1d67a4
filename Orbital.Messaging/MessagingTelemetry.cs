using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace Orbital.Messaging;

/// <summary>Traces and metrics of every publish and every delivery, and trace context carried in headers.</summary>
public static class MessagingTelemetry
{
    public const string SourceName = "Orbital.Messaging";

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly Meter Meter = new(SourceName);

    public static readonly Counter<long> Published = Meter.CreateCounter<long>("orbital.messaging.published", description: "Messages published with a broker confirm.");
    public static readonly Counter<long> Handled = Meter.CreateCounter<long>("orbital.messaging.handled", description: "Deliveries handled and acknowledged.");
    public static readonly Counter<long> Retried = Meter.CreateCounter<long>("orbital.messaging.retried", description: "Handling attempts that failed and were retried.");
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("orbital.messaging.dead_lettered", description: "Messages sent to a dead-letter queue.");
    public static readonly Histogram<double> HandlingDuration = Meter.CreateHistogram<double>("orbital.messaging.handling.duration", unit: "s", description: "Time to handle one delivery on its own, retries included.");
    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("orbital.messaging.batch.duration", unit: "s", description: "Time to handle deliveries taken together as one batch.");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("orbital.messaging.batch.size", unit: "{delivery}", description: "Deliveries handled together in one batch.");

    // The runtime's W3C propagator, the same one ASP.NET Core and HttpClient use, so the trace continues unbroken.
    private static DistributedContextPropagator Propagator => DistributedContextPropagator.Current;

    /// <summary>Writes the trace context of <paramref name="activity"/> (or the current one) into message headers.</summary>
    public static void InjectTraceContext(Activity? activity, IDictionary<string, object?> headers) =>
        Propagator.Inject(activity ?? Activity.Current, headers, static (carrier, key, value) =>
        {
            if (carrier is IDictionary<string, object?> target)
            {
                target[key] = value;
            }
        });

    /// <summary>Captures the current trace context as text headers (for the outbox, which publishes later).</summary>
    public static Dictionary<string, string> CaptureTraceContext()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        Propagator.Inject(Activity.Current, headers, static (carrier, key, value) =>
        {
            if (carrier is Dictionary<string, string> target)
            {
                target[key] = value;
            }
        });
        return headers;
    }

    /// <summary>The trace context of <paramref name="context"/> as text headers, for a message written now and published later.</summary>
    public static Dictionary<string, string> TraceHeadersOf(ActivityContext context)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context != default)
        {
            headers[MessageHeaders.TraceParent] = $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";
            if (!string.IsNullOrEmpty(context.TraceState))
            {
                headers[MessageHeaders.TraceState] = context.TraceState;
            }
        }

        return headers;
    }

    /// <summary>The trace context stored with a message written earlier (the outbox's headers), if any.</summary>
    public static ActivityContext? StoredTraceContext(IReadOnlyDictionary<string, string>? headers) =>
        headers is not null && headers.TryGetValue(MessageHeaders.TraceParent, out var parent)
            && ActivityContext.TryParse(parent, headers.GetValueOrDefault(MessageHeaders.TraceState), isRemote: true, out var context)
            ? context
            : null;

    /// <summary>Reads the trace context of a received message.</summary>
    public static ActivityContext ExtractTraceContext(IDictionary<string, object?>? headers)
    {
        if (headers is null)
        {
            return default;
        }

        Propagator.ExtractTraceIdAndState(headers, static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = carrier is IDictionary<string, object?> source && source.TryGetValue(name, out var raw) ? HeaderText(raw) : null;
        }, out var traceParent, out var traceState);

        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    /// <summary>AMQP string headers arrive as UTF-8 bytes.</summary>
    public static string? HeaderText(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
