using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Synapse.Server.Api;
using Synapse.Server.Domain;
using Synapse.Server.Realtime.Contracts;

namespace Synapse.Server;

/// <summary>
/// Source-generated JSON metadata for every type the REST and real-time APIs read or write (web
/// defaults: camelCase, nulls written). Both the HTTP JSON options and the Socket.IO serializer
/// use it first and fall back to reflection for anything else.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(User))]
[JsonSerializable(typeof(Room))]
[JsonSerializable(typeof(RoomMember))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(Notification))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(AuthResponse))]
[JsonSerializable(typeof(UserListResponse))]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(DirectRoomRequest))]
[JsonSerializable(typeof(MemberRequest))]
[JsonSerializable(typeof(RoomResponse))]
[JsonSerializable(typeof(RoomListResponse))]
[JsonSerializable(typeof(MessagePageResponse))]
[JsonSerializable(typeof(NotificationListResponse))]
[JsonSerializable(typeof(AnnouncementRequest))]
[JsonSerializable(typeof(AnnouncementResponse))]
[JsonSerializable(typeof(MemoryDiagnostics))]
[JsonSerializable(typeof(AuthenticatePayload))]
[JsonSerializable(typeof(RoomPayload))]
[JsonSerializable(typeof(SendMessagePayload))]
[JsonSerializable(typeof(EditMessagePayload))]
[JsonSerializable(typeof(MessageIdPayload))]
[JsonSerializable(typeof(ReactPayload))]
[JsonSerializable(typeof(CallStartPayload))]
[JsonSerializable(typeof(CallIdPayload))]
[JsonSerializable(typeof(CallSignalPayload))]
[JsonSerializable(typeof(NotificationReadPayload))]
[JsonSerializable(typeof(UserOnlineEvent))]
[JsonSerializable(typeof(UserOfflineEvent))]
[JsonSerializable(typeof(RoomJoinedEvent))]
[JsonSerializable(typeof(UserRoomEvent))]
[JsonSerializable(typeof(MessageUpdatedEvent))]
[JsonSerializable(typeof(ReactionEvent))]
[JsonSerializable(typeof(UserTypingEvent))]
[JsonSerializable(typeof(UserStopTypingEvent))]
[JsonSerializable(typeof(CallIncomingEvent))]
[JsonSerializable(typeof(CallParticipantEvent))]
[JsonSerializable(typeof(CallSignalEvent))]
[JsonSerializable(typeof(CallEndedEvent))]
[JsonSerializable(typeof(SystemAnnouncementEvent))]
[JsonSerializable(typeof(ConnectErrorData))]
[JsonSerializable(typeof(AckFailure))]
[JsonSerializable(typeof(EmptyAck))]
[JsonSerializable(typeof(AuthenticatedAck))]
[JsonSerializable(typeof(RoomJoinedAck))]
[JsonSerializable(typeof(RoomLeftAck))]
[JsonSerializable(typeof(MessageSentAck))]
[JsonSerializable(typeof(MessageEditedAck))]
[JsonSerializable(typeof(MessageDeletedAck))]
[JsonSerializable(typeof(ReactionAck))]
[JsonSerializable(typeof(PresenceListAck))]
[JsonSerializable(typeof(CallAck))]
[JsonSerializable(typeof(NotificationReadAck))]
internal sealed partial class SynapseJsonContext : JsonSerializerContext
{
    /// <summary>Options for the Socket.IO serializer: web defaults, this context first, reflection as fallback.</summary>
    public static JsonSerializerOptions CreateSocketOptions() => new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver()),
    };
}
