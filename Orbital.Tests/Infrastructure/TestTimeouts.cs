namespace Orbital.Tests.Infrastructure;

/// <summary>Upper bounds that turn a hang into a failure instead of a stuck CI run. Not performance targets.</summary>
public static class TestTimeouts
{
    public const int EndToEnd = 120_000;
}
