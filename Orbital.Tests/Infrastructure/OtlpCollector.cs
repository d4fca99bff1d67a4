using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orbital.Tests.Infrastructure;

/// <summary>A span as a service exported it.</summary>
public sealed record CollectedSpan(string Service, string Scope, string TraceId, string SpanId, string? ParentSpanId, string Name);

/// <summary>
/// Receives what the services export over OTLP/HTTP (protobuf), as an OpenTelemetry collector would, and keeps the
/// spans' ids, parents, names, scopes and services. Metrics and logs are taken and dropped. The spans are read from
/// OTLP's wire format directly (only the fields named here; the rest are skipped).
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly ConcurrentQueue<CollectedSpan> _spans = new();
    private WebApplication? _app;

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    public IReadOnlyList<CollectedSpan> Spans => [.. _spans];

    private readonly ConcurrentDictionary<string, long> _exports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _metrics = new(StringComparer.Ordinal);

    /// <summary>How many trace exports <paramref name="service"/> has sent: one more means it flushed what it had ended.</summary>
    public long ExportsFrom(string service) => _exports.GetValueOrDefault(service);

    /// <summary>The names of the metrics each service has exported so far (values are not kept).</summary>
    public IReadOnlySet<string> MetricsFrom(string service) =>
        _metrics.TryGetValue(service, out var names) ? names.Keys.ToHashSet(StringComparer.Ordinal) : new HashSet<string>();

    public static async Task<OtlpCollector> StartAsync()
    {
        var collector = new OtlpCollector();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/traces", collector.ReceiveTracesAsync);
        app.MapPost("/v1/metrics", collector.ReceiveMetricsAsync);
        app.MapPost("/v1/logs", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        collector.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        collector._app = app;
        return collector;
    }

    private async Task<IResult> ReceiveTracesAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var spans = ReadExportRequest(body.ToArray()).ToList();
        foreach (var span in spans)
        {
            _spans.Enqueue(span);
        }

        foreach (var service in spans.Select(s => s.Service).Distinct(StringComparer.Ordinal))
        {
            _exports.AddOrUpdate(service, 1, (_, count) => count + 1);
        }

        return Results.Bytes([], "application/x-protobuf");
    }

    // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }, ResourceMetrics { Resource resource = 1;
    // repeated ScopeMetrics scope_metrics = 2; }, ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; },
    // Metric { string name = 1; ... }
    private async Task<IResult> ReceiveMetricsAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        foreach (var resourceMetrics in Fields(ByteString.CopyFrom(body.ToArray())).Where(f => f.Number == 1))
        {
            var fields = Fields(resourceMetrics.Value).ToList();
            var service = fields.Where(f => f.Number == 1).SelectMany(f => Fields(f.Value)).Where(f => f.Number == 1)
                .Select(f => ReadKeyValue(f.Value)).FirstOrDefault(kv => kv.Key == "service.name").Value ?? "?";
            var names = _metrics.GetOrAdd(service, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            foreach (var metric in fields.Where(f => f.Number == 2).SelectMany(f => Fields(f.Value)).Where(f => f.Number == 2))
            {
                if (Fields(metric.Value).FirstOrDefault(f => f.Number == 1).Value is { IsEmpty: false } name)
                {
                    names.TryAdd(name.ToStringUtf8(), 0);
                }
            }
        }

        return Results.Bytes([], "application/x-protobuf");
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private static IEnumerable<CollectedSpan> ReadExportRequest(byte[] bytes) =>
        Fields(ByteString.CopyFrom(bytes)).Where(f => f.Number == 1).SelectMany(f => ReadResourceSpans(f.Value));

    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }, Resource { repeated KeyValue attributes = 1; }
    private static IEnumerable<CollectedSpan> ReadResourceSpans(ByteString resourceSpans)
    {
        var fields = Fields(resourceSpans).ToList();
        var service = fields.Where(f => f.Number == 1).SelectMany(f => Fields(f.Value)).Where(f => f.Number == 1)
            .Select(f => ReadKeyValue(f.Value)).FirstOrDefault(kv => kv.Key == "service.name").Value ?? "?";
        return fields.Where(f => f.Number == 2).SelectMany(f => ReadScopeSpans(service, f.Value));
    }

    // ScopeSpans { InstrumentationScope scope = 1 { string name = 1; }; repeated Span spans = 2; }
    private static IEnumerable<CollectedSpan> ReadScopeSpans(string service, ByteString scopeSpans)
    {
        var fields = Fields(scopeSpans).ToList();
        var scope = fields.Where(f => f.Number == 1).SelectMany(f => Fields(f.Value)).FirstOrDefault(f => f.Number == 1).Value?.ToStringUtf8() ?? "?";
        return fields.Where(f => f.Number == 2).Select(f => ReadSpan(service, scope, f.Value));
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; ... }
    private static CollectedSpan ReadSpan(string service, string scope, ByteString span)
    {
        var fields = Fields(span).ToList();
        string? Hex(int number) => fields.FirstOrDefault(f => f.Number == number).Value is { IsEmpty: false } value ? Convert.ToHexStringLower(value.Span) : null;
        return new CollectedSpan(service, scope, Hex(1) ?? "?", Hex(2) ?? "?", Hex(4), fields.FirstOrDefault(f => f.Number == 5).Value?.ToStringUtf8() ?? "?");
    }

    // KeyValue { string key = 1; AnyValue value = 2 { string string_value = 1; } }
    private static (string? Key, string? Value) ReadKeyValue(ByteString keyValue)
    {
        var fields = Fields(keyValue).ToList();
        var key = fields.FirstOrDefault(f => f.Number == 1).Value?.ToStringUtf8();
        var value = fields.Where(f => f.Number == 2).SelectMany(f => Fields(f.Value)).FirstOrDefault(f => f.Number == 1).Value?.ToStringUtf8();
        return (key, value);
    }

    /// <summary>The length-delimited fields of a message, in order; fields of other wire types are skipped.</summary>
    private static IEnumerable<(int Number, ByteString Value)> Fields(ByteString message)
    {
        var fields = new List<(int, ByteString)>();
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fields.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes()));
            }
            else
            {
                input.SkipLastField();
            }
        }

        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
