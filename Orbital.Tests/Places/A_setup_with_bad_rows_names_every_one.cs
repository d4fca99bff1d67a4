using Orbital.Places;

namespace Orbital.Tests.Places;

/// <summary>The whole setup is checked before anything changes, and each bad row is named with its table and row number.</summary>
public sealed class A_setup_with_bad_rows_names_every_one
{
    [Fact]
    public void The_demo_setup_is_valid()
    {
        Assert.Empty(SetupValidation.Validate(DemoPlaces.Load()));
    }

    [Fact]
    public void Every_bad_row_is_named_with_its_table_row_and_reason()
    {
        var demo = DemoPlaces.Load();
        var setup = demo with
        {
            Kitchens = [.. demo.Kitchens, new Kitchen("lisbon", "Lisbon", "Europe/Lisboa"), new Kitchen("unassigned", "Mine", "Etc/UTC")],
            Stores = [.. demo.Stores, new Store("smash-club-london", "austin", "smash-club"), new Store("ghost-store", "paris", "smash-club")],
            Stations = [.. demo.Stations, new Station("madrid", "grill", "Grill", 1)],
            MenuItems = [.. demo.MenuItems, new MenuItem("wok-this-way", "bao", "Bao buns", "steamer", 300, true, 0)],
        };

        var problems = SetupValidation.Validate(setup);

        Assert.Contains(problems, p => p is { Table: "kitchens", Row: 4, Key: "lisbon" } && p.Problem.Contains("time zone 'Europe/Lisboa'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Table: "kitchens", Row: 5, Key: "unassigned" });
        Assert.Contains(problems, p => p is { Table: "stores", Row: 7, Key: "smash-club-london" } && p.Problem.Contains("duplicate store: row 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Table: "stores", Row: 8, Key: "ghost-store" } && p.Problem.Contains("kitchen 'paris' is not in kitchens", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Table: "stations", Key: "madrid/grill" } && p.Problem.Contains("kitchen 'madrid'", StringComparison.Ordinal));
        // The wok brand sells in London and Austin, neither of which has a steamer.
        Assert.Contains(problems, p => p is { Table: "menuItems", Key: "wok-this-way/bao" } && p.Problem.Contains("station 'steamer' is missing in kitchen 'london'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Table: "menuItems", Key: "wok-this-way/bao" } && p.Problem.Contains("station 'steamer' is missing in kitchen 'austin'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Table: "menuItems", Key: "wok-this-way/bao" } && p.Problem.Contains("maxBatchSize 0", StringComparison.Ordinal));
        Assert.Equal(8, problems.Count);
    }

    [Fact]
    public void Text_that_could_not_be_stored_or_shown_is_refused()
    {
        var demo = DemoPlaces.Load();
        var setup = demo with { Brands = [.. demo.Brands, new Brand("bad\0brand", "Nul"), new Brand("ok-brand", new string('x', 201))] };

        var problems = SetupValidation.Validate(setup);

        Assert.Contains(problems, p => p is { Table: "brands", Row: 4 } && p.Problem.Contains("control characters", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Table: "brands", Row: 5 } && p.Problem.Contains("name must be 1 to 200", StringComparison.Ordinal));
    }

    [Fact]
    public void A_null_row_is_named_not_a_crash()
    {
        var demo = DemoPlaces.Load();
        var setup = demo with { Stores = [.. demo.Stores, null!] };

        var problem = Assert.Single(SetupValidation.Validate(setup));

        Assert.Equal(("stores", 7), (problem.Table, problem.Row));
    }
}
