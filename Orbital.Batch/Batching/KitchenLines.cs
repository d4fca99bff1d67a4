using System.Text;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Places;

namespace Orbital.Batch.Batching;

/// <summary>
/// Turns a structured order's lines into kitchen lines: the kitchen and brand from the order's store, then each line's
/// station, prep time and fire-at from that brand's menu as that kitchen cooks it, and the kitchen's business day.
/// </summary>
public static class KitchenLines
{
    /// <param name="receivedAt">When Batch took the order: its ready-by when the order gives no time at all.</param>
    public static List<KitchenLine> From(StructuredOrder order, KitchenMap places, BatchingOptions options, DateTimeOffset receivedAt)
    {
        var readyBy = order.ReadyBy?.ToDateTimeOffset() ?? order.OrderedAt?.ToDateTimeOffset() ?? receivedAt;
        var (kitchen, brandId) = places.StoreLocation(order.StoreId);
        var lines = new List<KitchenLine>(order.Lines.Count);
        // Orders sends unique line ids; any other producer's repeated ids must not merge two portions into one.
        var lineIds = LineIds.MakeUnique(order.Lines.Select(l => l.LineId));
        for (var index = 0; index < order.Lines.Count; index++)
        {
            var line = order.Lines[index];
            if (line.Quantity <= 0)
            {
                continue;
            }

            var sku = string.IsNullOrEmpty(line.Sku) ? $"name:{line.Name}" : line.Sku;
            var item = places.MenuItem(kitchen.Id, brandId, sku);
            // Not on the menu: Otter's station (mapped to the kitchen's own when the setup says which it is), else unassigned.
            var station = item?.StationId
                ?? (string.IsNullOrWhiteSpace(line.StationId) ? KitchenMap.UnassignedStationId : places.OtterStation(kitchen.Id, line.StationId) ?? line.StationId);
            var prep = item is null ? options.DefaultPrepTime : TimeSpan.FromSeconds(item.PrepSeconds);
            var fireAt = readyBy - prep;
            lines.Add(new KitchenLine(
                lineIds[index],
                new BatchKey(kitchen.Id, station, sku, Signature(line.Modifiers)),
                item?.Name ?? line.Name,
                Display(line.Modifiers),
                line.Quantity,
                fireAt,
                // The day it is cooked in: when it is due, but never before the kitchen has it (a late order is today's work).
                places.BusinessDay(kitchen.Id, fireAt > receivedAt ? fireAt : receivedAt),
                item?.Batchable ?? true,
                item?.MaxBatchSize ?? options.DefaultMaxBatchSize));
        }

        return lines;
    }

    /// <summary>The same modifiers in any order give the same signature; nesting and quantities count.</summary>
    public static string Signature(IEnumerable<LineModifier> modifiers)
    {
        var parts = modifiers
            .Select(m => $"{(string.IsNullOrEmpty(m.Id) ? m.Name : m.Id)}x{Math.Max(m.Quantity, 1)}" + (m.Modifiers.Count > 0 ? $"({Signature(m.Modifiers)})" : string.Empty))
            .Order(StringComparer.Ordinal);
        return string.Join(";", parts);
    }

    /// <summary>How a cook reads them: "2× Bacon", "Cheese › Extra cheddar".</summary>
    public static List<string> Display(IEnumerable<LineModifier> modifiers)
    {
        var shown = new List<string>();
        foreach (var modifier in modifiers)
        {
            Describe(modifier, string.Empty, shown);
        }

        return shown;
    }

    private static void Describe(LineModifier modifier, string prefix, List<string> shown)
    {
        var text = new StringBuilder(prefix);
        if (modifier.Quantity > 1)
        {
            text.Append(modifier.Quantity).Append("× ");
        }

        text.Append(modifier.Name);
        shown.Add(text.ToString());
        foreach (var nested in modifier.Modifiers)
        {
            Describe(nested, $"{text} › ", shown);
        }
    }
}
