using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Orbital.Bench;

/// <summary>
/// Kitchen screens as cheap as they can be: one socket each, reading <c>/orders/events?kitchen=</c> and noting when each event
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

    /// <param name="authorization">The paired screen's credential (<see cref="ScreenPairing"/>).</param>
    public static async Task<Screen> ConnectAsync(Uri batch, string kitchen, string station, string authorization, Action<Screen, JsonElement, DateTimeOffset> onEvent)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(batch.Host == "localhost" ? "127.0.0.1" : batch.Host, batch.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET /orders/events?kitchen={kitchen}&station={station} HTTP/1.1\r\nHost: {batch.Authority}\r\nAccept: text/event-stream\r\nAuthorization: {authorization}\r\n\r\n"));
        return new Screen(socket, onEvent);
    }

    /// <summary>
    /// Frames are found in the received bytes and only an event's JSON line is parsed, with no strings in between: with
    /// thousands of screens in this process, the screens' own parsing competed for the CPU with the service measured.
    /// </summary>
    private async Task ReadAsync()
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                if (read == 0)
                {
                    return;
                }

                var received = DateTimeOffset.UtcNow;
                filled += read;
                var start = 0;
                int end;
                while ((end = buffer.AsSpan(start, filled - start).IndexOf("\n\n"u8)) >= 0)
                {
                    OnFrame(buffer.AsMemory(start, end), received);
                    start += end + 2;
                }

                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>The event is handed over only for the length of the call.</summary>
    private void OnFrame(ReadOnlyMemory<byte> frame, DateTimeOffset received)
    {
        if (frame.Span.IndexOf("event: ready"u8) >= 0)
        {
            Ready.TrySetResult();
        }

        var data = frame.Span.IndexOf("data: {\"id\""u8);
        if (data < 0)
        {
            return;
        }

        var json = frame[(data + "data: ".Length)..];
        var lineEnd = json.Span.IndexOf((byte)'\n');
        using var document = JsonDocument.Parse(lineEnd >= 0 ? json[..lineEnd] : json);
        _onEvent(this, document.RootElement, received);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
