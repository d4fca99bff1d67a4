using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Cluster;

/// <summary>
/// The system in clustered mode: a system of its own (its tests kill nodes and instances), run alone like the fault suite.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusteredAppFixture>
{
    public const string Name = "Orbital clustered";
}
