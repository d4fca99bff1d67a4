namespace Orbital.Batch.Events;

/// <summary>
/// An order as the pass (expo) sees it: who it is for, where from, when it is promised, its lines with the station
/// cooking each and how far along it is, and where the order is: <see cref="PassStates"/>.
/// </summary>
public sealed record PassOrderView(
    string OrderId,
    string KitchenId,
    string? FriendlyId,
    string? Brand,
    string? Channel,
    string? FirstName,
    string? Note,
    bool Allergy,
    DateTimeOffset? ReadyBy,
    string State,
    DateTimeOffset? ReadyToPackAt,
    DateTimeOffset? ReadyAt,
    string? ReadyMarkedBy,
    DateTimeOffset? HandedOffAt,
    long Version,
    IReadOnlyList<PassLine> Lines,
    PassCourier? Courier = null);

/// <summary>The courier coming for a delivery, as Otter last said: status, first name, who delivers, when expected at the pass.</summary>
public sealed record PassCourier(string? Status, string? FirstName, string? Provider, DateTimeOffset? ExpectedAt);

/// <summary>One order line's share of one batch item: the station cooking it and its state (waiting, cooking, done).</summary>
public sealed record PassLine(
    string LineId,
    long ItemId,
    string StationId,
    string Name,
    IReadOnlyList<string> Modifiers,
    string? Note,
    string? AllergyNote,
    int Quantity,
    string State);

public static class PassStates
{
    /// <summary>Lines are still waiting or cooking.</summary>
    public const string Cooking = "cooking";
    /// <summary>Every line is bumped: the expeditor can pack it.</summary>
    public const string ReadyToPack = "ready_to_pack";
    /// <summary>Packed and waiting at the pass for the courier or guest (Otter is told it is ready).</summary>
    public const string Ready = "ready";
    public const string HandedOff = "handed_off";
    public const string Canceled = "canceled";
}
