using Orbital.Prep.App;
using Orbital.Prep.Auth;
using Orbital.Prep.Availability;
using Orbital.Prep.Catalog;
using Orbital.Prep.Data;
using Orbital.Prep.Depletion;
using Orbital.Prep.Extensions;
using Orbital.Prep.Inventory;
using Orbital.Prep.MenuRecipes;
using Orbital.Prep.Pars;
using Orbital.Prep.Reports;
using Orbital.Prep.Scanning;
using Orbital.Prep.TransferUnits;
using Orbital.Prep.Waste;
using Orbital.Messaging;
using Orbital.Scheduling.Dashboard;
using Orbital.Migrations;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPrepDependencies();
builder.AddPrepAuthentication();
builder.AddPrepInventory();
builder.AddPrepSales();
builder.AddPrepReports();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
// The prep app (wwwroot): open to load, it signs in with /auth and calls the API with its token.
app.UsePrepApp();
app.UseServiceSchemaGate<PrepSchema>();
app.UseAuthentication();
app.UseJobsDashboard();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapProductsApi();
app.MapInventoryApi();
app.MapParsApi();
app.MapTransferUnitsApi();
app.MapScansApi();
app.MapWasteApi();
app.MapMenuRecipesApi();
app.MapStockApi();
app.MapAvailabilityApi();
app.MapReportsApi();
app.MapDeadLetters(PrepPolicies.EveryLocationManager);
app.MapMessagingStatus(PrepPolicies.EveryLocationManager);

app.Run();
