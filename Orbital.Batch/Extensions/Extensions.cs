using Orbital.Contracts;
using Orbital.Messaging;

namespace Orbital.Batch.Extensions;

internal static class Extensions
{
    /// <summary>The servers the Batch service talks to. None is needed to start: each reports its health instead.</summary>
    public static void AddBatchDependencies(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.BatchDatabase);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddRabbitMqMessaging();
    }
}
