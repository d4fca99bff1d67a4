using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Orbital.Batch.Screens;

/// <summary>
/// Counts the event streams this instance holds open, per holder (a paired screen, or a member of staff) and in all,
/// so that nobody can hold thousands open: a holder at its limit gets 429, the instance at its limit 503.
/// </summary>
public sealed class ScreenStreams(IOptions<ScreenOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _byHolder = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _total;

    public int Open => Volatile.Read(ref _total);

    /// <summary>A lease on one more stream for <paramref name="holder"/>, or why not.</summary>
    public (IDisposable? Lease, StreamRefusal Refusal) TryOpen(string holder, bool isScreen)
    {
        var limit = isScreen ? options.Value.StreamsPerScreen : options.Value.StreamsPerPerson;
        lock (_lock)
        {
            if (_total >= options.Value.MaxStreams)
            {
                return (null, StreamRefusal.InstanceFull);
            }

            var held = _byHolder.GetValueOrDefault(holder);
            if (held >= limit)
            {
                return (null, StreamRefusal.HolderAtLimit);
            }

            _byHolder[holder] = held + 1;
            _total++;
        }

        return (new Lease(this, holder), StreamRefusal.None);
    }

    private void Close(string holder)
    {
        lock (_lock)
        {
            _total--;
            if (_byHolder.GetValueOrDefault(holder) <= 1)
            {
                _byHolder.TryRemove(holder, out _);
            }
            else
            {
                _byHolder[holder]--;
            }
        }
    }

    private sealed class Lease(ScreenStreams streams, string holder) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                streams.Close(holder);
            }
        }
    }
}

public enum StreamRefusal
{
    None,
    HolderAtLimit,
    InstanceFull,
}
