using Orbital.Contracts;
using Orbital.Messaging;

namespace Orbital.Prep.Extensions;

internal static class Extensions
{
    /// <summary>The servers the Prep service talks to. None is needed to start: each reports its health instead.</summary>
    public static void AddPrepDependencies(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.PrepDatabase);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddRabbitMqMessaging();
    }
}
