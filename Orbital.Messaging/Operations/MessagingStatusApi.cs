using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Orbital.Messaging;

/// <summary><c>GET /operations/messaging</c>: the service's queues and outbox now, for operators (Batch's operations page gathers every service's).</summary>
public static class MessagingStatusApi
{
    public static IEndpointRouteBuilder MapMessagingStatus(this IEndpointRouteBuilder app, string policy)
    {
        app.MapGet("/operations/messaging", async (MessagingStatusReader reader, CancellationToken cancellationToken) =>
                TypedResults.Ok(await reader.ReadAsync(cancellationToken)))
            .WithTags("Operations").WithName("GetMessagingStatus").RequireAuthorization(policy)
            .WithSummary("Each consumed queue's waiting messages, consumers, oldest waiting age and dead letters; the outbox's backlog");
        return app;
    }
}
