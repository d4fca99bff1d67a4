using Orbital.Contracts.Orders;
using Orbital.Orders.Data;
using Orbital.Orders.Orders;

namespace Orbital.Tests.Orders.Normalisation;

public sealed class Ready_by_is_when_the_food_must_leave_the_pass
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Travel = TimeSpan.FromMinutes(15);

    private static OrderEntity Order(string scheduling, string mode = "DELIVERY") =>
        new() { Id = "o1", StoreId = "s1", Status = "NEW_ORDER", SchedulingType = scheduling, FulfillmentMode = mode, OrderedAt = Noon, CreatedAt = Noon.AddSeconds(5) };

    [Fact]
    public void An_asap_order_is_ready_its_preparation_time_after_it_was_placed()
    {
        var order = Order("ASAP");
        order.EstimatedPreparationTime = TimeSpan.FromMinutes(20);

        Assert.Equal(Noon.AddMinutes(20), StructuredOrderMapping.ReadyBy(order, Travel));
    }

    [Fact]
    public void An_asap_order_without_a_preparation_time_gets_the_default() =>
        Assert.Equal(Noon + StructuredOrderMapping.DefaultPreparationTime, StructuredOrderMapping.ReadyBy(Order("ASAP"), Travel));

    [Fact]
    public void An_asap_order_is_ready_when_Otter_expects_it_picked_up()
    {
        var estimated = Order("ASAP");
        estimated.EstimatedPreparationTime = TimeSpan.FromMinutes(20);
        estimated.EstimatedPickupTime = Noon.AddMinutes(12);
        var promised = Order("ASAP");
        promised.EstimatedPickupTime = Noon.AddMinutes(12);
        promised.PickupTime = Noon.AddMinutes(14);

        Assert.Equal(Noon.AddMinutes(12), StructuredOrderMapping.ReadyBy(estimated, Travel));
        Assert.Equal(Noon.AddMinutes(14), StructuredOrderMapping.ReadyBy(promised, Travel));
    }

    [Fact]
    public void A_scheduled_delivery_is_ready_at_its_pickup_time_not_at_the_door()
    {
        var order = Order("FIXED_TIME");
        order.DeliveryTime = Noon.AddHours(3);
        order.PickupTime = Noon.AddHours(2).AddMinutes(40);

        Assert.Equal(Noon.AddHours(2).AddMinutes(40), StructuredOrderMapping.ReadyBy(order, Travel));
    }

    [Fact]
    public void A_scheduled_delivery_with_only_a_door_time_is_ready_the_travel_time_before_it()
    {
        var order = Order("FIXED_TIME");
        order.DeliveryTime = Noon.AddHours(3);

        Assert.Equal(Noon.AddHours(3) - Travel, StructuredOrderMapping.ReadyBy(order, Travel));
    }

    [Fact]
    public void A_scheduled_pickup_is_ready_at_its_pickup_time()
    {
        var order = Order("FIXED_TIME", "PICKUP");
        order.PickupTime = Noon.AddHours(2);

        Assert.Equal(Noon.AddHours(2), StructuredOrderMapping.ReadyBy(order, Travel));
    }

    [Fact]
    public void An_order_with_no_times_is_planned_from_when_it_was_received_not_from_1970()
    {
        var order = Order("ASAP");
        order.OrderedAt = null;

        var structured = StructuredOrderMapping.ToStructuredOrder(order, OrderEventKind.New, "e1", Travel);

        Assert.Equal(Noon.AddSeconds(5), structured.OrderedAt.ToDateTimeOffset());
        Assert.Equal(Noon.AddSeconds(5) + StructuredOrderMapping.DefaultPreparationTime, structured.ReadyBy.ToDateTimeOffset());
    }

    [Theory]
    [InlineData("DELIVERY", FulfillmentMode.Delivery)]
    [InlineData("RESTAURANT_DELIVERY", FulfillmentMode.RestaurantDelivery)]
    [InlineData("PICKUP", FulfillmentMode.Pickup)]
    [InlineData("DINE_IN", FulfillmentMode.DineIn)]
    [InlineData("DRIVE_THROUGH", FulfillmentMode.DriveThrough)]
    public void Every_fulfillment_mode_Otter_names_is_carried(string otter, FulfillmentMode expected) =>
        Assert.Equal(expected, StructuredOrderMapping.ToStructuredOrder(Order("ASAP", otter), OrderEventKind.New, "e1", Travel).FulfillmentMode);

    [Fact]
    public void An_order_that_leaves_out_its_fulfillment_mode_is_a_delivery_as_Otter_defines()
    {
        var order = new OrderEntity { Id = "o1", StoreId = "s1", Status = "NEW_ORDER" };
        OtterOrderMapping.ApplyHeader(order, new Orbital.Orders.Otter.OtterOrder(
            new("o1", null, null, null), null, null, [], null, null, null, null, new(null, "ASAP", null, null, null), null, null));

        Assert.Equal("DELIVERY", order.FulfillmentMode);
    }
}
