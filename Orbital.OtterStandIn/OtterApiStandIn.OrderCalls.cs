using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orbital.OtterStandIn;

/// <summary>
/// Otter's order callbacks: <c>POST /manager/order/v1/sources/{source}/orders/{orderId}/{confirm | ready-to-pickup |
/// fulfill | cancel | prep-time}</c> with a bearer token and <c>X-Store-Id</c>, answered 202; 401 for a token it did not
/// issue, 400 without a store, 422 for a body it cannot take; over its limits (per store and endpoint per minute, and
/// per second in all) 429 without <c>Retry-After</c>, as Otter promises none. Tests script answers per order.
/// </summary>
public sealed partial class OtterApiStandIn
{
    private static readonly string[] Actions = ["confirm", "ready-to-pickup", "fulfill", "cancel", "prep-time"];
    private readonly ConcurrentQueue<OrderCall> _orderCalls = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripted = new(StringComparer.Ordinal);
    private readonly Lock _limitLock = new();
    private readonly Dictionary<(string Store, string Action), Queue<DateTimeOffset>> _perEndpoint = [];
    private readonly Queue<DateTimeOffset> _perSecond = new();
    private int _callLimitsServed;

    /// <summary>One call as Otter saw it, and what it answered (0: it never answered).</summary>
    public sealed record OrderCall(string StoreId, string Source, string OrderId, string Action, string? Body, string? Authorization, int Status, DateTimeOffset At);

    /// <summary>Every call made about an order, in arrival order.</summary>
    public IReadOnlyList<OrderCall> OrderCalls => [.. _orderCalls];

    /// <summary>The calls of one order that Otter accepted (202).</summary>
    public IReadOnlyList<OrderCall> AcceptedCalls(string orderId) => [.. _orderCalls.Where(c => c.OrderId == orderId && c.Status == 202)];

    /// <summary>Calls a minute to one store's one endpoint before 429 (Otter documents about 32).</summary>
    public int CallLimitPerMinute { get; set; } = 32;

    public int CallLimitPerSecond { get; set; } = 20;

    /// <summary>429s answered because a limit was passed (not scripted ones).</summary>
    public int CallLimitsServed => _callLimitsServed;

    /// <summary>
    /// The next calls about <paramref name="orderId"/> get these answers in turn (401 also refuses the token presented;
    /// 0 never answers, as a hung server); then calls are answered normally.
    /// </summary>
    public void ScriptOrderCalls(string orderId, params int[] statuses) => _scripted[orderId] = new ConcurrentQueue<int>(statuses);

    private async Task<IResult> OrderCallAsync(HttpRequest request, string source, string orderId, string action)
    {
        var storeId = request.Headers["X-Store-Id"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        string? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync();
        }

        IResult Answer(int status, string code, string message)
        {
            _orderCalls.Enqueue(new OrderCall(storeId, source, orderId, action, body, authorization, status, DateTimeOffset.UtcNow));
            return status == 202 ? Results.StatusCode(202) : Error(status, code, message);
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_validTokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            return Answer(401, "UNAUTHORIZED", "Invalid authorization.");
        }

        if (_scripted.TryGetValue(orderId, out var script) && script.TryDequeue(out var scripted))
        {
            switch (scripted)
            {
                case 0:
                    _orderCalls.Enqueue(new OrderCall(storeId, source, orderId, action, body, authorization, 0, DateTimeOffset.UtcNow));
                    await Task.Delay(Timeout.Infinite, request.HttpContext.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Empty;
                case 401:
                    _validTokens.TryRemove(authorization["Bearer ".Length..], out _);
                    return Answer(401, "UNAUTHORIZED", "Invalid authorization.");
                default:
                    return Answer(scripted, "SCRIPTED", $"Scripted answer {scripted}.");
            }
        }

        if (string.IsNullOrEmpty(storeId))
        {
            return Answer(400, "BAD_REQUEST", "X-Store-Id is required.");
        }

        if (!Actions.Contains(action))
        {
            return Answer(404, "NOT_FOUND", $"No such order action: {action}.");
        }

        if (!BodyFits(action, body))
        {
            return Answer(422, "UNPROCESSABLE_ENTITY", $"The body does not fit {action}.");
        }

        if (!WithinLimits(storeId, action))
        {
            Interlocked.Increment(ref _callLimitsServed);
            return Answer(429, "RATE_LIMITED", "Too many requests.");
        }

        return Answer(202, "ACCEPTED", "");
    }

    /// <summary>confirm takes an optional <c>{"estimatedPrepTimeMinutes": n}</c>; ready-to-pickup and fulfill take none.</summary>
    private static bool BodyFits(string action, string? body)
    {
        if (action is "ready-to-pickup" or "fulfill")
        {
            return string.IsNullOrEmpty(body);
        }

        if (action != "confirm" || string.IsNullOrEmpty(body))
        {
            return true;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.EnumerateObject().All(p => p.Name == "estimatedPrepTimeMinutes")
                && (!json.RootElement.TryGetProperty("estimatedPrepTimeMinutes", out var minutes) || (minutes.TryGetInt32(out var n) && n >= 0));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool WithinLimits(string storeId, string action)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_limitLock)
        {
            if (!_perEndpoint.TryGetValue((storeId, action), out var sent))
            {
                _perEndpoint[(storeId, action)] = sent = new Queue<DateTimeOffset>();
            }

            while (sent.Count > 0 && sent.Peek() <= now.AddMinutes(-1))
            {
                sent.Dequeue();
            }

            while (_perSecond.Count > 0 && _perSecond.Peek() <= now.AddSeconds(-1))
            {
                _perSecond.Dequeue();
            }

            // Every request counts against the limits, answered or not, as Otter counts them.
            sent.Enqueue(now);
            _perSecond.Enqueue(now);
            return sent.Count <= CallLimitPerMinute && _perSecond.Count <= CallLimitPerSecond;
        }
    }
}
