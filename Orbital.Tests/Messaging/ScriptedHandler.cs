using System.Text;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Messaging;

/// <summary>
/// A handler whose behaviour the message body chooses: <c>ok</c>, <c>fail</c> (always throws),
/// <c>poison</c>, <c>transient:N</c> (a dependency down for N attempts), <c>gate</c> (waits for the test).
/// </summary>
public sealed class ScriptedHandler(Deliveries deliveries, Gate gate) : IMessageHandler
{
    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var attempt = deliveries.Attempt(message);
        var body = Encoding.UTF8.GetString(message.Body.Span);
        switch (body)
        {
            case "fail":
                throw new InvalidOperationException("the fryer is on fire");
            case "poison":
                throw new PoisonMessageException("ticket has no lines");
            case var transient when transient.StartsWith("transient:", StringComparison.Ordinal)
                                    && attempt <= int.Parse(transient["transient:".Length..], System.Globalization.CultureInfo.InvariantCulture):
                throw new TransientMessageException("database restarting");
            case "gate":
                gate.Entered.TrySetResult();
                await gate.Release.Task.WaitAsync(cancellationToken);
                break;
        }

        deliveries.Record(message);
    }
}

/// <summary>The same script, for a consumer that hands over the deliveries in hand together.</summary>
public sealed class ScriptedBatchHandler(Deliveries deliveries, Gate gate) : IMessageBatchHandler
{
    private readonly ScriptedHandler _script = new(deliveries, gate);

    public Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken) => _script.HandleAsync(message, cancellationToken);

    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await _script.HandleAsync(message, cancellationToken);
        }
    }
}

/// <summary>Lets a test hold a handler in the middle of its work.</summary>
public sealed class Gate
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
