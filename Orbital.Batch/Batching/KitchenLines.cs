using System.Text;
using Orbital.Batch.Events;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Places;

namespace Orbital.Batch.Batching;

/// <summary>
/// Turns a structured order's lines into kitchen lines: the kitchen and brand from the order's store, then each line's
/// station, prep time and fire-at from that brand's menu as that kitchen cooks it, and the kitchen's business day.
/// What the guest wrote goes with each line: a line's note is part of its batch key (it batches only with lines asking
/// the same), and when the line's note or the order's note signals an allergy the order's id is too, so that its food
/// is cooked apart from every other order's.
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
        var orderNote = GuestNotes.Clean(order.CustomerNote);
        var orderAllergy = GuestNotes.SignalsAllergy(orderNote, options.AllergyWordsInUse);
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
            // The pass's stream is no station, whatever Otter calls one.
            var station = item?.StationId
                ?? (string.IsNullOrWhiteSpace(line.StationId) || line.StationId == KitchenEventTypes.ExpoStation
                    ? KitchenMap.UnassignedStationId
                    : places.OtterStation(kitchen.Id, line.StationId) ?? line.StationId);
            var prep = item is null ? options.DefaultPrepTime : TimeSpan.FromSeconds(item.PrepSeconds);
            var fireAt = readyBy - prep;
            var note = GuestNotes.Clean(line.Note);
            var allergyNote = AllergyNote(note, line.Modifiers, orderAllergy ? orderNote : null, options.AllergyWordsInUse);
            lines.Add(new KitchenLine(
                lineIds[index],
                new BatchKey(kitchen.Id, station, sku, CookSignature(line.Modifiers, note, allergyNote is null ? null : order.OrderId)),
                item?.Name ?? line.Name,
                Display(line.Modifiers),
                line.Quantity,
                fireAt,
                // The day it is cooked in: when it is due, but never before the kitchen has it (a late order is today's work).
                places.BusinessDay(kitchen.Id, fireAt > receivedAt ? fireAt : receivedAt),
                item?.Batchable ?? true,
                item?.MaxBatchSize ?? options.DefaultMaxBatchSize,
                note,
                allergyNote,
                (int)prep.TotalSeconds));
        }

        return lines;
    }

    /// <summary>What signalled an allergy for this line, in the guest's words: its note, its modifiers, the order's note; null when nothing did.</summary>
    private static string? AllergyNote(string? note, IEnumerable<LineModifier> modifiers, string? orderAllergyNote, IReadOnlyList<string> words)
    {
        var said = new List<string>();
        if (GuestNotes.SignalsAllergy(note, words))
        {
            said.Add(note!);
        }

        said.AddRange(AllModifiers(modifiers)
            .Where(m => GuestNotes.ModifierSignalsAllergy(m.Name, m.GroupName, words))
            .Select(m => string.IsNullOrEmpty(m.GroupName) ? m.Name : $"{m.Name} ({m.GroupName})"));
        if (orderAllergyNote is not null)
        {
            said.Add($"Order: {orderAllergyNote}");
        }

        return said.Count == 0 ? null : GuestNotes.Clean(string.Join(" · ", said));
    }

    private static IEnumerable<LineModifier> AllModifiers(IEnumerable<LineModifier> modifiers) =>
        modifiers.SelectMany(m => AllModifiers(m.Modifiers).Prepend(m));

    /// <summary>
    /// What besides the SKU makes two lines the same thing to cook: their modifiers, their note, and for an allergy the
    /// order itself. A line with neither note nor allergy has its modifiers' signature alone, as before notes counted.
    /// </summary>
    public static string CookSignature(IEnumerable<LineModifier> modifiers, string? note, string? cookedApartFor)
    {
        var signature = Signature(modifiers);
        // A line with dozens of long modifiers would make an index entry PostgreSQL cannot store (over 2,704 bytes), and
        // the order would never reach the kitchen: past a few hundred characters its key holds a hash of them.
        if (signature.Length > MaxSignatureLength)
        {
            signature = $"sha256:{GuestNotes.KeyOf(signature)}";
        }

        if (note is not null)
        {
            signature += $"\u001enote:{GuestNotes.KeyOf(note)}";
        }

        return cookedApartFor is null ? signature : $"{signature}\u001eorder:{cookedApartFor}";
    }

    private const int MaxSignatureLength = 500;

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
