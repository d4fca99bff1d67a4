using Orbital.Contracts;
using Orbital.Messaging;

namespace Orbital.Orders.Extensions;

internal static class Extensions
{
    /// <summary>The servers the Orders service talks to. None is needed to start: each reports its health instead.</summary>
    public static void AddOrdersDependencies(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.OrdersDatabase);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddRabbitMqMessaging();
    }
}
