using Synapse.Server.Domain;
using Synapse.Server.Services;

namespace Synapse.Server.Api;

/// <summary><c>/api/rooms</c>: listing, creation, direct rooms, members and history.</summary>
public static class RoomEndpoints
{
    /// <summary>Maps the endpoints on <paramref name="group"/>.</summary>
    public static RouteGroupBuilder MapRoomEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/", async (RoomService rooms, HttpContext http, CancellationToken ct) =>
        {
            var listings = await rooms.ListAsync(CurrentUser.Get(http).Id, ct);
            return TypedResults.Ok(new RoomListResponse(listings.Select(RoomResponse.From).ToArray()));
        });

        group.MapPost("/", async (CreateRoomRequest request, RoomService rooms, HttpContext http, CancellationToken ct) =>
            (await rooms.CreateAsync(CurrentUser.Get(http), request.Name, request.IsPrivate, request.MemberIds, ct))
                .ToHttpResult(details => TypedResults.Created($"/api/rooms/{details.Room.Id}", RoomResponse.From(details, CurrentUser.Get(http).Id))));

        group.MapPost("/direct", async (DirectRoomRequest request, RoomService rooms, HttpContext http, CancellationToken ct) =>
            (await rooms.GetOrCreateDirectAsync(CurrentUser.Get(http), request.UserId, ct))
                .ToHttpResult(result =>
                {
                    var body = RoomResponse.From(result.Details, CurrentUser.Get(http).Id);
                    return result.Created ? TypedResults.Created($"/api/rooms/{body.Id}", body) : TypedResults.Ok(body);
                }));

        group.MapGet("/{roomId}", async (string roomId, RoomService rooms, HttpContext http, CancellationToken ct) =>
            (await rooms.GetDetailsAsync(CurrentUser.Get(http).Id, roomId, ct))
                .ToHttpResult(details => TypedResults.Ok(RoomResponse.From(details, CurrentUser.Get(http).Id))));

        group.MapPost("/{roomId}/members", async (string roomId, MemberRequest request, RoomService rooms, HttpContext http, CancellationToken ct) =>
            (await rooms.AddMemberAsync(CurrentUser.Get(http), roomId, request.UserId, ct))
                .ToHttpResult(member => TypedResults.Created($"/api/rooms/{roomId}/members/{member.UserId}", member)));

        group.MapDelete("/{roomId}/members/{userId}", async (string roomId, string userId, RoomService rooms, HttpContext http, CancellationToken ct) =>
            await rooms.RemoveMemberAsync(CurrentUser.Get(http), roomId, userId, ct) is { } error ? error.ToHttpResult() : TypedResults.NoContent());

        group.MapGet("/{roomId}/messages", async (string roomId, string? before, string? after, int? limit, MessageService messages, HttpContext http, CancellationToken ct) =>
            (await messages.GetHistoryAsync(CurrentUser.Get(http).Id, roomId, before, after, limit, ct))
                .ToHttpResult(page => TypedResults.Ok(new MessagePageResponse(page.Messages, page.HasMore))));

        return group;
    }
}

/// <summary><c>POST /api/rooms</c>.</summary>
public sealed record CreateRoomRequest(string? Name, bool? IsPrivate, IReadOnlyList<string?>? MemberIds);

/// <summary><c>POST /api/rooms/direct</c>.</summary>
public sealed record DirectRoomRequest(string? UserId);

/// <summary><c>POST /api/rooms/{id}/members</c>.</summary>
public sealed record MemberRequest(string? UserId);

/// <summary>A room as the API shows it to one user.</summary>
public sealed record RoomResponse(
    string Id,
    string Name,
    bool IsPrivate,
    bool IsDirect,
    string? OwnerId,
    DateTimeOffset CreatedAt,
    int MemberCount,
    bool IsMember,
    IReadOnlyList<RoomMember>? Members)
{
    /// <summary>A listed room (without members).</summary>
    public static RoomResponse From(RoomListing listing) =>
        From(listing.Room, listing.MemberCount, listing.IsMember, null);

    /// <summary>A room with its members.</summary>
    public static RoomResponse From(RoomDetails details, string viewerId) =>
        From(details.Room, details.Members.Count, details.Members.Any(m => m.UserId == viewerId), details.Members);

    private static RoomResponse From(Room room, int memberCount, bool isMember, IReadOnlyList<RoomMember>? members) =>
        new(room.Id, room.Name, room.IsPrivate, room.IsDirect, room.OwnerId, room.CreatedAt, memberCount, isMember, members);
}

/// <summary><c>GET /api/rooms</c>.</summary>
public sealed record RoomListResponse(IReadOnlyList<RoomResponse> Rooms);

/// <summary><c>GET /api/rooms/{id}/messages</c>: newest first, or oldest first with <c>after</c>.</summary>
public sealed record MessagePageResponse(IReadOnlyList<Message> Messages, bool HasMore);
