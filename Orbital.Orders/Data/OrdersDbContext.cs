using Microsoft.EntityFrameworkCore;

namespace Orbital.Orders.Data;

public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    public const string Schema = "otter";

    public DbSet<OrderEntity> Orders => Set<OrderEntity>();
    public DbSet<OrderItemEntity> OrderItems => Set<OrderItemEntity>();
    public DbSet<OrderItemModifierEntity> OrderItemModifiers => Set<OrderItemModifierEntity>();
    public DbSet<OrderPromotionEntity> OrderPromotions => Set<OrderPromotionEntity>();
    public DbSet<OrderStatusChangeEntity> OrderStatusHistory => Set<OrderStatusChangeEntity>();
    public DbSet<RawEventEntity> RawEvents => Set<RawEventEntity>();
    public DbSet<EventConflictEntity> EventConflicts => Set<EventConflictEntity>();
    public DbSet<OtterCallEntity> OtterCalls => Set<OtterCallEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<OrderEntity>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => o.Id);
            order.HasIndex(o => new { o.StoreId, o.OrderedAt });
            order.HasIndex(o => o.UpdatedAt);
            foreach (var money in new[] { nameof(OrderEntity.Subtotal), nameof(OrderEntity.Discount), nameof(OrderEntity.Tax), nameof(OrderEntity.Tip), nameof(OrderEntity.DeliveryFee), nameof(OrderEntity.Total) })
            {
                order.Property(money).HasColumnType("numeric");
            }

            order.HasMany(o => o.Items).WithOne().HasForeignKey(i => i.OrderId).OnDelete(DeleteBehavior.Cascade);
            order.HasMany(o => o.Promotions).WithOne().HasForeignKey(p => p.OrderId).OnDelete(DeleteBehavior.Cascade);
            order.HasMany(o => o.StatusHistory).WithOne().HasForeignKey(s => s.OrderId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OrderItemEntity>(item =>
        {
            item.ToTable("order_items");
            item.Property(i => i.Price).HasColumnType("numeric");
            item.HasIndex(i => new { i.OrderId, i.Position }).IsUnique();
            item.HasMany(i => i.Modifiers).WithOne().HasForeignKey(m => m.OrderItemId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OrderItemModifierEntity>(modifier =>
        {
            modifier.ToTable("order_item_modifiers");
            modifier.Property(m => m.Price).HasColumnType("numeric");
            modifier.HasOne(m => m.Parent).WithMany(m => m.Children).HasForeignKey(m => m.ParentModifierId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OrderPromotionEntity>(promotion =>
        {
            promotion.ToTable("order_promotions");
            promotion.Property(p => p.Value).HasColumnType("numeric");
        });

        modelBuilder.Entity<OrderStatusChangeEntity>(change =>
        {
            change.ToTable("order_status_history");
            change.HasIndex(c => new { c.OrderId, c.EventTime });
        });

        modelBuilder.Entity<RawEventEntity>(raw =>
        {
            raw.ToTable("raw_events");
            // The natural key of an Otter event: a redelivered or re-sent event finds its row and changes nothing.
            raw.HasKey(r => r.EventId);
            raw.Property(r => r.Body).HasColumnType("jsonb");
            raw.HasIndex(r => r.OrderId);
            raw.HasIndex(r => r.ReceivedAt);
        });

        modelBuilder.Entity<EventConflictEntity>(conflict =>
        {
            conflict.ToTable("event_conflicts");
            conflict.Property(c => c.Body).HasColumnType("jsonb");
            conflict.HasIndex(c => c.EventId);
        });

        modelBuilder.Entity<OtterCallEntity>(call =>
        {
            call.ToTable("otter_calls");
            // One call per order and step, whatever event brought it; the same index finds an order's calls. (One index
            // where there were two: every call is written again with its answer, and a write that moves it in the
            // sender's index writes an entry in every index.)
            call.HasIndex(c => new { c.OrderId, c.Milestone }).IsUnique();
            call.Property(c => c.Body).HasColumnType("jsonb");
            // What the sender looks for: calls still owed, soonest first.
            call.HasIndex(c => new { c.NextAttemptAt, c.Id }).HasFilter("state = 'pending'").HasDatabaseName("ix_otter_calls_pending");
        });
    }
}
