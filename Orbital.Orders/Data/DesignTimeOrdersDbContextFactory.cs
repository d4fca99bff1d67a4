using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Orbital.Orders.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeOrdersDbContextFactory : IDesignTimeDbContextFactory<OrdersDbContext>
{
    public OrdersDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<OrdersDbContext>()
        .UseNpgsql("Host=localhost;Database=orders_design", npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", OrdersDbContext.Schema))
        .UseSnakeCaseNamingConvention()
        .Options);
}
