using System.Text.Json;
using Google.Protobuf;
using Orbital.Contracts.Otter;
using Orbital.Messaging;
using Orbital.Orders.Data;
using Orbital.Orders.Orders;
using Orbital.Orders.Otter;

namespace Orbital.Tests.Orders.Normalisation;

/// <summary>
/// What Otter says beside an order's lines, read as the kitchen can use it: an accepted prep time within a day, the
/// newest courier update only, Otter's free text cut to what a ticket shows, a pause that names its store.
/// </summary>
public sealed class Otters_word_on_prep_times_couriers_and_stores_is_read_within_bounds
{
    private static readonly DateTimeOffset Accepted = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    private static OrderEntity Order() => new() { Id = "o1", StoreId = "s1", Status = "CONFIRMED" };

    [Theory]
    [InlineData(-1)]
    [InlineData(1441)]
    [InlineData(int.MaxValue)]
    public void A_prep_time_that_is_no_prep_time_is_ignored_and_said_why(int minutes)
    {
        var order = Order();

        var (moved, detail) = AcceptedPrepTimes.Apply(order, minutes, Accepted);

        Assert.False(moved);
        Assert.Contains("not a preparation time", detail);
        Assert.Null(order.AcceptedReadyBy);
    }

    [Fact]
    public void An_accepted_prep_time_promises_the_food_that_long_after_the_acceptance_once()
    {
        var order = Order();

        Assert.Equal((true, (string?)null), AcceptedPrepTimes.Apply(order, 25, Accepted));
        Assert.Equal(Accepted.AddMinutes(25), order.AcceptedReadyBy);
        Assert.Equal((false, (string?)null), AcceptedPrepTimes.Apply(order, 25, Accepted));
        Assert.Equal((true, (string?)null), AcceptedPrepTimes.Apply(order, 0, Accepted));
    }

    [Fact]
    public void An_older_courier_update_changes_nothing_and_long_text_is_cut()
    {
        var order = Order();
        var newer = new CourierUpdates.Update("ARRIVED_AT_PICKUP", "Jane", "doordash", Accepted, Accepted.AddMinutes(2));
        Assert.True(CourierUpdates.Apply(order, newer));

        Assert.False(CourierUpdates.Apply(order, newer with { Status = "REQUESTED", UpdatedAt = Accepted }));
        Assert.Equal("ARRIVED_AT_PICKUP", order.CourierStatus);
        Assert.Equal(40, CourierUpdates.Short(new string('x', 5000))!.Length);
        Assert.Null(CourierUpdates.Short("   "));
    }

    [Fact]
    public void A_courier_update_keeps_the_couriers_first_name_only()
    {
        var update = CourierUpdates.Read(Envelope("delivery.delivery_status_update"), Event("""
            {"provider":"doordash","courier":{"name":"Jane Doe","phone":"+1-555-555-5555"},"status":"allocated",
             "estimatedPickupTime":"2026-11-30T18:30:00+01:00"}
            """), Accepted);

        Assert.Equal(("ALLOCATED", "Jane", "doordash"), (update.Status, update.FirstName, update.Provider));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 17, 30, 0, TimeSpan.Zero), update.ExpectedAt);
        Assert.Equal(Accepted, update.UpdatedAt);
    }

    [Fact]
    public void A_pause_that_names_no_store_or_a_store_id_no_store_has_is_refused()
    {
        Assert.Throws<PoisonMessageException>(() => StorePauseEvents.Read(Envelope("storefront.pause_store", storeId: ""), Event("{}"), Accepted));
        Assert.Throws<PoisonMessageException>(() => StorePauseEvents.Read(Envelope("storefront.pause_store", storeId: new string('s', 201)), Event("{}"), Accepted));

        var unpaused = StorePauseEvents.Read(Envelope("storefront.unpause_store"), Event("\"4109d2c9-8bc5-413c-af3e-1c92aa381e41\""), Accepted);
        Assert.False(unpaused.Paused);
        Assert.Equal("4109d2c9-8bc5-413c-af3e-1c92aa381e41", unpaused.ClosureId);
    }

    private static OtterEventEnvelope Envelope(string type, string storeId = "s1") =>
        new() { EventId = "e1", EventType = type, StoreId = storeId, Body = ByteString.Empty };

    private static OtterEvent Event(string payload) =>
        new("e1", "x", null, new OtterEventMetadata(null, null, "o1", null, JsonDocument.Parse(payload).RootElement));
}
