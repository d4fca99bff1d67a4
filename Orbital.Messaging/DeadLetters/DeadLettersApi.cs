using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Orbital.Messaging;

/// <summary>A queue this service consumes, registered with its consumer.</summary>
public sealed record ConsumedQueue(string Name);

/// <summary>
/// The dead letters of the service's consumers, for operators: read them without taking them, replay one or all
/// (consumers are idempotent, so a replay that is also handled twice does no harm), discard one or all. Discarding
/// keeps the letter in the audit trail with who did it; replays are recorded there too.
/// </summary>
public static partial class DeadLettersApi
{
    public const int MaxMessageIdLength = 256;

    public static IEndpointRouteBuilder MapDeadLetters(this IEndpointRouteBuilder app, string policy)
    {
        var deadLetters = app.MapGroup("/dead-letters").WithTags("Dead letters").RequireAuthorization(policy);
        deadLetters.ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        deadLetters.MapGet("/", CountAsync).WithName("CountDeadLetters")
            .WithSummary("How many dead letters wait for each queue this service consumes");
        deadLetters.MapGet("/{queue}", ReadAsync).WithName("ReadDeadLetters")
            .WithSummary("The first dead letters of a queue with reason, attempts, time and a preview; they stay where they are");
        deadLetters.MapPost("/{queue}/replay", ReplayAllAsync).WithName("ReplayDeadLetters")
            .WithSummary("Sends up to max dead letters back through the queue's consumer");
        deadLetters.MapPost("/{queue}/letters/{messageId}/replay", ReplayOneAsync).WithName("ReplayDeadLetter")
            .WithSummary("Sends the dead letter with this message id back through the queue's consumer");
        deadLetters.MapPost("/{queue}/discard", DiscardAllAsync).WithName("DiscardDeadLetters")
            .WithSummary("Discards up to max dead letters, keeping each in the audit trail");
        deadLetters.MapDelete("/{queue}/letters/{messageId}", DiscardOneAsync).WithName("DiscardDeadLetter")
            .WithSummary("Discards the dead letter with this message id, keeping it in the audit trail");
        deadLetters.MapGet("/{queue}/audit", ReadAuditAsync).WithName("ReadDeadLetterAudit")
            .WithSummary("The newest dead letters replayed or discarded, who did it and when");
        return app;
    }

