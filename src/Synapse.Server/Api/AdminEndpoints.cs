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

        // Memory figures for long-running checks (scripts/soak samples them to tell a leak from
        // the GC's own heap sizing, which RSS alone cannot).
        group.MapGet("/diagnostics/memory", (HttpContext http) =>
        {
            if (!CurrentUser.Get(http).IsAdmin)
            {
                return AppError.Forbidden("Only administrators may read diagnostics.").ToHttpResult();
            }

            var info = GC.GetGCMemoryInfo();
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return TypedResults.Ok(new MemoryDiagnostics(
                process.WorkingSet64,
                GC.GetTotalMemory(forceFullCollection: false),
                info.HeapSizeBytes,
                info.TotalCommittedBytes,
                GC.CollectionCount(0),
                GC.CollectionCount(1),
                GC.CollectionCount(2)));
        });

        return group;
    }
}

/// <summary><c>POST /api/admin/announcements</c>.</summary>
public sealed record AnnouncementRequest(string? Message);

/// <summary>The announcement as sent in <c>system:announcement</c>.</summary>
public sealed record AnnouncementResponse(string Message, DateTimeOffset CreatedAt);

/// <summary><c>GET /api/admin/diagnostics/memory</c>: the process's resident set and the managed heap, in bytes.</summary>
public sealed record MemoryDiagnostics(
    long WorkingSetBytes,
    long ManagedAllocatedBytes,
    long GcHeapSizeBytes,
    long GcCommittedBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections);
