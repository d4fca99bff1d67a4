using Orbital.Migrations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Prep.Catalog;
using Orbital.Prep.Availability;
using Orbital.Prep.Data;
using Orbital.Prep.Depletion;
using Orbital.Prep.Forecast;
using Orbital.Prep.MenuRecipes;
using Orbital.Prep.Inventory;
using Orbital.Prep.Locations;
using Orbital.Places;
using Orbital.Prep.Pars;
using Orbital.Prep.Reports;
using Orbital.Prep.TransferUnits;
using Orbital.Scheduling;
using Orbital.Scheduling.Dashboard;
using Orbital.Warehouse;
using Orbital.Prep.Warehouse;

namespace Orbital.Prep.Extensions;

internal static class Extensions
{
    /// <summary>The servers the Prep service talks to. None is needed to start: each reports its health instead.</summary>
    public static void AddPrepDependencies(this IHostApplicationBuilder builder)
    {
        // Prep's staff log in through the pool its Hangfire jobs use: without automatic preparation, a job's failed
        // statement cannot leave a connection that answers the next login out of step (seen once as a 500 on login).
        builder.AddServiceDatabase(ResourceNames.PrepDatabase, autoPrepare: false);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddRabbitMqMessaging();
        builder.AddMessagingStatus();
    }

    /// <summary>Locations, products, counts, PARs, transfer units and scans, on schema <c>prep</c>; scans leave through the outbox.</summary>
    public static void AddPrepInventory(this IHostApplicationBuilder builder)
    {
        builder.AddServiceSchema<PrepSchema>();
        // Locations are the shared setup's kitchens and commissaries (Orbital.Places).
        builder.AddPlaces();
        builder.Services.AddSingleton<LocationRegistry>();
        builder.Services.AddHostedService<LegacyLocations>();
        builder.Services.AddSingleton<ProductCatalog>();
        builder.Services.AddSingleton<InventoryStore>();
        builder.Services.AddSingleton<PrepListService>();
        builder.Services.AddSingleton<TransferUnitStore>();
        builder.AddOutboxRelay();
    }

    /// <summary>Prep follows the orders: the brands' menu recipes, and its own queue that takes what each order uses off stock.</summary>
    public static void AddPrepSales(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MenuRecipeStore>();
        builder.Services.AddSingleton<LiveStock>();
        builder.Services.AddSingleton<SalesHistory>();
        builder.AddMessageConsumer<OrderDepletion>(Queues.PrepStructuredOrders, Exchanges.StructuredOrderData);
        // Items that need a product that ran out come off sale at Otter and on the kitchen's screens.
        builder.Services.AddOptions<MenuAvailabilityOptions>().BindConfiguration(MenuAvailabilityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<MenuAvailabilityKeeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MenuAvailabilityKeeper>());
    }

    /// <summary>PDF reports, the Slack client, and the report jobs per location (Hangfire, schema <c>prep_jobs</c>).</summary>
    public static void AddPrepReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PdfReports>();
        builder.Services.AddSingleton<TransferUnitLabels>();
        builder.Services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.SectionName);
        builder.Services.AddHttpClient<ISlackFiles, SlackClient>((services, http) =>
        {
            var url = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SlackOptions>>().Value.ApiBaseUrl;
            http.BaseAddress = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        });
        builder.Services.AddOptions<ReportsOptions>().BindConfiguration(ReportsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.AddScheduledJobs("prep_jobs");
        builder.AddJobsDashboard("Orbital Prep jobs");
        builder.Services.AddSingleton<IRecurringJobTimeZones, LocationTimeZones>();
        builder.Services.AddHostedService<LocationScheduleMover>();
        builder.AddWarehouse();
        builder.AddRecurringJob<ParsSync>(ParsSync.Id, ParsSync.DefaultSchedule);
        var reports = builder.Configuration.GetSection(ReportsOptions.SectionName).Get<ReportsOptions>() ?? new ReportsOptions();
        foreach (var location in reports.Locations)
        {
            builder.AddRecurringJob<PrepListReportJob>(ReportJobIds.PrepList(location.LocationId), location.PrepListSchedule, location.LocationId);
            builder.AddRecurringJob<TransferUnitReportJob>(ReportJobIds.TransferUnits(location.LocationId), location.TransferUnitsSchedule, location.LocationId);
        }
    }
}
