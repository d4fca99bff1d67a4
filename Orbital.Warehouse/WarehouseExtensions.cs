using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orbital.Warehouse;

public static class WarehouseExtensions
{
    public const string WarehouseDatabase = "warehousedb";

    /// <summary>The warehouse provider chosen by <c>Warehouse:Provider</c>, and the sync metrics.</summary>
    public static IHostApplicationBuilder AddWarehouse(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WarehouseOptions>().BindConfiguration(WarehouseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WarehouseSyncMetrics>();
        builder.Services.AddSingleton(TimeProvider.System);
        var provider = builder.Configuration[$"{WarehouseOptions.SectionName}:Provider"] ?? "local";
        if (string.Equals(provider, "snowflake", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddHttpClient<SnowflakeWarehouse>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<WarehouseOptions>>().Value.Snowflake.AccountUrl
                    ?? throw new InvalidOperationException("Warehouse:Snowflake:AccountUrl is required for the snowflake provider."));
            builder.Services.AddSingleton<IWarehouse>(services => services.GetRequiredService<SnowflakeWarehouse>());
        }
        else
        {
            builder.AddKeyedNpgsqlDataSource(WarehouseDatabase, configureDataSourceBuilder: dataSource => dataSource.TraceOnlyWithinTraces());
            builder.Services.AddSingleton<IWarehouse>(services => new LocalWarehouse(
                services.GetRequiredKeyedService<NpgsqlDataSource>(WarehouseDatabase), services.GetRequiredService<IOptions<WarehouseOptions>>()));
        }

        return builder;
    }
}
