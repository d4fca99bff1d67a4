using Microsoft.Extensions.Time.Testing;
using Orbital.Messaging;

namespace Orbital.Tests.Messaging;

/// <summary>
/// RabbitMQ 3.10 does not say how old the head of a quorum queue is, and peeking would spend a delivery attempt. A queue
/// is first in, first out, so every message still waiting was published after the last one its consumer took: that
/// one's age bounds theirs, and grows while nothing is taken.
/// </summary>
public sealed class A_queues_oldest_waiting_message_is_dated_by_the_last_one_taken
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Nothing_waiting_is_zero_old()
    {
        var status = new ConsumerStatus(_time);
        status.Took("q", _time.GetUtcNow().AddMinutes(-30).ToUnixTimeSeconds());

        Assert.Equal(TimeSpan.Zero, status.OldestWaitingAge("q", waiting: 0));
    }

    [Fact]
    public void Messages_waiting_are_at_most_as_old_as_the_last_one_taken_and_age_while_none_is_taken()
    {
        var status = new ConsumerStatus(_time);
        status.Took("q", _time.GetUtcNow().AddSeconds(-4).ToUnixTimeSeconds());

        Assert.Equal(TimeSpan.FromSeconds(4), status.OldestWaitingAge("q", waiting: 12));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromSeconds(124), status.OldestWaitingAge("q", waiting: 12));

        status.Took("q", _time.GetUtcNow().AddSeconds(-1).ToUnixTimeSeconds());
        Assert.Equal(TimeSpan.FromSeconds(1), status.OldestWaitingAge("q", waiting: 11));
    }

    [Fact]
    public void A_queue_nothing_was_taken_from_or_a_message_without_a_timestamp_is_unknown_not_zero()
    {
        var status = new ConsumerStatus(_time);
        status.Took("q", publishedUnixSeconds: 0);

        Assert.Null(status.OldestWaitingAge("q", waiting: 3));
        Assert.Null(status.OldestWaitingAge("other", waiting: 3));
    }
}
