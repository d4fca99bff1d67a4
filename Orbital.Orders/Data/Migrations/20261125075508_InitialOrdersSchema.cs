using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Orbital.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialOrdersSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "otter");

            migrationBuilder.CreateTable(
                name: "orders",
                schema: "otter",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    friendly_id = table.Column<string>(type: "text", nullable: true),
                    store_id = table.Column<string>(type: "text", nullable: false),
                    source = table.Column<string>(type: "text", nullable: true),
                    source_type = table.Column<string>(type: "text", nullable: true),
                    currency_code = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false),
                    cancellation_reason = table.Column<string>(type: "text", nullable: true),
                    ordered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    customer_note = table.Column<string>(type: "text", nullable: true),
                    customer_name = table.Column<string>(type: "text", nullable: true),
                    customer_phone = table.Column<string>(type: "text", nullable: true),
                    customer_email = table.Column<string>(type: "text", nullable: true),
                    fulfillment_mode = table.Column<string>(type: "text", nullable: true),
                    scheduling_type = table.Column<string>(type: "text", nullable: true),
                    pickup_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    estimated_pickup_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    delivery_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    estimated_preparation_time = table.Column<TimeSpan>(type: "interval", nullable: true),
                    subtotal = table.Column<decimal>(type: "numeric", nullable: true),
                    discount = table.Column<decimal>(type: "numeric", nullable: true),
                    tax = table.Column<decimal>(type: "numeric", nullable: true),
                    tip = table.Column<decimal>(type: "numeric", nullable: true),
                    delivery_fee = table.Column<decimal>(type: "numeric", nullable: true),
                    total = table.Column<decimal>(type: "numeric", nullable: true),
                    coupon_code = table.Column<string>(type: "text", nullable: true),
                    has_lines = table.Column<bool>(type: "boolean", nullable: false),
                    lines_event_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status_event_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_orders", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "raw_events",
                schema: "otter",
                columns: table => new
                {
                    event_id = table.Column<string>(type: "text", nullable: false),
                    event_type = table.Column<string>(type: "text", nullable: false),
                    store_id = table.Column<string>(type: "text", nullable: true),
                    order_id = table.Column<string>(type: "text", nullable: true),
                    event_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    body = table.Column<string>(type: "jsonb", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    detail = table.Column<string>(type: "text", nullable: true),
                    processed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_raw_events", x => x.event_id);
                });

            migrationBuilder.CreateTable(
                name: "order_items",
                schema: "otter",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    order_id = table.Column<string>(type: "text", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    line_id = table.Column<string>(type: "text", nullable: false),
                    item_id = table.Column<string>(type: "text", nullable: true),
                    sku = table.Column<string>(type: "text", nullable: true),
                    name = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    note = table.Column<string>(type: "text", nullable: true),
                    price = table.Column<decimal>(type: "numeric", nullable: true),
                    category_id = table.Column<string>(type: "text", nullable: true),
                    category_name = table.Column<string>(type: "text", nullable: true),
                    station_id = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_items", x => x.id);
                    table.ForeignKey(
                        name: "fk_order_items_orders_order_id",
                        column: x => x.order_id,
                        principalSchema: "otter",
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "order_promotions",
                schema: "otter",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    order_id = table.Column<string>(type: "text", nullable: false),
                    external_id = table.Column<string>(type: "text", nullable: true),
                    name = table.Column<string>(type: "text", nullable: true),
                    value = table.Column<decimal>(type: "numeric", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_promotions", x => x.id);
                    table.ForeignKey(
                        name: "fk_order_promotions_orders_order_id",
                        column: x => x.order_id,
                        principalSchema: "otter",
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "order_status_history",
                schema: "otter",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    order_id = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    event_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    event_id = table.Column<string>(type: "text", nullable: false),
                    event_type = table.Column<string>(type: "text", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_status_history", x => x.id);
                    table.ForeignKey(
                        name: "fk_order_status_history_orders_order_id",
                        column: x => x.order_id,
                        principalSchema: "otter",
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "order_item_modifiers",
                schema: "otter",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    order_item_id = table.Column<long>(type: "bigint", nullable: false),
                    parent_modifier_id = table.Column<long>(type: "bigint", nullable: true),
                    position = table.Column<int>(type: "integer", nullable: false),
                    modifier_id = table.Column<string>(type: "text", nullable: true),
                    name = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    price = table.Column<decimal>(type: "numeric", nullable: true),
                    group_id = table.Column<string>(type: "text", nullable: true),
                    group_name = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_item_modifiers", x => x.id);
                    table.ForeignKey(
                        name: "fk_order_item_modifiers_order_item_modifiers_parent_modifier_id",
                        column: x => x.parent_modifier_id,
                        principalSchema: "otter",
                        principalTable: "order_item_modifiers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_order_item_modifiers_order_items_order_item_id",
                        column: x => x.order_item_id,
                        principalSchema: "otter",
                        principalTable: "order_items",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_order_item_modifiers_order_item_id",
                schema: "otter",
                table: "order_item_modifiers",
                column: "order_item_id");

            migrationBuilder.CreateIndex(
                name: "ix_order_item_modifiers_parent_modifier_id",
                schema: "otter",
                table: "order_item_modifiers",
                column: "parent_modifier_id");

            migrationBuilder.CreateIndex(
                name: "ix_order_items_order_id_position",
                schema: "otter",
                table: "order_items",
                columns: new[] { "order_id", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_order_promotions_order_id",
                schema: "otter",
                table: "order_promotions",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_order_status_history_order_id_event_time",
                schema: "otter",
                table: "order_status_history",
                columns: new[] { "order_id", "event_time" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_store_id_ordered_at",
                schema: "otter",
                table: "orders",
                columns: new[] { "store_id", "ordered_at" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_updated_at",
                schema: "otter",
                table: "orders",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_raw_events_order_id",
                schema: "otter",
                table: "raw_events",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_raw_events_received_at",
                schema: "otter",
                table: "raw_events",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "order_item_modifiers",
                schema: "otter");

            migrationBuilder.DropTable(
                name: "order_promotions",
                schema: "otter");

            migrationBuilder.DropTable(
                name: "order_status_history",
                schema: "otter");

            migrationBuilder.DropTable(
                name: "raw_events",
                schema: "otter");

            migrationBuilder.DropTable(
                name: "order_items",
                schema: "otter");

            migrationBuilder.DropTable(
                name: "orders",
                schema: "otter");
        }
    }
}
