using Orbital.Contracts.Orders;
using Orbital.Prep.MenuRecipes;

namespace Orbital.Prep.Depletion;

/// <summary>A menu item or modifier sold without a recipe, as an order named it.</summary>
public sealed record UnmappedSale(string Kind, string MenuSku, string Name);

/// <summary>
/// What one version of an order uses of the prepped products, by the brand's recipes: each line's item times its
/// quantity, plus each modifier chosen on it (nested ones too) times its own quantity and its line's. A cancelled or
/// rejected order uses nothing; no order uses less than nothing of a product. Items and modifiers without a recipe use nothing and are named.
/// </summary>
public static class OrderUsage
{
    public static bool IsCanceled(StructuredOrder order) =>
        order.Status is OrderStatus.Canceled or OrderStatus.Rejected || order.EventKind == OrderEventKind.Canceled;

    public static (Dictionary<string, decimal> Usage, List<UnmappedSale> Unmapped) Of(StructuredOrder order, IReadOnlyDictionary<(string Kind, string Sku), MenuRecipe> recipes)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var unmapped = new List<UnmappedSale>();
        if (IsCanceled(order))
        {
            return (usage, unmapped);
        }

        foreach (var line in order.Lines)
        {
            Add(MenuKinds.Item, line.Sku, line.Name, line.Quantity);
            foreach (var modifier in line.Modifiers)
            {
                AddModifier(modifier, line.Quantity);
            }
        }

        // A modifier that takes away more than its line uses ("no sauce" on an item without sauce) gives nothing back.
        foreach (var sku in usage.Where(u => u.Value <= 0).Select(u => u.Key).ToList())
        {
            usage.Remove(sku);
        }

        return (usage, unmapped);

        void AddModifier(LineModifier modifier, decimal times)
        {
            // Otter leaves a modifier's quantity out when it is one.
            var each = times * Math.Max(modifier.Quantity, 1);
            Add(MenuKinds.Modifier, string.IsNullOrEmpty(modifier.Sku) ? modifier.Id : modifier.Sku, modifier.Name, each);
            foreach (var nested in modifier.Modifiers)
            {
                AddModifier(nested, each);
            }
        }

        void Add(string kind, string sku, string name, decimal times)
        {
            var key = string.IsNullOrEmpty(sku) ? name : sku;
            if (!recipes.TryGetValue((kind, key), out var recipe))
            {
                if (!unmapped.Any(u => u.Kind == kind && u.MenuSku == key))
                {
                    unmapped.Add(new UnmappedSale(kind, key, name));
                }

                return;
            }

            foreach (var component in recipe.Components)
            {
                usage[component.Sku] = usage.GetValueOrDefault(component.Sku) + component.Quantity * times;
            }
        }
    }
}
