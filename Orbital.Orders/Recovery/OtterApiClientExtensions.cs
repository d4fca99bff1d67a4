using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Polly;

namespace Orbital.Orders.Recovery;

public static class OtterApiClientExtensions
{
    /// <summary>The Otter Public API client (<see cref="IOtterOrderFeed"/>) with its own retry policy, from section <c>Otter:Api</c>.</summary>
    public static IServiceCollection AddOtterApiClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OtterApiOptions>().Bind(configuration.GetSection(OtterApiOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OtterTokens>();

        var api = configuration.GetSection(OtterApiOptions.SectionName).Get<OtterApiOptions>() ?? new OtterApiOptions();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked for evaluation; it is the documented way to replace the default.
        services.AddHttpClient<IOtterOrderFeed, OtterApiClient>(http =>
            {
                // A base address without its trailing slash would drop its last segment from every relative request.
                http.BaseAddress = api.BaseUrl is { } url && !url.AbsoluteUri.EndsWith('/') ? new Uri(url.AbsoluteUri + "/") : api.BaseUrl;
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            // Otter's rate limits call for its own retry policy (Retry-After honoured) instead of the service default.
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler(OtterApiClient.HttpClientName, pipeline => pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(api.MaxRetries, 1),
                    BackoffType = DelayBackoffType.Exponential,
                    Delay = api.RetryDelay,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                })
                .AddTimeout(api.AttemptTimeout));
#pragma warning restore EXTEXP0001
        return services;
    }
}
