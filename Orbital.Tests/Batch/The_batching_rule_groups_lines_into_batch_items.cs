using Google.Protobuf.WellKnownTypes;
using Orbital.Batch.Batching;
using Orbital.Places;
using Orbital.Contracts.Orders;

namespace Orbital.Tests.Batch;

/// <summary>The batching rule on its own: order lines in, batch items out, no servers.</summary>
public sealed class The_batching_rule_groups_lines_into_batch_items
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly List<BatchItemDraft> _board = [];
    private long _nextId;

    [Fact]
    public void The_same_item_in_two_orders_joins_one_batch_item()
    {
        Apply("order-a", Line("l1", "fries", 2, Noon));
        Apply("order-b", Line("l1", "fries", 3, Noon.AddSeconds(30)));

        var item = Assert.Single(_board);
        Assert.Equal(5, item.Quantity);
        Assert.Equal(Noon, item.FireAt);
        Assert.Equal(["order-a", "order-b"], item.Allocations.Select(a => a.OrderId));
        Assert.False(item.QuantityChanged);
    }

    [Fact]
    public void Different_modifiers_make_different_batch_items()
    {
        Apply("order-a", Line("l1", "burger", 1, Noon, modifiers: "cheese"));
        Apply("order-b", Line("l1", "burger", 1, Noon, modifiers: "no-onion"));

        Assert.Equal(2, _board.Count);
    }

    [Fact]
    public void Lines_join_only_while_every_line_fires_within_the_window()
    {
        Apply("order-a", Line("l1", "fries", 1, Noon));
        Apply("order-b", Line("l1", "fries", 1, Noon + Window - TimeSpan.FromSeconds(1)));
        Apply("order-c", Line("l1", "fries", 1, Noon + Window));

        Assert.Equal([2, 1], _board.Select(i => i.Quantity));
        Assert.Equal(Noon + Window, _board[1].FireAt);
    }

    [Fact]
    public void A_batch_item_never_grows_past_its_maximum_size()
    {
        Apply("order-a", Line("l1", "burger", 5, Noon, maxBatchSize: 8));
        Apply("order-b", Line("l1", "burger", 5, Noon, maxBatchSize: 8));
        Apply("order-c", Line("l1", "burger", 20, Noon, maxBatchSize: 8));

        Assert.Equal([8, 8, 8, 6], _board.Select(i => i.Quantity));
        Assert.Equal(30, _board.SelectMany(i => i.Allocations).Sum(a => a.Quantity));
    }

    [Fact]
    public void Items_that_do_not_batch_get_one_batch_item_per_line()
    {
        Apply("order-a", Line("l1", "caesar-salad", 2, Noon, batchable: false));
        Apply("order-b", Line("l1", "caesar-salad", 1, Noon, batchable: false));

        Assert.Equal([2, 1], _board.Select(i => i.Quantity));
    }

    [Fact]
    public void An_update_takes_reduced_and_removed_lines_out_of_open_batch_items()
    {
        Apply("order-a", Line("l1", "fries", 3, Noon), Line("l2", "burger", 1, Noon));
        Apply("order-b", Line("l1", "fries", 2, Noon));
        Clean();

        Apply("order-a", Line("l1", "fries", 1, Noon));

        var fries = _board.Single(i => i.Key.Sku == "fries");
        var burger = _board.Single(i => i.Key.Sku == "burger");
        Assert.Equal(3, fries.Quantity);
        Assert.True(fries.QuantityChanged);
        Assert.Equal(BatchItemStatus.Voided, burger.Status);
        Assert.Equal(0, burger.Quantity);
    }

    [Fact]
    public void An_update_that_adds_to_an_order_marks_the_batch_item_changed()
    {
        Apply("order-a", Line("l1", "fries", 1, Noon));
        Clean();

        Apply("order-a", Line("l1", "fries", 4, Noon));

        var fries = Assert.Single(_board);
        Assert.Equal(4, fries.Quantity);
        Assert.True(fries.QuantityChanged);
    }

    [Fact]
    public void A_cancellation_voids_open_batch_items_that_hold_only_its_lines()
    {
        Apply("order-a", Line("l1", "fries", 2, Noon), Line("l2", "nuggets", 1, Noon));
        Apply("order-b", Line("l1", "fries", 1, Noon));
        Clean();

        Apply("order-a");

        Assert.Equal(1, _board.Single(i => i.Key.Sku == "fries").Quantity);
        Assert.Equal(BatchItemStatus.Voided, _board.Single(i => i.Key.Sku == "nuggets").Status);
        Assert.All(_board.SelectMany(i => i.Allocations).Where(a => a.OrderId == "order-a"), a => Assert.Equal(0, a.Quantity));
    }

    [Fact]
    public void A_batch_item_being_cooked_is_flagged_not_changed_when_its_order_is_cancelled()
    {
        Apply("order-a", Line("l1", "fries", 2, Noon));
        Apply("order-b", Line("l1", "fries", 1, Noon));
        _board[0].Status = BatchItemStatus.InProgress;
        Clean();

        Apply("order-a");

        var fries = Assert.Single(_board);
        Assert.Equal(3, fries.Quantity);
        Assert.Equal(BatchItemStatus.InProgress, fries.Status);
        Assert.Contains("Order order-a: 2 no longer wanted", fries.Flag, StringComparison.Ordinal);
        Assert.Equal(2, fries.Allocations.Single(a => a.OrderId == "order-a").VoidedQuantity);
    }

    [Fact]
    public void A_started_batch_item_takes_no_new_lines()
    {
        Apply("order-a", Line("l1", "fries", 2, Noon));
        _board[0].Status = BatchItemStatus.InProgress;

        Apply("order-b", Line("l1", "fries", 1, Noon));

        Assert.Equal([2, 1], _board.Select(i => i.Quantity));
    }

    [Fact]
    public void A_line_whose_item_changed_leaves_its_old_batch_item_and_joins_the_new_one()
    {
        Apply("order-a", Line("l1", "burger", 1, Noon, modifiers: "cheese"));
        Clean();

        Apply("order-a", Line("l1", "burger", 1, Noon, modifiers: "bacon"));

        Assert.Equal(BatchItemStatus.Voided, _board[0].Status);
        Assert.Equal(1, _board[1].Quantity);
        Assert.Equal("bacon", _board[1].Key.ModifierSignature);
    }

    [Fact]
    public void An_unknown_sku_goes_to_otters_station_or_else_to_unassigned_never_dropped()
    {
        var places = new KitchenMap(new PlacesSetup(
            [new Kitchen("k1", "Kitchen one", "Etc/UTC")], [new Brand("b", "Brand")], [new Store("s", "k1", "b")],
            [new Station("k1", "grill", "Grill", 1), new Station("k1", "oven", "Oven", 2)], [new MenuItem("b", "burger", "Smash burger", "grill", 420, true, 8)],
            OtterStations: [new OtterStation("k1", "3f1c0b9e-otter-oven", "oven")]), 1);
        var order = new StructuredOrder { OrderId = "o", StoreId = "s", Version = 1, ReadyBy = Timestamp.FromDateTimeOffset(Noon) };
        order.Lines.Add(new OrderLine { LineId = "1", Sku = "burger", Name = "Burger", Quantity = 1, StationId = "fryer" });
        order.Lines.Add(new OrderLine { LineId = "2", Sku = "mystery", Name = "Special", Quantity = 1, StationId = "pizza-oven" });
        order.Lines.Add(new OrderLine { LineId = "3", Sku = "", Name = "Off-menu", Quantity = 2 });
        order.Lines.Add(new OrderLine { LineId = "4", Sku = "flatbread", Name = "Flatbread", Quantity = 1, StationId = "3f1c0b9e-otter-oven" });

        var lines = KitchenLines.From(order, places, new BatchingOptions(), Noon);

        Assert.Equal(["grill", "pizza-oven", KitchenMap.UnassignedStationId, "oven"], lines.Select(l => l.Key.StationId));
        Assert.All(lines, line => Assert.Equal("k1", line.Key.KitchenId));
        Assert.Equal(Noon.AddSeconds(-420), lines[0].FireAt);
        Assert.Equal(Noon - new BatchingOptions().DefaultPrepTime, lines[1].FireAt);
        Assert.Equal("name:Off-menu", lines[2].Key.Sku);
    }

    [Fact]
    public void The_same_modifiers_in_another_order_give_the_same_signature()
    {
        var first = new[] { new LineModifier { Id = "cheese", Quantity = 1 }, new LineModifier { Id = "bacon", Quantity = 2 } };
        var second = new[] { new LineModifier { Id = "bacon", Quantity = 2 }, new LineModifier { Id = "cheese", Quantity = 1 } };
        var nested = new LineModifier { Id = "cheese", Quantity = 1 };
        nested.Modifiers.Add(new LineModifier { Id = "extra", Quantity = 1 });

        Assert.Equal(KitchenLines.Signature(first), KitchenLines.Signature(second));
        Assert.NotEqual(KitchenLines.Signature([new LineModifier { Id = "cheese", Quantity = 1 }]), KitchenLines.Signature([nested]));
        Assert.NotEqual(KitchenLines.Signature(first), KitchenLines.Signature([first[0]]));
    }

    private void Apply(string orderId, params KitchenLine[] lines) =>
        BatchingRule.ApplyOrder(_board, orderId, $"Order {orderId}", lines, Window, () => --_nextId);

    /// <summary>As after a commit: what was written is no longer new or dirty.</summary>
    private void Clean()
    {
        foreach (var item in _board)
        {
            if (item.IsNew)
            {
                item.Id = -item.Id + 1000;
            }

            item.Dirty = false;
            item.QuantityChanged = false;
        }
    }

    private static KitchenLine Line(string lineId, string sku, int quantity, DateTimeOffset fireAt, string modifiers = "", int maxBatchSize = 10, bool batchable = true) =>
        new(lineId, new BatchKey("kitchen", "station", sku, modifiers), sku, [], quantity, fireAt, DateOnly.FromDateTime(fireAt.UtcDateTime), batchable, maxBatchSize);
}
