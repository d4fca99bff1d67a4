using Microsoft.Extensions.Options;
using Orbital.Prep.Data;

namespace Orbital.Prep.Auth;

/// <summary>Creates the first admin from configuration when the user table is empty, once the schema exists.</summary>
public sealed partial class AdminBootstrap(PrepSchema schema, UserStore users, IOptions<AuthOptions> options, ILogger<AdminBootstrap> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilReadyAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var admin = options.Value.BootstrapAdmin;
        try
        {
            if (await users.AnyAsync(stoppingToken))
            {
                return;
            }

            if (admin.Password.Length < 10)
            {
                Log.NoPassword(logger);
                return;
            }

            if (await users.CreateAsync(admin.Username, "Administrator", StaffRoles.Admin, admin.Password, [], allLocations: true, stoppingToken) is not null)
            {
                Log.Created(logger, admin.Username);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Log.Failed(logger, ex.GetBaseException().Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "Created the first admin account '{Username}' from Auth:BootstrapAdmin")]
        public static partial void Created(ILogger logger, string username);

        [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "No users and no Auth:BootstrapAdmin:Password of at least 10 characters: nobody can log in")]
        public static partial void NoPassword(ILogger logger);

        [LoggerMessage(EventId = 3113, Level = LogLevel.Error, Message = "Could not create the first admin: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
