using Orbital.Orders.Data;
using Orbital.Orders.Orders;

namespace Orbital.Tests.Orders.Normalisation;

public sealed class Ready_by_is_the_promised_time_or_ordered_at_plus_preparation
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static OrderEntity Order(string scheduling) => new() { Id = "o1", StoreId = "s1", Status = "NEW_ORDER", SchedulingType = scheduling, OrderedAt = Noon };

    [Fact]
    public void An_asap_order_is_ready_its_preparation_time_after_it_was_placed()
    {
        var order = Order("ASAP");
        order.EstimatedPreparationTime = TimeSpan.FromMinutes(20);

        Assert.Equal(Noon.AddMinutes(20), StructuredOrderMapping.ReadyBy(order));
    }

    [Fact]
    public void An_asap_order_without_a_preparation_time_gets_the_default() =>
        Assert.Equal(Noon + StructuredOrderMapping.DefaultPreparationTime, StructuredOrderMapping.ReadyBy(Order("ASAP")));

    [Fact]
    public void A_scheduled_delivery_is_ready_at_its_delivery_time()
    {
        var order = Order("FIXED_TIME");
        order.DeliveryTime = Noon.AddHours(3);
        order.PickupTime = Noon.AddHours(2);

        Assert.Equal(Noon.AddHours(3), StructuredOrderMapping.ReadyBy(order));
    }

    [Fact]
    public void A_scheduled_pickup_is_ready_at_its_pickup_time()
    {
        var order = Order("FIXED_TIME");
        order.PickupTime = Noon.AddHours(2);

        Assert.Equal(Noon.AddHours(2), StructuredOrderMapping.ReadyBy(order));
    }
}
