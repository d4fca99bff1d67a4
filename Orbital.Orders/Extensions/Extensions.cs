using Microsoft.EntityFrameworkCore;
using Npgsql;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Orders.Data;
using Orbital.Orders.Orders;
using Orbital.Orders.Recovery;
using Orbital.Orders.TellingOtter;
using Orbital.Orders.Webhooks;
using Orbital.Scheduling;
using Orbital.Scheduling.Dashboard;
using Orbital.Warehouse;
using Orbital.Orders.Warehouse;

namespace Orbital.Orders.Extensions;

internal static class Extensions
{
    /// <summary>The servers the Orders service talks to. None is needed to start: each reports its health instead.</summary>
    public static void AddOrdersDependencies(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase(ResourceNames.OrdersDatabase);
        builder.Services.AddDbContextPool<OrdersDbContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>(),
                npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", OrdersDbContext.Schema))
            .UseSnakeCaseNamingConvention());
        // The consumer retries whole messages; a second retry loop inside EF would only hide failures.
        builder.EnrichNpgsqlDbContext<OrdersDbContext>(settings => settings.DisableRetry = true);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddRabbitMqMessaging();
        builder.AddMessagingStatus();
    }

    /// <summary>Otter webhooks in; normalised orders stored; structured orders out through the outbox.</summary>
    public static void AddOrderIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OtterOptions>()
            .BindConfiguration(OtterOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate<IHostEnvironment>((options, environment) => DevelopmentSecrets.Allowed(environment, options.WebhookSecret),
                "Otter:WebhookSecret is the development secret published in the README; outside the Development environment set the secret Otter signs with.")
            .ValidateOnStart();
        builder.Services.AddSingleton<OtterEventIntake>();

        builder.Services.AddSingleton<OrdersSchema>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OrdersSchema>());
        builder.Services.AddHealthChecks().AddCheck<OrdersSchemaHealthCheck>("orders-schema");

        builder.AddMessageConsumer<OtterEventProcessor>(Queues.OrdersOtterEvents, Exchanges.OtterEvents);
        builder.AddOutboxRelay();
    }

    /// <summary>Missed-order recovery: a Hangfire job (schema <c>orders_jobs</c>) reading Otter's order feed.</summary>
    public static void AddMissedOrderRecovery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MissedOrderRecoveryOptions>()
            .BindConfiguration(MissedOrderRecoveryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddOtterApiClient(builder.Configuration);
        builder.Services.AddSingleton<MissedOrderRecoveryMetrics>();

        builder.AddScheduledJobs("orders_jobs");
        builder.AddJobsDashboard("Orbital Orders jobs");
        builder.AddRecurringJob<MissedOrderRecoveryJob>(MissedOrderRecoveryJob.JobId, MissedOrderRecoveryJob.DefaultSchedule);
    }

    /// <summary>
    /// Telling Otter of the kitchen's steps: Batch's events in (accepted, ready, handed off), each kept as the call it owes
    /// Otter, made by one paced sender. Needs the Otter API client (<see cref="AddMissedOrderRecovery"/>).
    /// </summary>
    public static void AddTellingOtter(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OtterCallsOptions>().BindConfiguration(OtterCallsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var api = builder.Configuration.GetSection(OtterApiOptions.SectionName).Get<OtterApiOptions>() ?? new OtterApiOptions();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the sender retries, paced, not the client.
        builder.Services.AddHttpClient<OtterOrderCalls>(OtterOrderCalls.HttpClientName, http =>
            {
                http.BaseAddress = api.BaseUrl is { } url && !url.AbsoluteUri.EndsWith('/') ? new Uri(url.AbsoluteUri + "/") : api.BaseUrl;
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddMessageConsumer<KitchenOrderEventHandler>(Queues.OrdersKitchenOrderEvents, Exchanges.KitchenOrderEvents);
        // Prep's word that a store's menu items are off sale, or back: Otter is told through the same sender.
        builder.AddMessageConsumer<MenuAvailabilityHandler>(Queues.OrdersMenuAvailability, Exchanges.MenuAvailability);
        builder.Services.AddHostedService<OtterCallSender>();
        builder.Services.AddHealthChecks().AddCheck<TellingOtterHealthCheck>("telling-otter");
        builder.Services.AddSingleton<OtterCallsStatusReader>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OtterCallsStatusReader>());
    }

    /// <summary>Customer and promotion syncs to the warehouse (Hangfire jobs next to missed-order recovery).</summary>
    public static void AddWarehouseSyncs(this IHostApplicationBuilder builder)
    {
        builder.AddWarehouse();
        builder.AddRecurringJob<CustomerDataSync>(CustomerDataSync.Id, CustomerDataSync.DefaultSchedule);
        builder.AddRecurringJob<PromotionsDataSync>(PromotionsDataSync.Id, PromotionsDataSync.DefaultSchedule);
    }
}
