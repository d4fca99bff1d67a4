using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Time.Testing;
using Orbital.AppHost.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// When the AppHost starts a crashed server or service again: at once-ish after a crash, with doubling waits while it
/// keeps ending before it runs, afresh after it has run for a while, never after an operator stopped it, and only
/// once per crash. (The restarts themselves are tested through the real AppHost in <c>Faults/What_crashes_comes_back_by_itself</c>.)
/// </summary>
public sealed class Crashed_resources_are_restarted_with_back_off
{
    private static readonly RestartOptions Options = new()
    {
        FirstDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(30),
        StableAfter = TimeSpan.FromMinutes(1),
    };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 4, 0, 0, TimeSpan.Zero));
    private readonly RestartSchedule _schedule = new();

    private TimeSpan? See(string state) => _schedule.Observe(state, _clock.GetUtcNow(), Options);

    [Fact]
    public void A_process_that_ends_while_running_is_started_again_after_the_first_wait()
    {
        See(KnownResourceStates.Starting);
        See(KnownResourceStates.Running);

        Assert.Equal(TimeSpan.FromSeconds(1), See(KnownResourceStates.Finished));
        Assert.True(_schedule.HasCrashed);
    }

    [Fact]
    public void While_it_keeps_ending_before_it_runs_the_waits_double_up_to_the_maximum()
    {
        See(KnownResourceStates.Running);
        var waits = new List<TimeSpan> { See(KnownResourceStates.Finished)!.Value };
        for (var attempt = 0; attempt < 7; attempt++)
        {
            _clock.Advance(waits[^1]);
            waits.Add(_schedule.NextDelay(_clock.GetUtcNow(), Options));
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public void After_running_a_minute_the_next_crash_waits_the_first_wait_again()
    {
        See(KnownResourceStates.Running);
        See(KnownResourceStates.Finished);
        _schedule.NextDelay(_clock.GetUtcNow(), Options);
        See(KnownResourceStates.Starting);
        See(KnownResourceStates.Running);
        Assert.True(_schedule.RestartSettled());

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(TimeSpan.FromSeconds(4), See(KnownResourceStates.Finished));

        See(KnownResourceStates.Starting);
        See(KnownResourceStates.Running);
        _schedule.RestartSettled();
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromSeconds(1), See(KnownResourceStates.Finished));
    }

    [Fact]
    public void One_stopped_by_an_operator_is_left_stopped_until_started_again()
    {
        See(KnownResourceStates.Running);
        Assert.Null(See("Stopping"));
        Assert.Null(See(KnownResourceStates.Finished));

        See(KnownResourceStates.Starting);
        See(KnownResourceStates.Running);
        Assert.NotNull(See(KnownResourceStates.Finished));
    }

    [Fact]
    public void An_operator_stop_during_a_restart_ends_the_restart()
    {
        See(KnownResourceStates.Running);
        See(KnownResourceStates.Finished);
        Assert.False(_schedule.RestartSettled());

        See(KnownResourceStates.Starting);
        See("Stopping");
        See(KnownResourceStates.Finished);
        Assert.True(_schedule.RestartSettled());
    }

    [Fact]
    public void A_crash_while_a_restart_is_under_way_schedules_no_second_one()
    {
        See(KnownResourceStates.Running);
        Assert.NotNull(See(KnownResourceStates.Finished));
        See(KnownResourceStates.Starting);
        See(KnownResourceStates.Waiting);

        Assert.Null(See(KnownResourceStates.FailedToStart));
        Assert.False(_schedule.RestartSettled());
    }
}
