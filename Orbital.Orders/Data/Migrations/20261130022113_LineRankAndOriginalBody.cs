using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orbital.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class LineRankAndOriginalBody : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "original_body",
                schema: "otter",
                table: "raw_events",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "lines_event_rank",
                schema: "otter",
                table: "orders",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "original_body",
                schema: "otter",
                table: "raw_events");

            migrationBuilder.DropColumn(
                name: "lines_event_rank",
                schema: "otter",
                table: "orders");
        }
    }
}
