using Orbital.Batch.Batching;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.Expo;
using Orbital.Batch.Extensions;
using Orbital.Batch.Kitchens;
using Orbital.Batch.Operations;
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
builder.AddKitchenOperations();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseServiceSchemaGate<BatchSchema>();
app.UseAuthentication();
app.UseJobsDashboard();
app.UseOperationsPage();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapKitchensApi();
app.MapBatchItemsApi();
app.MapKitchenEventsApi();
app.MapExpoApi();
app.MapSpeedOfServiceApi();
app.MapScreensApi();
app.MapOperationsApi();
app.MapDeadLetters(KitchenAccess.EveryKitchenOperators);
app.MapMessagingStatus(KitchenAccess.EveryKitchenOperators);

app.Run();
