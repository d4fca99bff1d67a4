using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Faults;

/// <summary>
/// The fault suite gets a system of its own (it kills servers) and runs alone, after the other collections, so that
/// neither disturbs the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection : ICollectionFixture<OrbitalAppFixture>
{
    public const string Name = "Orbital under faults";
}
