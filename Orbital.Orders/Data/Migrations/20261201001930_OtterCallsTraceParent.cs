using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orbital.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class OtterCallsTraceParent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                schema: "otter",
                table: "otter_calls",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                schema: "otter",
                table: "otter_calls");
        }
    }
}
