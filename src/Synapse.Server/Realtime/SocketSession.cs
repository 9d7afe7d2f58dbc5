using Synapse.Server.Domain;
using Synapse.SocketIO;

namespace Synapse.Server.Realtime;

/// <summary>
/// One authenticated connection: the socket and the user its access token named. Its events are
/// handled one at a time, in arrival order (see <see cref="SocketEventDispatcher"/>), so a client's
/// messages are stored in the order it sent them.
/// </summary>
public sealed class SocketSession
{
    /// <summary>The key under which the middleware leaves the <see cref="Domain.User"/> in <c>socket.Data</c>.</summary>
    public const string UserDataKey = "user";

    private int _closed;

    /// <summary>Creates the session.</summary>
    public SocketSession(Socket socket, User user)
    {
        Socket = socket;
        User = user;
        Disconnected = socket.DisconnectedToken;
    }

    /// <summary>The socket.</summary>
    public Socket Socket { get; }

    /// <summary>Who is connected (verified at connection time).</summary>
    public User User { get; }

    /// <summary>The socket id.</summary>
    public string Id => Socket.Id;

    /// <summary>Cancelled when the socket disconnects (taken once, while the socket is alive).</summary>
    public CancellationToken Disconnected { get; }

    /// <summary>Serialises the handling of this socket's events.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The counting of this socket in presence: the disconnect clean-up waits for it.</summary>
    internal Task Counted { get; set; } = Task.CompletedTask;

    /// <summary>True once, for whoever runs the disconnect clean-up.</summary>
    internal bool TryClose() => Interlocked.Exchange(ref _closed, 1) == 0;
}
