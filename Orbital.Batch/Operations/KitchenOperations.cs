namespace Orbital.Batch.Operations;

/// <summary>
/// One kitchen as an operator watches it on a busy night: orders per quarter hour, and per station the ticket times of
/// the business day, the items open and late now, and the screens following it.
/// </summary>
public sealed record KitchenOperations(
    string KitchenId,
    string Name,
    string TimeZone,
    DateTimeOffset At,
    IReadOnlyList<QuarterOrders> OrdersPer15Minutes,
    IReadOnlyList<StationOperations> Stations);

/// <param name="Label">The quarter's start on the kitchen's clock ("18:15").</param>
public sealed record QuarterOrders(DateTimeOffset From, string Label, int Orders);

/// <summary>
/// A station: tickets (an order's part at the station) finished in the business day, from the kitchen taking the order to
/// the station bumping the last of it, median and 90th percentile; items open and late (waiting or cooking longer than
/// <see cref="OperationsOptions.LateAfter"/>); screens following it now (paired screens and staff's browsers, on this instance).
/// </summary>
public sealed record StationOperations(
    string StationId, string Name, int Tickets, double? TicketMedianSeconds, double? TicketP90Seconds, int OpenItems, int LateItems, int Screens);

/// <summary>The kitchens an operator can pick on the operations page.</summary>
public sealed record OperationsKitchens(IReadOnlyList<OperationsKitchen> Kitchens);

public sealed record OperationsKitchen(string Id, string Name, string TimeZone);

/// <summary>
/// Every service's queues and outbox (<see cref="Messaging.MessagingStatus"/>), and the calls owed to Otter. A service
/// that did not answer is named in <see cref="Unavailable"/> with the reason; the rest still show.
/// </summary>
public sealed record SystemOperations(
    DateTimeOffset At, IReadOnlyList<Messaging.MessagingStatus> Services, OtterCalls? OtterCalls, IReadOnlyDictionary<string, string> Unavailable);

/// <summary>What Orders says of the calls telling Otter of the kitchen's steps.</summary>
public sealed record OtterCalls(bool Configured, long Pending, double? OldestPendingSeconds, long Failed);
