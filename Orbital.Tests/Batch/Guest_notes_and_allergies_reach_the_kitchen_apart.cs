using Google.Protobuf.WellKnownTypes;
using Orbital.Batch.Batching;
using Orbital.Contracts.Orders;
using Orbital.Places;

namespace Orbital.Tests.Batch;

/// <summary>
/// What the guest wrote, as the batcher reads it (no servers): a line's note keeps it with lines asking the same, and an
/// order whose note signals an allergy is cooked apart from every other order.
/// </summary>
public sealed class Guest_notes_and_allergies_reach_the_kitchen_apart
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly List<BatchItemDraft> _board = [];
    private long _nextId;

    [Fact]
    public void A_line_with_a_note_batches_only_with_lines_asking_the_same()
    {
        Apply(Order("plain-1", ("l1", "fries", 2, null)));
        Apply(Order("onions-1", ("l1", "fries", 1, "No onions")));
        Apply(Order("plain-2", ("l1", "fries", 3, "")));
        Apply(Order("onions-2", ("l1", "fries", 1, "  no   ONIONS ")));
        Apply(Order("salt-1", ("l1", "fries", 1, "extra salt")));

        Assert.Equal(3, _board.Count);
        Assert.Equal(["plain-1", "plain-2"], Orders(_board.Single(i => i.Note is null)));
        var onions = _board.Single(i => i.Note == "No onions");
        Assert.Equal(["onions-1", "onions-2"], Orders(onions));
        Assert.Equal(2, onions.Quantity);
        Assert.Equal(["salt-1"], Orders(_board.Single(i => i.Note == "extra salt")));
        Assert.All(_board, i => Assert.Null(i.AllergyNote));
    }

    [Fact]
    public void A_line_whose_note_signals_an_allergy_is_cooked_for_its_order_alone()
    {
        Apply(Order("plain", ("l1", "satay", 2, null)));
        Apply(Order("allergic", ("l1", "satay", 1, "no peanuts — severe allergy"), ("l2", "satay", 1, "no peanuts — severe allergy")));
        Apply(Order("same-words", ("l1", "satay", 1, "No peanuts — SEVERE allergy")));

        var allergic = _board.Single(i => Orders(i).Contains("allergic"));
        Assert.Equal(["allergic"], Orders(allergic));
        Assert.Equal(2, allergic.Quantity);
        Assert.Equal("no peanuts — severe allergy", allergic.AllergyNote);
        Assert.Equal("no peanuts — severe allergy", allergic.Note);
        Assert.Equal(["same-words"], Orders(_board.Single(i => Orders(i).Contains("same-words"))));
        Assert.Equal(["plain"], Orders(_board.Single(i => i.AllergyNote is null)));
    }

    [Fact]
    public void Every_line_of_an_order_whose_own_note_signals_an_allergy_is_cooked_apart_and_carries_that_note()
    {
        Apply(Order("plain", ("l1", "burger", 1, null), ("l2", "fries", 1, null)));
        var coeliac = Order("coeliac", ("l1", "burger", 1, null), ("l2", "fries", 1, "crispy"));
        coeliac.CustomerNote = "Coeliac, please use a clean fryer";
        Apply(coeliac);

        Assert.Equal(4, _board.Count);
        var cookedApart = _board.Where(i => Orders(i).Contains("coeliac")).ToList();
        Assert.Equal(2, cookedApart.Count);
        Assert.All(cookedApart, i => Assert.Equal(["coeliac"], Orders(i)));
        Assert.Equal("Order: Coeliac, please use a clean fryer", cookedApart.Single(i => i.Key.Sku == "burger").AllergyNote);
        Assert.Equal("crispy", cookedApart.Single(i => i.Key.Sku == "fries").Note);
    }

    [Fact]
    public void A_modifier_that_takes_an_allergen_away_or_sits_in_an_allergy_group_cooks_the_line_apart()
    {
        var noPeanuts = Order("pad-thai-1", ("l1", "pad-thai", 1, null));
        noPeanuts.Lines[0].Modifiers.Add(new LineModifier { Id = "no-peanuts", Name = "No peanuts", Quantity = 1, GroupName = "Extras" });
        var shellfish = Order("pad-thai-2", ("l1", "pad-thai", 1, null));
        shellfish.Lines[0].Modifiers.Add(new LineModifier { Id = "crustacean", Name = "Crustaceans", Quantity = 1, GroupName = "Allergies" });
        var egg = Order("pad-thai-3", ("l1", "pad-thai", 1, null));
        egg.Lines[0].Modifiers.Add(new LineModifier { Id = "add-egg", Name = "Add egg", Quantity = 1, GroupName = "Extras" });
        var moreEgg = Order("pad-thai-4", ("l1", "pad-thai", 1, null));
        moreEgg.Lines[0].Modifiers.Add(new LineModifier { Id = "add-egg", Name = "Add egg", Quantity = 1, GroupName = "Extras" });

        Apply(noPeanuts);
        Apply(shellfish);
        Apply(egg);
        Apply(moreEgg);

        Assert.Equal("No peanuts (Extras)", _board.Single(i => Orders(i).Contains("pad-thai-1")).AllergyNote);
        Assert.Equal("Crustaceans (Allergies)", _board.Single(i => Orders(i).Contains("pad-thai-2")).AllergyNote);
        var eggs = _board.Single(i => Orders(i).Contains("pad-thai-3"));
        Assert.Null(eggs.AllergyNote);
        Assert.Equal(["pad-thai-3", "pad-thai-4"], Orders(eggs));
    }

    [Theory]
    [InlineData("no peanuts — severe allergy", true)]
    [InlineData("NUT FREE please", true)]
    [InlineData("allergic to sesame", true)]
    [InlineData("Gluten-free bun", true)]
    [InlineData("dairy", true)]
    [InlineData("walnuts make me ill", true)]
    [InlineData("ready in 5 minutes please", false)]
    [InlineData("ring twice", false)]
    [InlineData("extra napkins", false)]
    public void Allergy_words_count_in_any_case_at_the_start_of_a_word(string note, bool allergy) =>
        Assert.Equal(allergy, GuestNotes.SignalsAllergy(note, BatchingOptions.DefaultAllergyWords));

    [Fact]
    public void The_allergy_words_are_the_operators_to_set()
    {
        var options = new BatchingOptions { AllergyWords = ["lupin"] };
        var lines = KitchenLines.From(Order("o", ("l1", "burger", 1, "lupin allergy")), KitchenMap.Empty, options, Noon);
        Assert.NotNull(Assert.Single(lines).AllergyNote);
        Assert.Null(Assert.Single(KitchenLines.From(Order("o", ("l1", "burger", 1, "peanut")), KitchenMap.Empty, options, Noon)).AllergyNote);
    }

    [Fact]
    public void A_line_without_a_note_keeps_the_batch_key_it_had_before_notes_counted()
    {
        var line = Assert.Single(KitchenLines.From(Order("o", ("l1", "burger", 1, null)), KitchenMap.Empty, new BatchingOptions(), Noon));
        Assert.Equal(string.Empty, line.Key.ModifierSignature);
        Assert.Null(line.Note);
    }

    [Fact]
    public void A_note_is_stored_without_control_characters_and_a_long_one_keeps_a_short_key()
    {
        var essay = "no\0 onions\r\n" + new string('x', 20_000);
        var line = Assert.Single(KitchenLines.From(Order("o", ("l1", "burger", 1, essay)), KitchenMap.Empty, new BatchingOptions(), Noon));
        Assert.StartsWith("no  onions  x", line.Note);
        Assert.DoesNotContain('\0', line.Note!);
        Assert.True(line.Key.ModifierSignature.Length < 64);
    }

    [Fact]
    public void Many_long_modifiers_keep_a_key_short_enough_to_index_and_still_tell_lines_apart()
    {
        var many = Order("o", ("l1", "burger", 1, null));
        many.Lines[0].Modifiers.AddRange(Enumerable.Range(0, 60).Select(i => new LineModifier { Name = $"{new string('m', 80)}-{i}", Quantity = 1 }));
        var oneLess = Order("p", ("l1", "burger", 1, null));
        oneLess.Lines[0].Modifiers.AddRange(many.Lines[0].Modifiers.Skip(1));

        var first = Assert.Single(KitchenLines.From(many, KitchenMap.Empty, new BatchingOptions(), Noon));
        var second = Assert.Single(KitchenLines.From(oneLess, KitchenMap.Empty, new BatchingOptions(), Noon));
        Assert.True(first.Key.ModifierSignature.Length < 64);
        Assert.NotEqual(first.Key, second.Key);
        Assert.Equal(60, first.Modifiers.Count);
    }

    private void Apply(StructuredOrder order)
    {
        var lines = KitchenLines.From(order, KitchenMap.Empty, new BatchingOptions(), Noon);
        BatchingRule.ApplyOrder(_board, order.OrderId, $"Order {order.OrderId}", lines, TimeSpan.FromMinutes(2), () => --_nextId);
    }

    private static List<string> Orders(BatchItemDraft item) => [.. item.Allocations.Where(a => a.Quantity > 0).Select(a => a.OrderId).Distinct()];

    private static StructuredOrder Order(string orderId, params (string LineId, string Sku, int Quantity, string? Note)[] lines)
    {
        var order = new StructuredOrder
        {
            OrderId = orderId,
            StoreId = "a-store",
            Version = 1,
            ReadyBy = Timestamp.FromDateTimeOffset(Noon.AddMinutes(10)),
        };
        order.Lines.AddRange(lines.Select(l => new OrderLine { LineId = l.LineId, Sku = l.Sku, Name = l.Sku, Quantity = l.Quantity, Note = l.Note ?? string.Empty }));
        return order;
    }
}
