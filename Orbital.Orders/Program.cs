using Orbital.Orders.Extensions;
using Orbital.Orders.Orders;
using Orbital.Orders.Recovery;
using Orbital.Orders.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddOrdersDependencies();
builder.AddOrderIngestion();
builder.AddMissedOrderRecovery();
builder.AddWarehouseSyncs();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapOtterWebhooks();
app.MapOrdersApi();
app.MapDeadLettersApi();
app.MapRecoveryApi();

app.Run();
