namespace Orbital.Messaging;

/// <summary>
/// Lets any number of ordinary handlings run together, or one handling alone: a message the broker gives out again may
/// be the one that took the process down, and only while it runs alone can a crash be laid at its door.
/// </summary>
internal sealed class HandlingGate
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _alone = new(1, 1);
    private int _shared;
    private bool _exclusive;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<IDisposable> EnterSharedAsync()
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (!_exclusive)
                {
                    _shared++;
                    return new Release(this, exclusive: false);
                }

                wait = _changed.Task;
            }

            await wait;
        }
    }

    public async Task<IDisposable> EnterAloneAsync()
    {
        await _alone.WaitAsync();
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                // Claimed at once, so that no new ordinary handling starts while those running finish.
                _exclusive = true;
                if (_shared == 0)
                {
                    return new Release(this, exclusive: true);
                }

                wait = _changed.Task;
            }

            await wait;
        }
    }

    private void Exit(bool exclusive)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (exclusive)
            {
                _exclusive = false;
            }
            else if (--_shared > 0 || !_exclusive)
            {
                return; // Nobody waits for this one.
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        if (exclusive)
        {
            _alone.Release();
        }
    }

    private sealed class Release(HandlingGate gate, bool exclusive) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Exit(exclusive);
            }
        }
    }
}
