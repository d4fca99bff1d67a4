using Npgsql;
using Orbital.Contracts;

namespace Orbital.Tests.Infrastructure;

/// <summary>A fresh database on the fixture's PostgreSQL server, dropped when the test ends.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;
    private readonly string _name;

    private TestDatabase(string serverConnectionString, string name, NpgsqlDataSource dataSource)
    {
        _serverConnectionString = serverConnectionString;
        _name = name;
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>With its password, for a service started on this database.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = _name }.ConnectionString;

    public static async Task<TestDatabase> CreateAsync(OrbitalAppFixture orbital)
    {
        var server = await orbital.ConnectionStringAsync(ResourceNames.Postgres);
        var name = $"test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
        return new TestDatabase(server, name, dataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
