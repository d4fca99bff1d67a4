using Npgsql;
using Orbital.Migrations;

namespace Orbital.Batch.Data;

/// <summary>Schema <c>batch</c>: its scripts are in <c>Data/Migrations</c>.</summary>
public sealed class BatchSchema(NpgsqlDataSource dataSource, TimeProvider time, ILogger<BatchSchema> logger) : ServiceSchema(dataSource, time, logger)
{
    public override string Name => "batch";

    protected override long LockId => 4242001;
}
