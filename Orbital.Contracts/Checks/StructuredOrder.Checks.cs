namespace Orbital.Contracts.Orders;

public sealed partial class StructuredOrder
{
    /// <summary>Why no consumer can use this order (no id, no positive version), or null: each dead-letters it with this.</summary>
    public string? Unusable => string.IsNullOrEmpty(OrderId) || Version <= 0 ? "A StructuredOrder needs an order id and a positive version." : null;
}
