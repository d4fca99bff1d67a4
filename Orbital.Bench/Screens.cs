using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Orbital.Bench;

/// <summary>
/// Kitchen screens as cheap as they can be: one socket each, reading <c>/orders/events</c> and noting when each event
/// arrives. Thousands fit in one process.
/// </summary>
public sealed class Screen : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly Action<Screen, JsonElement, DateTimeOffset> _onEvent;

    private Screen(Socket socket, Action<Screen, JsonElement, DateTimeOffset> onEvent)
    {
        _socket = socket;
        _onEvent = onEvent;
        _reading = ReadAsync();
    }

    public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<Screen> ConnectAsync(Uri batch, string station, Action<Screen, JsonElement, DateTimeOffset> onEvent)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(batch.Host == "localhost" ? "127.0.0.1" : batch.Host, batch.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /orders/events?station={station} HTTP/1.1\r\nHost: {batch.Authority}\r\nAccept: text/event-stream\r\n\r\n"));
        return new Screen(socket, onEvent);
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        var pending = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                var received = DateTimeOffset.UtcNow;
                pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var text = pending.ToString();
                int end;
                while ((end = text.IndexOf("\n\n", StringComparison.Ordinal)) >= 0)
                {
                    var frame = text[..end];
                    text = text[(end + 2)..];
                    if (frame.Contains("event: ready", StringComparison.Ordinal))
                    {
                        Ready.TrySetResult();
                    }

                    var data = frame.Split('\n').FirstOrDefault(l => l.StartsWith("data: {\"id\"", StringComparison.Ordinal));
                    if (data is not null)
                    {
                        using var document = JsonDocument.Parse(data[6..]);
                        _onEvent(this, document.RootElement.Clone(), received);
                    }
                }

                pending.Clear().Append(text);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
