using Synapse.Server.Domain;
using Synapse.Server.Services;

namespace Synapse.Server.Api;

/// <summary><c>/api/notifications</c>: list and mark read.</summary>
public static class NotificationEndpoints
{
    /// <summary>Default page size.</summary>
    public const int DefaultLimit = 50;

    /// <summary>Largest page.</summary>
    public const int MaxLimit = 200;

    /// <summary>Maps the endpoints on <paramref name="group"/>.</summary>
    public static RouteGroupBuilder MapNotificationEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/", async (bool? unreadOnly, int? limit, NotificationService notifications, HttpContext http, CancellationToken ct) =>
        {
            if (InputRules.CheckLimit(limit, DefaultLimit, MaxLimit, out var size) is { } error)
            {
                return error.ToHttpResult();
            }

            var (items, unread) = await notifications.ListAsync(CurrentUser.Get(http).Id, unreadOnly ?? false, size, ct);
            return TypedResults.Ok(new NotificationListResponse(items, unread));
        });

        group.MapPost("/{notificationId}/read", async (string notificationId, NotificationService notifications, HttpContext http, CancellationToken ct) =>
            await notifications.MarkReadAsync(CurrentUser.Get(http).Id, notificationId, ct) is { } error ? error.ToHttpResult() : TypedResults.NoContent());

        return group;
    }
}

/// <summary><c>GET /api/notifications</c>: newest first.</summary>
public sealed record NotificationListResponse(IReadOnlyList<Notification> Notifications, int UnreadCount);
