using System.ComponentModel.DataAnnotations;

namespace Orbital.Orders.Webhooks;

/// <summary>Section <c>Otter</c>.</summary>
public sealed class OtterOptions
{
    public const string SectionName = "Otter";

    /// <summary>The shared secret Otter signs webhooks with (HMAC-SHA256 of the raw body).</summary>
    [Required(ErrorMessage = "Otter:WebhookSecret is not set: webhooks cannot be verified without it.")]
    [MinLength(16, ErrorMessage = "Otter:WebhookSecret must be at least 16 characters.")]
    public string WebhookSecret { get; set; } = string.Empty;

    /// <summary>Largest webhook body accepted.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the webhook waits for the broker's confirm before falling back to the outbox.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// For a scheduled delivery that gives only the time at the customer's door: how long before it the food must be
    /// ready. Otter's order carries no delivery estimate of its own.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "02:00:00")]
    public TimeSpan DeliveryTravelTime { get; set; } = TimeSpan.FromMinutes(15);
}
