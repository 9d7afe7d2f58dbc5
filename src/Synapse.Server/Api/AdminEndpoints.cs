using Synapse.Server.Domain;
using Synapse.Server.Services;

namespace Synapse.Server.Api;

/// <summary><c>/api/admin</c>: administrator actions (the first registered user is administrator).</summary>
public static class AdminEndpoints
{
    /// <summary>Maps the endpoints on <paramref name="group"/>.</summary>
    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/announcements", (AnnouncementRequest request, IRealtimePublisher publisher, TimeProvider time, HttpContext http) =>
        {
            if (!CurrentUser.Get(http).IsAdmin)
            {
                return AppError.Forbidden("Only administrators may post announcements.").ToHttpResult();
            }

            if (InputRules.CheckAnnouncement(request.Message, out var message) is { } error)
            {
                return error.ToHttpResult();
            }

            var createdAt = Clock.Now(time);
            publisher.Announcement(message, createdAt);
            return TypedResults.Ok(new AnnouncementResponse(message, createdAt));
        });

        return group;
    }
}

/// <summary><c>POST /api/admin/announcements</c>.</summary>
public sealed record AnnouncementRequest(string? Message);

/// <summary>The announcement as sent in <c>system:announcement</c>.</summary>
public sealed record AnnouncementResponse(string Message, DateTimeOffset CreatedAt);
