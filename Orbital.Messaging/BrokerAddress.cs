using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>
/// Where the broker is: one AMQP URI, or the nodes of a cluster as URIs separated by commas
/// (<c>amqp://user:pass@node-1:5672/,amqp://node-2:5672/,…</c>). The user, password, virtual host and TLS come from the
/// first; each URI adds a node. The client connects to the first node that answers (in random order, so instances spread
/// over the cluster) and, when that node is lost, its automatic recovery connects to another.
/// </summary>
public sealed record BrokerAddress(Uri First, IReadOnlyList<AmqpTcpEndpoint> Nodes)
{
    /// <summary>More nodes than any cluster Orbital runs on: a longer list is a mistake in configuration.</summary>
    public const int MaxNodes = 16;

    public static BrokerAddress Parse(string connectionString)
    {
        var parts = connectionString.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("The RabbitMQ connection string is empty.");
        }

        if (parts.Length > MaxNodes)
        {
            throw new FormatException($"The RabbitMQ connection string names {parts.Length} nodes; at most {MaxNodes} are taken.");
        }

        var uris = parts.Select(part => Uri.TryCreate(part, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps"
                ? uri
                : throw new FormatException($"'{Redacted(part)}' is not an amqp:// or amqps:// URI."))
            .ToList();
        var nodes = uris.Select(uri => new AmqpTcpEndpoint(uri)).ToList();
        return new BrokerAddress(uris[0], nodes);
    }

    /// <summary>Whether the string parses; the reason when it does not (without the password).</summary>
    public static bool TryParse(string? connectionString, out BrokerAddress? address, out string? error)
    {
        address = null;
        error = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "The RabbitMQ connection string is empty.";
            return false;
        }

        try
        {
            address = Parse(connectionString);
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>A factory with the first URI's credentials and virtual host; pass <see cref="Nodes"/> to its connect.</summary>
    public ConnectionFactory Factory() => new() { Uri = First };

    /// <summary>Connects to the first node that answers (the client shuffles them).</summary>
    public Task<IConnection> ConnectAsync(ConnectionFactory factory, CancellationToken cancellationToken) =>
        factory.CreateConnectionAsync(Nodes, cancellationToken);

    public override string ToString() => string.Join(',', Nodes.Select(node => $"{node.HostName}:{node.Port}"));

    private static string Redacted(string part) =>
        Uri.TryCreate(part, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? part.Replace(uri.UserInfo, "***", StringComparison.Ordinal) : part;
}
