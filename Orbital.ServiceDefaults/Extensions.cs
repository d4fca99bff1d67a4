using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Orbital service shares: telemetry, health, HTTP resilience, service discovery,
/// problem details and (when configured) Sentry. Nothing service-specific lives here.
/// </summary>
public static class Extensions
{
    /// <summary>Tag of the health checks that say the process itself is alive.</summary>
    public const string LiveTag = "live";

    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";
    private const string PingEndpointPath = "/ping";

    private static readonly TimeSpan DependencyCheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Largest request body a route takes unless it says otherwise.</summary>
    public const long DefaultMaxRequestBodyBytes = 64 * 1024;

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // First, so that every option bound below sees the vault's secrets.
        builder.AddKeyVaultSecretsWhenConfigured();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddSentryWhenConfigured();

        builder.AddDefaultOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        // Binding failures always raise BadHttpRequestException (not only in Development), so they get a problem with the reason.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // A field a route does not know is refused with a problem naming it: dropped silently, a misspelt field
        // ("shelfLifeDays" for "shelfLifeHours") would look accepted and be lost.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow);
        // No request may make a service hold megabytes; a route that needs more says so (RequestSizeLimit metadata).
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options =>
            options.Limits.MaxRequestBodySize = Microsoft.Extensions.Configuration.ConfigurationBinder.GetValue<long?>(builder.Configuration, "Kestrel:Limits:MaxRequestBodySize") ?? DefaultMaxRequestBodyBytes);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    private const int MetricTagSetsPerStream = 100;

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Orbital.*")
                .AddMeter("Npgsql")
                // Every metric stream sets aside room for its cardinality limit up front (2,000 points, about 144 KB, by
                // default): some fifty streams held 7 MB of each idle service. No Orbital metric has that many tag sets.
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MetricTagSetsPerStream }))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("Orbital.*")
                .AddSource("Npgsql")
                .AddSource("RabbitMQ.Client.*")
                .AddAspNetCoreInstrumentation(aspnet =>
                    // Health probes every few seconds would drown the traces that matter.
                    aspnet.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        // A dependency that is down degrades the service; it never makes it "dead", so the
        // orchestrator does not restart a healthy process that is only waiting for a server.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                if (!registration.Tags.Contains(LiveTag))
                {
                    registration.FailureStatus = HealthStatus.Degraded;
                    // A server that does not answer must not make the health endpoint hang with it.
                    registration.Timeout = DependencyCheckTimeout;
                }
            }
        });

        return builder;
    }

    private static TBuilder AddSentryWhenConfigured<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var dsn = builder.Configuration["SENTRY_DSN"];
        if (string.IsNullOrWhiteSpace(dsn) || builder is not WebApplicationBuilder web)
        {
            return builder;
        }

        web.WebHost.UseSentry(options =>
        {
            options.Dsn = dsn;
            options.Environment = builder.Environment.EnvironmentName;
            options.SendDefaultPii = false;
        });
        return builder;
    }

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // The probes' requests are not traced (the instrumentation's filter); what their checks do (a query, a PING)
        // must not be either: without this, each probe's statements left a trace of their own every few seconds.
        app.Use(async (context, next) =>
        {
            if (!IsProbe(context.Request.Path))
            {
                await next(context);
                return;
            }

            // A prober that gives up (the orchestrator's early checks on a busy machine) would cancel the checks, which
            // then report and log "Unhealthy: the operation was canceled" for a database that is fine: they run to their
            // own end instead, ten seconds at most.
            using var bounded = new CancellationTokenSource(ProbeTimeout);
            context.RequestAborted = bounded.Token;
            using (OpenTelemetry.SuppressInstrumentationScope.Begin())
            {
                await next(context);
            }
        });

        // Probes stay open in services that require a token everywhere else (Prep).
        app.MapGet(PingEndpointPath, () => TypedResults.Text("pong"))
            .WithTags("Health").ExcludeFromDescription().AllowAnonymous();

        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = WriteHealthReportAsync }).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
            ResponseWriter = WriteHealthReportAsync,
        }).AllowAnonymous();
        app.MapDefaultOpenApi();

        return app;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AlivenessEndpointPath) || path.StartsWithSegments(PingEndpointPath);

    private static Task WriteHealthReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new HealthReportResponse(
            report.Status.ToString(),
            report.TotalDuration.TotalMilliseconds,
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthEntryResponse(
                    entry.Value.Status.ToString(),
                    entry.Value.Description ?? entry.Value.Exception?.Message,
                    entry.Value.Duration.TotalMilliseconds)));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJson.Options, context.RequestAborted);
    }

    private sealed record HealthReportResponse(string Status, double DurationMs, Dictionary<string, HealthEntryResponse> Entries);

    private sealed record HealthEntryResponse(string Status, string? Description, double DurationMs);

    private static class HealthJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
