using System.Diagnostics;

namespace Orbital.Orders.TellingOtter;

/// <summary>The spans of the calls Otter is told: each in the trace of the order whose step it reports.</summary>
public static class TellingOtterTelemetry
{
    public static readonly ActivitySource Source = new("Orbital.Orders.TellingOtter");
}
