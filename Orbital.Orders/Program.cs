using Orbital.Messaging;
using Orbital.Scheduling.Dashboard;
using Orbital.Orders.Extensions;
using Orbital.Orders.Operators;
using Orbital.Orders.Orders;
using Orbital.Orders.Recovery;
using Orbital.Orders.TellingOtter;
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
app.UseJobsDashboard();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapOtterWebhooks();
app.MapOrdersApi();
app.MapDeadLetters(OperatorAccess.EveryStorePolicy);
app.MapMessagingStatus(OperatorAccess.EveryStorePolicy);
app.MapRecoveryApi();
app.MapOtterCallsStatus();

app.Run();
