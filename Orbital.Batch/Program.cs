using Orbital.Batch.Batching;
using Orbital.Batch.Events;
using Orbital.Batch.Extensions;

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
app.MapDefaultEndpoints();
app.MapBatchItemsApi();
app.MapKitchenEventsApi();

app.Run();
