using Orbital.Migrations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orbital.Batch.Batching;
using Orbital.Batch.Board;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.Expo;
using Orbital.Batch.Kitchens;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Places;
using Orbital.Scheduling;
using Orbital.Scheduling.Dashboard;
using Orbital.Warehouse;
using Orbital.Batch.Warehouse;

namespace Orbital.Batch.Extensions;

internal static class Extensions
{
    /// <summary>The servers the Batch service talks to. None is needed to start: each reports its health instead.</summary>
    public static void AddBatchDependencies(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase(ResourceNames.BatchDatabase);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddRabbitMqMessaging();
        builder.AddMessagingStatus();
    }

    /// <summary>Structured orders in, batch items out: the schema, the places and menus, who may set them up, the rule and the consumer.</summary>
    public static void AddKitchenBatching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.AddServiceSchema<BatchSchema>();

        builder.AddWarehouse();
        builder.AddPlaces();
        builder.AddKitchenAccess();

        builder.Services.AddSingleton<OrderBatcher>();
        builder.Services.AddSingleton<BatchItemActions>();
        builder.Services.AddSingleton<PassActions>();
        // The order's steps that Otter is told of leave through the outbox, committed with the step itself.
        builder.AddOutboxRelay();
        builder.AddMessageConsumer<StructuredOrderHandler>(Queues.BatchStructuredOrders, Exchanges.StructuredOrderData);
        // Stores paused at Otter: shown at the pass and in GET /kitchens.
        builder.AddMessageConsumer<StorePauses>(Queues.BatchStoreStatus, Exchanges.StoreStatus);
        // Items 86'd because their kitchen ran out of something (Prep): shown on the stations that cook them and the pass.
        builder.AddMessageConsumer<OffSaleItems>(Queues.BatchMenuAvailability, Exchanges.MenuAvailability);
        // What the kitchen is about to run out of (Prep): shown on the pass before the items go off sale.
        builder.AddMessageConsumer<Shortages>(Queues.BatchStockWarnings, Exchanges.StockWarnings);
    }

    /// <summary>Kitchen screens: the live event stream across instances and the station boards in Redis.</summary>
    public static void AddKitchenScreens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KitchenEventsOptions>().BindConfiguration(KitchenEventsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<KitchenEventBus>();
        builder.Services.AddHostedService(services => services.GetRequiredService<KitchenEventBus>());
        builder.Services.AddSingleton<StationBoardCache>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StationBoardCache>());
        builder.Services.AddSingleton<Screens.ScreenStreams>();
    }

    /// <summary>Cooking sessions to the warehouse: a Hangfire job in schema <c>batch_jobs</c>.</summary>
    public static void AddSessionSync(this IHostApplicationBuilder builder)
    {
        builder.AddScheduledJobs("batch_jobs");
        builder.AddJobsDashboard("Orbital Batch jobs");
        builder.AddRecurringJob<SessionDataSync>(SessionDataSync.Id, SessionDataSync.DefaultSchedule);
    }
}
