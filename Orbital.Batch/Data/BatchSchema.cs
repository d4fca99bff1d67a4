using Npgsql;
using Orbital.Messaging;
using Orbital.Migrations;

namespace Orbital.Batch.Data;

/// <summary>Schema <c>batch</c>: its scripts are in <c>Data/Migrations</c>; then the outbox (what Otter is told), which Orbital.Messaging keeps.</summary>
public sealed class BatchSchema(NpgsqlDataSource dataSource, TimeProvider time, ILogger<BatchSchema> logger) : ServiceSchema(dataSource, time, logger)
{
    private readonly NpgsqlDataSource _dataSource = dataSource;

    public override string Name => "batch";

    protected override long LockId => 4242001;

    protected override async Task AfterUpgradeAsync(CancellationToken cancellationToken) => await MessagingSchema.EnsureCreatedAsync(_dataSource, cancellationToken);
}
