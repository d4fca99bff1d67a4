using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Messaging;
using RabbitMQ.Client;

namespace Orbital.Bench;

public static class FanOut
{
    public sealed record Result(int Connected, int Expected, Latencies Latencies, IReadOnlyList<(string Part, double Percent)> Cpu);

    /// <summary>
    /// <paramref name="screens"/> screens on one station of one Batch instance; structured orders published straight to the
    /// broker at 20 a second; delivery latency = arrival on each screen − the batch item's creation time.
    /// </summary>
    public static async Task<Result> RunAsync(string rabbitMq, Uri batch, ScreenPairing pairing, int screens, TimeSpan duration)
    {
        var station = $"bench-fanout-{Guid.NewGuid():N}";
        var latencies = new Latencies();
        var clients = new List<Screen>();
        var credentials = await pairing.PairAsync(Demo.Kitchen, station, screens);
        try
        {
            foreach (var chunk in credentials.Chunk(100))
            {
                clients.AddRange(await Task.WhenAll(chunk.Select(credential => Screen.ConnectAsync(batch, Demo.Kitchen, station, credential, (_, kitchenEvent, received) =>
                {
                    if (kitchenEvent.GetProperty("type").GetString() == "created")
                    {
                        latencies.Add(received - kitchenEvent.GetProperty("item").GetProperty("createdAt").GetDateTimeOffset());
                    }
                }))));
            }

            var ready = await Task.WhenAll(clients.Select(async c => await Task.WhenAny(c.Ready.Task, Task.Delay(TimeSpan.FromSeconds(60))) == c.Ready.Task));
            var connected = ready.Count(r => r);

            var address = BrokerAddress.Parse(rabbitMq);
            await using var connection = await address.ConnectAsync(address.Factory(), CancellationToken.None);
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            var published = 0;
            var cpu = new CpuUse();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var order = new StructuredOrder
                {
                    OrderId = Guid.NewGuid().ToString(),
                    FriendlyId = "FANOUT",
                    StoreId = Demo.Store,
                    Status = OrderStatus.New,
                    EventKind = OrderEventKind.New,
                    Version = 1,
                    OrderedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    ReadyBy = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(10)),
                };
                order.Lines.Add(new OrderLine { LineId = "1", Sku = $"fanout-{published}", Name = "Fan-out dish", Quantity = 1, StationId = station });
                await channel.BasicPublishAsync(Exchanges.StructuredOrderData, string.Empty, mandatory: false,
                    new BasicProperties { Persistent = true, ContentType = ContentTypes.Protobuf }, order.ToByteArray());
                published++;
                await Task.Delay(50);
            }

            var shares = cpu.Shares();

            var expected = published * connected;
            var wait = Stopwatch.StartNew();
            while (latencies.Count < expected && wait.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }

            return new Result(connected, expected, latencies, shares);
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
