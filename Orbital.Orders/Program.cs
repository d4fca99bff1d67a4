using Orbital.Orders.Extensions;
using Orbital.Orders.Operators;
using Orbital.Orders.Orders;
using Orbital.Orders.Recovery;
using Orbital.Orders.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddOrdersDependencies();
builder.AddOrderIngestion();
builder.AddMissedOrderRecovery();
builder.AddTellingOtter();
builder.AddWarehouseSyncs();
builder.AddOperatorAccess();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapOtterWebhooks();
app.MapOrdersApi();
app.MapDeadLettersApi();
app.MapRecoveryApi();

app.Run();
