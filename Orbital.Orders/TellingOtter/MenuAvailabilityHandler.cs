using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts.Menus;
using Orbital.Messaging;
using Orbital.Orders.Data;
using Orbital.Orders.Recovery;

namespace Orbital.Orders.TellingOtter;

/// <summary>
/// Takes a store's menu items off sale at Otter or puts them back (Prep's <see cref="MenuAvailabilityChange"/>) as rows of
/// <c>otter.otter_calls</c> that the sender makes like the kitchen's steps: a store's menu calls share the sequence
/// <c>menu:{store}</c>, so a suspension and the unsuspension after it reach Otter in that order, each paced under the
/// endpoint's own limit. A redelivered change finds its rows and changes nothing.
/// </summary>
public sealed partial class MenuAvailabilityHandler(
    NpgsqlDataSource dataSource, OrdersSchema schema, IOptions<OtterApiOptions> api, TimeProvider time, ILogger<MenuAvailabilityHandler> logger) : IMessageHandler
{
    public const string Suspend = "menu-suspend", Unsuspend = "menu-unsuspend";

    /// <summary>Otter's path for each menu call.</summary>
    public static string? PathOf(string endpoint) => endpoint switch
    {
        Suspend => "manager/menu/v1/menus/entities/availability/suspend",
        Unsuspend => "manager/menu/v1/menus/entities/availability/unsuspend",
        _ => null,
    };

    /// <summary>The sequence a store's menu calls share in <c>otter_calls.order_id</c> (an order's calls use the order id).</summary>
    public static string SequenceOf(string storeId) => $"menu:{storeId}";

    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var change = Read(message);
        var now = time.GetUtcNow();
        var calls = new List<(string Milestone, string Endpoint, string Body)>();
        if (change.Suspended.Count > 0)
        {
            var outOf = change.Suspended.SelectMany(i => i.OutOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var note = change.Suspended.All(i => i.Reason == "marked_out") ? "Marked out by the kitchen"
                : $"Out of {string.Join(", ", outOf.Take(5))}{(outOf.Count > 5 ? " and more" : "")}";
            calls.Add(($"{change.ChangeId}:suspend", Suspend, JsonSerializer.Serialize(
                new SuspendBody([.. change.Suspended.Select(i => i.Sku)], note, new SuspensionStatus(true)), MenuCallsJson.Default.SuspendBody)));
        }

        if (change.Unsuspended.Count > 0)
        {
            calls.Add(($"{change.ChangeId}:unsuspend", Unsuspend, JsonSerializer.Serialize(
                new UnsuspendBody([.. change.Unsuspended], "Back in stock"), MenuCallsJson.Default.UnsuspendBody)));
        }

        await schema.WaitUntilReadyAsync(cancellationToken);
        var printable = change.StoreId.Length > 0 && change.StoreId.All(c => c is >= ' ' and <= '~');
        var state = !api.Value.IsConfigured ? "not_configured" : printable ? "pending" : "failed";
        string? error = state == "failed" ? "the store id cannot be sent as X-Store-Id (printable ASCII only)" : null;
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO otter.otter_calls (event_id, order_id, store_id, source, milestone, endpoint, body, by, state, attempts,
                                           occurred_at, next_attempt_at, created_at, last_error, trace_parent)
            SELECT $1, $2, $3, '', m, e, b, 'prep', $6, 0, $7, $8, $8, $9, $10
            FROM unnest($4::text[], $5::text[], $11::jsonb[]) WITH ORDINALITY AS c (m, e, b, n)
            ORDER BY n
            ON CONFLICT (order_id, milestone) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = change.ChangeId });
        command.Parameters.Add(new NpgsqlParameter { Value = SequenceOf(change.StoreId) });
        command.Parameters.Add(new NpgsqlParameter { Value = change.StoreId });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.Milestone).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.Endpoint).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = state });
        command.Parameters.Add(new NpgsqlParameter { Value = change.DecidedAt?.ToDateTimeOffset() ?? now });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)MessagingTelemetry.TraceHeadersOf(message.TraceParent).GetValueOrDefault(MessageHeaders.TraceParent) ?? DBNull.Value,
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.Body).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Jsonb });
        var recorded = await command.ExecuteNonQueryAsync(cancellationToken);
        Log.Recorded(logger, change.StoreId, change.Suspended.Count, change.Unsuspended.Count, recorded);
    }

    private static MenuAvailabilityChange Read(IncomingMessage message)
    {
        var change = message.Read<MenuAvailabilityChange>();
        return change.Unusable is { } why ? throw new PoisonMessageException(why) : change;
    }

    public sealed record SuspendBody(
        [property: JsonPropertyName("entityIds")] IReadOnlyList<string> EntityIds,
        [property: JsonPropertyName("note")] string Note,
        [property: JsonPropertyName("status")] SuspensionStatus Status);

    public sealed record SuspensionStatus([property: JsonPropertyName("isIndefinite")] bool IsIndefinite);

    public sealed record UnsuspendBody(
        [property: JsonPropertyName("entityIds")] IReadOnlyList<string> EntityIds,
        [property: JsonPropertyName("note")] string Note);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1721, Level = LogLevel.Information, Message = "Store {StoreId}: {Suspended} item(s) to take off sale at Otter, {Unsuspended} to put back ({Rows} call(s) recorded)")]
        public static partial void Recorded(ILogger logger, string storeId, int suspended, int unsuspended, int rows);
    }
}

[JsonSerializable(typeof(MenuAvailabilityHandler.SuspendBody))]
[JsonSerializable(typeof(MenuAvailabilityHandler.UnsuspendBody))]
internal sealed partial class MenuCallsJson : JsonSerializerContext;
