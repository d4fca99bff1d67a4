using System.Net;
using System.Net.Sockets;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// Forwards a loopback port to a real server. Before <see cref="Start"/> the port refuses connections, and
/// <see cref="CutAsync"/> drops every connection through it: a server that is unreachable without stopping it.
/// </summary>
public sealed class TcpForwarder(int targetPort) : IAsyncDisposable
{
    private readonly List<TcpClient> _connections = [];
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _running;
    private Task? _acceptLoop;

    public int Port { get; } = ReservePort();

    public void Start()
    {
        _running = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _acceptLoop = AcceptAsync(_listener, _running.Token);
    }

    /// <summary>Stops listening and drops every forwarded connection.</summary>
    public async Task CutAsync()
    {
        if (_running is null)
        {
            return;
        }

        await _running.CancelAsync();
        _listener?.Stop();
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        _running.Dispose();
        _running = null;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, targetPort, cancellationToken);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (_lock)
            {
                _connections.Add(inbound);
                _connections.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound, cancellationToken);
            _ = PumpAsync(outbound, inbound, cancellationToken);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken cancellationToken)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The other side or the test closed the connection.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    private static int ReservePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync() => await CutAsync();
}
