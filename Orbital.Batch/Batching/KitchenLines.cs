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
            var station = item?.StationId ?? OtterStation(places, kitchen.Id, line.StationId) ?? KitchenMap.UnassignedStationId;
            var note = GuestNotes.Clean(line.Note);
            var allergyNote = AllergyNote(note, line.Modifiers, orderAllergy ? orderNote : null, options.AllergyWordsInUse);
            var cookedApartFor = allergyNote is null ? null : order.OrderId;
            var name = item?.Name ?? line.Name;
            lines.Add(Line(lineIds[index], new BatchKey(kitchen.Id, station, sku, CookSignature(Signature(line.Modifiers), note, cookedApartFor)),
                name, Display(line.Modifiers), line.Quantity, item));

            // A modifier Otter assigns to another station (the avocado of a burger) is cooked there too: a line of its own,
            // tied to its line by id and by "for …" on its card, so the order is ready only when both are done.
            foreach (var (modifier, portions, path) in WithPortions(line.Modifiers, line.Quantity, string.Empty))
            {
                var modifierSku = !string.IsNullOrEmpty(modifier.Sku) ? modifier.Sku : !string.IsNullOrEmpty(modifier.Id) ? modifier.Id : $"name:{modifier.Name}";
                var modifierItem = places.MenuItem(kitchen.Id, brandId, modifierSku);
                var modifierStation = string.IsNullOrWhiteSpace(modifier.StationId) ? null : modifierItem?.StationId ?? OtterStation(places, kitchen.Id, modifier.StationId);
                if (modifierStation is null || modifierStation == station)
                {
                    continue;
                }

                var forLine = $"for {name}";
                lines.Add(Line($"{lineIds[index]}#modifier{path}",
                    new BatchKey(kitchen.Id, modifierStation, modifierSku, CookSignature($"{Signature(modifier.Modifiers)}\u001efor:{sku}", note, cookedApartFor)),
                    modifierItem?.Name ?? modifier.Name, [forLine, .. Display(modifier.Modifiers)], portions, modifierItem));
            }

            KitchenLine Line(string lineId, BatchKey key, string lineName, List<string> display, int quantity, KitchenMenuItem? menuItem)
            {
                var prep = menuItem is null ? options.DefaultPrepTime : TimeSpan.FromSeconds(menuItem.PrepSeconds);
                var fireAt = readyBy - prep;
                return new KitchenLine(
                    lineId,
                    key,
                    lineName,
                    display,
                    quantity,
                    fireAt,
                    // The day it is cooked in: when it is due, but never before the kitchen has it (a late order is today's work).
                    places.BusinessDay(kitchen.Id, fireAt > receivedAt ? fireAt : receivedAt),
                    menuItem?.Batchable ?? true,
                    menuItem?.MaxBatchSize ?? options.DefaultMaxBatchSize,
                    note,
                    allergyNote,
                    (int)prep.TotalSeconds);
            }
        }

        return lines;
    }

    /// <summary>Otter's station as the kitchen's (mapped when the setup says which it is); null for none, and for the pass's stream, which is no station.</summary>
    private static string? OtterStation(KitchenMap places, string kitchenId, string otterStation) =>
        string.IsNullOrWhiteSpace(otterStation) || otterStation == KitchenEventTypes.ExpoStation
            ? null
            : places.OtterStation(kitchenId, otterStation) ?? otterStation;

    /// <summary>A line's modifiers at every depth, each with the portions it makes (its quantity times its parents'), and its place in the tree.</summary>
    private static IEnumerable<(LineModifier Modifier, int Portions, string Path)> WithPortions(IEnumerable<LineModifier> modifiers, int portions, string path)
    {
        var index = 0;
        foreach (var modifier in modifiers)
        {
            // Orders refuses quantities past 1,000 at any depth; nested ones still multiply, so the product is bounded too.
            var made = (int)Math.Min((long)portions * Math.Max(modifier.Quantity, 1), MaxPortions);
            var here = $"{path}.{index++}";
            yield return (modifier, made, here);
            foreach (var nested in WithPortions(modifier.Modifiers, made, here))
            {
                yield return nested;
            }
        }
    }

    private const int MaxPortions = 10_000;

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
    public static string CookSignature(string modifierSignature, string? note, string? cookedApartFor)
    {
        var signature = modifierSignature;
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
