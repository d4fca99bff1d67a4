using Orbital.Prep.Catalog;
using Orbital.Prep.Pars;

namespace Orbital.Tests.Prep;

/// <summary>The prep-list maths, PAR CSV reading and unit conversion on their own.</summary>
public sealed class Prep_lists_fill_to_par_in_whole_batches
{
    [Theory]
    [InlineData(10, 2.5, 2, 8, 4)]
    [InlineData(10, 10, 2, 0, 0)]
    [InlineData(10, 12, 2, 0, 0)]
    [InlineData(10, 9.9, 2, 2, 1)]
    [InlineData(7, 0, 3, 9, 3)]
    [InlineData(0, 0, 1, 0, 0)]
    public void To_prep_is_the_shortfall_rounded_up_to_whole_batches(decimal par, decimal onHand, decimal batchSize, decimal toPrep, int batches)
    {
        var line = PrepMath.Line("slaw", "Coleslaw", "kg", par, onHand, batchSize);

        Assert.Equal(toPrep, line.ToPrep);
        Assert.Equal(batches, line.Batches);
        Assert.Equal(Math.Max(0, par - onHand), line.Shortfall);
    }

    [Fact]
    public void A_product_never_counted_counts_as_nothing_on_hand_and_says_so()
    {
        var line = PrepMath.Line("slaw", "Coleslaw", "kg", par: 5, onHand: null, batchSize: 2);

        Assert.False(line.Counted);
        Assert.Equal(0, line.OnHand);
        Assert.Equal(6, line.ToPrep);
    }

    [Fact]
    public void Negative_on_hand_is_treated_as_none()
    {
        Assert.Equal(4, PrepMath.Line("slaw", "Coleslaw", "kg", par: 4, onHand: -3, batchSize: 1).ToPrep);
    }

    [Fact]
    public void Quantities_convert_to_the_base_unit_by_the_products_factors()
    {
        var buns = new Product("bun", "Brioche bun", "each", null, null, null, 24, [], new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase) { ["case"] = 48, ["tray"] = 12 }, []);

        Assert.Equal(96, buns.ToBase(2, "case"));
        Assert.Equal(18, buns.ToBase(1.5m, "Tray"));
        Assert.Equal(5, buns.ToBase(5, "each"));
        Assert.Equal(5, buns.ToBase(5, null));
        Assert.Null(buns.ToBase(1, "kg"));
    }

    [Fact]
    public void A_PAR_file_is_read_row_by_row_with_every_bad_row_named()
    {
        const string csv = "sku,weekday,quantity,unit\r\nslaw,1,10,kg\n\"bun, brioche\",Tue,2,case\nfries,8,3,\nslaw,mon,-1,\n,0,x,\nslaw,sunday,\"4.5\",\n";

        var (rows, errors) = ParCsv.Parse(csv);

        Assert.Equal([("slaw", 1, 10m, "kg"), ("bun, brioche", 2, 2m, "case"), ("slaw", 0, 4.5m, null)],
            rows.Select(r => (r.Sku, r.Weekday, r.Quantity, r.Unit)));
        Assert.Equal([4, 5, 6], errors.Select(e => e.Row));
        Assert.Contains("weekday '8'", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("negative", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("sku is empty", errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("not a number", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_PAR_file_without_the_required_columns_is_refused_as_a_whole()
    {
        var (rows, errors) = ParCsv.Parse("product,day,amount\nslaw,1,10\n");

        Assert.Empty(rows);
        Assert.Contains("sku, weekday, quantity", Assert.Single(errors).Message, StringComparison.Ordinal);
    }
}
