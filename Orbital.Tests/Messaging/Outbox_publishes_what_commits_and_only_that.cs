using System.Diagnostics;
using System.Text;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Messaging;

[Collection(OrbitalCollection.Name)]
public sealed class Outbox_publishes_what_commits_and_only_that(OrbitalAppFixture orbital) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _exchange = Broker.UniqueName("outbox");
    private string _rabbitMq = string.Empty;
    private Broker _broker = null!;
    private TestDatabase _database = null!;
    private string _subscriber = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _rabbitMq = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq);
        _broker = await Broker.ConnectAsync(_rabbitMq);
        _subscriber = await _broker.BindTestQueueAsync(_exchange);
        _database = await TestDatabase.CreateAsync(orbital);
        await MessagingSchema.EnsureCreatedAsync(_database.DataSource, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _database.DisposeAsync();
    }

    private Task<MessagingHost> StartRelayAsync(string? rabbitMq = null) =>
        MessagingHost.StartAsync(rabbitMq ?? _rabbitMq, builder => builder.AddOutboxRelay(), dataSource: _database.DataSource);

    private async Task WriteAsync(string body, bool commit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await OutboxWriter.EnqueueAsync(connection, transaction, _exchange,
            new OutgoingMessage(Encoding.UTF8.GetBytes(body), Guid.NewGuid().ToString("N"), "test", ContentTypes.Json),
            cancellationToken);
        if (commit)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
        }
    }

    private async Task<List<(string Body, IReadOnlyDictionary<string, string?> Headers)>> ReceiveAsync(int count)
    {
        var messages = new List<(string, IReadOnlyDictionary<string, string?>)>();
        await Poll.UntilAsync(async _ =>
        {
            while (await _broker.GetAsync(_subscriber) is { } message)
            {
                messages.Add((message.Body, message.Headers));
            }

            return messages.Count;
        }, received => received >= count, Timeout, $"{count} message(s) on {_subscriber}");
        return messages;
    }

    private async Task<List<string>> ReceiveBodiesAsync(int count) =>
        [.. (await ReceiveAsync(count)).Select(message => message.Body).Order(StringComparer.Ordinal)];

    private async Task<long> PendingRowsAsync()
    {
        await using var command = _database.DataSource.CreateCommand("SELECT count(*) FROM messaging.outbox");
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_committed_message_is_published_with_its_trace_and_removed_from_the_outbox()
    {
        await using var relay = await StartRelayAsync();
        using var trace = new Activity("order committed").SetIdFormat(ActivityIdFormat.W3C).Start();

        await WriteAsync("ticket 1", commit: true, TestContext.Current.CancellationToken);

        var (body, headers) = Assert.Single(await ReceiveAsync(1));
        Assert.Equal("ticket 1", body);
        Assert.Equal(trace.TraceId.ToString(), ActivityContext.Parse(headers[MessageHeaders.TraceParent]!, null).TraceId.ToString());
        await Poll.UntilAsync(_ => PendingRowsAsync(), pending => pending == 0, Timeout, "the outbox to be empty");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_message_in_a_rolled_back_transaction_is_never_published()
    {
        await using var relay = await StartRelayAsync();

        await WriteAsync("rolled back", commit: false, TestContext.Current.CancellationToken);
        await WriteAsync("committed", commit: true, TestContext.Current.CancellationToken);

        var received = await ReceiveBodiesAsync(1);
        Assert.Equal(["committed"], received);
        Assert.Equal(0u, await _broker.MessageCountAsync(_subscriber));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Messages_committed_while_no_relay_ran_are_published_when_one_starts()
    {
        await WriteAsync("before start 1", commit: true, TestContext.Current.CancellationToken);
        await WriteAsync("before start 2", commit: true, TestContext.Current.CancellationToken);

        await using var relay = await StartRelayAsync();

        Assert.Equal(["before start 1", "before start 2"], await ReceiveBodiesAsync(2));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Messages_committed_while_the_broker_is_unreachable_are_published_when_it_returns()
    {
        var rabbitMq = new Uri(_rabbitMq);
        await using var broker = new TcpForwarder(rabbitMq.Port);
        await using var relay = await StartRelayAsync(new UriBuilder(rabbitMq) { Port = broker.Port }.Uri.ToString());

        await WriteAsync("while down 1", commit: true, TestContext.Current.CancellationToken);
        await WriteAsync("while down 2", commit: true, TestContext.Current.CancellationToken);
        Assert.Equal(2, await PendingRowsAsync());
        Assert.Equal(0u, await _broker.MessageCountAsync(_subscriber));

        broker.Start();

        Assert.Equal(["while down 1", "while down 2"], await ReceiveBodiesAsync(2));
        await Poll.UntilAsync(_ => PendingRowsAsync(), pending => pending == 0, Timeout, "the outbox to be empty");
    }
}
