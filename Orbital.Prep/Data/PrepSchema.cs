using Npgsql;
using Orbital.Messaging;
using Orbital.Migrations;

namespace Orbital.Prep.Data;

/// <summary>Schema <c>prep</c>: its scripts are in <c>Data/Migrations</c>; then the outbox, which Orbital.Messaging keeps.</summary>
public sealed class PrepSchema(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PrepSchema> logger) : ServiceSchema(dataSource, time, logger)
{
    private readonly NpgsqlDataSource _dataSource = dataSource;

    public override string Name => "prep";

    protected override long LockId => 4242002;

    protected override async Task AfterUpgradeAsync(CancellationToken cancellationToken) => await MessagingSchema.EnsureCreatedAsync(_dataSource, cancellationToken);
}