    public static async Task<Results<Ok<DeadLetterCounts>, ProblemHttpResult>> CountAsync(
        IEnumerable<ConsumedQueue> queues, DeadLetterQueue deadLetters, CancellationToken cancellationToken)
    {
        try
        {
            var counts = new List<DeadLetterCount>();
            foreach (var queue in queues.Select(q => q.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                counts.Add(new DeadLetterCount(queue, await deadLetters.CountAsync(queue, cancellationToken)));
            }

            return TypedResults.Ok(new DeadLetterCounts(counts));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return BrokerUnavailable(ex);
        }
    }

    public static Task<Results<Ok<DeadLetterList>, ValidationProblem, ProblemHttpResult>> ReadAsync(
        string queue, IEnumerable<ConsumedQueue> queues, DeadLetterQueue deadLetters, CancellationToken cancellationToken, int max = 50) =>
        Guarded<DeadLetterList>(queue, queues, max, 500, async () =>
        {
            var waiting = await deadLetters.CountAsync(queue, cancellationToken);
            return new DeadLetterList(queue, waiting, await deadLetters.ReadAsync(queue, max, cancellationToken));
        });

    public static Task<Results<Ok<ReplayResult>, ValidationProblem, ProblemHttpResult>> ReplayAllAsync(
        string queue, IEnumerable<ConsumedQueue> queues, DeadLetterQueue deadLetters, DeadLetterAudit audit, ClaimsPrincipal user,
        ILogger<DeadLetterQueue> logger, CancellationToken cancellationToken, int max = 100) =>
        Guarded<ReplayResult>(queue, queues, max, DeadLetterQueue.MaxScanned, async () =>
        {
            var replayed = await deadLetters.ReplayAsync(queue, max, messageId: null, Recorder(audit, user, logger), cancellationToken);
            return new ReplayResult(replayed.Count, replayed);
        });

    public static async Task<Results<Ok<ReplayResult>, ValidationProblem, ProblemHttpResult>> ReplayOneAsync(
        string queue, string messageId, IEnumerable<ConsumedQueue> queues, DeadLetterQueue deadLetters, DeadLetterAudit audit,
        ClaimsPrincipal user, ILogger<DeadLetterQueue> logger, CancellationToken cancellationToken)
    {
        var result = await Guarded<ReplayResult>(queue, queues, messageId, async () =>
        {
            var replayed = await deadLetters.ReplayAsync(queue, 1, messageId, Recorder(audit, user, logger), cancellationToken);
            return new ReplayResult(replayed.Count, replayed);
        });
        return result.Result is Ok<ReplayResult> { Value.Replayed: 0 } ? NoSuchLetter(queue, messageId) : result;
    }

    public static Task<Results<Ok<DiscardResult>, ValidationProblem, ProblemHttpResult>> DiscardAllAsync(
        string queue, IEnumerable<ConsumedQueue> queues, DeadLetterQueue deadLetters, DeadLetterAudit audit, ClaimsPrincipal user,
        CancellationToken cancellationToken, int max = 100) =>
        Guarded<DiscardResult>(queue, queues, max, DeadLetterQueue.MaxScanned, async () =>
        {
            var discarded = await deadLetters.DiscardAsync(queue, max, messageId: null, Keeper(audit, user), cancellationToken);
            return new DiscardResult(discarded.Count, discarded);
        });

    public static async Task<Results<Ok<DiscardResult>, ValidationProblem, ProblemHttpResult>> DiscardOneAsync(
        string queue, string messageId, IEnumerable<ConsumedQueue> queues, DeadLetterQueue deadLetters, DeadLetterAudit audit,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var result = await Guarded<DiscardResult>(queue, queues, messageId, async () =>
        {
            var discarded = await deadLetters.DiscardAsync(queue, 1, messageId, Keeper(audit, user), cancellationToken);
            return new DiscardResult(discarded.Count, discarded);
        });
        return result.Result is Ok<DiscardResult> { Value.Discarded: 0 } ? NoSuchLetter(queue, messageId) : result;
    }

    public static Task<Results<Ok<DeadLetterAuditPage>, ValidationProblem, ProblemHttpResult>> ReadAuditAsync(
        string queue, IEnumerable<ConsumedQueue> queues, DeadLetterAudit audit, CancellationToken cancellationToken, int max = 50) =>
        Guarded<DeadLetterAuditPage>(queue, queues, max, 500, async () =>
            new DeadLetterAuditPage(queue, await audit.ReadAsync(queue, max, cancellationToken)));

    private static Func<TakenDeadLetter, CancellationToken, Task> Keeper(DeadLetterAudit audit, ClaimsPrincipal user) =>
        (taken, token) => audit.RecordAsync(taken, DeadLetterAudit.Discarded, Who(user), token);

    /// <summary>A replay is done once the broker confirmed it; a failure to record it is logged, not undone.</summary>
    private static Func<TakenDeadLetter, CancellationToken, Task> Recorder(DeadLetterAudit audit, ClaimsPrincipal user, ILogger logger) =>
        async (taken, token) =>
        {
            try
            {
                await audit.RecordAsync(taken, DeadLetterAudit.Replayed, Who(user), token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ReplayNotRecorded(logger, taken.Letter.MessageId, taken.Queue, ex.GetBaseException().Message);
            }
        };

    private static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "unknown";

    private static Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> Guarded<T>(
        string queue, IEnumerable<ConsumedQueue> queues, int max, int maxAllowed, Func<Task<T>> work) =>
        max < 1 || max > maxAllowed
            ? Task.FromResult<Results<Ok<T>, ValidationProblem, ProblemHttpResult>>(
                TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["max"] = [$"max must be 1 to {maxAllowed}."] }))
            : Guarded(queue, queues, work);

    private static Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> Guarded<T>(
        string queue, IEnumerable<ConsumedQueue> queues, string messageId, Func<Task<T>> work) =>
        messageId.Length > MaxMessageIdLength || messageId.Any(char.IsControl)
            ? Task.FromResult<Results<Ok<T>, ValidationProblem, ProblemHttpResult>>(
                TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["messageId"] = [$"A message id is at most {MaxMessageIdLength} characters, none of them control characters."],
                }))
            : Guarded(queue, queues, work);

    private static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> Guarded<T>(
        string queue, IEnumerable<ConsumedQueue> queues, Func<Task<T>> work)
    {
        if (!queues.Any(q => q.Name == queue))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such queue",
                detail: $"This service consumes no queue of that name; GET /dead-letters lists those it does: {string.Join(", ", queues.Select(q => q.Name))}.");
        }

        try
        {
            return TypedResults.Ok(await work());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return BrokerUnavailable(ex);
        }
    }

    private static ProblemHttpResult NoSuchLetter(string queue, string messageId) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No such dead letter",
        detail: $"No dead letter of {queue} waits with message id '{messageId}'.");

    private static ProblemHttpResult BrokerUnavailable(Exception ex) => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "The message broker or the database is not reachable",
        detail: ex.GetBaseException().Message);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3120, Level = LogLevel.Warning, Message = "Dead letter {MessageId} of {Queue} was replayed but its audit entry could not be written: {Reason}")]
        public static partial void ReplayNotRecorded(ILogger logger, string? messageId, string queue, string reason);
    }
}

public sealed record DeadLetterCount(string Queue, uint Waiting);

public sealed record DeadLetterCounts(IReadOnlyList<DeadLetterCount> Queues);

public sealed record DeadLetterList(string Queue, uint Waiting, IReadOnlyList<DeadLetter> Letters);

public sealed record ReplayResult(int Replayed, IReadOnlyList<DeadLetter> Letters);

public sealed record DiscardResult(int Discarded, IReadOnlyList<DeadLetter> Letters);

public sealed record DeadLetterAuditPage(string Queue, IReadOnlyList<DeadLetterAuditEntry> Entries);
