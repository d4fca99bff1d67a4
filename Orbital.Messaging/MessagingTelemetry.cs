using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

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
    public static readonly Histogram<double> HandlingDuration = Meter.CreateHistogram<double>("orbital.messaging.handling.duration", unit: "s", description: "Time to handle one delivery.");

    private static TextMapPropagator Propagator => Propagators.DefaultTextMapPropagator;

    /// <summary>Writes the current trace context into message headers.</summary>
    public static void InjectTraceContext(Activity? activity, IDictionary<string, object?> headers)
    {
        var context = activity?.Context ?? Activity.Current?.Context ?? default;
        if (context == default)
        {
            return;
        }

        Propagator.Inject(new PropagationContext(context, Baggage.Current), headers,
            static (carrier, key, value) => carrier[key] = value);
    }

    /// <summary>Captures the current trace context as text headers (for the outbox, which publishes later).</summary>
    public static Dictionary<string, string> CaptureTraceContext()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Activity.Current is { } current)
        {
            Propagator.Inject(new PropagationContext(current.Context, Baggage.Current), headers,
                static (carrier, key, value) => carrier[key] = value);
        }

        return headers;
    }

    /// <summary>Reads the trace context of a received message.</summary>
    public static ActivityContext ExtractTraceContext(IDictionary<string, object?>? headers)
    {
        if (headers is null)
        {
            return default;
        }

        var propagation = Propagator.Extract(default, headers, static (carrier, key) =>
            carrier.TryGetValue(key, out var value) && HeaderText(value) is { } text ? [text] : []);
        return propagation.ActivityContext;
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
