using Npgsql;
using Orbital.Contracts.Orders;
using Orbital.Messaging;
using Orbital.Places;
using Orbital.Prep.Availability;
using Orbital.Prep.Data;
using Orbital.Prep.MenuRecipes;

namespace Orbital.Prep.Depletion;

/// <summary>
/// Prep's own queue on <c>structured_order_data</c>: every order takes what its recipes use off its kitchen's on-hand.
/// Idempotent by order id and version as Batch is: a version not newer than the one applied changes nothing; a newer one
/// (an update, a cancellation) moves stock by the difference from what the older one used. A batch of deliveries is one
/// transaction; the orders' rows are locked in id order first, so two Prep instances never deadlock over them.
/// </summary>
public sealed partial class OrderDepletion(
    NpgsqlDataSource dataSource, PrepSchema schema, PlacesCache places, MenuAvailabilityKeeper availability, TimeProvider time, ILogger<OrderDepletion> logger)
    : IMessageBatchHandler
{
    /// <summary>What <c>prep.on_hand</c> says moved it, and who.</summary>
    public const string Source = "orders";

    /// <summary>Beyond Orders' own bound on a line: a message with more is not an order.</summary>
    private const int MaxQuantity = 100_000;

    public Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken) => HandleBatchAsync([message], cancellationToken);

    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var orders = messages.Select(Parse).ToList();
        await schema.WaitUntilReadyAsync(cancellationToken);
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var now = time.GetUtcNow();
        // An order of a store the setup does not place (or places without a brand) uses nothing anywhere: nothing to
        // record (Batch lists the store for operators). Prep's work stays off the order path's budget.
        var placed = orders.Select(order => (Order: order, Place: map.StoreLocation(order.StoreId))).Where(p => p.Place.BrandId is not null).ToList();
        if (placed.Count == 0)
        {
            Log.Applied(logger, 0, orders.Count, 0);
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var brands = placed.Select(p => p.Place.BrandId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var recipes = (await MenuRecipeStore.ForBrandsAsync(connection, transaction, brands, cancellationToken))
            .GroupBy(r => r.BrandId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<(string, string), MenuRecipe>)g.ToDictionary(r => (r.Kind, r.MenuSku)), StringComparer.Ordinal);
        var applied = await SoldOrders.LockAsync(connection, transaction, [.. placed.Select(p => p.Order.OrderId)], now, cancellationToken);

        var changes = new SoldOrders.Changes();
        var stale = 0;
        foreach (var (order, (kitchen, brandId)) in placed)
        {
            var before = applied[order.OrderId];
            if (order.Version <= before.Version)
            {
                stale++;
                continue;
            }

            var (usage, unmapped) = OrderUsage.Of(order, recipes.GetValueOrDefault(brandId!) ?? new Dictionary<(string, string), MenuRecipe>());
            var orderedAt = order.OrderedAt?.ToDateTimeOffset() ?? now;
            var after = new SoldOrder(order.OrderId, order.Version, order.StoreId, brandId, kitchen.Id, orderedAt,
                map.BusinessDay(kitchen.Id, orderedAt), OrderUsage.IsCanceled(order), usage);
            changes.Apply(before, after, unmapped.Select(u => (brandId!, u)), isNew: before.Version == 0);
            applied[order.OrderId] = after;
        }

        await changes.WriteAsync(connection, transaction, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (changes.StockMoves > 0)
        {
            // Something may have run out: whether items must come off sale is looked at now, not at the next interval.
            availability.Wake();
        }

        Log.Applied(logger, placed.Count - stale, orders.Count - placed.Count + stale, changes.StockMoves);
    }

    private static StructuredOrder Parse(IncomingMessage message)
    {
        var order = message.Read<StructuredOrder>();
        if (order.Unusable is { } why)
        {
            throw new PoisonMessageException(why);
        }

        if (order.Lines.Any(l => l.Quantity is < 0 or > MaxQuantity || Modifiers(l.Modifiers).Any(m => m.Quantity is < 0 or > MaxQuantity)))
        {
            throw new PoisonMessageException($"Order {order.OrderId} has a line or modifier quantity below 0 or above {MaxQuantity:N0}.");
        }

        return order;

        static IEnumerable<LineModifier> Modifiers(IEnumerable<LineModifier> modifiers) =>
            modifiers.SelectMany(m => Modifiers(m.Modifiers).Prepend(m));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Orders applied to stock: {Applied} ({Skipped} not newer than applied or of a store not set up), {Moves} on-hand rows moved")]
        public static partial void Applied(ILogger logger, int applied, int skipped, int moves);
    }
}
