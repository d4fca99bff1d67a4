namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// One resource's states as the AppHost reports them, and whether and when it is to be started again. DCP reports a
/// process that ended without being asked to as <c>Finished</c> (or <c>FailedToStart</c>); one an operator stopped
/// passes through <c>Stopping</c> first. Not thread-safe: callers hold <see cref="Lock"/>.
/// </summary>
public sealed class RestartSchedule
{
    private static readonly string[] StoppedByRequest = ["Terminated", "Stopping"];
    private static readonly string[] Crashed = [KnownResourceStates.Finished, KnownResourceStates.Exited, KnownResourceStates.FailedToStart];

    private int _crashesInARow;
    private string? _state;
    private DateTimeOffset? _startedAt;
    private bool _stoppedOnPurpose;
    private bool _restarting;

    public Lock Lock { get; } = new();

    public bool HasCrashed => _state is not null && Crashed.Contains(_state);

    /// <summary>Takes a new state; returns the wait before a restart when this one is a crash and none is under way.</summary>
    public TimeSpan? Observe(string? state, DateTimeOffset now, RestartOptions options)
    {
        if (state == _state)
        {
            return null;
        }

        var previous = _state;
        _state = state;
        if (state == KnownResourceStates.Running)
        {
            _startedAt = now;
        }

        if (state == KnownResourceStates.Running || state == KnownResourceStates.Starting)
        {
            _stoppedOnPurpose = false;
        }
        else if (state is not null && StoppedByRequest.Contains(state))
        {
            _stoppedOnPurpose = true;
        }

        if (!HasCrashed || previous is null || Crashed.Contains(previous) || _stoppedOnPurpose || _restarting)
        {
            return null;
        }

        _restarting = true;
        return NextDelay(now, options);
    }

    /// <summary>Whether the restart under way is over: the resource runs, or an operator stopped it meanwhile.</summary>
    public bool RestartSettled()
    {
        if (_state == KnownResourceStates.Running || _stoppedOnPurpose)
        {
            _restarting = false;
        }

        return !_restarting;
    }

    public TimeSpan NextDelay(DateTimeOffset now, RestartOptions options)
    {
        // A resource that ran for a while before this crash starts a new run of crashes; one that never got to
        // run since the last crash keeps backing off.
        if (_startedAt is { } started && now - started >= options.StableAfter)
        {
            _crashesInARow = 0;
        }

        _startedAt = null;
        _crashesInARow++;
        var delay = options.FirstDelay * Math.Pow(2, Math.Min(_crashesInARow - 1, 16));
        return delay < options.MaxDelay ? delay : options.MaxDelay;
    }
}
