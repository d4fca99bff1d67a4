using Orbital.Batch.Batching;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.Expo;
using Orbital.Batch.Extensions;
using Orbital.Batch.Kitchens;
using Orbital.Batch.Screens;
using Orbital.Messaging;
using Orbital.Scheduling.Dashboard;
using Orbital.Migrations;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBatchDependencies();
builder.AddKitchenBatching();
builder.AddKitchenScreens();
builder.AddSessionSync();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseServiceSchemaGate<BatchSchema>();
app.UseAuthentication();
app.UseJobsDashboard();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapKitchensApi();
app.MapBatchItemsApi();
app.MapKitchenEventsApi();
app.MapExpoApi();
app.MapSpeedOfServiceApi();
app.MapScreensApi();
app.MapDeadLetters(KitchenAccess.EveryKitchenOperators);

app.Run();
