using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Orders.Operators;

namespace Orbital.Orders.Orders;

/// <summary>
/// Otter events the consumer could not handle wait in a dead-letter queue with the reason; once the cause
/// is fixed an operator sends them back. Replaying is safe: the consumer is idempotent by event id.
/// </summary>
public static class DeadLettersApi
{
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var deadLetters = app.MapGroup("/dead-letters/otter-events").WithTags("Dead letters").RequireAuthorization(OperatorAccess.EveryStorePolicy);
        deadLetters.MapGet("/", CountAsync).WithName("CountOtterEventDeadLetters");
        deadLetters.MapPost("/replay", ReplayAsync).WithName("ReplayOtterEventDeadLetters");
        return app;
    }

    public static async Task<Results<Ok<DeadLetterCount>, ProblemHttpResult>> CountAsync(DeadLetterQueue deadLetters, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(new DeadLetterCount(Queues.OrdersOtterEvents, await deadLetters.CountAsync(Queues.OrdersOtterEvents, cancellationToken)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return BrokerUnavailable(ex);
        }
    }

    public static async Task<Results<Ok<ReplayResult>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        DeadLetterQueue deadLetters, CancellationToken cancellationToken, int max = 100)
    {
        if (max is < 1 or > 10_000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["max"] = ["max must be 1 to 10000."] });
        }

        try
        {
            var replayed = await deadLetters.ReplayAsync(Queues.OrdersOtterEvents, max, cancellationToken);
            return TypedResults.Ok(new ReplayResult(replayed.Count, replayed));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return BrokerUnavailable(ex);
        }
    }

    private static ProblemHttpResult BrokerUnavailable(Exception ex) => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "The message broker is not reachable",
        detail: ex.GetBaseException().Message);
}

public sealed record DeadLetterCount(string Queue, uint Waiting);

public sealed record ReplayResult(int Replayed, IReadOnlyList<DeadLetter> Letters);
