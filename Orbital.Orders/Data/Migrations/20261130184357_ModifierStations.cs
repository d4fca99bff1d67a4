using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orbital.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class ModifierStations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "sku",
                schema: "otter",
                table: "order_item_modifiers",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "station_id",
                schema: "otter",
                table: "order_item_modifiers",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "sku",
                schema: "otter",
                table: "order_item_modifiers");

            migrationBuilder.DropColumn(
                name: "station_id",
                schema: "otter",
                table: "order_item_modifiers");
        }
    }
}
