using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orbital.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class OtterCallsKeyedByOrderAndStep : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_otter_calls_event_id",
                schema: "otter",
                table: "otter_calls");

            migrationBuilder.DropIndex(
                name: "ix_otter_calls_order_id",
                schema: "otter",
                table: "otter_calls");

            migrationBuilder.CreateIndex(
                name: "ix_otter_calls_order_id_milestone",
                schema: "otter",
                table: "otter_calls",
                columns: new[] { "order_id", "milestone" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_otter_calls_order_id_milestone",
                schema: "otter",
                table: "otter_calls");

            migrationBuilder.CreateIndex(
                name: "ix_otter_calls_event_id",
                schema: "otter",
                table: "otter_calls",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_otter_calls_order_id",
                schema: "otter",
                table: "otter_calls",
                column: "order_id");
        }
    }
}
