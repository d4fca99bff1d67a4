using System.ComponentModel.DataAnnotations;

namespace Orbital.Batch.Batching;

/// <summary>Section <c>Batching</c>.</summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Batching";

    /// <summary>Words that, anywhere in a line's note or the order's note and in any case, signal an allergy.</summary>
    public static readonly IReadOnlyList<string> DefaultAllergyWords =
    [
        "allerg", "anaphyla", "epipen", "intoleran", "coeliac", "celiac", "nut", "peanut", "almond", "cashew", "hazelnut", "walnut", "pecan", "pistachio", "gluten", "wheat", "dairy", "milk",
        "lactose", "shellfish", "shrimp", "prawn", "crab", "lobster", "mollus", "fish", "sesame", "egg", "soy", "mustard",
        "celery", "lupin", "sulphite", "sulfite",
    ];

    /// <summary>Lines whose fire-at times are all within this of each other may share a batch item.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Prep time of a SKU no menu of the setup has.</summary>
    public TimeSpan DefaultPrepTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest batch of a SKU no menu of the setup has.</summary>
    [Range(1, 1000)]
    public int DefaultMaxBatchSize { get; set; } = 10;

    /// <summary>
    /// How many batch items a station cooks side by side. The prep time Otter is told when an order is accepted is the
    /// work queued at each station the order needs (the prep time of every item due and not bumped) divided by this,
    /// plus the order's own longest prep time there.
    /// </summary>
    [Range(1, 100)]
    public int ItemsCookedAtOnce { get; set; } = 2;

    /// <summary>
    /// Replaces <see cref="DefaultAllergyWords"/> when given (<c>Batching__AllergyWords__0=…</c>, …): list every word,
    /// the defaults included if they still apply. Configuration adds to a list it binds, so the defaults live apart.
    /// </summary>
    public string[]? AllergyWords { get; set; }

    public IReadOnlyList<string> AllergyWordsInUse => AllergyWords is { Length: > 0 } words ? words : DefaultAllergyWords;
}
