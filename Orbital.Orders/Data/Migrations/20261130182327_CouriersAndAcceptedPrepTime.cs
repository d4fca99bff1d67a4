using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orbital.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class CouriersAndAcceptedPrepTime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "accepted_ready_by",
                schema: "otter",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "courier_estimated_pickup_time",
                schema: "otter",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "courier_event_time",
                schema: "otter",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "courier_name",
                schema: "otter",
                table: "orders",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "courier_status",
                schema: "otter",
                table: "orders",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "delivery_provider",
                schema: "otter",
                table: "orders",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "accepted_ready_by",
                schema: "otter",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "courier_estimated_pickup_time",
                schema: "otter",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "courier_event_time",
                schema: "otter",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "courier_name",
                schema: "otter",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "courier_status",
                schema: "otter",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "delivery_provider",
                schema: "otter",
                table: "orders");
        }
    }
}
