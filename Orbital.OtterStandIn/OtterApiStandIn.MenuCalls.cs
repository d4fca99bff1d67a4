using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Orbital.OtterStandIn;

/// <summary>
/// Otter's menu availability calls: <c>POST /manager/menu/v1/menus/entities/availability/{suspend | unsuspend}</c> with a
/// bearer token and <c>X-Store-Id</c>, answered 202 with a menu job; 401 for a token it did not issue, 400 without a
/// store or with a body that is not the documented one (<c>entityIds</c>, <c>note</c>, and for a suspension
/// <c>status.isIndefinite</c>); over 16 a minute per store and endpoint (Otter's documented limit) 429. It keeps what is
/// suspended per store, as Otter's menu would.
/// </summary>
public sealed partial class OtterApiStandIn
{
    private readonly ConcurrentQueue<MenuCall> _menuCalls = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scriptedMenu = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _suspended = new(StringComparer.Ordinal);
    private int _menuLimitsServed;

    /// <summary>One menu call as Otter saw it, and what it answered.</summary>
    public sealed record MenuCall(string StoreId, string Action, IReadOnlyList<string> EntityIds, string? Note, string? Body, int Status, DateTimeOffset At);

    public IReadOnlyList<MenuCall> MenuCalls => [.. _menuCalls];

    /// <summary>Calls a minute to one store's suspend (or unsuspend) endpoint before 429: Otter documents 16.</summary>
    public int MenuCallLimitPerMinute { get; set; } = 16;

    /// <summary>429s answered because the menu limit was passed (not scripted ones).</summary>
    public int MenuLimitsServed => _menuLimitsServed;

    /// <summary>The store's menu entities suspended now, by the calls Otter accepted.</summary>
    public IReadOnlyCollection<string> SuspendedEntities(string storeId) =>
        _suspended.TryGetValue(storeId, out var entities) ? [.. entities.Keys.Order(StringComparer.Ordinal)] : [];

    /// <summary>The next menu calls for <paramref name="storeId"/> get these answers in turn; then calls are answered normally.</summary>
    public void ScriptMenuCalls(string storeId, params int[] statuses) => _scriptedMenu[storeId] = new ConcurrentQueue<int>(statuses);

    private async Task<IResult> MenuCallAsync(HttpRequest request, string action)
    {
        var storeId = request.Headers["X-Store-Id"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var (entityIds, note) = ReadMenuBody(action, body);

        IResult Answer(int status, string code, string message)
        {
            _menuCalls.Enqueue(new MenuCall(storeId, action, entityIds ?? [], note, body, status, DateTimeOffset.UtcNow));
            return status == 202
                ? Results.Json(new { jobReference = new { id = Guid.NewGuid().ToString(), status = "PENDING" }, jobType = "PUBLISH" }, statusCode: 202)
                : Error(status, code, message);
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_validTokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            return Answer(401, "UNAUTHORIZED", "Invalid authorization.");
        }

        if (_scriptedMenu.TryGetValue(storeId, out var script) && script.TryDequeue(out var scripted))
        {
            return Answer(scripted, "SCRIPTED", $"Scripted answer {scripted}.");
        }

        if (string.IsNullOrEmpty(storeId))
        {
            return Answer(400, "BAD_REQUEST", "X-Store-Id is required.");
        }

        if (action is not ("suspend" or "unsuspend"))
        {
            return Answer(404, "NOT_FOUND", $"No such availability action: {action}.");
        }

        if (entityIds is null)
        {
            return Answer(400, "BAD_REQUEST", $"The body does not fit {action}: entityIds, note{(action == "suspend" ? " and status.isIndefinite" : "")} are required.");
        }

        if (!WithinMenuLimit(storeId, action))
        {
            Interlocked.Increment(ref _menuLimitsServed);
            return Answer(429, "RATE_LIMITED", "Too many requests.");
        }

        var suspended = _suspended.GetOrAdd(storeId, _ => new(StringComparer.Ordinal));
        foreach (var id in entityIds)
        {
            if (action == "suspend")
            {
                suspended[id] = true;
            }
            else
            {
                suspended.TryRemove(id, out _);
            }
        }

        return Answer(202, "ACCEPTED", "");
    }

    /// <summary>The documented body: <c>{"entityIds": [...], "note": "...", "status": {"isIndefinite": true}}</c> (no status to unsuspend); null ids when it does not fit.</summary>
    private static (IReadOnlyList<string>? EntityIds, string? Note) ReadMenuBody(string action, string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("entityIds", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() == 0
                || ids.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.String)
                || !root.TryGetProperty("note", out var note) || note.ValueKind != JsonValueKind.String
                || (action == "suspend" && (!root.TryGetProperty("status", out var status) || !status.TryGetProperty("isIndefinite", out var indefinite)
                    || indefinite.ValueKind is not (JsonValueKind.True or JsonValueKind.False))))
            {
                return (null, null);
            }

            return ([.. ids.EnumerateArray().Select(i => i.GetString()!)], note.GetString());
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private bool WithinMenuLimit(string storeId, string action)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_limitLock)
        {
            var key = (storeId, $"menu:{action}");
            if (!_perEndpoint.TryGetValue(key, out var sent))
            {
                _perEndpoint[key] = sent = new Queue<DateTimeOffset>();
            }

            while (sent.Count > 0 && sent.Peek() <= now.AddMinutes(-1))
            {
                sent.Dequeue();
            }

            sent.Enqueue(now);
            return sent.Count <= MenuCallLimitPerMinute;
        }
    }
}
