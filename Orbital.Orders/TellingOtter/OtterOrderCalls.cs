using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Orbital.Orders.Recovery;

namespace Orbital.Orders.TellingOtter;

/// <summary>What became of one call to Otter.</summary>
public enum OtterCallResult
{
    /// <summary>Otter accepted it (202, or any 2xx).</summary>
    Accepted,
    /// <summary>Otter will never accept it as it is (400, 403, 404, 409, 422, …): retrying cannot help.</summary>
    Refused,
    /// <summary>Rate limited (429), Otter failing (5xx), a timeout or a network error, or a token refused twice: try again later.</summary>
    TryLater,
}

public sealed record OtterCallOutcome(OtterCallResult Result, int? Status, string? Error);

/// <summary>
/// The calls a kitchen makes to Otter's Public API about one order: <c>POST
/// /manager/order/v1/sources/{source}/orders/{orderId}/{confirm | ready-to-pickup | fulfill}</c> with the bearer token and
/// <c>X-Store-Id</c>; and about a store's menu: <c>POST /manager/menu/v1/menus/entities/availability/{suspend | unsuspend}</c>. One attempt per call, no retries here: the sender decides when to try again, within Otter's limits.
/// </summary>
public sealed class OtterOrderCalls(HttpClient http, OtterTokens tokens)
{
    public const string HttpClientName = "otter-order-calls";

    public async Task<OtterCallOutcome> SendAsync(
        string storeId, string source, string orderId, string endpoint, string? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (storeId.Length == 0 || storeId.Any(c => c is < ' ' or > '~'))
        {
            return new OtterCallOutcome(OtterCallResult.Refused, null, "the store id cannot be sent as X-Store-Id (printable ASCII only)");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var token = await tokens.GetAsync(http, forceRenewal: attempt > 1, deadline.Token);
                using var request = new HttpRequestMessage(HttpMethod.Post, MenuAvailabilityHandler.PathOf(endpoint)
                    ?? $"manager/order/v1/sources/{Uri.EscapeDataString(source)}/orders/{Uri.EscapeDataString(orderId)}/{endpoint}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Headers.Add(OtterApiClient.StoreHeader, storeId);
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request, deadline.Token);
                // Otter documents rare 401s for valid tokens: renew once; a second one waits for the next attempt.
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
                {
                    continue;
                }

                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    return new OtterCallOutcome(OtterCallResult.Accepted, status, null);
                }

                var text = await response.Content.ReadAsStringAsync(deadline.Token);
                var error = $"{status} {response.ReasonPhrase}: {(text.Length > 500 ? text[..500] : text)}";
                return new OtterCallOutcome(
                    status is 401 or 408 or 425 or 429 or >= 500 ? OtterCallResult.TryLater : OtterCallResult.Refused, status, error);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new OtterCallOutcome(OtterCallResult.TryLater, null, $"no answer within {timeout.TotalSeconds} s");
        }
        catch (HttpRequestException ex)
        {
            return new OtterCallOutcome(OtterCallResult.TryLater, (int?)ex.StatusCode, ex.Message);
        }
        catch (OtterApiException ex)
        {
            // The token request failed (wrong credentials, Otter down): the call waits until a token can be had.
            return new OtterCallOutcome(OtterCallResult.TryLater, null, ex.Message);
        }
    }
}
