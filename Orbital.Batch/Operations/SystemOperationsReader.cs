using System.Net.Http.Headers;
using System.Net.Http.Json;
using Orbital.Messaging;

namespace Orbital.Batch.Operations;

/// <summary>
/// Gathers <see cref="SystemOperations"/>: Batch's own queues read here, Orders' and Prep's asked over HTTP
/// (<c>GET /operations/messaging</c>, Orders' <c>GET /operations/otter-calls</c>) with the operator's own token, so
/// each service decides for itself what the operator may see. The calls go out together; one that fails or takes longer
/// than <see cref="Timeout"/> is named, not waited for.
/// </summary>
public sealed class SystemOperationsReader(HttpClient http, MessagingStatusReader messaging, TimeProvider time)
{
    public const string HttpClientName = "operations";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<SystemOperations> ReadAsync(string accessToken, CancellationToken cancellationToken)
    {
        var unavailable = new Dictionary<string, string>(StringComparer.Ordinal);
        var own = messaging.ReadAsync(cancellationToken);
        var orders = GetAsync<MessagingStatus>("http://orders/operations/messaging", "orders", accessToken, unavailable, cancellationToken);
        var prep = GetAsync<MessagingStatus>("http://prep/operations/messaging", "prep", accessToken, unavailable, cancellationToken);
        var otter = GetAsync<OtterCalls>("http://orders/operations/otter-calls", "orders (Otter calls)", accessToken, unavailable, cancellationToken);
        await Task.WhenAll(own, orders, prep, otter);

        var services = new List<MessagingStatus>();
        foreach (var status in new[] { await orders, await own, await prep })
        {
            if (status is not null)
            {
                services.Add(status);
            }
        }

        return new SystemOperations(time.GetUtcNow(), services, await otter, unavailable);
    }

    private async Task<T?> GetAsync<T>(string url, string service, string accessToken, Dictionary<string, string> unavailable, CancellationToken cancellationToken)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            using var response = await http.SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<T>(timeout.Token);
            }

            Record($"answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Record(ex is OperationCanceledException ? $"did not answer within {Timeout.TotalSeconds:0} s" : ex.GetBaseException().Message);
        }

        return null;

        void Record(string reason)
        {
            lock (unavailable)
            {
                unavailable[service] = reason;
            }
        }
    }
}
