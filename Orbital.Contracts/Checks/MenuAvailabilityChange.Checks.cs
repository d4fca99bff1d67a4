namespace Orbital.Contracts.Menus;

public sealed partial class MenuAvailabilityChange
{
    public const int MaxIdLength = 200, MaxItems = 500;

    /// <summary>
    /// Why no consumer can use this change, or null: it needs a change id, a store and a time, ids of at most
    /// <see cref="MaxIdLength"/> characters without NUL, and 1 to <see cref="MaxItems"/> items taken off sale or put back.
    /// </summary>
    public string? Unusable
    {
        get
        {
            var ids = new[] { ChangeId, StoreId }.Concat(Suspended.Select(i => i.Sku)).Concat(Unsuspended);
            return ChangeId.Length == 0 || StoreId.Length == 0 || DecidedAt is null ? "A MenuAvailabilityChange needs a change id, a store id and a time."
                : ids.Any(id => id.Length > MaxIdLength || id.Contains('\0', StringComparison.Ordinal)) ? $"A MenuAvailabilityChange's ids are at most {MaxIdLength} characters, without NUL."
                : Suspended.Count + Unsuspended.Count is 0 or > MaxItems ? $"A MenuAvailabilityChange takes 1 to {MaxItems} items off sale or back."
                : null;
        }
    }
}
