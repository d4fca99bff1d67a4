using Orbital.Orders.Orders;
using Orbital.Orders.Otter;

namespace Orbital.Tests.Orders.Normalisation;

public sealed class Orders_a_kitchen_cannot_use_are_named
{
    private static OtterOrder Order(string? id, params OtterItem[] items) =>
        new(new OtterExternalIdentifiers(id, "F1", "ubereats", null), "EUR", "NEW_ORDER", [.. items], null, null, null, null, null, null, null);

    private static OtterItem Item(int? quantity, List<OtterModifier>? modifiers = null) =>
        new(quantity, "i1", "l1", "sku", "Fries", null, 3.5m, null, null, null, modifiers);

    [Fact]
    public void A_well_formed_order_has_no_problems() => Assert.Empty(OtterOrderMapping.Problems(Order("o1", Item(2))));

    [Fact]
    public void An_order_without_an_id_is_refused() =>
        Assert.Contains("externalIdentifiers.id is missing", OtterOrderMapping.Problems(Order(null, Item(1))));

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1001)]
    [InlineData(null)]
    public void Quantities_outside_1_to_1000_are_refused(int? quantity) =>
        Assert.Contains(OtterOrderMapping.Problems(Order("o1", Item(quantity))), p => p.Contains("quantity must be 1 to 1000", StringComparison.Ordinal));

    [Fact]
    public void More_than_1000_modifiers_on_a_line_are_refused()
    {
        var modifiers = Enumerable.Range(0, 1001).Select(i => new OtterModifier(1, $"m{i}", "salt", null, null, null, null)).ToList();

        Assert.Contains(OtterOrderMapping.Problems(Order("o1", Item(1, modifiers))), p => p.Contains("1001 modifiers", StringComparison.Ordinal));
    }

    [Fact]
    public void Modifiers_nested_too_deep_are_refused()
    {
        OtterModifier? nested = null;
        for (var depth = 0; depth < 12; depth++)
        {
            nested = new OtterModifier(1, $"m{depth}", "layer", null, null, null, nested is null ? null : [nested]);
        }

        Assert.Contains(OtterOrderMapping.Problems(Order("o1", Item(1, [nested!]))), p => p.Contains("deeper", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void A_modifier_quantity_outside_0_to_1000_is_refused_at_any_depth(int quantity)
    {
        var inner = new OtterModifier(quantity, "m2", "avocado", null, null, null, null, StationId: "cold");
        var outer = new OtterModifier(1, "m1", "extras", null, null, null, [inner]);

        Assert.Contains(OtterOrderMapping.Problems(Order("o1", Item(1, [outer]))), p => p.Contains("modifier quantity", StringComparison.Ordinal));
        Assert.Empty(OtterOrderMapping.Problems(Order("o1", Item(1, [outer with { Modifiers = [inner with { Quantity = 1000 }] }]))));
    }

    [Theory]
    [InlineData(-1_000_000_000)]
    [InlineData(2_000_000)]
    public void A_price_no_restaurant_charges_is_refused(int price)
    {
        var item = Item(1) with { Price = price };
        var modifier = Item(1, [new OtterModifier(1, "m1", "truffle", price, null, null, null)]);

        Assert.Contains(OtterOrderMapping.Problems(Order("o1", item)), p => p.Contains("price beyond", StringComparison.Ordinal));
        Assert.Contains(OtterOrderMapping.Problems(Order("o1", modifier)), p => p.Contains("price beyond", StringComparison.Ordinal));
    }

    [Fact]
    public void A_total_no_restaurant_charges_is_refused()
    {
        var order = Order("o1", Item(1)) with { OrderTotal = new OtterOrderTotal(10m, 0m, 1m, 0m, 0m, 1e28m, null) };

        Assert.Contains(OtterOrderMapping.Problems(order), p => p.Contains("orderTotal.total", StringComparison.Ordinal));
    }

    [Fact]
    public void Ordinary_prices_discounts_and_totals_are_fine()
    {
        var order = Order("o1", Item(1) with { Price = -2.50m }) with { OrderTotal = new OtterOrderTotal(24.50m, -2m, 1.85m, 3m, 2.49m, 29.84m, "WELCOME") };

        Assert.Empty(OtterOrderMapping.Problems(order));
    }

    [Fact]
    public void A_number_sent_as_a_string_is_not_read_as_a_number() =>
        Assert.Throws<System.Text.Json.JsonException>(() =>
            System.Text.Json.JsonSerializer.Deserialize("""{"items":[{"quantity":"2","name":"Fries"}]}""", OtterJson.Default.OtterOrder));

    [Fact]
    public void An_order_with_no_lines_is_kept_for_the_record() => Assert.Empty(OtterOrderMapping.Problems(Order("o1")));

    [Theory]
    [InlineData("NEW_ORDER", "NEW_ORDER")]
    [InlineData("canceled", "CANCELED")]
    [InlineData("CANCELLED", "CANCELED")]
    [InlineData("ORDER_ACCEPTED", "CONFIRMED")]
    [InlineData("ORDER_READY_TO_PICKUP", "PREPARED")]
    [InlineData("ORDER_HANDED_OFF", "PICKED_UP")]
    [InlineData("ORDER_FULFILLED", "FULFILLED")]
    [InlineData("SOMETHING_NEW", "UNKNOWN")]
    [InlineData(null, "UNKNOWN")]
    public void Statuses_are_otters_names_or_unknown(string? otter, string stored) => Assert.Equal(stored, OtterOrderMapping.Status(otter));
}
