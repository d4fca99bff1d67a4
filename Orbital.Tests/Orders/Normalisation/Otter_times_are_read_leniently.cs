using Orbital.Orders.Otter;

namespace Orbital.Tests.Orders.Normalisation;

public sealed class Otter_times_are_read_leniently
{
    [Theory]
    [InlineData("2020-10-10T20:06:02.123Z")]
    [InlineData("2020-10-10T20:06:02:123Z")]
    [InlineData("2020-10-10T22:06:02.123+02:00")]
    public void Iso_times_and_otters_colon_before_the_milliseconds_mean_the_same_instant(string text)
    {
        var parsed = OtterTime.Parse(text);

        Assert.Equal(new DateTimeOffset(2020, 10, 10, 20, 6, 2, 123, TimeSpan.Zero), parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    public void Missing_or_unreadable_times_are_null(string? text) => Assert.Null(OtterTime.Parse(text));

    [Theory]
    [InlineData("PT20M", 20)]
    [InlineData("PT1H5M", 65)]
    public void Preparation_times_are_iso_durations(string text, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), OtterTime.ParseDuration(text));

    [Theory]
    [InlineData("20 minutes")]
    [InlineData("-PT5M")]
    [InlineData("P30D")]
    public void Unreadable_or_absurd_durations_are_null(string text) => Assert.Null(OtterTime.ParseDuration(text));
}
