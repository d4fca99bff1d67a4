namespace Orbital.Contracts;

/// <summary>
/// Names of the resources in the AppHost model. Services read their connection strings
/// under these names (<c>ConnectionStrings:&lt;name&gt;</c>), and tests ask the AppHost for them.
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string OrdersDatabase = "ordersdb";
    public const string BatchDatabase = "batchdb";
    public const string PrepDatabase = "prepdb";
    /// <summary>The local warehouse (the default warehouse provider): tables shaped like the Snowflake ones.</summary>
    public const string WarehouseDatabase = "warehousedb";
    public const string RabbitMq = "rabbitmq";
    public const string Redis = "redis";

    public const string OrdersService = "orders";
    public const string BatchService = "batch";
    public const string PrepService = "prep";
}
